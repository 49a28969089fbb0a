# driver benchmark: `make bench-driver` builds bench/driver/dt-bench-driver
# and runs it: dt-run with history against redis-benchmark on the same
# local redis-server at the same concurrency (ops/s, ratio; target 80%),
# and the mem client's ops/s on 2 workers (target 1M).
# BENCH_DRIVER_FLAGS: -c CONCURRENCY -n REQUESTS -t SECONDS -m MEM_SECONDS
noinst_PROGRAMS += bench/driver/dt-bench-driver
bench_driver_dt_bench_driver_SOURCES = bench/driver/bench_driver.c
bench_driver_dt_bench_driver_CFLAGS = $(AM_CFLAGS) \
	-DBENCH_BUILDDIR='"$(abs_top_builddir)"'
bench_driver_dt_bench_driver_LDADD = $(JANSSON_LIBS)

.PHONY: bench-driver
bench-driver: bench/driver/dt-bench-driver$(EXEEXT) core/dt-run$(EXEEXT) \
		plugins/redis/dt_redis.la plugins/mem/dt_mem.la \
		plugins/register/dt_register.la plugins/stats/dt_stats.la
	DT_BUILDDIR='$(abs_top_builddir)' \
		bench/driver/dt-bench-driver $(BENCH_DRIVER_FLAGS)
	$(MAKE) $(AM_MAKEFLAGS) bench-recorder

# Where the time per op goes with a free system: values, encoding, the
# recorder, the recorder + per-op metrics, on 1 and 2 threads.
noinst_PROGRAMS += bench/driver/dt-bench-recorder
bench_driver_dt_bench_recorder_SOURCES = bench/driver/bench_recorder.c
bench_driver_dt_bench_recorder_LDADD = $(ENGINE_LIBS) $(PTHREAD_LIBS)

.PHONY: bench-recorder
bench-recorder: bench/driver/dt-bench-recorder$(EXEEXT)
	bench/driver/dt-bench-recorder $(BENCH_RECORDER_FLAGS)
