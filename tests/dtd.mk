# tests of dtd: the HTTP API against a real dtd on a loopback port
# (libcurl), restarts and SIGKILL, the whole-request deadline on raw
# sockets, and the dashboard in headless chromium.
if BUILD_DTD
check_PROGRAMS += tests/dtd/dtd-api tests/dtd/dtd-persist tests/dtd/dtd-data \
	tests/dtd/dtd-deadline tests/dtd/dtd-security
tests_dtd_dtd_api_SOURCES = tests/dtd/api.c tests/dtd/harness.c tests/dtd/harness.h
tests_dtd_dtd_api_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_dtd_dtd_api_LDADD = $(TEST_LIBS) $(CURL_LIBS)
tests_dtd_dtd_persist_SOURCES = tests/dtd/persist.c tests/dtd/harness.c tests/dtd/harness.h
tests_dtd_dtd_persist_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_dtd_dtd_persist_LDADD = $(TEST_LIBS) $(CURL_LIBS)
tests_dtd_dtd_deadline_SOURCES = tests/dtd/deadline.c tests/dtd/harness.c tests/dtd/harness.h
tests_dtd_dtd_deadline_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_dtd_dtd_deadline_LDADD = $(TEST_LIBS) $(CURL_LIBS)
tests_dtd_dtd_security_SOURCES = tests/dtd/security.c tests/dtd/harness.c tests/dtd/harness.h
tests_dtd_dtd_security_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS) $(SQLITE_CFLAGS)
tests_dtd_dtd_security_LDADD = $(TEST_LIBS) $(CURL_LIBS) $(SQLITE_LIBS) $(PTHREAD_LIBS)
tests_dtd_dtd_data_SOURCES = tests/dtd/data.c core/dtd/data.c core/dtd/files.c
tests_dtd_dtd_data_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/core/dtd $(SQLITE_CFLAGS)
tests_dtd_dtd_data_LDADD = $(TEST_LIBS)
TESTS += tests/dtd/dtd-data tests/dtd/dtd-api tests/dtd/dtd-persist \
	tests/dtd/dtd-deadline tests/dtd/dtd-security tests/dtd/browser.sh
endif
dist_noinst_SCRIPTS += tests/dtd/browser.sh
EXTRA_DIST += tests/dtd/browser.mjs tests/dtd/package.json \
	tests/dtd/package-lock.json tests/dtd/suites/dtd-bank.yaml \
	tests/dtd/suites/dtd-register-stale.yaml tests/dtd/suites/dtd-broken.yaml \
	tests/dtd/suites/dtd-redis-nodes.yaml
# dtd as a service: schedules, campaigns, trends, compare, retention,
# webhooks, archives (tests/dtd/service.c)
if BUILD_DTD
check_PROGRAMS += tests/dtd/dtd-service
tests_dtd_dtd_service_SOURCES = tests/dtd/service.c tests/dtd/harness.c tests/dtd/harness.h
tests_dtd_dtd_service_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_dtd_dtd_service_LDADD = $(TEST_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
TESTS += tests/dtd/dtd-service
endif
# dt-run campaign FILE: the table, the exit status, stop-at-first-invalid
TESTS += tests/dtd/campaign-cli.sh
dist_noinst_SCRIPTS += tests/dtd/campaign-cli.sh
