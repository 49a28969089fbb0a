pkglib_LTLIBRARIES += plugins/mem/dt_mem.la
plugins_mem_dt_mem_la_SOURCES = plugins/mem/mem.c plugins/mem/mem.h plugins/mem/txn.c
plugins_mem_dt_mem_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_mem_dt_mem_la_LIBADD = $(PLUGIN_LIBADD)
