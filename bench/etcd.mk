# bench/etcd.mk: the verdicts of the etcd suites over many runs (each run
# prints its verdict, its anomaly types and which member caught up by
# snapshot):
#   make bench-etcd-watch [ETCD_RUNS=10]         (suites/etcd-watch.yaml)
#   make bench-etcd-kv-revisions [ETCD_RUNS=10]  (suites/etcd-kv-revisions.yaml)
ETCD_RUNS = 10
EXTRA_DIST += bench/etcd/verdicts.sh
bench-etcd-watch: all
	$(SHELL) $(srcdir)/bench/etcd/verdicts.sh $(abs_top_builddir)/core/dt-run \
		$(srcdir)/suites/etcd-watch.yaml $(ETCD_RUNS)
bench-etcd-kv-revisions: all
	$(SHELL) $(srcdir)/bench/etcd/verdicts.sh $(abs_top_builddir)/core/dt-run \
		$(srcdir)/suites/etcd-kv-revisions.yaml $(ETCD_RUNS)
.PHONY: bench-etcd-watch bench-etcd-kv-revisions
