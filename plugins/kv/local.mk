# dt_kv: the kv workload (get/put/append on many keys).
pkglib_LTLIBRARIES += plugins/kv/dt_kv.la
plugins_kv_dt_kv_la_SOURCES = plugins/kv/kv.c
plugins_kv_dt_kv_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kv_dt_kv_la_LIBADD = $(PLUGIN_LIBADD)
