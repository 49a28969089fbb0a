/*
 * etcd: the client of etcd v3 through its JSON gateway (libcurl and
 * jansson), no gRPC needed.
 *
 *   client:
 *     name: etcd
 *     reads: linearizable     # or serializable (answered by the local
 *                             # member, possibly stale)
 *     node: n2                # every worker on this node (default:
 *                             # workers spread over the nodes)
 *     endpoints: [http://127.0.0.1:2379]  # when the chart has no nodes
 *
 * Requests: POST /v3/kv/range, /v3/kv/put and /v3/kv/txn with base64
 * keys and values.  Workloads:
 *   register  read: range, write: put, cas: a txn comparing the value
 *             (values stored as JSON text)
 *   kv        get: range, put: put, append: range then a txn comparing
 *             the key's mod revision, retried on conflict (raw strings)
 *
 * Outcomes: a request that never reached the server (connection
 * refused) fails; a write whose answer was lost (timeout, reset, an
 * error from the server such as "request timed out" or "leader
 * changed", a malformed reply) is info; a read that did not complete
 * fails.  Every operation ends within env->timeout.
 *
 * Replies are parsed by reply.c.  Metrics: GET /metrics on every node
 * (Prometheus text, parsed by prom.c): leader, leader changes,
 * proposals, and the fsync, commit, peer round trip and request
 * latency histograms as count/sum/p50/p99.
 */
#define _GNU_SOURCE /* vasprintf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <dt/plugin.h>

#include "b64.h"
#include "prom.h"
#include "reply.h"

typedef enum { WL_REGISTER, WL_KV } etcd_workload;

typedef struct etcd_endpoint {
	char name[64];
	char base[128]; /* http://HOST:PORT */
} etcd_endpoint;

typedef struct etcd_client {
	etcd_endpoint *eps;
	size_t neps;
	long node;             /* fixed endpoint, or -1 to spread */
	double timeout;
	bool serializable;
	etcd_workload workload;
	CURL **metrics_h;      /* one per endpoint, metrics thread only */
} etcd_client;

typedef struct etcd_buf {
	char *data;
	size_t len, cap;
} etcd_buf;

typedef struct etcd_conn {
	etcd_client *c;
	size_t ep;
	CURL *h;
	struct curl_slist *headers;
	etcd_buf body;
	char errbuf[CURL_ERROR_SIZE];
	struct timespec deadline;
} etcd_conn;

static char *strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void deadline_set(struct timespec *d, double seconds)
{
	double whole = floor(seconds);

	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += (time_t)whole;
	d->tv_nsec += (long)((seconds - whole) * 1e9);
	if (d->tv_nsec >= 1000000000) {
		d->tv_nsec -= 1000000000;
		d->tv_sec++;
	}
}

static double time_left(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(d->tv_sec - now.tv_sec) +
	       (double)(d->tv_nsec - now.tv_nsec) / 1e9;
}

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

/* ---- configuration ------------------------------------------------------- */

static int endpoints_from_env(etcd_client *c, const dt_client_env *env, char *err)
{
	const json_t *list = json_object_get(env->config, "endpoints");

	if (env->nnodes > 0) {
		c->eps = calloc(env->nnodes, sizeof(*c->eps));
		if (c->eps == NULL)
			return dt_fail(err, "out of memory");
		for (size_t i = 0; i < env->nnodes; i++) {
			const dt_node *n = &env->nodes[i];
			/* local gives "port"; k8s the container's "ports". */
			json_int_t port = json_integer_value(json_object_get(n->info, "port"));

			if (port <= 0)
				port = json_integer_value(json_array_get(
					json_object_get(n->info, "ports"), 0));

			snprintf(c->eps[i].name, sizeof(c->eps[i].name), "%s", n->name);
			snprintf(c->eps[i].base, sizeof(c->eps[i].base), "http://%s:%d",
				 n->address, port > 0 && port <= 65535 ? (int)port : 2379);
		}
		c->neps = env->nnodes;
		return 0;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
		return dt_conf_fail(env->config, list ? "endpoints" : NULL, err,
				    "the chart has no nodes: give the servers as "
				    "endpoints: [http://HOST:PORT, ...]");
	c->eps = calloc(json_array_size(list), sizeof(*c->eps));
	if (c->eps == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));

		if (s == NULL || strncmp(s, "http://", 7) != 0 ||
		    strlen(s) >= sizeof(c->eps[i].base))
			return dt_conf_fail(env->config, "endpoints", err,
					    "entry %zu: expected http://HOST:PORT", i);
		snprintf(c->eps[i].base, sizeof(c->eps[i].base), "%s", s);
		snprintf(c->eps[i].name, sizeof(c->eps[i].name), "n%zu", i + 1);
	}
	c->neps = json_array_size(list);
	return 0;
}

