# bench-clock: the clock demonstration measured over runs (issue 18):
# redis-lock-clock (the redis lock, its primary's clock bumped forward
# past the lease) RUNS times, expected invalid every time (mutex, the two
# holders named), and the same suite without its nemesis (-n ''),
# expected valid every time; a line a run, then the totals.  Needs root
# (the local platform).
#   make bench-clock [CLOCK_RUNS=10] [CLOCK_STORE=/tmp/dt-bench-clock]
CLOCK_RUNS = 10
CLOCK_STORE = /tmp/dt-bench-clock
EXTRA_DIST += bench/clock/verdicts.sh
bench-clock: all
	$(SHELL) $(srcdir)/bench/clock/verdicts.sh '$(abs_top_builddir)/core/dt-run' \
		$(srcdir)/suites/redis-lock-clock.yaml $(CLOCK_RUNS) '$(CLOCK_STORE)'
	$(SHELL) $(srcdir)/bench/clock/verdicts.sh '$(abs_top_builddir)/core/dt-run' \
		$(srcdir)/suites/redis-lock-clock.yaml $(CLOCK_RUNS) '$(CLOCK_STORE)' -n ''
.PHONY: bench-clock
