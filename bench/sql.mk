# The SQL demonstrations (issue 19): `make bench-sql` runs each of the
# postgres, mariadb and galera suites BENCH_SQL_RUNS times (10) with
# seeds 1..N on the real servers and prints every verdict and a summary
# a suite (bench/sql/demos.sh; BENCH_SQL_SUITES to choose).  Needs root;
# about 40 s a run.
EXTRA_DIST += bench/sql/demos.sh
BENCH_SQL_RUNS = 10
BENCH_SQL_SUITES =
.PHONY: bench-sql
bench-sql: all
	DT_BUILDDIR='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/sql/demos.sh \
		$(BENCH_SQL_RUNS) $(BENCH_SQL_SUITES)
