/* SPDX-License-Identifier: MIT */
/*
 * transport.c: the http client's requests with libcurl: one easy handle
 * a worker (so its connection is kept alive), the op's template rendered
 * into method, URL, headers and body, sent within the op's timeout; the
 * reply goes to reply.c, a transfer that failed is sorted into fail
 * (never reached the server) or info (sent, answer lost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"

/* A reply larger than this is not one we asked for. */
#define HTTP_MAX_REPLY (64u << 20)

struct http_conn {
	const http_client *c;
	const dt_endpoint *ep;
	CURL *h;
	dt_buf body;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	dt_buf *b = arg;

	if (b->len + size * n > HTTP_MAX_REPLY || dt_buf_put(b, p, size * n) != 0)
		return 0;
	return size * n;
}

http_conn *http_conn_new(const http_client *c, size_t ep)
{
	http_conn *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->c = c;
	k->ep = &c->eps[ep];
	k->h = curl_easy_init();
	if (k->h == NULL) {
		free(k);
		return NULL;
	}
	curl_easy_setopt(k->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(k->h, CURLOPT_WRITEDATA, &k->body);
	curl_easy_setopt(k->h, CURLOPT_ERRORBUFFER, k->errbuf);
	curl_easy_setopt(k->h, CURLOPT_TCP_NODELAY, 1L);
	if (c->insecure) {
		curl_easy_setopt(k->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(k->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return k;
}

void http_conn_free(http_conn *k)
{
	if (k == NULL)
		return;
	curl_easy_cleanup(k->h);
	dt_buf_free(&k->body);
	free(k);
}

/* "Name: value" of each header (the client's, then the op's) appended
 * to *list; 0 or -1 when out of memory. */
static int add_headers(struct curl_slist **list, char **names,
		       const http_template *values, size_t n,
		       const json_t *const *vars)
{
	for (size_t i = 0; i < n; i++) {
		char *v = http_template_render(&values[i], vars);
		char *line = v ? dt_strdupf("%s: %s", names[i], v) : NULL;
		struct curl_slist *l = line ? curl_slist_append(*list, line) : NULL;

		free(v);
		free(line);
		if (l == NULL)
			return -1;
		*list = l;
	}
	return 0;
}

/* A failed transfer: its outcome, with *error. */
static dt_op_type failed(http_conn *k, const http_op *op, CURLcode rc,
			 const dt_deadline *d, char **error)
{
	const char *why = k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc);
	curl_off_t sent = 0;

	curl_easy_getinfo(k->h, CURLINFO_REQUEST_SIZE, &sent);
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    sent == 0) {
		*error = dt_strdupf("%s: cannot connect: %s", k->ep->name, why);
		/* a dead node refuses at once: do not spin on it */
		if (rc == CURLE_COULDNT_CONNECT)
			dt_deadline_nap(d, 0.1);
		return DT_OP_FAIL;
	}
	*error = dt_strdupf("%s: %s", k->ep->name, rc == CURLE_OPERATION_TIMEDOUT ?
			    "timed out" : why);
	return op->read_only ? DT_OP_FAIL : DT_OP_INFO;
}

dt_op_type http_conn_do(http_conn *k, const http_op *op,
			const json_t *const *vars, json_t **value, char **error)
{
	const http_client *c = k->c;
	struct curl_slist *headers = NULL;
	char *path = http_template_render(&op->path, vars), *url = NULL;
	char *body = op->has_body ? http_template_render(&op->body, vars) : NULL;
	long ms = (long)(c->timeout * 1000), status = 0;
	dt_op_type t = DT_OP_FAIL;
	dt_deadline d;
	CURLcode rc;

	dt_deadline_set(&d, c->timeout);

	*value = NULL;
	*error = NULL;
	if (path == NULL || (op->has_body && body == NULL) ||
	    add_headers(&headers, c->hnames, c->hvalues, c->nheaders, vars) != 0 ||
	    add_headers(&headers, op->hnames, op->hvalues, op->nheaders, vars) != 0 ||
	    (url = dt_strdupf("%s://%s:%d%s", c->scheme, k->ep->host,
			      k->ep->port, path)) == NULL) {
		*error = strdup("out of memory");
		goto out;
	}
	k->body.len = 0;
	k->errbuf[0] = '\0';
	curl_easy_setopt(k->h, CURLOPT_URL, url);
	curl_easy_setopt(k->h, CURLOPT_CUSTOMREQUEST, op->method);
	curl_easy_setopt(k->h, CURLOPT_NOBODY, strcmp(op->method, "HEAD") == 0 ? 1L : 0L);
	curl_easy_setopt(k->h, CURLOPT_HTTPHEADER, headers);
	if (body != NULL) {
		curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(k->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else {
		curl_easy_setopt(k->h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(k->h, CURLOPT_CUSTOMREQUEST, op->method);
	}
	curl_easy_setopt(k->h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
	curl_easy_setopt(k->h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
	rc = curl_easy_perform(k->h);
	if (rc != CURLE_OK) {
		t = failed(k, op, rc, &d, error);
		goto out;
	}
	curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &status);
	t = http_reply_map(op->rules, op->nrules, c->rules, c->nrules,
			   op->read_only, status, (char *)k->body.data,
			   k->body.len, value, error);
out:
	curl_easy_setopt(k->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	free(path);
	free(body);
	free(url);
	return t;
}
