# dt_redis: the redis client (hiredis), with its INFO parser.  Left out
# by --disable-redis.
if BUILD_REDIS
pkglib_LTLIBRARIES += plugins/redis/dt_redis.la
plugins_redis_dt_redis_la_SOURCES = \
	plugins/redis/redis.h \
	plugins/redis/bank.c \
	plugins/redis/client.c \
	plugins/redis/conn.c \
	plugins/redis/info.c plugins/redis/info.h \
	plugins/redis/lock.c \
	plugins/redis/metrics.c \
	plugins/redis/ops.c \
	plugins/redis/roles.c \
	plugins/redis/set.c \
	plugins/redis/setup.c
plugins_redis_dt_redis_la_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
plugins_redis_dt_redis_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_redis_dt_redis_la_LIBADD = $(PLUGIN_LIBADD) $(HIREDIS_LIBS) -lm
endif
