# history formats (EDN, porcupine logs) and dt-check, the standalone
# linearizability checker.
core_libdt_la_SOURCES += \
	core/lib/edn.c core/lib/edn.h \
	core/lib/history_import.c core/lib/history_import.h

bin_PROGRAMS += core/dt-check
core_dt_check_SOURCES = core/cli/dt_check.c
core_dt_check_LDADD = core/libdt.la $(JANSSON_LIBS)
