# exec client benchmark: `make bench-exec` runs bench/exec/bench-exec.sh:
# the register workload unthrottled on the mem client (in process) and
# on the exec client (a C program that answers at once, and the Python
# example), 2, 8 and 32 workers: ops/s and mean latency per op, whose
# difference is what the protocol costs an operation.
# BENCH_EXEC_SECONDS: seconds a run (default 10).
noinst_PROGRAMS += bench/exec/dt-bench-exec-echo
bench_exec_dt_bench_exec_echo_SOURCES = bench/exec/echo.c
EXTRA_DIST += bench/exec/bench-exec.sh

.PHONY: bench-exec
bench-exec: bench/exec/dt-bench-exec-echo$(EXEEXT) core/dt-run$(EXEEXT) \
		plugins/exec/dt_exec.la plugins/mem/dt_mem.la \
		plugins/register/dt_register.la plugins/stats/dt_stats.la
	DT_BUILDDIR='$(abs_top_builddir)' DT_SRCDIR='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/bench/exec/bench-exec.sh $(BENCH_EXEC_SECONDS)
