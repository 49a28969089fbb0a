# bench/: speed and memory targets, measured, never asserted in tests.
include bench/checker.mk
include bench/driver.mk
include bench/run.mk

# dtd's peak RSS for 64 metrics requests at once on a 50 MB history
# (issue 16, item 4).  BENCH_DTD_FLAGS: N SIZE_MB.
EXTRA_DIST += bench/dtd/bench-metrics.sh
.PHONY: bench-dtd
bench-dtd: all
	DT_BUILDDIR='$(abs_top_builddir)' DT_SRCDIR='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/bench/dtd/bench-metrics.sh $(BENCH_DTD_FLAGS)
include bench/faultfs.mk
include bench/clock.mk
include bench/exec.mk
include bench/http.mk
include bench/etcd.mk
