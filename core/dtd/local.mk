# dtd: the service (HTTP API, run queue, SQLite index, dashboard files).
# Left out by --disable-dtd.
EXTRA_DIST += core/dtd/dtd.service.in core/dtd/README.md

if BUILD_DTD
sbin_PROGRAMS += core/dtd/dtd
core_dtd_dtd_SOURCES = \
	core/dtd/dtd.h \
	core/dtd/api.c \
	core/dtd/api_run.c \
	core/dtd/api_campaign.c \
	core/dtd/api_schedule.c \
	core/dtd/api_store.c \
	core/dtd/archive.c \
	core/dtd/figures.c \
	core/dtd/notify.c \
	core/dtd/retention.c \
	core/dtd/schedule.c \
	core/dtd/service.c \
	core/dtd/config.c \
	core/dtd/data.c \
	core/dtd/db.c \
	core/dtd/files.c \
	core/dtd/host.c \
	core/dtd/http.c \
	core/dtd/main.c \
	core/dtd/rebuild.c \
	core/dtd/runner.c
core_dtd_dtd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS)
core_dtd_dtd_LDFLAGS = $(ENGINE_LDFLAGS)
core_dtd_dtd_LDADD = $(ENGINE_LIBS) $(MHD_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) \
	$(PTHREAD_LIBS) -lm

# The systemd unit (paths filled in) goes to the unit directory
# (--with-systemdsystemunitdir); the example config is documentation.
systemdsystemunit_DATA = core/dtd/dtd.service
dtddocdir = $(docdir)/dtd
dist_dtddoc_DATA = core/dtd/dtd.yaml.example
CLEANFILES += core/dtd/dtd.service
core/dtd/dtd.service: $(top_srcdir)/core/dtd/dtd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) core/dtd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/core/dtd/dtd.service.in > $@.tmp && mv $@.tmp $@
endif
