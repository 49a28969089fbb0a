# robustness: hostile input, crash safety, valgrind (tests/robust/).
#
#   make check            runs these with the rest
#   make check-valgrind   runs every Criterion test program of `make check`
#                         under valgrind memcheck (see tests/robust/valgrind-check)
#   tests/robust/asan-check   the same suite in an --enable-asan build

robust_tests = \
	tests/robust/test_bad_input
check_PROGRAMS += $(robust_tests)
TESTS += $(robust_tests)

ROBUST_COMMON = tests/robust/robust.c tests/robust/robust.h
tests_robust_test_bad_input_SOURCES = tests/robust/test_bad_input.c $(ROBUST_COMMON)
tests_robust_test_bad_input_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_bad_input_LDADD = $(TEST_LIBS)
