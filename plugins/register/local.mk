pkglib_LTLIBRARIES += plugins/register/dt_register.la
plugins_register_dt_register_la_SOURCES = plugins/register/register.c
plugins_register_dt_register_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_register_dt_register_la_LIBADD = $(PLUGIN_LIBADD)
