# dt_local: the `local` platform (network namespaces on this machine).
pkglib_LTLIBRARIES += plugins/local/dt_local.la
plugins_local_dt_local_la_SOURCES = \
	plugins/local/local.h \
	plugins/local/local.c \
	plugins/local/recipe.c \
	plugins/local/state.c \
	plugins/local/sys.c
plugins_local_dt_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_local_dt_local_la_LIBADD = $(PLUGIN_LIBADD)
EXTRA_DIST += plugins/local/README.md
