pkglib_LTLIBRARIES += plugins/txn/dt_txn.la
plugins_txn_dt_txn_la_SOURCES = plugins/txn/txn.c
plugins_txn_dt_txn_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_txn_dt_txn_la_LIBADD = $(PLUGIN_LIBADD)
