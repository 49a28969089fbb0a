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

FUZZ_NAMES = yaml suite history_line history_jsonl edn history_import \
	linearizable prom redis_info etcd_reply faultfs_proto elf_reach
FUZZ_NAMES += isolation
FUZZ_NAMES += nemesis_arg
FUZZ_NAMES += etcd_watch
FUZZ_NAMES += sql_list
if BUILD_DTD
FUZZ_NAMES += dtd_api dtd_host dtd_data
endif
FUZZ_SECONDS = 60
FUZZ_CI_SECONDS = 10
FUZZ_COMMON = tests/fuzz/fuzz.h tests/fuzz/scratch.c
FUZZ_LIBS = $(ENGINE_LIBS)

check_PROGRAMS += tests/fuzz/replay_yaml tests/fuzz/replay_suite \
	tests/fuzz/replay_history_line tests/fuzz/replay_history_jsonl \
	tests/fuzz/replay_edn tests/fuzz/replay_history_import \
	tests/fuzz/replay_linearizable tests/fuzz/replay_prom \
	tests/fuzz/replay_redis_info tests/fuzz/replay_etcd_reply \
	tests/fuzz/replay_faultfs_proto tests/fuzz/replay_elf_reach
check_PROGRAMS += tests/fuzz/replay_isolation
tests_fuzz_replay_isolation_SOURCES = tests/fuzz/fuzz_isolation.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_isolation_LDADD = $(FUZZ_LIBS)
EXTRA_tests_fuzz_replay_isolation_DEPENDENCIES = plugins/isolation/dt_isolation.la
check_PROGRAMS += tests/fuzz/replay_nemesis_arg
tests_fuzz_replay_nemesis_arg_SOURCES = tests/fuzz/fuzz_nemesis_arg.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_nemesis_arg_LDADD = $(FUZZ_LIBS)
check_PROGRAMS += tests/fuzz/replay_etcd_watch
check_PROGRAMS += tests/fuzz/replay_sql_list
# the SQL clients' list-append row parser, compiled in
tests_fuzz_replay_sql_list_SOURCES = tests/fuzz/fuzz_sql_list.c plugins/sql/list.c \
	tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_sql_list_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/sql
tests_fuzz_replay_sql_list_LDADD = $(FUZZ_LIBS)
# dtd's API needs sqlite3, which a build without dtd may lack
if BUILD_DTD
check_PROGRAMS += tests/fuzz/replay_dtd_api tests/fuzz/replay_dtd_host \
	tests/fuzz/replay_dtd_data
endif
tests_fuzz_replay_yaml_SOURCES = tests/fuzz/fuzz_yaml.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_yaml_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_suite_SOURCES = tests/fuzz/fuzz_suite.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_suite_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_history_line_SOURCES = tests/fuzz/fuzz_history_line.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_history_line_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_history_jsonl_SOURCES = tests/fuzz/fuzz_history_jsonl.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_history_jsonl_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_edn_SOURCES = tests/fuzz/fuzz_edn.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_edn_LDADD = $(FUZZ_LIBS)
tests_fuzz_replay_history_import_SOURCES = tests/fuzz/fuzz_history_import.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_history_import_LDADD = $(FUZZ_LIBS)
# the checker and the models are loaded from the build tree
tests_fuzz_replay_linearizable_SOURCES = tests/fuzz/fuzz_linearizable.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_linearizable_LDADD = $(FUZZ_LIBS)
EXTRA_tests_fuzz_replay_linearizable_DEPENDENCIES = plugins/linearizable/dt_linearizable.la \
	plugins/models/dt_models.la
# the watch checker and the etcd model, loaded from the build tree
tests_fuzz_replay_etcd_watch_SOURCES = tests/fuzz/fuzz_etcd_watch.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_etcd_watch_LDADD = $(FUZZ_LIBS)
EXTRA_tests_fuzz_replay_etcd_watch_DEPENDENCIES = plugins/linearizable/dt_linearizable.la \
	plugins/etcdrev/dt_etcdrev.la
