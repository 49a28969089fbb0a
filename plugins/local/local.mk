# dt_local: the `local` platform (network namespaces on this machine),
# with faultfs/client.c compiled in for `disk: faulty`.
pkglib_LTLIBRARIES += plugins/local/dt_local.la
plugins_local_dt_local_la_SOURCES = \
	plugins/local/local.h \
	plugins/local/local.c \
	plugins/local/recipe.c \
	plugins/local/state.c \
	plugins/local/sys.c \
	plugins/local/disk.c \
	plugins/local/clock.c \
	plugins/local/reach.c plugins/local/reach.h \
	$(faultfs_client_sources)
plugins_local_dt_local_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/faultfs \
	-I$(top_srcdir)/clock \
	-DDT_SBIN_DIR='"$(sbindir)"'
plugins_local_dt_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_local_dt_local_la_LIBADD = $(PLUGIN_LIBADD)
EXTRA_DIST += plugins/local/README.md
