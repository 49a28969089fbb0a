# dt_etcdrev: etcd's revisions and watches: the revisions and watch
# workloads, the etcd model, the watch checker.
pkglib_LTLIBRARIES += plugins/etcdrev/dt_etcdrev.la
plugins_etcdrev_dt_etcdrev_la_SOURCES = \
	plugins/etcdrev/etcdrev.h \
	plugins/etcdrev/watch.h \
	plugins/etcdrev/state.c \
	plugins/etcdrev/model.c \
	plugins/etcdrev/workload.c \
	plugins/etcdrev/events.c \
	plugins/etcdrev/watch.c \
	plugins/etcdrev/plugin.c
plugins_etcdrev_dt_etcdrev_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_etcdrev_dt_etcdrev_la_LIBADD = $(PLUGIN_LIBADD)
