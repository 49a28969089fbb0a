pkglib_LTLIBRARIES += plugins/set/dt_set.la
plugins_set_dt_set_la_SOURCES = \
	plugins/set/checker.c \
	plugins/set/plugin.c \
	plugins/set/workload.c
plugins_set_dt_set_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_set_dt_set_la_LIBADD = $(PLUGIN_LIBADD)