# the parsers of the etcd and redis clients, compiled in
tests_fuzz_replay_prom_SOURCES = tests/fuzz/fuzz_prom.c plugins/etcd/prom.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_prom_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/etcd
tests_fuzz_replay_prom_LDADD = $(FUZZ_LIBS) -lm
tests_fuzz_replay_redis_info_SOURCES = tests/fuzz/fuzz_redis_info.c plugins/redis/info.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_redis_info_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/redis
tests_fuzz_replay_redis_info_LDADD = $(FUZZ_LIBS) -lm
FUZZ_ETCD_REPLY_SOURCES = tests/fuzz/fuzz_etcd_reply.c plugins/etcd/reply.c \
	$(FUZZ_COMMON)
tests_fuzz_replay_etcd_reply_SOURCES = $(FUZZ_ETCD_REPLY_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_etcd_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/etcd
tests_fuzz_replay_etcd_reply_LDADD = $(FUZZ_LIBS)
# dt-faultfs's control requests: its parser compiled in
FUZZ_FAULTFS_SOURCES = tests/fuzz/fuzz_faultfs_proto.c faultfs/proto.c \
	faultfs/proto.h $(FUZZ_COMMON)
tests_fuzz_replay_faultfs_proto_SOURCES = $(FUZZ_FAULTFS_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_faultfs_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/faultfs
tests_fuzz_replay_faultfs_proto_LDADD = $(FUZZ_LIBS)
# the ELF reader of clock: fake (plugins/local/reach.c) compiled in
FUZZ_ELF_SOURCES = tests/fuzz/fuzz_elf_reach.c plugins/local/reach.c \
	plugins/local/reach.h $(FUZZ_COMMON)
tests_fuzz_replay_elf_reach_SOURCES = $(FUZZ_ELF_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_elf_reach_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/local
tests_fuzz_replay_elf_reach_LDADD = $(FUZZ_LIBS)
# dtd's API without HTTP: its sources compiled in
FUZZ_DTD_SOURCES = core/dtd/api.c core/dtd/api_run.c core/dtd/data.c core/dtd/db.c \
	core/dtd/config.c core/dtd/files.c core/dtd/runner.c \
	core/dtd/api_campaign.c core/dtd/api_schedule.c core/dtd/api_store.c \
	core/dtd/archive.c core/dtd/figures.c core/dtd/notify.c \
	core/dtd/retention.c core/dtd/schedule.c core/dtd/service.c core/dtd/rebuild.c
FUZZ_DTD_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS)
FUZZ_DTD_LIBS = $(FUZZ_LIBS) $(SQLITE_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS) -lm
tests_fuzz_replay_dtd_api_SOURCES = tests/fuzz/fuzz_dtd_api.c $(FUZZ_DTD_SOURCES) tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_dtd_api_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_replay_dtd_api_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_replay_dtd_api_LDADD = $(FUZZ_DTD_LIBS)
tests_fuzz_replay_dtd_host_SOURCES = tests/fuzz/fuzz_dtd_host.c core/dtd/host.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_dtd_host_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_replay_dtd_host_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_replay_dtd_host_LDADD = $(FUZZ_LIBS)
FUZZ_DTD_DATA_SOURCES = tests/fuzz/fuzz_dtd_data.c core/dtd/data.c core/dtd/files.c $(FUZZ_COMMON)
tests_fuzz_replay_dtd_data_SOURCES = $(FUZZ_DTD_DATA_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_dtd_data_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_replay_dtd_data_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_replay_dtd_data_LDADD = $(FUZZ_DTD_LIBS)
TESTS += tests/fuzz/replay-corpus
EXTRA_DIST += tests/fuzz/replay-corpus tests/fuzz/run-fuzz tests/fuzz/corpus \
	tests/fuzz/pending \
	tests/fuzz/regress

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_nemesis_arg
tests_fuzz_fuzz_nemesis_arg_SOURCES = tests/fuzz/fuzz_nemesis_arg.c $(FUZZ_COMMON)
tests_fuzz_fuzz_nemesis_arg_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_nemesis_arg_LDADD = $(FUZZ_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_yaml tests/fuzz/fuzz_suite \
	tests/fuzz/fuzz_history_line tests/fuzz/fuzz_history_jsonl \
	tests/fuzz/fuzz_edn tests/fuzz/fuzz_history_import \
	tests/fuzz/fuzz_linearizable tests/fuzz/fuzz_prom tests/fuzz/fuzz_redis_info \
	tests/fuzz/fuzz_etcd_reply tests/fuzz/fuzz_faultfs_proto tests/fuzz/fuzz_elf_reach
noinst_PROGRAMS += tests/fuzz/fuzz_isolation
tests_fuzz_fuzz_isolation_SOURCES = tests/fuzz/fuzz_isolation.c $(FUZZ_COMMON)
tests_fuzz_fuzz_isolation_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_isolation_LDADD = $(FUZZ_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_etcd_watch
noinst_PROGRAMS += tests/fuzz/fuzz_sql_list
tests_fuzz_fuzz_sql_list_SOURCES = tests/fuzz/fuzz_sql_list.c plugins/sql/list.c $(FUZZ_COMMON)
tests_fuzz_fuzz_sql_list_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/sql
tests_fuzz_fuzz_sql_list_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_sql_list_LDADD = $(FUZZ_LIBS)
if BUILD_DTD
noinst_PROGRAMS += tests/fuzz/fuzz_dtd_api tests/fuzz/fuzz_dtd_host tests/fuzz/fuzz_dtd_data
endif
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
tests_fuzz_fuzz_edn_SOURCES = tests/fuzz/fuzz_edn.c $(FUZZ_COMMON)
tests_fuzz_fuzz_edn_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_edn_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_history_import_SOURCES = tests/fuzz/fuzz_history_import.c $(FUZZ_COMMON)
tests_fuzz_fuzz_history_import_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_history_import_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_linearizable_SOURCES = tests/fuzz/fuzz_linearizable.c $(FUZZ_COMMON)
tests_fuzz_fuzz_linearizable_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_linearizable_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_etcd_watch_SOURCES = tests/fuzz/fuzz_etcd_watch.c $(FUZZ_COMMON)
tests_fuzz_fuzz_etcd_watch_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_etcd_watch_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_prom_SOURCES = tests/fuzz/fuzz_prom.c plugins/etcd/prom.c $(FUZZ_COMMON)
tests_fuzz_fuzz_prom_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/etcd
tests_fuzz_fuzz_prom_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_prom_LDADD = $(FUZZ_LIBS) -lm
tests_fuzz_fuzz_redis_info_SOURCES = tests/fuzz/fuzz_redis_info.c plugins/redis/info.c $(FUZZ_COMMON)
tests_fuzz_fuzz_redis_info_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/redis
tests_fuzz_fuzz_redis_info_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_redis_info_LDADD = $(FUZZ_LIBS) -lm
tests_fuzz_fuzz_dtd_api_SOURCES = tests/fuzz/fuzz_dtd_api.c $(FUZZ_DTD_SOURCES) $(FUZZ_COMMON)
tests_fuzz_fuzz_dtd_api_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_fuzz_dtd_api_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_fuzz_dtd_api_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_dtd_api_LDADD = $(FUZZ_DTD_LIBS)
tests_fuzz_fuzz_dtd_host_SOURCES = tests/fuzz/fuzz_dtd_host.c core/dtd/host.c $(FUZZ_COMMON)
tests_fuzz_fuzz_dtd_host_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_fuzz_dtd_host_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_fuzz_dtd_host_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_dtd_host_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dtd_data_SOURCES = $(FUZZ_DTD_DATA_SOURCES)
tests_fuzz_fuzz_dtd_data_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/dtd
tests_fuzz_fuzz_dtd_data_CFLAGS = $(FUZZ_DTD_CFLAGS)
tests_fuzz_fuzz_dtd_data_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_dtd_data_LDADD = $(FUZZ_DTD_LIBS)
tests_fuzz_fuzz_etcd_reply_SOURCES = $(FUZZ_ETCD_REPLY_SOURCES)
tests_fuzz_fuzz_etcd_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/etcd
tests_fuzz_fuzz_etcd_reply_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_etcd_reply_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_faultfs_proto_SOURCES = $(FUZZ_FAULTFS_SOURCES)
tests_fuzz_fuzz_faultfs_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/faultfs
tests_fuzz_fuzz_faultfs_proto_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_faultfs_proto_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_elf_reach_SOURCES = $(FUZZ_ELF_SOURCES)
tests_fuzz_fuzz_elf_reach_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/local
tests_fuzz_fuzz_elf_reach_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_elf_reach_LDADD = $(FUZZ_LIBS)

fuzz: all
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)
fuzz-ci: all
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz $(FUZZ_CI_SECONDS) $(FUZZ_NAMES)
else
fuzz fuzz-ci:
	@echo "make $@: configure with --enable-fuzzing CC=clang first" >&2; exit 1
endif
.PHONY: fuzz fuzz-ci

# the exec client's reply parser, compiled in
FUZZ_NAMES += exec_reply
FUZZ_EXEC_REPLY_SOURCES = tests/fuzz/fuzz_exec_reply.c plugins/exec/reply.c \
	plugins/exec/reply.h $(FUZZ_COMMON)
check_PROGRAMS += tests/fuzz/replay_exec_reply
tests_fuzz_replay_exec_reply_SOURCES = $(FUZZ_EXEC_REPLY_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_exec_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/exec
tests_fuzz_replay_exec_reply_LDADD = $(FUZZ_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_exec_reply
tests_fuzz_fuzz_exec_reply_SOURCES = $(FUZZ_EXEC_REPLY_SOURCES)
tests_fuzz_fuzz_exec_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/exec
tests_fuzz_fuzz_exec_reply_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_exec_reply_LDADD = $(FUZZ_LIBS)
endif

# the http client's reply mapping, templates and JSON pointers, compiled in
if BUILD_HTTP
FUZZ_NAMES += http_reply
FUZZ_HTTP_REPLY_SOURCES = tests/fuzz/fuzz_http_reply.c plugins/http/reply.c \
	plugins/http/template.c plugins/http/http.h $(FUZZ_COMMON)
check_PROGRAMS += tests/fuzz/replay_http_reply
tests_fuzz_replay_http_reply_SOURCES = $(FUZZ_HTTP_REPLY_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_http_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/http
tests_fuzz_replay_http_reply_LDADD = $(FUZZ_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_http_reply
tests_fuzz_fuzz_http_reply_SOURCES = $(FUZZ_HTTP_REPLY_SOURCES)
tests_fuzz_fuzz_http_reply_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/http
tests_fuzz_fuzz_http_reply_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_http_reply_LDADD = $(FUZZ_LIBS)
endif
endif

# campaign files (dt-run campaign, dtd's POST /api/campaigns)
FUZZ_NAMES += campaign
check_PROGRAMS += tests/fuzz/replay_campaign
tests_fuzz_replay_campaign_SOURCES = tests/fuzz/fuzz_campaign.c tests/fuzz/replay.c $(FUZZ_COMMON)
tests_fuzz_replay_campaign_LDADD = $(FUZZ_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_campaign
tests_fuzz_fuzz_campaign_SOURCES = tests/fuzz/fuzz_campaign.c $(FUZZ_COMMON)
tests_fuzz_fuzz_campaign_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_campaign_LDADD = $(FUZZ_LIBS)
endif
