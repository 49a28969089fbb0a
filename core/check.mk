# dt-check, the standalone checker of histories in every format.

bin_PROGRAMS += core/dt-check
core_dt_check_SOURCES = core/cli/dt_check.c
core_dt_check_LDADD = $(ENGINE_LIBS)
core_dt_check_LDFLAGS = $(ENGINE_LDFLAGS)
