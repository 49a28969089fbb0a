# isolation checker benchmark: `make bench-isolation` builds
# bench/isolation/dt-bench-isolation and runs it: 10k, 100k and 1M
# list-append transactions (strict serializable, 10 processes, 1,000
# keys) and one strongly connected component of 10,000 transactions.
noinst_PROGRAMS += bench/isolation/dt-bench-isolation
bench_isolation_dt_bench_isolation_SOURCES = bench/isolation/bench_isolation.c
bench_isolation_dt_bench_isolation_LDADD = $(ENGINE_LIBS)

.PHONY: bench-isolation
bench-isolation: bench/isolation/dt-bench-isolation$(EXEEXT) \
		plugins/isolation/dt_isolation.la
	bench/isolation/dt-bench-isolation $(BENCH_ISOLATION_FLAGS)
