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
