/* SPDX-License-Identifier: MIT */
/*
 * mockapi.c: see mockapi.h.  One thread per connection, so that a
 * request the mock forwards to a real dt-agent cannot block the lease
 * renewals the platform sends meanwhile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "mockapi.h"

#define MAX_ROUTES 64

typedef struct route {
	char method[8];
	char path[256];
	bool watch;
	int status;
	char file[128];
	bool used;
} route;

struct mock_api {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	route routes[MAX_ROUTES];
	size_t nroutes;
	char proxy_prefix[256], proxy_base[256];
	json_t *requests;
};

typedef struct conn_state {
	char *uri;
	char *body;
	size_t len;
	bool started;
} conn_state;

static char *slurp(const char *file, size_t *len)
{
	char path[1024];
	FILE *f;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/tests/k8s/responses/%s",
		 getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR, file);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static bool path_match(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, path, n - 1) == 0;
	return strcmp(pattern, path) == 0;
}

typedef struct fwd {
	char *data;
	size_t len;
} fwd;

static size_t on_fwd(char *p, size_t size, size_t n, void *arg)
{
	fwd *f = arg;

	f->data = realloc(f->data, f->len + size * n + 1);
	memcpy(f->data + f->len, p, size * n);
	f->len += size * n;
	f->data[f->len] = '\0';
	return size * n;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status,
			     char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	conn_state *s = calloc(1, sizeof(*s));

	(void)cls;
	(void)c;
	s->uri = strdup(uri);
	return s;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	mock_api *m = cls;
	conn_state *s = *con_cls;
	const char *auth, *watch;
	route *chosen = NULL;
	json_t *body;
	size_t len;
	char *text;

	(void)version;
	if (s->started && *size > 0) {
		s->body = realloc(s->body, s->len + *size + 1);
		memcpy(s->body + s->len, data, *size);
		s->len += *size;
		s->body[s->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	if (!s->started) {
		s->started = true; /* headers only: the body comes next */
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	watch = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "watch");
	body = s->len > 0 ? json_loadb(s->body, s->len, 0, NULL) : NULL;
	pthread_mutex_lock(&m->lock);
	json_array_append_new(m->requests, json_pack("{s:s, s:s, s:o?, s:s?, s:s?}",
		"method", method, "url", s->uri, "body", body, "auth", auth,
		"type", MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Content-Type")));
	if (m->proxy_prefix[0] != '\0' &&
	    strncmp(url, m->proxy_prefix, strlen(m->proxy_prefix)) == 0) {
		char target[1024];
		fwd f = { 0 };
		long code = 502;
		CURL *h = curl_easy_init();

		snprintf(target, sizeof(target), "%s%s", m->proxy_base,
			 url + strlen(m->proxy_prefix));
		pthread_mutex_unlock(&m->lock);
		const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      "X-DT-Agent-Token");
		struct curl_slist *hdrs = NULL;
		char line[512];

		if (tok != NULL) {
			/* the API server's proxy passes such headers on */
			snprintf(line, sizeof(line), "X-DT-Agent-Token: %s", tok);
			hdrs = curl_slist_append(hdrs, line);
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		}
		curl_easy_setopt(h, CURLOPT_URL, target);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (s->len > 0)
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, s->body);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_fwd);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
		curl_slist_free_all(hdrs);
		if (f.data == NULL)
			f.data = strdup("{\"error\":\"proxy: agent unreachable\"}");
		return reply(c, (int)code, f.data, strlen(f.data));
	}
	for (size_t i = 0; i < m->nroutes; i++) {
		route *r = &m->routes[i];

		if (strcmp(r->method, method) != 0 || !path_match(r->path, url) ||
		    r->watch != (watch != NULL && strcmp(watch, "1") == 0))
			continue;
		chosen = r;
		if (!r->used)
			break;
	}
	if (chosen == NULL) {
		pthread_mutex_unlock(&m->lock);
		text = strdup("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			      "\"status\":\"Failure\",\"message\":\"the server could not "
			      "find the requested resource\",\"reason\":\"NotFound\","
			      "\"details\":{},\"code\":404}");
		return reply(c, 404, text, strlen(text));
	}
	chosen->used = true;
	text = slurp(chosen->file, &len);
	{
		int status = chosen->status;

		pthread_mutex_unlock(&m->lock);
		if (text == NULL) {
			text = strdup("{}");
			len = 2;
		}
		return reply(c, status, text, len);
	}
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	conn_state *s = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (s != NULL) {
		free(s->uri);
		free(s->body);
		free(s);
	}
	*con_cls = NULL;
}

mock_api *mock_start_tls(const char *cert, const char *key, const char *trust)
{
	mock_api *m = calloc(1, sizeof(*m));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION;

	sa.sin_addr.s_addr = htonl(0x7f000001);
	pthread_mutex_init(&m->lock, NULL);
	m->requests = json_array();
	if (cert != NULL)
		m->d = MHD_start_daemon(flags | MHD_USE_TLS,
					0, NULL, NULL, on_request, m,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
					MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
					MHD_OPTION_HTTPS_MEM_CERT, cert,
					MHD_OPTION_HTTPS_MEM_KEY, key,
					MHD_OPTION_HTTPS_MEM_TRUST, trust,
					MHD_OPTION_END);
	else
		m->d = MHD_start_daemon(flags,
					0, NULL, NULL, on_request, m,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
					MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
					MHD_OPTION_END);
	if (m->d == NULL) {
		json_decref(m->requests);
		free(m);
		return NULL;
	}
	return m;
}

mock_api *mock_start(void)
{
	return mock_start_tls(NULL, NULL, NULL);
}

int mock_port(const mock_api *m)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(m->d,
		MHD_DAEMON_INFO_BIND_PORT);

	return i ? (int)i->port : -1;
}

void mock_stop(mock_api *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	json_decref(m->requests);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void mock_route(mock_api *m, const char *method, const char *path,
		bool watch, int status, const char *file)
{
	route *r;

	pthread_mutex_lock(&m->lock);
	r = &m->routes[m->nroutes++];
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->file, sizeof(r->file), "%s", file);
	r->watch = watch;
	r->status = status;
	pthread_mutex_unlock(&m->lock);
}

void mock_proxy(mock_api *m, const char *prefix, const char *base_url)
{
	pthread_mutex_lock(&m->lock);
	snprintf(m->proxy_prefix, sizeof(m->proxy_prefix), "%s", prefix);
	snprintf(m->proxy_base, sizeof(m->proxy_base), "%s", base_url);
	pthread_mutex_unlock(&m->lock);
}

json_t *mock_requests(mock_api *m)
{
	json_t *copy;

	pthread_mutex_lock(&m->lock);
	copy = json_deep_copy(m->requests);
	pthread_mutex_unlock(&m->lock);
	return copy;
}

char *mock_log(mock_api *m)
{
	json_t *reqs = mock_requests(m);
	size_t i, cap = 1;
	json_t *r;
	char *s;

	json_array_foreach(reqs, i, r)
		cap += strlen(json_string_value(json_object_get(r, "url"))) + 16;
	s = calloc(1, cap);
	json_array_foreach(reqs, i, r) {
		strcat(s, json_string_value(json_object_get(r, "method")));
		strcat(s, " ");
		strcat(s, json_string_value(json_object_get(r, "url")));
		strcat(s, "\n");
	}
	json_decref(reqs);
	return s;
}
