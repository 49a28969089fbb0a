# dt_disk: the disk nemeses (power-loss, disk-error, disk-slow, disk-full,
# corrupt), which drive each node's dt-faultfs through the platform's
# disk callback; dt-faultfs's own request parser (faultfs/proto.c) is
# compiled in, so a suite entry is checked as the daemon would check it.
pkglib_LTLIBRARIES += plugins/disk/dt_disk.la
plugins_disk_dt_disk_la_SOURCES = \
	plugins/disk/disk.h \
	plugins/disk/plugin.c \
	plugins/disk/common.c \
	plugins/disk/power_loss.c \
	plugins/disk/rules.c \
	plugins/disk/corrupt.c \
	faultfs/proto.h \
	faultfs/proto.c
plugins_disk_dt_disk_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/faultfs
plugins_disk_dt_disk_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_disk_dt_disk_la_LIBADD = $(PLUGIN_LIBADD)
