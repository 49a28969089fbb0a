# checker benchmark: `make bench-checker` builds bench/checker/dt-bench-checker
# and runs it over ../shared/testdata (per-file seconds beside porcupine's
# recorded ones), then every class of bench/checker/classes.h beside
# porcupine itself, measured in the same run: porc-check is built from
# ../shared/bench/porcupine (with Debian's golang-go, no network) into
# bench/checker/porc when it can be; the table says so when it cannot.
noinst_PROGRAMS += bench/checker/dt-bench-checker
bench_checker_dt_bench_checker_SOURCES = \
	bench/checker/bench_checker.c \
	bench/checker/gen.c bench/checker/gen.h \
	bench/checker/sidebyside.c bench/checker/sidebyside.h \
	bench/checker/classes.c bench/checker/classes.h
bench_checker_dt_bench_checker_LDADD = $(ENGINE_LIBS)

.PHONY: bench-checker
bench-checker: bench/checker/dt-bench-checker$(EXEEXT) core/dt-check$(EXEEXT) \
		plugins/linearizable/dt_linearizable.la plugins/models/dt_models.la
	@porc='$(abs_top_srcdir)/../shared/bench/porcupine'; \
	if [ ! -x bench/checker/porc/porc-check ] && [ -x "$$porc/build.sh" ] && \
	   command -v go >/dev/null; then \
	  "$$porc/build.sh" '$(abs_builddir)/bench/checker/porc' >/dev/null || \
	  echo "bench-checker: porc-check did not build"; fi; \
	[ -x bench/checker/porc/porc-check ] || echo "bench-checker: no porcupine \
	($$porc/build.sh needs golang-go): DT alone"
	DT_TESTDATA='$(abs_top_srcdir)/../shared/testdata' \
	PORC_CHECK='$(abs_builddir)/bench/checker/porc/porc-check' \
		bench/checker/dt-bench-checker $(BENCH_CHECKER_FLAGS)

clean-local: clean-bench-checker
.PHONY: clean-bench-checker
clean-bench-checker:
	rm -rf bench/checker/porc
