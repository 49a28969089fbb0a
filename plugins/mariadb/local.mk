# dt_mariadb: the MariaDB / Galera client (libmariadb).  Left out by
# --disable-mariadb.
if BUILD_MARIADB
pkglib_LTLIBRARIES += plugins/mariadb/dt_mariadb.la
plugins_mariadb_dt_mariadb_la_SOURCES = \
	plugins/mariadb/my.h \
	plugins/mariadb/bank.c \
	plugins/mariadb/client.c \
	plugins/mariadb/conn.c \
	plugins/postgres/list.c plugins/postgres/list.h \
	plugins/mariadb/metrics.c \
	plugins/mariadb/ops.c \
	plugins/mariadb/set.c \
	plugins/mariadb/setup.c \
	plugins/mariadb/txn.c
# list.c: the list-append row parser, shared with the postgres client
plugins_mariadb_dt_mariadb_la_CFLAGS = $(AM_CFLAGS) $(MARIADB_CFLAGS) \
	-I$(top_srcdir)/plugins/postgres
plugins_mariadb_dt_mariadb_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_mariadb_dt_mariadb_la_LIBADD = $(PLUGIN_LIBADD) $(MARIADB_LIBS)
endif
