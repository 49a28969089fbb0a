/*
 * watch.c: one watch session through the JSON gateway's stream (POST
 * /v3/watch, one JSON message a line), recorded whole as the value of
 * one "watch" operation for the watch checker.
 *
 * invoke {"key":K, "prefix":B, "from":"resume"|"current"|"past"|"future",
 *         "offset":N, "for":S}
 *   from resume: where this connection's last session left off (after
 *   its last event or progress notification, or at the compaction that
 *   cancelled it); the current revision when it has none.  past: N
 *   revisions before the highest this connection has seen; future: N
 *   after it (a watch waiting for revisions to come).  The session
 *   lasts S seconds (not the op timeout: a watch is meant to stay open),
 *   or until etcd cancels it or the connection breaks.
 *
 * ok {... "start":R (0: from the current revision), "created":REV,
 *     "responses":[{"rev":REV, "events":[EVENT...]} | {"rev":REV,
 *     "progress":true}], "end":"time"|"compacted"|"canceled: WHY"|
 *     "error: WHY", "compact":R (when compacted)}
 * EVENT as reply.h's etcd_reply_event.  Fails only when the watch was
 * never created (no event can have been seen).
 */
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "reply.h"

typedef struct watch_session {
	etcd_conn *k;
	etcd_buf in;        /* bytes not yet parsed */
	json_t *result;     /* the op's value being built */
	json_t *responses;  /* borrowed from result */
	bool created;
	bool done;          /* cancelled by etcd: stop reading */
	char *error;        /* malformed message, malloc'd */
} watch_session;

/* result's "end": prefix and why. */
static void set_end(json_t *result, const char *prefix, const char *why)
{
	char *s = dt_strdupf("%s: %s", prefix, why);

	json_object_set_new(result, "end", json_string(s ? s : prefix));
	free(s);
}

/* Take in one message of the stream. */
static void on_message(watch_session *w, const char *line, size_t len)
{
	json_t *msg = json_loadb(line, len, 0, NULL);
	json_t *res = json_object_get(msg, "result");
	json_t *evs, *out, *one;
	long long rev;
	size_t i;

	if (!json_is_object(res)) {
		const json_t *e = json_object_get(msg, "error");

		w->error = dt_strdupf("%s", json_is_object(e) ?
				      (json_string_value(json_object_get(e, "message")) ?
				       json_string_value(json_object_get(e, "message")) :
				       "error") : "malformed watch message");
		w->done = true;
		json_decref(msg);
		return;
	}
	rev = etcd_reply_revision(res);
	etcd_saw_revision(w->k, rev);
	if (json_is_true(json_object_get(res, "created")) && !w->created) {
		w->created = true;
		json_object_set_new(w->result, "created", json_integer(rev));
	}
	if (json_is_true(json_object_get(res, "canceled"))) {
		long long c = etcd_reply_int(res, "compact_revision", 0);

		if (c > 0) {
			json_object_set_new(w->result, "end", json_string("compacted"));
			json_object_set_new(w->result, "compact", json_integer(c));
			w->k->resume = c;
		} else {
			const char *why = json_string_value(json_object_get(res,
							    "cancel_reason"));

			set_end(w->result, "canceled", why ? why : "no reason");
		}
		w->done = true;
		json_decref(msg);
		return;
	}
	evs = json_object_get(res, "events");
	if (json_array_size(evs) == 0) {
		if (!json_is_true(json_object_get(res, "created"))) {
			json_array_append_new(w->responses, json_pack("{sIsb}",
				"rev", (json_int_t)rev, "progress", 1));
			if (rev + 1 > w->k->resume)
				w->k->resume = rev + 1;
		}
		json_decref(msg);
		return;
	}
	out = json_array();
	json_array_foreach(evs, i, one) {
		json_t *ev = etcd_reply_event(one, &w->error);

		if (ev == NULL) {
			w->done = true;
			break;
		}
		if (json_integer_value(json_object_get(ev, "rev")) + 1 > w->k->resume)
			w->k->resume = json_integer_value(json_object_get(ev, "rev")) + 1;
		json_array_append_new(out, ev);
	}
	json_array_append_new(w->responses, json_pack("{sIso}", "rev",
			      (json_int_t)rev, "events", out));
	json_decref(msg);
}

