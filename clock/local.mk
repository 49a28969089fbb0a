# clock: libdtclock.so, DT's clock shim (LD_PRELOAD), which the local
# platform loads into a node's processes with `local: {clock: fake}`;
# page.h, the clock page it reads, is shared with plugins/local (which
# makes the page) and plugins/clock (the nemeses that change it).  Plain
# C and libc (dlsym), no libdt: it lives inside the system under test.
pkglib_LTLIBRARIES += clock/libdtclock.la
clock_libdtclock_la_SOURCES = clock/page.h clock/shim.c
clock_libdtclock_la_CFLAGS = $(WARN_CFLAGS) -fvisibility=hidden
clock_libdtclock_la_LDFLAGS = -module -avoid-version -shared -no-undefined
clock_libdtclock_la_LIBADD = -ldl
