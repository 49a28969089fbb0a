# dt_pause: the `pause` nemesis (SIGSTOP, SIGCONT on heal).
pkglib_LTLIBRARIES += plugins/pause/dt_pause.la
plugins_pause_dt_pause_la_SOURCES = plugins/pause/pause.c
plugins_pause_dt_pause_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_pause_dt_pause_la_LIBADD = $(PLUGIN_LIBADD)
