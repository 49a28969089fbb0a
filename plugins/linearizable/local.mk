# dt_linearizable: the linearizability checker (search, explanation, HTML).
pkglib_LTLIBRARIES += plugins/linearizable/dt_linearizable.la
plugins_linearizable_dt_linearizable_la_SOURCES = \
	plugins/linearizable/explain.c \
	plugins/linearizable/explain.h \
	plugins/linearizable/linearizable.c \
	plugins/linearizable/search.c \
	plugins/linearizable/search.h
plugins_linearizable_dt_linearizable_la_CFLAGS = $(AM_CFLAGS) -O3
plugins_linearizable_dt_linearizable_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_linearizable_dt_linearizable_la_LIBADD = $(PLUGIN_LIBADD) $(PTHREAD_LIBS)
