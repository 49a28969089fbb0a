# core: libdt (the run engine, the API plugins call, the history formats
# dt-check reads), dt-run.

lib_LTLIBRARIES += core/libdt.la
core_libdt_la_SOURCES = \
	core/lib/command.c \
	core/lib/edn.c core/lib/edn.h \
	core/lib/history.c core/lib/history.h \
	core/lib/history_import.c core/lib/history_import.h \
	core/lib/log.c core/lib/log.h \
	core/lib/metrics.c core/lib/metrics.h \
	core/lib/paths.c core/lib/paths.h \
	core/lib/registry.c core/lib/registry.h \
	core/lib/rng.c \
	core/lib/run.c core/lib/run.h \
	core/lib/scheduler.c core/lib/scheduler.h \
	core/lib/store.c core/lib/store.h \
	core/lib/suite.c core/lib/suite.h \
	core/lib/util.c \
	core/lib/yamldoc.c core/lib/yamldoc.h
core_libdt_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
core_libdt_la_LIBADD = $(YAML_LIBS) $(JANSSON_LIBS) $(LTDL_LIBS) $(PTHREAD_LIBS) -lm
core_libdt_la_LDFLAGS = -version-info 0:0:0 -no-undefined

dtincludedir = $(includedir)/dt
dtinclude_HEADERS = \
	core/include/dt/plugin.h \
	core/include/dt/types.h \
	core/include/dt/platform.h \
	core/include/dt/client.h \
	core/include/dt/workload.h \
	core/include/dt/nemesis.h \
	core/include/dt/checker.h \
	core/include/dt/model.h \
	core/include/dt/command.h

pkgconfig_DATA = core/dt-plugin.pc
EXTRA_DIST += core/dt-plugin.pc.in

bin_PROGRAMS += core/dt-run
core_dt_run_SOURCES = core/cli/dt_run.c
core_dt_run_LDADD = core/libdt.la $(JANSSON_LIBS)
