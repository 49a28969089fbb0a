# tests of the local platform and the nemeses kill, pause, partition,
# throttle: real network namespaces, iptables, tc, socat and
# redis-server (they skip when not run as root).

# The README's example of a suite's own nemesis, built as a module.
check_LTLIBRARIES += tests/platform/plugins/dt_blackhole.la
tests_platform_plugins_dt_blackhole_la_SOURCES = tests/platform/plugins/blackhole.c
tests_platform_plugins_dt_blackhole_la_LDFLAGS = $(TEST_MODULE_FLAGS)
tests_platform_plugins_dt_blackhole_la_LIBADD = $(PLUGIN_LIBADD)

platform_tests = \
	tests/platform/test_command \
	tests/platform/test_local \
	tests/platform/test_nemesis \
	tests/platform/test_disk \
	tests/platform/test_clock
check_PROGRAMS += $(platform_tests)
TESTS += $(platform_tests)

tests_platform_test_command_SOURCES = tests/platform/test_command.c
tests_platform_test_command_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_command_LDADD = $(TEST_LIBS)

tests_platform_test_local_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_local.c
tests_platform_test_local_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_local_LDADD = $(TEST_LIBS)

# disk: faulty and the disk nemeses (dt-faultfs's client compiled in)
tests_platform_test_disk_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_disk.c \
	$(faultfs_client_sources)
tests_platform_test_disk_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/faultfs
tests_platform_test_disk_LDADD = $(TEST_LIBS)

# clock: fake and the clock nemeses on a real redis-server
tests_platform_test_clock_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_clock.c
tests_platform_test_clock_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_clock_LDADD = $(TEST_LIBS) -lm

tests_platform_test_nemesis_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_nemesis.c
tests_platform_test_nemesis_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_nemesis_LDADD = $(TEST_LIBS)

EXTRA_DIST += \
	tests/platform/charts/pf-redis.yaml \
	tests/platform/charts/pf-socat.yaml \
	tests/platform/charts/pf-disk.yaml \
	tests/platform/suites/pf-redis.yaml \
	tests/platform/suites/pf-redis-kill.yaml \
	tests/platform/suites/pf-socat-all.yaml \
	tests/platform/suites/pf-socat-blackhole.yaml