static size_t on_stream(char *p, size_t size, size_t n, void *arg)
{
	watch_session *w = arg;
	size_t add = size * n, start = 0;
	char *d;

	if (w->done)
		return 0;
	if (w->in.len + add + 1 > w->in.cap) {
		size_t cap = (w->in.len + add + 1) * 2;

		if (cap > 256 * 1024 * 1024 || (d = realloc(w->in.data, cap)) == NULL)
			return 0;
		w->in.data = d;
		w->in.cap = cap;
	}
	memcpy(w->in.data + w->in.len, p, add);
	w->in.len += add;
	for (size_t i = 0; i < w->in.len && !w->done; i++)
		if (w->in.data[i] == '\n') {
			if (i > start)
				on_message(w, w->in.data + start, i - start);
			start = i + 1;
		}
	memmove(w->in.data, w->in.data + start, w->in.len - start);
	w->in.len -= start;
	return w->done ? 0 : add;
}

/* Where the session starts: 0 for the current revision. */
static long long start_of(etcd_conn *k, const json_t *arg)
{
	const char *from = json_string_value(json_object_get(arg, "from"));
	long long offset = json_integer_value(json_object_get(arg, "offset"));

	if (from != NULL && strcmp(from, "resume") == 0)
		return k->resume;
	if (from != NULL && strcmp(from, "past") == 0 && k->last_rev > 0)
		return k->last_rev - offset > 1 ? k->last_rev - offset : 1;
	if (from != NULL && strcmp(from, "future") == 0 && k->last_rev > 0)
		return k->last_rev + 1 + offset;
	return 0;
}

dt_op_type etcd_watch(etcd_conn *k, const json_t *arg, json_t **result,
		      char **error)
{
	const char *key = json_string_value(json_object_get(arg, "key"));
	double secs = json_number_value(json_object_get(arg, "for"));
	const dt_endpoint *ep = &k->c->eps[k->ep];
	watch_session w = { .k = k };
	json_t *req, *body;
	char url[256], *text;
	CURL *h;
	CURLcode rc;
	long long start;

	if (key == NULL || secs <= 0)
		return dt_op_error(error, DT_OP_FAIL, "watch takes a key and for > 0");
	start = start_of(k, arg);
	req = json_pack("{sosbsb}", "key", etcd_b64n(key, strlen(key)),
			"prev_kv", 1, "progress_notify", 1);
	if (req != NULL && json_is_true(json_object_get(arg, "prefix")))
		json_object_set_new(req, "range_end", etcd_prefix_end(key));
	if (req != NULL && start > 0)
		json_object_set_new(req, "start_revision", json_integer(start));
	body = json_pack("{so}", "create_request", req);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	w.result = json_deep_copy(arg);
	w.responses = json_array();
	h = etcd_handle_new(NULL, k->errbuf, k->headers);
	if (text == NULL || w.result == NULL || w.responses == NULL || h == NULL) {
		free(text);
		json_decref(w.result);
		json_decref(w.responses);
		if (h != NULL)
			curl_easy_cleanup(h);
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	}
	json_object_set_new(w.result, "start", json_integer(start));
	json_object_set(w.result, "responses", w.responses);
	json_decref(w.responses);
	etcd_url(ep, "/v3/watch", url, sizeof(url));
	k->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(secs * 1000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(k->c->timeout * 1000));
	rc = curl_easy_perform(h);
	free(text);
	if (!w.created) {
		json_decref(w.result);
		dt_op_error(error, DT_OP_FAIL, "%s: watch not created: %s", ep->name,
			    w.error ? w.error : k->errbuf[0] ? k->errbuf :
			    curl_easy_strerror(rc));
		free(w.error);
		free(w.in.data);
		curl_easy_cleanup(h);
		if (rc == CURLE_COULDNT_CONNECT)
			dt_sleep(0.1);
		return DT_OP_FAIL;
	}
	if (json_object_get(w.result, "end") == NULL) {
		if (w.error != NULL)
			set_end(w.result, "error", w.error);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			json_object_set_new(w.result, "end", json_string("time"));
		else
			set_end(w.result, "error", k->errbuf[0] ? k->errbuf :
				curl_easy_strerror(rc));
	}
	free(w.error);
	free(w.in.data);
	curl_easy_cleanup(h);
	*result = w.result;
	return DT_OP_OK;
}
