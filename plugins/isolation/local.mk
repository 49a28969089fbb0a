pkglib_LTLIBRARIES += plugins/isolation/dt_isolation.la
plugins_isolation_dt_isolation_la_SOURCES = \
	plugins/isolation/iso.h \
	plugins/isolation/append.c \
	plugins/isolation/graph.c \
	plugins/isolation/models.c \
	plugins/isolation/order.c \
	plugins/isolation/plugin.c \
	plugins/isolation/register.c \
	plugins/isolation/report.c \
	plugins/isolation/search.c \
	plugins/isolation/txns.c
plugins_isolation_dt_isolation_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_isolation_dt_isolation_la_LIBADD = $(PLUGIN_LIBADD)
