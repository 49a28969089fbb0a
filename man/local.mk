# manual pages: written directly in roff as man/PAGE.in; the build fills
# in the configured directories and version (sed only) to make man/PAGE.
# man/check-options.sh keeps the pages' OPTIONS in step with --help, and
# man/check-roff.sh keeps them free of groff and man warnings.

DT_MAN_PAGES = \
	man/dt-run.1 man/dt-check.1 \
	man/dt-suite.5 man/dt-chart.5 \
	man/dt-plugin.7 man/dt-exec-client.7 man/dt-http-client.7 \
	man/dt-history.5 \
	man/dtd.8 man/dt-agent.8 man/dt-faultfs.8
# The pages of the parts configure can leave out go with them.
man_MANS = man/dt-run.1 man/dt-check.1 man/dt-suite.5 man/dt-chart.5 \
	man/dt-plugin.7 man/dt-components.7 man/dt-exec-client.7
if BUILD_HTTP
man_MANS += man/dt-http-client.7
endif
man_MANS += man/dt-history.5
if BUILD_DTD
man_MANS += man/dtd.8
endif
if BUILD_K8S
man_MANS += man/dt-agent.8
endif
if BUILD_FAULTFS
man_MANS += man/dt-faultfs.8
endif
EXTRA_DIST += $(DT_MAN_PAGES:=.in)
CLEANFILES += $(DT_MAN_PAGES)

dt_man_edit = $(AM_V_GEN)$(MKDIR_P) man && sed \
	-e 's|@pkglibdir[@]|$(pkglibdir)|g' \
	-e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@VERSION[@]|$(VERSION)|g' \
	$(srcdir)/$@.in > $@.tmp && mv $@.tmp $@

man/dt-run.1: $(srcdir)/man/dt-run.1.in Makefile
	$(dt_man_edit)
man/dt-check.1: $(srcdir)/man/dt-check.1.in Makefile
	$(dt_man_edit)
man/dt-suite.5: $(srcdir)/man/dt-suite.5.in Makefile
	$(dt_man_edit)
man/dt-chart.5: $(srcdir)/man/dt-chart.5.in Makefile
	$(dt_man_edit)
man/dt-plugin.7: $(srcdir)/man/dt-plugin.7.in Makefile
	$(dt_man_edit)
man/dtd.8: $(srcdir)/man/dtd.8.in Makefile
	$(dt_man_edit)
man/dt-agent.8: $(srcdir)/man/dt-agent.8.in Makefile
	$(dt_man_edit)
man/dt-faultfs.8: $(srcdir)/man/dt-faultfs.8.in Makefile
	$(dt_man_edit)
man/dt-history.5: $(srcdir)/man/dt-history.5.in Makefile
	$(dt_man_edit)

# dt-components(7) is written from the components' own option tables by
# a program of the build, once every plugin is built.
noinst_PROGRAMS += man/dt-components-gen
man_dt_components_gen_SOURCES = man/components.c
man_dt_components_gen_LDADD = $(ENGINE_LIBS)
CLEANFILES += man/dt-components.7
man/dt-components.7: man/dt-components-gen$(EXEEXT) $(pkglib_LTLIBRARIES)
	$(AM_V_GEN)$(MKDIR_P) man && HOME=/nonexistent man/dt-components-gen$(EXEEXT) > $@.tmp && mv $@.tmp $@

# Tests: shell scripts, run from the build tree with AM_TESTS_ENVIRONMENT.
TESTS += man/check-options.sh man/check-roff.sh man/check-example.sh
dist_noinst_SCRIPTS += man/check-options.sh man/check-roff.sh man/check-example.sh
man/dt-exec-client.7: $(srcdir)/man/dt-exec-client.7.in Makefile
	$(dt_man_edit)
man/dt-http-client.7: $(srcdir)/man/dt-http-client.7.in Makefile
	$(dt_man_edit)
