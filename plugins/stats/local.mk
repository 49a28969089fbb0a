pkglib_LTLIBRARIES += plugins/stats/dt_stats.la
plugins_stats_dt_stats_la_SOURCES = plugins/stats/stats.c
plugins_stats_dt_stats_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_stats_dt_stats_la_LIBADD = $(PLUGIN_LIBADD)
