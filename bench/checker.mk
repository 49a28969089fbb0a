# checker benchmark: `make bench-checker` builds bench/checker/dt-bench-checker
# and runs it over ../shared/testdata (per-file seconds beside porcupine's,
# totals, scaling figures).
noinst_PROGRAMS += bench/checker/dt-bench-checker
bench_checker_dt_bench_checker_SOURCES = \
	bench/checker/bench_checker.c \
	bench/checker/gen.c bench/checker/gen.h
bench_checker_dt_bench_checker_LDADD = $(ENGINE_LIBS)

.PHONY: bench-checker
bench-checker: bench/checker/dt-bench-checker$(EXEEXT) \
		plugins/linearizable/dt_linearizable.la plugins/models/dt_models.la
	DT_TESTDATA='$(abs_top_srcdir)/../shared/testdata' \
		bench/checker/dt-bench-checker $(BENCH_CHECKER_FLAGS)
