/* SPDX-License-Identifier: MIT */
/*
 * notify.c: webhooks.  When a run ends invalid or a schedule fails,
 * dtd POSTs a JSON body ({"event", "time", ...}) to webhook-url, whose
 * host must be one of webhook-allowed-hosts (config.c checks it at
 * start; redirects are not followed).  Each call is a row of dtd.db's
 * deliveries: pending, then delivered (a 2xx reply) or, after
 * webhook-retries failed attempts 1, 2, 4, 8... s apart, failed.  The
 * rows are the delivery log (GET /api/deliveries).  The service thread
 * delivers; a run's worker only records.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "dtd.h"

#define DELIVERY_TIMEOUT 5L /* seconds a webhook call may take */
#define BATCH 8             /* calls a tick */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void dtd_notify(dtd_ctx *ctx, const char *event, json_t *data)
{
	json_t *body;
	char *text;
	double now = now_s();

	if (ctx->cfg->webhook_url == NULL) {
		json_decref(data);
		return;
	}
	body = json_pack("{sssf}", "event", event, "time", now);
	json_object_update(body, data);
	json_decref(data);
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (text == NULL ||
	    dtd_db_exec(ctx->db, NULL, "INSERT INTO deliveries(url, event, body, "
			"state, next, created) VALUES(?, ?, ?, 'pending', ?, ?)",
			"tttrr", ctx->cfg->webhook_url, event, text, now, now) != 1)
		dt_log(DT_LOG_ERROR, "dtd: webhook %s: could not be recorded", event);
	free(text);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST body to url: the HTTP status, or 0 with err. */
static long post(const char *url, const char *body, char *err, size_t size)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;

	if (c == NULL) {
		snprintf(err, size, "out of memory");
		return 0;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: dtd/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, DELIVERY_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, size, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

void dtd_notify_deliver(dtd_ctx *ctx, double now)
{
	json_t *rows;
	size_t i;
	json_t *row;

	if (ctx->cfg->webhook_url == NULL)
		return;
	rows = dtd_db_rows(ctx->db, "SELECT id, url, body, attempts FROM "
			   "deliveries WHERE state='pending' AND next <= ? "
			   "ORDER BY id LIMIT ?", "ri", now, (int64_t)BATCH);
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "id"));
		int64_t attempts = json_integer_value(json_object_get(row, "attempts")) + 1;
		char err[CURL_ERROR_SIZE + 64] = "";
		long status = post(json_string_value(json_object_get(row, "url")),
				   json_string_value(json_object_get(row, "body")),
				   err, sizeof(err));
		bool ok = status >= 200 && status < 300;
		const char *state = ok ? "delivered" :
				    attempts >= ctx->cfg->webhook_retries ? "failed" :
				    "pending";

		if (!ok && err[0] == '\0')
			snprintf(err, sizeof(err), "HTTP %ld", status);
		dtd_db_exec(ctx->db, NULL, "UPDATE deliveries SET state=?, attempts=?, "
			    "http_status=nullif(?, 0), error=?, next=?, delivered=nullif(?, 0) "
			    "WHERE id=?", "tiitrri", state, attempts, (int64_t)status,
			    ok ? NULL : err, now_s() + pow(2, (double)attempts - 1),
			    ok ? now_s() : 0.0, id);
		if (!ok)
			dt_log(DT_LOG_WARN, "dtd: webhook delivery %lld, attempt %lld: "
			       "%s%s", (long long)id, (long long)attempts, err,
			       strcmp(state, "failed") == 0 ? " (given up)" : "");
	}
	json_decref(rows);
}
