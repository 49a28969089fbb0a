# dt_partition: the `partition` nemesis (iptables in the nodes' netns).
pkglib_LTLIBRARIES += plugins/partition/dt_partition.la
plugins_partition_dt_partition_la_SOURCES = plugins/partition/partition.c
plugins_partition_dt_partition_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_partition_dt_partition_la_LIBADD = $(PLUGIN_LIBADD)
