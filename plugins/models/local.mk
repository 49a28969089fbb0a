# dt_models: the models of the linearizability checker (register,
# cas-register, kv, bank, set, queue).
pkglib_LTLIBRARIES += plugins/models/dt_models.la
plugins_models_dt_models_la_SOURCES = plugins/models/models.c
plugins_models_dt_models_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_models_dt_models_la_LIBADD = $(PLUGIN_LIBADD)
