# tests of systems: the redis and etcd clients against real servers on
# 127.0.0.1, their parsers, and the suites end to end (root, local
# platform).  Budget: under 5 minutes.
SYSTEMS_TEST_SOURCES = tests/systems/harness.c tests/systems/harness.h
SYSTEMS_TEST_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
SYSTEMS_TEST_LIBS = $(TEST_LIBS) $(CURL_LIBS)

if BUILD_REDIS
check_PROGRAMS += tests/systems/redis_client
tests_systems_redis_client_SOURCES = tests/systems/redis_client.c $(SYSTEMS_TEST_SOURCES)
tests_systems_redis_client_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_redis_client_LDADD = $(SYSTEMS_TEST_LIBS)

check_PROGRAMS += tests/systems/redis_info
tests_systems_redis_info_SOURCES = tests/systems/redis_info.c plugins/redis/info.c
tests_systems_redis_info_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/plugins/redis
tests_systems_redis_info_LDADD = $(TEST_LIBS) -lm

TESTS += tests/systems/redis_info tests/systems/redis_client
endif

if BUILD_ETCD

check_PROGRAMS += tests/systems/etcd_client
tests_systems_etcd_client_SOURCES = tests/systems/etcd_client.c $(SYSTEMS_TEST_SOURCES)
tests_systems_etcd_client_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_etcd_client_LDADD = $(SYSTEMS_TEST_LIBS)

check_PROGRAMS += tests/systems/etcd_parsers
tests_systems_etcd_parsers_SOURCES = tests/systems/etcd_parsers.c \
	plugins/etcd/prom.c
tests_systems_etcd_parsers_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/plugins/etcd
tests_systems_etcd_parsers_LDADD = $(TEST_LIBS) -lm

# the etcd client's reply parsers, compiled in
check_PROGRAMS += tests/systems/etcd_reply
tests_systems_etcd_reply_SOURCES = tests/systems/etcd_reply.c \
	plugins/etcd/reply.c
tests_systems_etcd_reply_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/plugins/etcd
tests_systems_etcd_reply_LDADD = $(TEST_LIBS)

TESTS += tests/systems/etcd_parsers tests/systems/etcd_reply tests/systems/etcd_client

# the revisions and watch workloads against a real etcd
check_PROGRAMS += tests/systems/etcd_revisions
tests_systems_etcd_revisions_SOURCES = tests/systems/etcd_revisions.c $(SYSTEMS_TEST_SOURCES)
tests_systems_etcd_revisions_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_etcd_revisions_LDADD = $(SYSTEMS_TEST_LIBS) -lpthread
TESTS += tests/systems/etcd_revisions
endif

# The suites end to end (root and the local platform; skipped otherwise):
# redis and etcd both.
if BUILD_REDIS
if BUILD_ETCD
check_PROGRAMS += tests/systems/suites
tests_systems_suites_SOURCES = tests/systems/suites.c
tests_systems_suites_CFLAGS = $(TEST_CFLAGS)
tests_systems_suites_LDADD = $(TEST_LIBS)

TESTS += tests/systems/suites
endif
endif

# the exec client against real programs (python3) and its reply parser
check_PROGRAMS += tests/systems/exec_client
tests_systems_exec_client_SOURCES = tests/systems/exec_client.c $(SYSTEMS_TEST_SOURCES)
tests_systems_exec_client_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_exec_client_LDADD = $(SYSTEMS_TEST_LIBS)
EXTRA_tests_systems_exec_client_DEPENDENCIES = plugins/exec/dt_exec.la
EXTRA_DIST += tests/systems/exec_misbehave.py
TESTS += tests/systems/exec_client

# the http client: its parts compiled in, and against a real etcd
if BUILD_HTTP
check_PROGRAMS += tests/systems/http_parts
tests_systems_http_parts_SOURCES = tests/systems/http_parts.c \
	plugins/http/template.c plugins/http/reply.c plugins/http/ops.c
tests_systems_http_parts_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/plugins/http
tests_systems_http_parts_LDADD = $(TEST_LIBS)
TESTS += tests/systems/http_parts
if BUILD_ETCD
check_PROGRAMS += tests/systems/http_client
tests_systems_http_client_SOURCES = tests/systems/http_client.c $(SYSTEMS_TEST_SOURCES)
tests_systems_http_client_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_http_client_LDADD = $(SYSTEMS_TEST_LIBS)
EXTRA_tests_systems_http_client_DEPENDENCIES = plugins/http/dt_http.la
TESTS += tests/systems/http_client
endif
endif

# the postgres and mariadb clients against real servers (root: the
# servers run as their system users)
if BUILD_POSTGRES
if BUILD_MARIADB
check_PROGRAMS += tests/systems/sql_client
tests_systems_sql_client_SOURCES = tests/systems/sql_client.c \
	tests/systems/sql_servers.c tests/systems/sql_servers.h \
	$(SYSTEMS_TEST_SOURCES)
tests_systems_sql_client_CFLAGS = $(SYSTEMS_TEST_CFLAGS)
tests_systems_sql_client_LDADD = $(SYSTEMS_TEST_LIBS)
TESTS += tests/systems/sql_client
endif
endif

# the SQL suites end to end (root, local platform)
if BUILD_POSTGRES
if BUILD_MARIADB
check_PROGRAMS += tests/systems/sql_suites
tests_systems_sql_suites_SOURCES = tests/systems/sql_suites.c
tests_systems_sql_suites_CFLAGS = $(TEST_CFLAGS)
tests_systems_sql_suites_LDADD = $(TEST_LIBS)
TESTS += tests/systems/sql_suites
endif
endif
