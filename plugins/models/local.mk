# dt_models: the models of the linearizability checker, one file each
# (register and cas-register, kv, bank, set, queue), what they share in
# common.c, and their registration in plugin.c.
pkglib_LTLIBRARIES += plugins/models/dt_models.la
plugins_models_dt_models_la_SOURCES = \
	plugins/models/models.h \
	plugins/models/common.c \
	plugins/models/register.c \
	plugins/models/kv.c \
	plugins/models/bank.c \
	plugins/models/set.c \
	plugins/models/queue.c \
	plugins/models/plugin.c
plugins_models_dt_models_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_models_dt_models_la_LIBADD = $(PLUGIN_LIBADD)
