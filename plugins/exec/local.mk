# dt_exec: the exec client (a program in any language on JSON lines),
# with its reply parser.  Needs nothing beyond libdt.
pkglib_LTLIBRARIES += plugins/exec/dt_exec.la
plugins_exec_dt_exec_la_SOURCES = \
	plugins/exec/exec.h \
	plugins/exec/client.c \
	plugins/exec/proc.c \
	plugins/exec/reply.c plugins/exec/reply.h \
	plugins/exec/request.c
plugins_exec_dt_exec_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_exec_dt_exec_la_LIBADD = $(PLUGIN_LIBADD)