static void etcd_close(void *data);

static void *etcd_open(const dt_client_env *env, char *err)
{
	etcd_client *c = calloc(1, sizeof(*c));
	const char *reads, *node;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	c->node = -1;
	if (endpoints_from_env(c, env, err) != 0)
		goto fail;
	if (dt_conf_string(env->config, "reads", "linearizable", &reads, err) ||
	    dt_conf_string(env->config, "node", NULL, &node, err))
		goto fail;
	if (strcmp(reads, "serializable") == 0) {
		c->serializable = true;
	} else if (strcmp(reads, "linearizable") != 0) {
		dt_conf_fail(env->config, "reads", err, "expected linearizable "
			     "or serializable, not '%s'", reads);
		goto fail;
	}
	if (node != NULL) {
		for (size_t i = 0; i < c->neps; i++)
			if (strcmp(c->eps[i].name, node) == 0)
				c->node = (long)i;
		if (c->node < 0) {
			dt_conf_fail(env->config, "node", err, "no node named '%s'", node);
			goto fail;
		}
	}
	if (env->workload == NULL || strcmp(env->workload, "register") == 0) {
		c->workload = WL_REGISTER;
	} else if (strcmp(env->workload, "kv") == 0) {
		c->workload = WL_KV;
	} else {
		dt_fail(err, "etcd implements the register and kv workloads, "
			"not '%s'", env->workload);
		goto fail;
	}
	c->metrics_h = calloc(c->neps, sizeof(*c->metrics_h));
	if (c->metrics_h == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	etcd_close(c);
	return NULL;
}

/* ---- requests ----------------------------------------------------------- */

/*
 * POST body to path on the connection's node within the deadline.
 * Returns the parsed reply (HTTP 200 and JSON); otherwise NULL with
 * *error and *outcome: DT_OP_FAIL when the request certainly did not
 * reach etcd, else DT_OP_INFO (the caller turns it into fail for reads).
 */
static json_t *post(etcd_conn *k, const char *path, json_t *body,
		    char **error, dt_op_type *outcome)
{
	const etcd_endpoint *ep = &k->c->eps[k->ep];
	char url[256];
	char *text = json_dumps(body, JSON_COMPACT);
	double left = time_left(&k->deadline);
	long ms = (long)(left * 1000), code = 0;
	curl_off_t sent = 0;
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
	snprintf(url, sizeof(url), "%s%s", ep->base, path);
	k->body.len = 0;
	k->errbuf[0] = '\0';
	curl_easy_setopt(k->h, CURLOPT_URL, url);
	curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(k->h, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(k->h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc = curl_easy_perform(k->h);
	free(text);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(k->h, CURLINFO_REQUEST_SIZE, &sent);
		if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		    sent == 0) {
			*error = strdupf("%s: cannot connect: %s", ep->name,
					 k->errbuf[0] ? k->errbuf : curl_easy_strerror(rc));
			/* A dead node refuses at once: do not spin on it. */
			if (rc == CURLE_COULDNT_CONNECT) {
				double nap = time_left(&k->deadline);
				struct timespec ts = { 0, 100000000 };

				if (nap < 0.1 && nap > 0)
					ts.tv_nsec = (long)(nap * 1e9);
				if (nap > 0)
					nanosleep(&ts, NULL);
			}
			return NULL;
		}
		*outcome = DT_OP_INFO;
		*error = strdupf("%s: %s", ep->name, rc == CURLE_OPERATION_TIMEDOUT ?
				 "timed out" : k->errbuf[0] ? k->errbuf :
				 curl_easy_strerror(rc));
		return NULL;
	}
	curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &code);
	reply = dt_etcd_reply_parse(code, k->body.data, k->body.len, &msg, outcome);
	if (reply == NULL) {
		*error = strdupf("%s: %s", ep->name, msg ? msg : "out of memory");
		free(msg);
		return NULL;
	}
	return reply;
}

