# dt-faultfs benchmark: `make bench-faultfs` builds
# bench/faultfs/dt-bench-faultfs and runs it: redis-server with
# appendfsync always on dt-faultfs against on the backing file system
# directly, SET requests a second (target: dt-faultfs keeps half), on
# tmpfs (/dev/shm) and on the build tree's own file system.
# BENCH_FAULTFS_FLAGS: -n REQUESTS -c CLIENTS -R ROUNDS; needs root.
if BUILD_FAULTFS
noinst_PROGRAMS += bench/faultfs/dt-bench-faultfs
bench_faultfs_dt_bench_faultfs_SOURCES = bench/faultfs/bench_faultfs.c \
	$(faultfs_client_sources)
bench_faultfs_dt_bench_faultfs_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/faultfs
bench_faultfs_dt_bench_faultfs_CFLAGS = $(AM_CFLAGS) \
	-DBENCH_BUILDDIR='"$(abs_top_builddir)"'
bench_faultfs_dt_bench_faultfs_LDADD = core/libdt.la $(JANSSON_LIBS)

bench-faultfs: bench/faultfs/dt-bench-faultfs$(EXEEXT) faultfs/dt-faultfs$(EXEEXT)
	DT_BUILDDIR='$(abs_top_builddir)' \
		bench/faultfs/dt-bench-faultfs -d /dev/shm $(BENCH_FAULTFS_FLAGS)
	DT_BUILDDIR='$(abs_top_builddir)' \
		bench/faultfs/dt-bench-faultfs -d '$(abs_top_builddir)' $(BENCH_FAULTFS_FLAGS)
else
bench-faultfs:
	@echo "make $@: dt-faultfs is not built (configure without --disable-faultfs)" >&2; exit 1
endif
.PHONY: bench-faultfs
