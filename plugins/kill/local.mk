# dt_kill: the `kill` nemesis (SIGKILL, restart on heal).
pkglib_LTLIBRARIES += plugins/kill/dt_kill.la
plugins_kill_dt_kill_la_SOURCES = plugins/kill/kill.c
plugins_kill_dt_kill_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kill_dt_kill_la_LIBADD = $(PLUGIN_LIBADD)