/* Base64 of a text; NULL when out of memory. */
static json_t *b64(const char *s, size_t n)
{
	char *e = dt_b64_encode(s, n);
	json_t *v = e ? json_string(e) : NULL;

	free(e);
	return v;
}

static char *value_text(const etcd_conn *k, const json_t *v)
{
	if (k->c->workload == WL_KV && json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

static json_t *value_parse(const etcd_conn *k, const char *s, size_t len)
{
	json_t *v = k->c->workload == WL_KV ? NULL :
		    json_loadb(s, len, JSON_DECODE_ANY, NULL);

	if (v == NULL)
		v = json_stringn(s, len);
	return v != NULL ? v : json_string("(not UTF-8)");
}

/* Range of one key.  *value gets the decoded text (NULL when absent)
 * and *rev its mod revision (0 when absent).  0, or -1 with *error. */
static int range(etcd_conn *k, const char *key, bool serializable, char **value,
		 size_t *vlen, char **rev, char **error)
{
	dt_op_type t;
	json_t *r;
	int rc;

	r = post(k, "/v3/kv/range", json_pack("{soso}", "key", b64(key, strlen(key)),
			"serializable", json_boolean(serializable)), error, &t);
	*value = NULL;
	*rev = NULL;
	if (r == NULL)
		return -1;
	rc = dt_etcd_reply_range(r, value, vlen, rev, error);
	json_decref(r);
	return rc;
}

static dt_op_type do_read(etcd_conn *k, const char *key, json_t **result, char **error)
{
	char *value, *rev;
	size_t vlen = 0;

	if (range(k, key, k->c->serializable, &value, &vlen, &rev, error) != 0)
		return DT_OP_FAIL; /* a read changes nothing */
	*result = json_pack("{ssso}", "key", key, "value",
			    value ? value_parse(k, value, vlen) : json_null());
	free(value);
	free(rev);
	return DT_OP_OK;
}

static dt_op_type do_put(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *text = value_text(k, v);
	dt_op_type t;
	json_t *r;

	if (text == NULL) {
		*error = strdup("out of memory");
		return DT_OP_FAIL;
	}
	r = post(k, "/v3/kv/put", json_pack("{soso}", "key", b64(key, strlen(key)),
			"value", b64(text, strlen(text))), error, &t);
	free(text);
	if (r == NULL)
		return t;
	json_decref(r);
	return DT_OP_OK;
}

/* A txn: if `compare` holds, put key = text.  OK when it applied, FAIL
 * when the comparison did not hold (*error "mismatch"), else post's. */
static dt_op_type txn_put(etcd_conn *k, const char *key, json_t *compare,
			  const char *text, char **error)
{
	dt_op_type t;
	json_t *r;

	r = post(k, "/v3/kv/txn", json_pack("{s[o]s[{s{soso}}]}",
			"compare", compare,
			"success", "request_put", "key", b64(key, strlen(key)),
			"value", b64(text, strlen(text))), error, &t);
	if (r == NULL)
		return t;
	t = dt_etcd_reply_succeeded(r) ? DT_OP_OK : DT_OP_FAIL;
	if (t == DT_OP_FAIL)
		*error = strdup("mismatch");
	json_decref(r);
	return t;
}

static dt_op_type do_cas(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *from, *to;
	dt_op_type t;

	if (!json_is_array(v) || json_array_size(v) != 2) {
		*error = strdup("cas takes [FROM, TO]");
		return DT_OP_FAIL;
	}
	from = value_text(k, json_array_get(v, 0));
	to = value_text(k, json_array_get(v, 1));
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		*error = strdup("out of memory");
		return DT_OP_FAIL;
	}
	t = txn_put(k, key, json_pack("{sossssso}", "key", b64(key, strlen(key)),
			"target", "VALUE", "result", "EQUAL",
			"value", b64(from, strlen(from))), to, error);
	if (t == DT_OP_FAIL && *error != NULL && strcmp(*error, "mismatch") == 0) {
		free(*error);
		*error = strdup("cas mismatch");
	}
	free(from);
	free(to);
	return t;
}

/* Append: read the value and its revision, then put value+suffix if
 * the key is still at that revision; again on conflict. */
static dt_op_type do_append(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *suffix = value_text(k, v);
	dt_op_type t = DT_OP_FAIL;

	if (suffix == NULL) {
		*error = strdup("out of memory");
		return DT_OP_FAIL;
	}
	for (;;) {
		char *value, *rev, *text;
		size_t vlen = 0;
		json_t *cmp;

		if (range(k, key, false, &value, &vlen, &rev, error) != 0)
			break; /* nothing written yet: fail */
		/* A missing key has create revision 0. */
		if (rev == NULL)
			cmp = json_pack("{sosssssi}", "key", b64(key, strlen(key)),
					"target", "CREATE", "result", "EQUAL",
					"create_revision", 0);
		else
			cmp = json_pack("{sossssss}", "key", b64(key, strlen(key)),
					"target", "MOD", "result", "EQUAL",
					"mod_revision", rev);
		text = strdupf("%.*s%s", (int)vlen, value ? value : "", suffix);
		free(value);
		free(rev);
		if (text == NULL || cmp == NULL) {
			free(text);
			json_decref(cmp);
			*error = strdup("out of memory");
			break;
		}
		t = txn_put(k, key, cmp, text, error);
		free(text);
		if (t != DT_OP_FAIL || strcmp(*error, "mismatch") != 0)
			break;
		free(*error);
		*error = NULL;
		if (time_left(&k->deadline) <= 0) {
			*error = strdup("conflict: retried until the timeout");
			break;
		}
	}
	free(suffix);
	return t;
}

/* ---- the client callbacks ------------------------------------------------ */

static CURL *new_handle(etcd_buf *body, char *errbuf, struct curl_slist *headers)
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

static void *etcd_connect(void *data, int worker, char *err)
{
	etcd_client *c = data;
	etcd_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->ep = c->node >= 0 ? (size_t)c->node : (size_t)worker % c->neps;
	k->headers = curl_slist_append(NULL, "Content-Type: application/json");
	k->h = new_handle(&k->body, k->errbuf, k->headers);
	if (k->h == NULL || k->headers == NULL) {
		curl_slist_free_all(k->headers);
		if (k->h)
			curl_easy_cleanup(k->h);
		free(k);
		dt_fail(err, "cannot make a curl handle");
		return NULL;
	}
	return k;
}

static dt_op_type etcd_invoke(void *data, const char *f, const json_t *value,
			      json_t **result, char **error)
{
	etcd_conn *k = data;
	const char *key = json_string_value(json_object_get(value, "key"));
	const json_t *v = json_object_get(value, "value");

	deadline_set(&k->deadline, k->c->timeout);
	if (key == NULL) {
		*error = strdup("no key");
		return DT_OP_FAIL;
	}
	if (strcmp(f, "read") == 0 || strcmp(f, "get") == 0)
		return do_read(k, key, result, error);
	if (strcmp(f, "write") == 0 || strcmp(f, "put") == 0)
		return do_put(k, key, v, error);
	if (strcmp(f, "cas") == 0)
		return do_cas(k, key, v, error);
	if (strcmp(f, "append") == 0)
		return do_append(k, key, v, error);
	*error = strdupf("etcd has no operation '%s'", f);
	return DT_OP_FAIL;
}

static void etcd_disconnect(void *data)
{
	etcd_conn *k = data;

	if (k == NULL)
		return;
	curl_easy_cleanup(k->h);
	curl_slist_free_all(k->headers);
	free(k->body.data);
	free(k);
}

static void etcd_close(void *data)
{
	etcd_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_h != NULL && i < c->neps; i++)
		if (c->metrics_h[i] != NULL)
			curl_easy_cleanup(c->metrics_h[i]);
	free(c->metrics_h);
	free(c->eps);
	free(c);
}

