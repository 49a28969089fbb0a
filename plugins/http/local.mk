# dt_http: the declarative http client (libcurl), with its template and
# reply parsers.  Left out by --disable-http.
if BUILD_HTTP
pkglib_LTLIBRARIES += plugins/http/dt_http.la
plugins_http_dt_http_la_SOURCES = \
	plugins/http/http.h \
	plugins/http/client.c \
	plugins/http/ops.c \
	plugins/http/reply.c \
	plugins/http/template.c \
	plugins/http/transport.c
plugins_http_dt_http_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_http_dt_http_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_http_dt_http_la_LIBADD = $(PLUGIN_LIBADD) $(CURL_LIBS)
endif
