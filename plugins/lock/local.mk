# dt_lock: the lock workload (acquire with a lease, hold, release) and
# the mutex checker (no two holders overlap in real time).
pkglib_LTLIBRARIES += plugins/lock/dt_lock.la
plugins_lock_dt_lock_la_SOURCES = \
	plugins/lock/lock.h \
	plugins/lock/plugin.c \
	plugins/lock/workload.c \
	plugins/lock/mutex.c
plugins_lock_dt_lock_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_lock_dt_lock_la_LIBADD = $(PLUGIN_LIBADD) -lm
