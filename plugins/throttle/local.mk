# dt_throttle: the `throttle` nemesis (tc tbf, netem where available).
pkglib_LTLIBRARIES += plugins/throttle/dt_throttle.la
plugins_throttle_dt_throttle_la_SOURCES = plugins/throttle/throttle.c
plugins_throttle_dt_throttle_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_throttle_dt_throttle_la_LIBADD = $(PLUGIN_LIBADD)
