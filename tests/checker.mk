# tests of the checker: verdicts on porcupine's histories, property and
# brute-force agreement (test_lin), the bank invariant on hand-written
# histories (test_bank), dt-run and dt-check end to end (test_e2e), the
# watch checker and the etcd model on hand-written histories (test_watch,
# test_etcd_model).
checker_tests = \
	tests/checker/test_lin \
	tests/checker/test_bank \
	tests/checker/test_mutex \
	tests/checker/test_setfull \
	tests/checker/test_e2e
checker_tests += tests/checker/test_isolation tests/checker/test_isolation_mem
checker_tests += tests/checker/test_hardkey
checker_tests += tests/checker/test_import
checker_tests += tests/checker/test_certify
checker_tests += tests/checker/test_watch tests/checker/test_etcd_model
check_PROGRAMS += $(checker_tests)
TESTS += $(checker_tests)

tests_checker_test_lin_SOURCES = tests/checker/test_lin.c \
	tests/checker/common.c tests/checker/common.h \
	bench/checker/gen.c bench/checker/gen.h
tests_checker_test_lin_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/bench/checker
tests_checker_test_lin_LDADD = $(TEST_LIBS)
tests_checker_test_e2e_SOURCES = tests/checker/test_e2e.c
tests_checker_test_e2e_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_e2e_LDADD = $(TEST_LIBS)
tests_checker_test_bank_SOURCES = tests/checker/test_bank.c
tests_checker_test_bank_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_bank_LDADD = $(TEST_LIBS)
tests_checker_test_isolation_SOURCES = tests/checker/test_isolation.c
tests_checker_test_isolation_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_isolation_LDADD = $(TEST_LIBS)
tests_checker_test_isolation_mem_SOURCES = tests/checker/test_isolation_mem.c
tests_checker_test_isolation_mem_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_isolation_mem_LDADD = $(TEST_LIBS)
tests_checker_test_hardkey_SOURCES = tests/checker/test_hardkey.c \
	tests/checker/common.c tests/checker/common.h \
	bench/checker/gen.c bench/checker/gen.h
tests_checker_test_hardkey_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/bench/checker
tests_checker_test_hardkey_LDADD = $(TEST_LIBS)
tests_checker_test_import_SOURCES = tests/checker/test_import.c \
	tests/checker/common.c tests/checker/common.h
tests_checker_test_import_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_import_LDADD = $(TEST_LIBS)
tests_checker_test_certify_SOURCES = tests/checker/test_certify.c \
	tests/checker/certify.c tests/checker/certify.h \
	tests/checker/common.c tests/checker/common.h \
	bench/checker/gen.c bench/checker/gen.h
tests_checker_test_certify_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/bench/checker
tests_checker_test_certify_LDADD = $(TEST_LIBS)
tests_checker_test_mutex_SOURCES = tests/checker/test_mutex.c
tests_checker_test_mutex_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_mutex_LDADD = $(TEST_LIBS)
tests_checker_test_setfull_SOURCES = tests/checker/test_setfull.c
tests_checker_test_setfull_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_setfull_LDADD = $(TEST_LIBS)
tests_checker_test_watch_SOURCES = tests/checker/test_watch.c \
	tests/checker/handwritten.c tests/checker/handwritten.h
tests_checker_test_watch_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_watch_LDADD = $(TEST_LIBS)
tests_checker_test_etcd_model_SOURCES = tests/checker/test_etcd_model.c \
	tests/checker/handwritten.c tests/checker/handwritten.h
tests_checker_test_etcd_model_CFLAGS = $(TEST_CFLAGS)
tests_checker_test_etcd_model_LDADD = $(TEST_LIBS)
