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
include bench/isolation.mk
include bench/sql.mk
include bench/clock.mk
include bench/exec.mk
include bench/http.mk
include bench/etcd.mk
# dtd's RSS over a 30-minute soak schedule of mem runs (issue 21).
# BENCH_DTD_SOAK_FLAGS: MINUTES SUITE TIME_LIMIT.
EXTRA_DIST += bench/dtd/bench-soak.sh
.PHONY: bench-dtd-soak
bench-dtd-soak: all
	DT_BUILDDIR='$(abs_top_builddir)' DT_SRCDIR='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/bench/dtd/bench-soak.sh $(BENCH_DTD_SOAK_FLAGS)
