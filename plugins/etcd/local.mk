# dt_etcd: the etcd client (libcurl + jansson over the v3 JSON gateway),
# with its reply and Prometheus text parsers.  Left out by --disable-etcd.
if BUILD_ETCD
pkglib_LTLIBRARIES += plugins/etcd/dt_etcd.la
plugins_etcd_dt_etcd_la_SOURCES = \
	plugins/etcd/etcd.h \
	plugins/etcd/client.c \
	plugins/etcd/http.c \
	plugins/etcd/metrics.c \
	plugins/etcd/ops.c \
	plugins/etcd/revops.c \
	plugins/etcd/watch.c \
	plugins/etcd/prom.c plugins/etcd/prom.h \
	plugins/etcd/reply.c plugins/etcd/reply.h \
	plugins/etcd/roles.c \
	plugins/etcd/set.c
plugins_etcd_dt_etcd_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_etcd_dt_etcd_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_etcd_dt_etcd_la_LIBADD = $(PLUGIN_LIBADD) $(CURL_LIBS) -lm
endif
