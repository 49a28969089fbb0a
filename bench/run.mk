# bench/run.mk: the local platform and the run folder.
#
# bench-startup: how soon the local platform's nodes serve (readiness as
# the system says it) and how fast they go away (one at a time), per run:
#   make bench-startup [STARTUP_SUITE=etcd] [STARTUP_RUNS=10] [DT_RUN=...]
# DT_RUN may name an older dt-run to compare (bench/startup/startup.sh).
STARTUP_SUITE = etcd
STARTUP_RUNS = 10
DT_RUN = $(abs_top_builddir)/core/dt-run
EXTRA_DIST += bench/startup/startup.sh
bench-startup: all
	$(SHELL) $(srcdir)/bench/startup/startup.sh '$(DT_RUN)' '$(STARTUP_SUITE)' '$(STARTUP_RUNS)'
.PHONY: bench-startup

# bench-timeline: the size and speed of a run's timeline.html on a
# million operations (TIMELINE_OPS), written and opened in headless Chromium.
TIMELINE_OPS = 1000000
EXTRA_DIST += bench/timeline/timeline.sh bench/timeline/genhistory.py bench/timeline/open.mjs
bench-timeline: all
	DT_RUN=$(abs_top_builddir)/core/dt-run $(SHELL) $(srcdir)/bench/timeline/timeline.sh $(TIMELINE_OPS)
.PHONY: bench-timeline

# bench-lostwrites: how often redis-sentinel-partition (or LOSTWRITES_SUITE)
# loses acknowledged adds over LOSTWRITES_RUNS runs (seeds 1..N), with the
# figures of each run (issue 15: invalid in at least 9 of 10).  Root.
LOSTWRITES_SUITE = redis-sentinel-partition
LOSTWRITES_RUNS = 10
EXTRA_DIST += bench/lostwrites/lostwrites.sh
bench-lostwrites: all
	$(SHELL) $(srcdir)/bench/lostwrites/lostwrites.sh '$(DT_RUN)' '$(LOSTWRITES_SUITE)' '$(LOSTWRITES_RUNS)'
.PHONY: bench-lostwrites
