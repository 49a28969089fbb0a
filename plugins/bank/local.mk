pkglib_LTLIBRARIES += plugins/bank/dt_bank.la
plugins_bank_dt_bank_la_SOURCES = \
	plugins/bank/bank.h \
	plugins/bank/checker.c \
	plugins/bank/plugin.c \
	plugins/bank/workload.c
plugins_bank_dt_bank_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_bank_dt_bank_la_LIBADD = $(PLUGIN_LIBADD)
