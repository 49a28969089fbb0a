# tests of the local platform and the nemeses kill, pause, partition,
# throttle: real network namespaces, iptables, tc, socat and
# redis-server (they skip when not run as root).

platform_tests = \
	tests/platform/test_local \
	tests/platform/test_nemesis
check_PROGRAMS += $(platform_tests)
TESTS += $(platform_tests)

tests_platform_test_local_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_local.c
tests_platform_test_local_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_local_LDADD = $(TEST_LIBS)

tests_platform_test_nemesis_SOURCES = \
	tests/platform/pf.h tests/platform/pf.c tests/platform/test_nemesis.c
tests_platform_test_nemesis_CFLAGS = $(TEST_CFLAGS)
tests_platform_test_nemesis_LDADD = $(TEST_LIBS)

EXTRA_DIST += \
	tests/platform/charts/pf-redis.yaml \
	tests/platform/charts/pf-socat.yaml \
	tests/platform/suites/pf-redis.yaml \
	tests/platform/suites/pf-redis-kill.yaml \
	tests/platform/suites/pf-socat-all.yaml
