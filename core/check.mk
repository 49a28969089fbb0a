# dt-check, the standalone linearizability checker (the history formats
# it reads, EDN and porcupine logs, are libdt's: core/local.mk).

bin_PROGRAMS += core/dt-check
core_dt_check_SOURCES = core/cli/dt_check.c
core_dt_check_LDADD = core/libdt.la $(JANSSON_LIBS)