/* ---- metrics ------------------------------------------------------------- */

static const char *const SCALARS[] = {
	"etcd_server_has_leader", "etcd_server_is_leader",
	"etcd_server_leader_changes_seen_total",
	"etcd_server_proposals_committed_total",
	"etcd_server_proposals_applied_total",
	"etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
	"etcd_mvcc_db_total_size_in_bytes", "etcd_server_slow_apply_total",
	NULL
};

static const char *const HISTOGRAMS[] = {
	"grpc_server_handling_seconds",
	"etcd_disk_wal_fsync_duration_seconds",
	"etcd_disk_backend_commit_duration_seconds",
	"etcd_network_peer_round_trip_time_seconds",
	NULL
};

#define NSCALARS (sizeof(SCALARS) / sizeof(SCALARS[0]) - 1)
#define NHISTS (sizeof(HISTOGRAMS) / sizeof(HISTOGRAMS[0]) - 1)

typedef struct scrape {
	double scalar[NSCALARS];
	bool seen[NSCALARS];
	dt_prom_hist hist[NHISTS];
} scrape;

static int on_sample(const dt_prom_sample *s, void *arg)
{
	scrape *sc = arg;

	for (size_t i = 0; i < NSCALARS; i++)
		if (strcmp(s->name, SCALARS[i]) == 0) {
			/* Summed over labels (proposals by type, ...). */
			sc->scalar[i] += s->value;
			sc->seen[i] = true;
			return 0;
		}
	for (size_t i = 0; i < NHISTS; i++)
		if (dt_prom_hist_add(&sc->hist[i], s))
			return 0;
	return 0;
}

