# checker benchmark
