# dt_postgres: the PostgreSQL client (libpq).  Left out by
# --disable-postgres.
if BUILD_POSTGRES
pkglib_LTLIBRARIES += plugins/postgres/dt_postgres.la
plugins_postgres_dt_postgres_la_SOURCES = \
	plugins/postgres/pg.h \
	plugins/postgres/bank.c \
	plugins/postgres/client.c \
	plugins/postgres/conn.c \
	plugins/postgres/list.c plugins/postgres/list.h \
	plugins/postgres/metrics.c \
	plugins/postgres/ops.c \
	plugins/postgres/set.c \
	plugins/postgres/setup.c \
	plugins/postgres/txn.c
plugins_postgres_dt_postgres_la_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
plugins_postgres_dt_postgres_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_postgres_dt_postgres_la_LIBADD = $(PLUGIN_LIBADD) $(LIBPQ_LIBS)
endif
