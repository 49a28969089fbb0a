# tests of the core: YAML, suites, plugin loading, history, scheduler,
# dt-run end to end on the mem system.

check_LTLIBRARIES += \
	tests/core/plugins/dt_noentry.la \
	tests/core/plugins/dt_badabi.la \
	tests/core/plugins/dt_dup.la \
	tests/core/plugins/dt_initfail.la \
	tests/core/plugins/dt_crash.la \
	tests/core/plugins/dt_older.la \
	tests/core/plugins/dt_unsized.la \
	tests/core/plugins/dt_badopts.la \
	tests/core/plugins/dt_baddefault.la \
	tests/core/plugins/dt_abi1.la \
	tests/core/plugins/dt_slowheal.la \
	tests/core/plugins/dt_touch.la
tests_core_plugins_dt_noentry_la_SOURCES = tests/core/plugins/noentry.c
tests_core_plugins_dt_noentry_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_badabi_la_SOURCES = tests/core/plugins/badabi.c
tests_core_plugins_dt_badabi_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_badabi_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_dup_la_SOURCES = tests/core/plugins/dup.c
tests_core_plugins_dt_dup_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_dup_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_initfail_la_SOURCES = tests/core/plugins/initfail.c
tests_core_plugins_dt_initfail_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_initfail_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_crash_la_SOURCES = tests/core/plugins/crash.c
tests_core_plugins_dt_crash_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_crash_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_older_la_SOURCES = tests/core/plugins/older.c
tests_core_plugins_dt_older_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_older_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_unsized_la_SOURCES = tests/core/plugins/unsized.c
tests_core_plugins_dt_unsized_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_unsized_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_badopts_la_SOURCES = tests/core/plugins/badopts.c
tests_core_plugins_dt_badopts_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_badopts_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_baddefault_la_SOURCES = tests/core/plugins/badopts.c
tests_core_plugins_dt_baddefault_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_DEFAULT
tests_core_plugins_dt_baddefault_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_baddefault_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_slowheal_la_SOURCES = tests/core/plugins/slowheal.c
tests_core_plugins_dt_slowheal_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_slowheal_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_touch_la_SOURCES = tests/core/plugins/touch.c
tests_core_plugins_dt_touch_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_touch_la_LIBADD = $(PLUGIN_LIBADD)
tests_core_plugins_dt_abi1_la_SOURCES = tests/core/plugins/abi1.c
tests_core_plugins_dt_abi1_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_core_plugins_dt_abi1_la_LIBADD = $(PLUGIN_LIBADD)

core_tests = \
	tests/core/test_yaml \
	tests/core/test_suite \
	tests/core/test_plugins \
	tests/core/test_history \
	tests/core/test_scheduler \
	tests/core/test_run \
	tests/core/test_util \
	tests/core/test_abi \
	tests/core/test_timeline \
	tests/core/test_minimize
check_PROGRAMS += $(core_tests)
TESTS += $(core_tests) tests/core/test_boundary.sh
dist_noinst_SCRIPTS += tests/core/test_boundary.sh
tests_core_test_timeline_SOURCES = tests/core/test_timeline.c
tests_core_test_timeline_CFLAGS = $(TEST_CFLAGS)
tests_core_test_timeline_LDADD = $(TEST_LIBS)
tests_core_test_minimize_SOURCES = tests/core/test_minimize.c
tests_core_test_minimize_CFLAGS = $(TEST_CFLAGS)
tests_core_test_minimize_LDADD = $(TEST_LIBS)
tests_core_test_abi_SOURCES = tests/core/test_abi.c
tests_core_test_abi_CFLAGS = $(TEST_CFLAGS)
tests_core_test_abi_LDADD = $(TEST_LIBS)

tests_core_test_yaml_SOURCES = tests/core/test_yaml.c
tests_core_test_yaml_CFLAGS = $(TEST_CFLAGS)
tests_core_test_yaml_LDADD = $(TEST_LIBS)
tests_core_test_suite_SOURCES = tests/core/test_suite.c
tests_core_test_suite_CFLAGS = $(TEST_CFLAGS)
tests_core_test_suite_LDADD = $(TEST_LIBS)
tests_core_test_plugins_SOURCES = tests/core/test_plugins.c
tests_core_test_plugins_CFLAGS = $(TEST_CFLAGS)
tests_core_test_plugins_LDADD = $(TEST_LIBS)
tests_core_test_history_SOURCES = tests/core/test_history.c
tests_core_test_history_CFLAGS = $(TEST_CFLAGS)
tests_core_test_history_LDADD = $(TEST_LIBS)
tests_core_test_scheduler_SOURCES = tests/core/test_scheduler.c
tests_core_test_scheduler_CFLAGS = $(TEST_CFLAGS)
tests_core_test_scheduler_LDADD = $(TEST_LIBS) -lm
tests_core_test_run_SOURCES = tests/core/test_run.c
tests_core_test_run_CFLAGS = $(TEST_CFLAGS)
tests_core_test_run_LDADD = $(TEST_LIBS)
tests_core_test_util_SOURCES = tests/core/test_util.c
tests_core_test_util_CFLAGS = $(TEST_CFLAGS)
tests_core_test_util_LDADD = $(TEST_LIBS)
