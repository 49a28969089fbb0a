# robustness: hostile input, crash safety, valgrind (tests/robust/).
#
#   make check            runs these with the rest
#   make check-valgrind   runs every Criterion test program of `make check`
#                         under valgrind memcheck (see tests/robust/valgrind-check)
#   tests/robust/asan-check   the same suite in an --enable-asan build

robust_tests = \
	tests/robust/test_bad_input \
	tests/robust/test_config_errors
check_PROGRAMS += $(robust_tests)
TESTS += $(robust_tests)
tests_robust_test_config_errors_SOURCES = tests/robust/test_config_errors.c $(ROBUST_COMMON)
tests_robust_test_config_errors_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_config_errors_LDADD = $(TEST_LIBS)

ROBUST_COMMON = tests/robust/robust.c tests/robust/robust.h
tests_robust_test_bad_input_SOURCES = tests/robust/test_bad_input.c $(ROBUST_COMMON)
tests_robust_test_bad_input_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_bad_input_LDADD = $(TEST_LIBS)

robust_tests_crash = tests/robust/test_crash
check_PROGRAMS += $(robust_tests_crash)
TESTS += $(robust_tests_crash)
tests_robust_test_crash_SOURCES = tests/robust/test_crash.c $(ROBUST_COMMON)
tests_robust_test_crash_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_crash_LDADD = $(TEST_LIBS)

# test-only plugin: crashes where the suite says
check_LTLIBRARIES += tests/robust/plugins/dt_crashy.la
tests_robust_plugins_dt_crashy_la_SOURCES = tests/robust/plugins/crashy.c
tests_robust_plugins_dt_crashy_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_robust_plugins_dt_crashy_la_LIBADD = $(PLUGIN_LIBADD)

EXTRA_DIST += tests/robust/valgrind-check tests/robust/valgrind.supp \
	tests/robust/RELIABILITY.md tests/robust/lsan.supp \
	tests/robust/asan-check

# Every Criterion program of `make check`, and the fuzz corpus replay,
# under valgrind memcheck (about 10 times slower than make check).
check-valgrind: $(check_PROGRAMS) $(check_LTLIBRARIES) all
	@$(AM_TESTS_ENVIRONMENT) VALGRIND='$(VALGRIND)' LIBTOOL='$(LIBTOOL)' \
	$(SHELL) $(srcdir)/tests/robust/valgrind-check $(TESTS)

# the local platform's recipe (placeholders), compiled in
robust_tests_recipe = tests/robust/test_recipe
check_PROGRAMS += $(robust_tests_recipe)
TESTS += $(robust_tests_recipe)
tests_robust_test_recipe_SOURCES = tests/robust/test_recipe.c plugins/local/recipe.c
tests_robust_test_recipe_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/local
tests_robust_test_recipe_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_recipe_LDADD = $(TEST_LIBS)

# SIGKILL of local-platform runs, then `dt-run cleanup` (root; reuses
# the platform tests' leftover check)
robust_tests_crash_local = tests/robust/test_crash_local
check_PROGRAMS += $(robust_tests_crash_local)
TESTS += $(robust_tests_crash_local)
tests_robust_test_crash_local_SOURCES = tests/robust/test_crash_local.c \
	tests/platform/pf.c tests/platform/pf.h $(ROBUST_COMMON)
tests_robust_test_crash_local_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_crash_local_LDADD = $(TEST_LIBS)

# state files and claims someone else planted (root, with nobody as the
# second uid); setup.sh stops, disables and kills nothing (stubs)
robust_tests_state = tests/robust/test_state_owner
check_PROGRAMS += $(robust_tests_state)
TESTS += $(robust_tests_state) tests/robust/setup-services.sh
tests_robust_test_state_owner_SOURCES = tests/robust/test_state_owner.c $(ROBUST_COMMON)
tests_robust_test_state_owner_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_state_owner_LDADD = $(TEST_LIBS)
dist_noinst_SCRIPTS += tests/robust/setup-services.sh
# the same with dt-faultfs under the nodes (disk: faulty)
if BUILD_FAULTFS
robust_tests_crash_disk = tests/robust/test_crash_disk
check_PROGRAMS += $(robust_tests_crash_disk)
TESTS += $(robust_tests_crash_disk)
endif
tests_robust_test_crash_disk_SOURCES = tests/robust/test_crash_disk.c \
	tests/platform/pf.c tests/platform/pf.h $(ROBUST_COMMON)
tests_robust_test_crash_disk_CFLAGS = $(TEST_CFLAGS)
tests_robust_test_crash_disk_LDADD = $(TEST_LIBS)

# dtd against hostile clients (reuses the dtd tests' harness)
if BUILD_DTD
robust_tests_dtd = tests/robust/test_dtd_hostile
check_PROGRAMS += $(robust_tests_dtd)
TESTS += $(robust_tests_dtd)
endif
tests_robust_test_dtd_hostile_SOURCES = tests/robust/test_dtd_hostile.c \
	tests/dtd/harness.c tests/dtd/harness.h
tests_robust_test_dtd_hostile_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_robust_test_dtd_hostile_LDADD = $(TEST_LIBS) $(CURL_LIBS)
