# faultfs: dt-faultfs, DT's fault filesystem (libfuse3), and the client
# of its control socket (faultfs/client.c, compiled into the local
# platform and the disk nemeses, which need jansson only).
# --disable-faultfs leaves the daemon out; the platform then says so
# when a chart asks for `disk: faulty`.
if BUILD_FAULTFS
sbin_PROGRAMS += faultfs/dt-faultfs
faultfs_dt_faultfs_SOURCES = \
	faultfs/faultfs.h \
	faultfs/ops.h \
	faultfs/main.c \
	faultfs/inode.c \
	faultfs/cache.c \
	faultfs/journal.c \
	faultfs/ops_dir.c \
	faultfs/ops_file.c \
	faultfs/fault.c \
	faultfs/corrupt.c \
	faultfs/ctl.c \
	faultfs/proto.h \
	faultfs/proto.c \
	core/lib/units.c \
	core/lib/rng.c
faultfs_dt_faultfs_CFLAGS = $(AM_CFLAGS) $(FUSE3_CFLAGS)
faultfs_dt_faultfs_LDADD = $(FUSE3_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS) -lm
endif

# The client, for the plugins that include it.
faultfs_client_sources = faultfs/client.h faultfs/client.c
EXTRA_DIST += faultfs/README.md
