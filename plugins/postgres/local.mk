# dt_postgres: the PostgreSQL client (libpq).  Left out by
# --disable-postgres.
if BUILD_POSTGRES
pkglib_LTLIBRARIES += plugins/postgres/dt_postgres.la
plugins_postgres_dt_postgres_la_SOURCES = \
	plugins/postgres/pg.h \
	plugins/postgres/bank.c \
	plugins/postgres/client.c \
	plugins/postgres/conn.c \
	plugins/sql/sql.h plugins/sql/conf.c plugins/sql/invoke.c \
	plugins/sql/list.c plugins/sql/txn.c \
	plugins/postgres/metrics.c \
	plugins/postgres/ops.c \
	plugins/postgres/set.c \
	plugins/postgres/setup.c \
	plugins/postgres/txn.c
# plugins/sql: what the SQL clients share, compiled into each
plugins_postgres_dt_postgres_la_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS) \
	-I$(top_srcdir)/plugins/sql
plugins_postgres_dt_postgres_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_postgres_dt_postgres_la_LIBADD = $(PLUGIN_LIBADD) $(LIBPQ_LIBS)
endif
