# fuzz targets: one per parser of outside input (tests/fuzz/fuzz_*.c).
#
# With `./configure --enable-fuzzing CC=clang` each is a libFuzzer
# program: `make fuzz` runs every one for FUZZ_SECONDS (default 60),
# `make fuzz-ci` for FUZZ_CI_SECONDS (default 10) each.  New inputs go to
# tests/fuzz/work/TARGET in the build tree (the seeds in
# tests/fuzz/corpus/TARGET are read, never written); crashes to
# tests/fuzz/artifacts/.  A crash found is copied to
# tests/fuzz/regress/TARGET/ in the source tree and becomes a test:
#
# In every build each target is also linked with tests/fuzz/replay.c as
# tests/fuzz/replay_TARGET, and `make check` replays the seed corpus and
# the regressions through it (under ASan or valgrind as the build is).

FUZZ_NAMES = yaml suite history_line history_jsonl
FUZZ_SECONDS = 60
FUZZ_CI_SECONDS = 10
FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/scratch.c
FUZZ_LIBS = core/libdt.la $(JANSSON_LIBS)

check_PROGRAMS += tests/fuzz/replay_yaml tests/fuzz/replay_suite \
	tests/fuzz/replay_history_line tests/fuzz/replay_history_jsonl
tests_fuzz_replay_yaml_SOURCES = tests/fuzz/fuzz_yaml.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_yaml_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_suite_SOURCES = tests/fuzz/fuzz_suite.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_suite_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_history_line_SOURCES = tests/fuzz/fuzz_history_line.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_history_line_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_history_jsonl_SOURCES = tests/fuzz/fuzz_history_jsonl.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_history_jsonl_LDADD = $(FUZZ_LIBS)
TESTS += tests/fuzz/replay-corpus
EXTRA_DIST += tests/fuzz/replay-corpus tests/fuzz/run-fuzz tests/fuzz/corpus \
	tests/fuzz/regress

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_yaml tests/fuzz/fuzz_suite \
	tests/fuzz/fuzz_history_line tests/fuzz/fuzz_history_jsonl
tests_fuzz_fuzz_yaml_SOURCES = tests/fuzz/fuzz_yaml.c $(FUZZ_COMMON)
tests_fuzz_fuzz_yaml_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_yaml_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_suite_SOURCES = tests/fuzz/fuzz_suite.c $(FUZZ_COMMON)
tests_fuzz_fuzz_suite_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_suite_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_history_line_SOURCES = tests/fuzz/fuzz_history_line.c $(FUZZ_COMMON)
tests_fuzz_fuzz_history_line_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_history_line_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_history_jsonl_SOURCES = tests/fuzz/fuzz_history_jsonl.c $(FUZZ_COMMON)
tests_fuzz_fuzz_history_jsonl_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_history_jsonl_LDADD = $(FUZZ_LIBS)

fuzz: all
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)
fuzz-ci: all
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz $(FUZZ_CI_SECONDS) $(FUZZ_NAMES)
else
fuzz fuzz-ci:
	@echo "make $@: configure with --enable-fuzzing CC=clang first" >&2; exit 1
endif
.PHONY: fuzz fuzz-ci