/* The figures of a /metrics text, as a JSON object (new reference). */
static json_t *metrics_from_text(const char *text, size_t len)
{
	scrape *sc = calloc(1, sizeof(*sc));
	json_t *out = json_pack("{sb}", "up", 1);

	if (sc == NULL)
		return out;
	for (size_t i = 0; i < NHISTS; i++)
		sc->hist[i].name = HISTOGRAMS[i];
	dt_prom_parse(text, len, on_sample, sc);
	for (size_t i = 0; i < NSCALARS; i++)
		if (sc->seen[i])
			json_object_set_new(out, SCALARS[i], json_real(sc->scalar[i]));
	for (size_t i = 0; i < NHISTS; i++) {
		const dt_prom_hist *h = &sc->hist[i];
		double p50 = dt_prom_hist_quantile(h, 0.5);
		double p99 = dt_prom_hist_quantile(h, 0.99);
		json_t *o;

		if (!h->seen)
			continue;
		o = json_pack("{sfsf}", "count", h->total, "sum", h->sum);
		if (!isnan(p50))
			json_object_set_new(o, "p50", json_real(p50));
		if (!isnan(p99))
			json_object_set_new(o, "p99", json_real(p99));
		json_object_set_new(out, HISTOGRAMS[i], o);
	}
	free(sc);
	return out;
}

static json_t *node_metrics(etcd_client *c, size_t i)
{
	etcd_buf body = { 0 };
	char url[256], errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	json_t *out;

	if (c->metrics_h[i] == NULL)
		c->metrics_h[i] = new_handle(NULL, NULL, NULL);
	if (c->metrics_h[i] == NULL)
		return json_pack("{sbss}", "up", 0, "error", "no curl handle");
	snprintf(url, sizeof(url), "%s/metrics", c->eps[i].base);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_URL, url);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_TIMEOUT_MS,
			 (long)(1000 * (c->timeout < 1 ? c->timeout : 1)));
	rc = curl_easy_perform(c->metrics_h[i]);
	curl_easy_getinfo(c->metrics_h[i], CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK || code != 200) {
		char msg[CURL_ERROR_SIZE + 64];

		snprintf(msg, sizeof(msg), "%s", rc != CURLE_OK ?
			 (errbuf[0] ? errbuf : curl_easy_strerror(rc)) : "HTTP error");
		free(body.data);
		return json_pack("{sbss}", "up", 0, "error", msg);
	}
	out = metrics_from_text(body.data ? body.data : "", body.len);
	free(body.data);
	return out;
}

static json_t *etcd_metrics(void *data)
{
	etcd_client *c = data;
	json_t *all = json_object();

	for (size_t i = 0; i < c->neps; i++)
		json_object_set_new(all, c->eps[i].name, node_metrics(c, i));
	return all;
}

static const dt_client_type etcd_client_type = {
	.info = { "etcd", "1.0",
		  "etcd v3 through its JSON gateway: register, kv; Prometheus metrics" },
	.open = etcd_open,
	.connect = etcd_connect,
	.invoke = etcd_invoke,
	.disconnect = etcd_disconnect,
	.close = etcd_close,
	.metrics = etcd_metrics,
};

static int etcd_plugin(dt_registry *reg)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return dt_register_client(reg, &etcd_client_type);
}

DT_PLUGIN_DEFINE(etcd_plugin)
