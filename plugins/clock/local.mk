# dt_clock: the clock nemeses (clock-bump, clock-strobe, clock-rate),
# which change the clock pages (clock/page.h) that DT's clock shim reads
# in the nodes of a `clock: fake` chart.
pkglib_LTLIBRARIES += plugins/clock/dt_clock.la
plugins_clock_dt_clock_la_SOURCES = \
	plugins/clock/clock.h \
	plugins/clock/common.c \
	plugins/clock/strobe.c \
	plugins/clock/plugin.c \
	clock/page.h
plugins_clock_dt_clock_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/clock
plugins_clock_dt_clock_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_clock_dt_clock_la_LIBADD = $(PLUGIN_LIBADD) -lm
