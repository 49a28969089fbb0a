/* SPDX-License-Identifier: MIT */
/*
 * http.c: the etcd client's HTTP: curl handles that collect a reply in
 * memory, and one POST of JSON to the v3 gateway within the operation's
 * deadline, its failure sorted into fail (never reached etcd) or info.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "reply.h"

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	etcd_buf *b = arg;
	size_t add = size * n;

	/* A reply larger than this is not one we asked for. */
	if (b->len + add > 64 * 1024 * 1024)
		return 0;
	if (b->len + add + 1 > b->cap) {
		size_t cap = (b->len + add + 1) * 2;
		char *d = realloc(b->data, cap);

		if (d == NULL)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

CURL *etcd_handle_new(etcd_buf *body, char *errbuf, struct curl_slist *headers)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	if (errbuf != NULL)
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (headers != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	return h;
}

void etcd_url(const dt_endpoint *ep, const char *path, char *url, size_t size)
{
	snprintf(url, size, "http://%s:%d%s", ep->host, ep->port, path);
}

/* A failed transfer: *error says why; the outcome.  "Cannot connect" is
 * a sure fail only when curl had no connection to send it on before
 * (had_conn false): on a kept connection that died under it (a killed
 * member), curl sends the request, then retries it on a new connection,
 * and reports that one's failure, though the first may have been
 * applied (the set-full checker found such adds in etcd-set). */
static dt_op_type failed(etcd_conn *k, CURLcode rc, bool had_conn, char **error)
{
	const dt_endpoint *ep = &k->c->eps[k->ep];
	const char *why = k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc);
	curl_off_t sent = 0;

	curl_easy_getinfo(k->h, CURLINFO_REQUEST_SIZE, &sent);
	if (!had_conn && (rc == CURLE_COULDNT_CONNECT ||
			  rc == CURLE_COULDNT_RESOLVE_HOST || sent == 0)) {
		*error = dt_strdupf("%s: cannot connect: %s", ep->name, why);
		/* A dead node refuses at once: do not spin on it. */
		if (rc == CURLE_COULDNT_CONNECT)
			dt_deadline_nap(&k->deadline, 0.1);
		return DT_OP_FAIL;
	}
	*error = dt_strdupf("%s: %s", ep->name, rc == CURLE_OPERATION_TIMEDOUT ?
			    "timed out" : why);
	return DT_OP_INFO;
}

json_t *etcd_post(etcd_conn *k, const char *path, json_t *body,
		  char **error, dt_op_type *outcome)
{
	const dt_endpoint *ep = &k->c->eps[k->ep];
	char url[256];
	char *text = json_dumps(body, JSON_COMPACT);
	long ms = (long)(dt_deadline_left(&k->deadline) * 1000), code = 0;
	CURLcode rc;
	json_t *reply;
	char *msg = NULL;

	json_decref(body);
	*outcome = DT_OP_FAIL;
	if (text == NULL) {
		*error = strdup("out of memory");
		return NULL;
	}
	if (ms < 1) {
		free(text);
		*error = strdup("timed out");
		return NULL;
	}
	etcd_url(ep, path, url, sizeof(url));
	k->body.len = 0;
	k->errbuf[0] = '\0';
	curl_easy_setopt(k->h, CURLOPT_URL, url);
	curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(k->h, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(k->h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	{
		bool had_conn = k->alive;

		rc = curl_easy_perform(k->h);
		free(text);
		k->alive = rc == CURLE_OK;
		if (rc != CURLE_OK) {
			*outcome = failed(k, rc, had_conn, error);
			if (had_conn && rc == CURLE_COULDNT_CONNECT)
				dt_deadline_nap(&k->deadline, 0.1);
			return NULL;
		}
	}
	curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &code);
	reply = etcd_reply_parse(code, k->body.data, k->body.len, &msg,
				 outcome);
	if (reply == NULL) {
		*error = dt_strdupf("%s: %s", ep->name, msg ? msg : "out of memory");
		free(msg);
		return NULL;
	}
	return reply;
}
