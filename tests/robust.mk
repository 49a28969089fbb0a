# robustness: hostile input, crash safety, valgrind
