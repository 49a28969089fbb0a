# dt_mariadb: the MariaDB / Galera client (libmariadb).  Left out by
# --disable-mariadb.
if BUILD_MARIADB
pkglib_LTLIBRARIES += plugins/mariadb/dt_mariadb.la
plugins_mariadb_dt_mariadb_la_SOURCES = \
	plugins/mariadb/my.h \
	plugins/mariadb/bank.c \
	plugins/mariadb/client.c \
	plugins/mariadb/conn.c \
	plugins/sql/sql.h plugins/sql/conf.c plugins/sql/invoke.c \
	plugins/sql/list.c plugins/sql/txn.c \
	plugins/mariadb/metrics.c \
	plugins/mariadb/ops.c \
	plugins/mariadb/set.c \
	plugins/mariadb/setup.c \
	plugins/mariadb/txn.c
# plugins/sql: what the SQL clients share, compiled into each
plugins_mariadb_dt_mariadb_la_CFLAGS = $(AM_CFLAGS) $(MARIADB_CFLAGS) \
	-I$(top_srcdir)/plugins/sql
plugins_mariadb_dt_mariadb_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_mariadb_dt_mariadb_la_LIBADD = $(PLUGIN_LIBADD) $(MARIADB_LIBS)
endif
