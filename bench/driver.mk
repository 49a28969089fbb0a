# driver benchmark
