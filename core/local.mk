# core: libdt (the plugin API, the only thing libdt.so exports), the run
# engine, dt-run.
#
# Every core source is built once, with -fvisibility=hidden, into the
# convenience library libdt-engine.  libdt.so is that library linked
# shared, so it exports exactly what core/include/dt/ marks DT_EXTERN
# (tests/core/test_abi.sh checks it).  dt-run, dt-check, dtd and the
# tests link the engine statically and export the same public symbols
# (-export-dynamic), so a plugin they load (which needs libdt.so) binds to
# the program's copy: one registry, one log, one table of YAML marks per
# process, and the engine's own functions are ABI of nothing.  Debian's
# python3 is built the same way against libpython.
noinst_LTLIBRARIES += core/libdt-engine.la
core_libdt_engine_la_SOURCES = \
	core/lib/base64.c \
	core/lib/buf.c \
	core/lib/command.c \
	core/lib/edn.c core/lib/edn.h \
	core/lib/history.c core/lib/history.h \
	core/lib/history_import.c core/lib/history_import.h \
	core/lib/log.c core/lib/log.h \
	core/lib/map.c \
	core/lib/metrics.c core/lib/metrics.h \
	core/lib/minimize.c core/lib/minimize.h \
	core/lib/options.c core/lib/options_doc.h \
	core/lib/owned.c core/lib/owned.h \
	core/lib/paths.c core/lib/paths.h \
	core/lib/registry.c core/lib/registry.h \
	core/lib/results.c \
	core/lib/rng.c \
	core/lib/run.c core/lib/run.h \
	core/lib/scheduler.c core/lib/scheduler.h \
	core/lib/store.c core/lib/store.h \
	core/lib/suite.c core/lib/suite.h \
	core/lib/timeline.c core/lib/timeline.h \
	core/lib/units.c \
	core/lib/util.c \
	core/lib/validate.c \
	core/lib/yamldoc.c core/lib/yamldoc.h
core_libdt_engine_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) -fvisibility=hidden
core_libdt_engine_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core/lib

# The timeline page, compiled into the engine as one C string.
BUILT_SOURCES += core/lib/timeline_page.h
CLEANFILES += core/lib/timeline_page.h
EXTRA_DIST += core/lib/timeline.html
nodist_core_libdt_engine_la_SOURCES = core/lib/timeline_page.h
core/lib/timeline_page.h: $(srcdir)/core/lib/timeline.html
	$(AM_V_GEN)$(MKDIR_P) core/lib && { \
	  echo '/* Made from core/lib/timeline.html by the build.  Do not edit. */'; \
	  echo 'static const char timeline_page[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(srcdir)/core/lib/timeline.html; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@
core_libdt_engine_la_LIBADD = $(YAML_LIBS) $(JANSSON_LIBS) $(LTDL_LIBS) \
	$(PTHREAD_LIBS) -lm

lib_LTLIBRARIES += core/libdt.la
core_libdt_la_SOURCES =
core_libdt_la_LIBADD = core/libdt-engine.la
core_libdt_la_LDFLAGS = -version-info 1:0:0 -no-undefined

# What a program that runs plugins links: the engine, its public symbols
# exported for the plugins it loads.
ENGINE_LIBS = core/libdt-engine.la $(JANSSON_LIBS)
ENGINE_LDFLAGS = -export-dynamic

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
	core/include/dt/command.h \
	core/include/dt/options.h \
	core/include/dt/yaml.h \
	core/include/dt/map.h \
	core/include/dt/buf.h \
	core/include/dt/base64.h

pkgconfig_DATA = core/dt-plugin.pc
EXTRA_DIST += core/dt-plugin.pc.in

bin_PROGRAMS += core/dt-run
core_dt_run_SOURCES = core/cli/dt_run.c core/cli/check.c core/cli/cleanup.c \
	core/cli/describe.c core/cli/list.c core/cli/shrink.c core/cli/signals.c core/cli/timeline.c \
	core/cli/campaign.c \
	core/cli/cli.h
core_dt_run_LDADD = $(ENGINE_LIBS)
core_dt_run_LDFLAGS = $(ENGINE_LDFLAGS)
# Campaigns (dt-run campaign, dtd's /api/campaigns).
core_libdt_engine_la_SOURCES += core/lib/campaign.c core/lib/campaign.h
