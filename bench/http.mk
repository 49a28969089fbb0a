# http client benchmark: `make bench-http` runs bench/http/bench-http.sh:
# etcd through the http client (suites/etcd-http*.yaml, YAML only) and
# through the C client (suites/etcd*.yaml), verdicts of BENCH_HTTP_RUNS
# runs (default 5) of BENCH_HTTP_SECONDS (default 15) each, and ops/s
# unthrottled.  Root (the local platform).
EXTRA_DIST += bench/http/bench-http.sh

.PHONY: bench-http
bench-http: all
	DT_BUILDDIR='$(abs_top_builddir)' DT_SRCDIR='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/bench/http/bench-http.sh $(BENCH_HTTP_RUNS) \
		$(BENCH_HTTP_SECONDS)
