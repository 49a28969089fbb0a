/*
 * redis: the client of redis-server, on hiredis.
 *
 *   client:
 *     name: redis
 *     read-from: primary      # primary (default), replica (any replica,
 *                             # spread over workers), or a node name
 *     primary: n1             # the primary's node name (default: the first)
 *     endpoints: [127.0.0.1:6379]  # when the chart has no nodes: an
 *                             # external server (first = primary)
 *     flush: true             # setup empties the database (register, kv)
 *     sentinel: false         # ask the sentinels (sentinel-port: 26379,
 *                             # master-name: dt) where the primary is,
 *                             # on every reconnect: follows failovers
 *
 * One connection per worker (two when reads go to another node), opened
 * lazily and dropped after any I/O error so the next operation
 * reconnects.  Every operation runs against a deadline of env->timeout:
 * each socket wait gets what is left of it.
 *
 * Workloads:
 *   register  read: GET, write: SET, cas: a Lua script comparing the
 *             value (values are stored as JSON text)
 *   kv        get: GET, put: SET, append: APPEND (raw strings)
 *   bank      a hash "dt:bank" with one field per account; read: HMGET
 *             of every field (one command, atomic); transfer: WATCH,
 *             HMGET, then MULTI/HINCRBY/HINCRBY/EXEC, retried on conflict
 *
 * Outcomes: an error reply is a fail (redis executed nothing); a lost
 * connection or timeout after a write was sent is info; a read that
 * could not complete is a fail (a read changes nothing).
 *
 * Metrics: INFO from every node on connections of the metrics thread,
 * parsed by info.c.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include <dt/plugin.h>

#include "info.h"

#define BANK_KEY "dt:bank"
#define MAX_ACCOUNTS 1000

/* The cas of the register: compare, then set, atomically. */
static const char CAS_SCRIPT[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 "
	"else return 0 end";

typedef enum { WL_REGISTER, WL_KV, WL_BANK } redis_workload;
typedef enum { READ_PRIMARY, READ_REPLICA, READ_NODE } redis_read_mode;

typedef struct redis_endpoint {
	char name[64];
	char host[64];
	int port;
} redis_endpoint;

typedef struct redis_client {
	redis_endpoint *eps;
	size_t neps;
	size_t primary;           /* index into eps */
	redis_read_mode read_mode;
	size_t read_node;         /* READ_NODE: index into eps */
	double timeout;           /* seconds a call */
	redis_workload workload;
	long long accounts, balance;
	bool flush;
	bool sentinel;            /* find the primary through sentinels */
	long long sentinel_port;
	const char *master_name;  /* borrowed from the config */
	redisContext **metrics_ctx; /* one per endpoint, metrics thread only */
} redis_client;

typedef struct redis_conn {
	redis_client *c;
	int worker;
	redisContext *primary;    /* NULL until connected */
	redisContext *reader;     /* NULL when reads use the primary's */
	double primary_to;        /* socket timeout set on primary, or -1 */
	double reader_to;         /* the same for reader */
	size_t primary_ep;        /* the primary as last known */
	size_t reader_ep;
	struct timespec deadline;
} redis_conn;

/* ---- time ------------------------------------------------------------ */

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

/* Seconds left before the deadline (<= 0 when passed). */
static double time_left(const struct timespec *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(d->tv_sec - now.tv_sec) +
	       (double)(d->tv_nsec - now.tv_nsec) / 1e9;
}

static struct timeval to_timeval(double s)
{
	struct timeval tv;

	if (s < 0.001)
		s = 0.001;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

static void nap(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

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

/* ---- configuration ----------------------------------------------------- */

static int parse_endpoint(const char *s, redis_endpoint *ep, size_t i)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(ep->host) || colon == s)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return -1;
	memcpy(ep->host, s, (size_t)(colon - s));
	ep->host[colon - s] = '\0';
	ep->port = (int)port;
	snprintf(ep->name, sizeof(ep->name), "n%zu", i + 1);
	return 0;
}

static int endpoints_from_env(redis_client *c, const dt_client_env *env, char *err)
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
			snprintf(c->eps[i].host, sizeof(c->eps[i].host), "%s", n->address);
			c->eps[i].port = port > 0 && port <= 65535 ? (int)port : 6379;
		}
		c->neps = env->nnodes;
		return 0;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
		return dt_conf_fail(env->config, list ? "endpoints" : NULL, err,
				    "the chart has no nodes: give the servers as "
				    "endpoints: [HOST:PORT, ...]");
	c->eps = calloc(json_array_size(list), sizeof(*c->eps));
	if (c->eps == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));

		if (s == NULL || parse_endpoint(s, &c->eps[i], i) != 0)
			return dt_conf_fail(env->config, "endpoints", err,
					    "entry %zu: expected HOST:PORT", i);
	}
	c->neps = json_array_size(list);
	return 0;
}

static int find_node(const redis_client *c, const char *name, size_t *out)
{
	for (size_t i = 0; i < c->neps; i++)
		if (strcmp(c->eps[i].name, name) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static void redis_close(void *data);

static void *redis_open(const dt_client_env *env, char *err)
{
	redis_client *c = calloc(1, sizeof(*c));
	const char *read_from, *primary;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	if (endpoints_from_env(c, env, err) != 0)
		goto fail;
	if (dt_conf_string(env->config, "read-from", "primary", &read_from, err) ||
	    dt_conf_string(env->config, "primary", c->eps[0].name, &primary, err) ||
	    dt_conf_bool(env->config, "flush", true, &c->flush, err) ||
	    dt_conf_bool(env->config, "sentinel", false, &c->sentinel, err) ||
	    dt_conf_int(env->config, "sentinel-port", 26379, 1, 65535,
			&c->sentinel_port, err) ||
	    dt_conf_string(env->config, "master-name", "dt", &c->master_name, err))
		goto fail;
	if (find_node(c, primary, &c->primary) != 0) {
		dt_conf_fail(env->config, "primary", err, "no node named '%s'", primary);
		goto fail;
	}
	if (strcmp(read_from, "primary") == 0) {
		c->read_mode = READ_PRIMARY;
	} else if (strcmp(read_from, "replica") == 0) {
		if (c->neps < 2) {
			dt_conf_fail(env->config, "read-from", err,
				     "replica reads need at least 2 nodes");
			goto fail;
		}
		c->read_mode = READ_REPLICA;
	} else if (find_node(c, read_from, &c->read_node) == 0) {
		c->read_mode = c->read_node == c->primary ? READ_PRIMARY : READ_NODE;
	} else {
		dt_conf_fail(env->config, "read-from", err, "expected primary, "
			     "replica or a node name, not '%s'", read_from);
		goto fail;
	}
	if (env->workload != NULL && strcmp(env->workload, "bank") == 0) {
		c->workload = WL_BANK;
		if (dt_conf_int(env->workload_config, "accounts", 5, 2, MAX_ACCOUNTS,
				&c->accounts, err) ||
		    dt_conf_int(env->workload_config, "balance", 10000, 0,
				1000000000000LL, &c->balance, err))
			goto fail;
	} else if (env->workload != NULL && strcmp(env->workload, "kv") == 0) {
		c->workload = WL_KV;
	} else if (env->workload == NULL || strcmp(env->workload, "register") == 0) {
		c->workload = WL_REGISTER;
	} else {
		dt_fail(err, "redis implements the bank, register and kv "
			"workloads, not '%s'", env->workload);
		goto fail;
	}
	c->metrics_ctx = calloc(c->neps, sizeof(*c->metrics_ctx));
	if (c->metrics_ctx == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	redis_close(c);
	return NULL;
}

/* ---- connections and commands ----------------------------------------- */

/* Connect to endpoint ep within `seconds`.  NULL with *error. */
static redisContext *connect_ep(const redis_endpoint *ep, double seconds, char **error)
{
	redisContext *ctx = redisConnectWithTimeout(ep->host, ep->port, to_timeval(seconds));

	if (ctx == NULL) {
		*error = strdupf("connect to %s (%s:%d): out of memory",
				 ep->name, ep->host, ep->port);
		return NULL;
	}
	if (ctx->err) {
		*error = strdupf("connect to %s (%s:%d): %s", ep->name,
				 ep->host, ep->port, ctx->errstr);
		redisFree(ctx);
		return NULL;
	}
	return ctx;
}

typedef enum {
	SENT_NOTHING = 0, /* failed before anything reached the server */
	SENT_MAYBE        /* the request may have reached the server */
} sent_state;

/*
 * Make sure *ctxp is connected to endpoint ep, then give it the time
 * left as socket timeout.  On failure *error is set and the caller knows
 * nothing was sent.  After a failed connect it waits a little (bounded
 * by the deadline) so that a worker facing a dead server does not spin.
 */
static int ensure(redis_conn *k, redisContext **ctxp, size_t ep, char **error)
{
	double left = time_left(&k->deadline);
	double *set = ctxp == &k->reader ? &k->reader_to : &k->primary_to;

	if (left <= 0) {
		*error = strdup("timed out");
		return -1;
	}
	if (*ctxp == NULL) {
		*ctxp = connect_ep(&k->c->eps[ep], left, error);
		if (*ctxp == NULL) {
			left = time_left(&k->deadline);
			nap(left < 0.1 ? left : 0.1);
			return -1;
		}
		*set = -1;
		left = time_left(&k->deadline);
	}
	/* Two setsockopt calls a command add up: keep the timeout already
	 * set when it is at most 5ms shorter than what is left (never
	 * longer: the deadline holds). */
	if (*set > 0 && *set <= left && left - *set < 0.005)
		return 0;
	*set = left;
	if (redisSetTimeout(*ctxp, to_timeval(left)) != REDIS_OK) {
		*error = strdup("cannot set the socket timeout");
		redisFree(*ctxp);
		*ctxp = NULL;
		return -1;
	}
	return 0;
}

/* An I/O failure: describe it, drop the connection. */
static void lost(redisContext **ctxp, const redis_endpoint *ep, char **error)
{
	redisContext *ctx = *ctxp;
	bool timeout = ctx->err == REDIS_ERR_IO &&
		       (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT);

	free(*error);
	if (ctx->err == REDIS_ERR_PROTOCOL)
		*error = strdupf("%s: malformed reply: %s", ep->name, ctx->errstr);
	else if (timeout || strstr(ctx->errstr, "Resource temporarily") != NULL ||
		 strstr(ctx->errstr, "timed out") != NULL)
		*error = strdupf("%s: timed out", ep->name);
	else
		*error = strdupf("%s: connection lost: %s", ep->name,
				 ctx->errstr[0] ? ctx->errstr : "closed");
	redisFree(ctx);
	*ctxp = NULL;
}

/*
 * Ask the sentinels where the primary is now (SENTINEL
 * get-master-addr-by-name) and point the connection at that node.  Best
 * effort within a short part of the deadline: without an answer the
 * primary stays as last known.
 */
static void discover_primary(redis_conn *k)
{
	redis_client *c = k->c;

	for (size_t n = 0; n < c->neps; n++) {
		size_t i = ((size_t)k->worker + n) % c->neps;
		redis_endpoint ep = c->eps[i];
		double left = time_left(&k->deadline);
		char *error = NULL;
		redisContext *ctx;
		redisReply *r;

		if (left <= 0)
			return;
		ep.port = (int)c->sentinel_port;
		ctx = connect_ep(&ep, left < 0.3 ? left : 0.3, &error);
		free(error);
		if (ctx == NULL)
			continue;
		redisSetTimeout(ctx, to_timeval(left < 0.3 ? left : 0.3));
		r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", c->master_name);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING) {
			for (size_t j = 0; j < c->neps; j++)
				if (strcmp(c->eps[j].host, r->element[0]->str) == 0 &&
				    c->eps[j].port == atoi(r->element[1]->str))
					k->primary_ep = j;
			freeReplyObject(r);
			redisFree(ctx);
			return;
		}
		if (r != NULL)
			freeReplyObject(r);
		redisFree(ctx);
	}
}

/* A primary that became a replica (a failover) answers writes with
 * READONLY: drop the connection so that the next one asks again. */
static void demoted(redis_conn *k, redisContext **ctxp, const redisReply *r)
{
	if (ctxp != &k->primary || r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return;
	if (strncmp(r->str, "READONLY", 8) == 0 || strncmp(r->str, "MASTERDOWN", 10) == 0) {
		redisFree(*ctxp);
		*ctxp = NULL;
	}
}

/*
 * One command (argv form).  Returns the reply, or NULL with *error and
 * *sent telling whether the server may have received it.  A reply of
 * type error is returned as is: the caller decides.
 */
static redisReply *command(redis_conn *k, bool reader, sent_state *sent,
			   char **error, int argc, const char **argv,
			   const size_t *argvlen)
{
	redisContext **ctxp = reader && k->c->read_mode != READ_PRIMARY ?
			      &k->reader : &k->primary;
	size_t ep;
	redisReply *r;

	*sent = SENT_NOTHING;
	if (ctxp == &k->primary && *ctxp == NULL && k->c->sentinel)
		discover_primary(k);
	ep = ctxp == &k->reader ? k->reader_ep : k->primary_ep;
	if (ensure(k, ctxp, ep, error) != 0)
		return NULL;
	*sent = SENT_MAYBE;
	r = redisCommandArgv(*ctxp, argc, argv, argvlen);
	if (r == NULL) {
		lost(ctxp, &k->c->eps[ep], error);
		return NULL;
	}
	demoted(k, ctxp, r);
	return r;
}

/* Same, from a printf-like format. */
static redisReply *commandf(redis_conn *k, bool reader, sent_state *sent,
			    char **error, const char *fmt, ...)
{
	redisContext **ctxp = reader && k->c->read_mode != READ_PRIMARY ?
			      &k->reader : &k->primary;
	size_t ep;
	redisReply *r;
	va_list ap;

	*sent = SENT_NOTHING;
	if (ctxp == &k->primary && *ctxp == NULL && k->c->sentinel)
		discover_primary(k);
	ep = ctxp == &k->reader ? k->reader_ep : k->primary_ep;
	if (ensure(k, ctxp, ep, error) != 0)
		return NULL;
	*sent = SENT_MAYBE;
	va_start(ap, fmt);
	r = redisvCommand(*ctxp, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		lost(ctxp, &k->c->eps[ep], error);
		return NULL;
	}
	demoted(k, ctxp, r);
	return r;
}

/* The outcome of a request that got no reply: reads change nothing. */
static dt_op_type no_reply(bool write, sent_state sent)
{
	return write && sent == SENT_MAYBE ? DT_OP_INFO : DT_OP_FAIL;
}

/* An error reply: redis executed nothing. */
static dt_op_type error_reply(redisReply *r, const redis_conn *k, char **error)
{
	*error = strdupf("%s", r->str ? r->str : "error");
	(void)k;
	freeReplyObject(r);
	return DT_OP_FAIL;
}

static dt_op_type unexpected(redisReply *r, char **error, const char *what)
{
	*error = strdupf("unexpected reply to %s (type %d)", what, r->type);
	freeReplyObject(r);
	return DT_OP_INFO;
}

/* ---- register and kv --------------------------------------------------- */

/* The stored text of a value: raw for kv strings, JSON text otherwise. */
static char *value_text(const redis_conn *k, const json_t *v)
{
	if (k->c->workload == WL_KV && json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

static json_t *value_parse(const redis_conn *k, const char *s, size_t len)
{
	json_t *v;

	v = k->c->workload == WL_KV ? NULL :
	    json_loadb(s, len, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		v = json_stringn(s, len);
	return v != NULL ? v : json_string("(not UTF-8)");
}

static dt_op_type do_read(redis_conn *k, const char *key, json_t **result, char **error)
{
	sent_state sent;
	const char *argv[2] = { "GET", key };
	redisReply *r = command(k, true, &sent, error, 2, argv, NULL);
	json_t *v;

	if (r == NULL)
		return no_reply(false, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return error_reply(r, k, error);
	if (r->type == REDIS_REPLY_NIL)
		v = json_null();
	else if (r->type == REDIS_REPLY_STRING)
		v = value_parse(k, r->str, r->len);
	else {
		*error = strdupf("unexpected reply to GET (type %d)", r->type);
		freeReplyObject(r);
		return DT_OP_FAIL;
	}
	freeReplyObject(r);
	*result = json_pack("{ssso}", "key", key, "value", v);
	return DT_OP_OK;
}

static dt_op_type do_set(redis_conn *k, const char *cmd, const char *key,
			 const json_t *value, char **error)
{
	sent_state sent;
	char *text = value_text(k, value);
	const char *argv[3] = { cmd, key, text };
	redisReply *r;

	if (text == NULL) {
		*error = strdup("out of memory");
		return DT_OP_FAIL;
	}
	r = command(k, false, &sent, error, 3, argv, NULL);
	free(text);
	if (r == NULL)
		return no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return error_reply(r, k, error);
	if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_INTEGER)
		return unexpected(r, error, cmd);
	freeReplyObject(r);
	return DT_OP_OK;
}

static dt_op_type do_cas(redis_conn *k, const char *key, const json_t *value,
			 char **error)
{
	sent_state sent;
	char *from, *to;
	redisReply *r;
	dt_op_type t;

	if (!json_is_array(value) || json_array_size(value) != 2) {
		*error = strdup("cas takes [FROM, TO]");
		return DT_OP_FAIL;
	}
	from = value_text(k, json_array_get(value, 0));
	to = value_text(k, json_array_get(value, 1));
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		*error = strdup("out of memory");
		return DT_OP_FAIL;
	}
	{
		const char *argv[6] = { "EVAL", CAS_SCRIPT, "1", key, from, to };

		r = command(k, false, &sent, error, 6, argv, NULL);
	}
	free(from);
	free(to);
	if (r == NULL)
		return no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return error_reply(r, k, error);
	if (r->type != REDIS_REPLY_INTEGER)
		return unexpected(r, error, "the cas script");
	if (r->integer == 1) {
		t = DT_OP_OK;
	} else {
		*error = strdup("cas mismatch");
		t = DT_OP_FAIL;
	}
	freeReplyObject(r);
	return t;
}

static dt_op_type keyed_invoke(redis_conn *k, const char *f, const json_t *value,
			       json_t **result, char **error)
{
	const char *key = json_string_value(json_object_get(value, "key"));
	const json_t *v = json_object_get(value, "value");

	if (key == NULL) {
		*error = strdup("no key");
		return DT_OP_FAIL;
	}
	if (strcmp(f, "read") == 0 || strcmp(f, "get") == 0)
		return do_read(k, key, result, error);
	if (strcmp(f, "write") == 0 || strcmp(f, "put") == 0)
		return do_set(k, "SET", key, v, error);
	if (strcmp(f, "append") == 0)
		return do_set(k, "APPEND", key, v, error);
	if (strcmp(f, "cas") == 0)
		return do_cas(k, key, v, error);
	*error = strdupf("redis has no operation '%s'", f);
	return DT_OP_FAIL;
}

/* ---- bank --------------------------------------------------------------- */

/* HMGET of the given fields of the bank; the values into out[].  Returns
 * 0, or -1 with *error (*t the outcome to give). */
static int bank_hmget(redis_conn *k, bool reader, const long long *fields,
		      size_t n, long long *out, char **error, dt_op_type *t)
{
	const char *argv[MAX_ACCOUNTS + 2];
	char names[MAX_ACCOUNTS][24];
	sent_state sent;
	redisReply *r;

	argv[0] = "HMGET";
	argv[1] = BANK_KEY;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%lld", fields[i]);
		argv[i + 2] = names[i];
	}
	r = command(k, reader, &sent, error, (int)n + 2, argv, NULL);
	if (r == NULL) {
		*t = no_reply(false, sent);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		*t = error_reply(r, k, error);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		*error = strdupf("unexpected reply to HMGET (type %d)", r->type);
		freeReplyObject(r);
		*t = DT_OP_FAIL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		redisReply *e = r->element[i];
		char *end;

		if (e->type != REDIS_REPLY_STRING) {
			*error = strdupf("account %lld is missing", fields[i]);
			freeReplyObject(r);
			*t = DT_OP_FAIL;
			return -1;
		}
		out[i] = strtoll(e->str, &end, 10);
		if (*end != '\0') {
			*error = strdupf("account %lld holds '%s'", fields[i], e->str);
			freeReplyObject(r);
			*t = DT_OP_FAIL;
			return -1;
		}
	}
	freeReplyObject(r);
	return 0;
}

static dt_op_type bank_read(redis_conn *k, json_t **result, char **error)
{
	long long fields[MAX_ACCOUNTS] = { 0 }, out[MAX_ACCOUNTS];
	size_t n = (size_t)k->c->accounts;
	dt_op_type t;

	for (size_t i = 0; i < n; i++)
		fields[i] = (long long)i;
	if (bank_hmget(k, true, fields, n, out, error, &t) != 0)
		return t;
	*result = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*result, json_integer((json_int_t)out[i]));
	return DT_OP_OK;
}

/* The transaction, pipelined: MULTI, HINCRBY, HINCRBY, EXEC.  Returns
 * 1 when applied, 0 on a WATCH conflict, -1 with *t on failure. */
static int bank_exec(redis_conn *k, long long from, long long to, long long amount,
		     char **error, dt_op_type *t)
{
	redisContext *ctx = k->primary;
	redisReply *r = NULL;
	int rc = -1;

	redisAppendCommand(ctx, "MULTI");
	redisAppendCommand(ctx, "HINCRBY %s %lld %lld", BANK_KEY, from, -amount);
	redisAppendCommand(ctx, "HINCRBY %s %lld %lld", BANK_KEY, to, amount);
	redisAppendCommand(ctx, "EXEC");
	for (int i = 0; i < 4; i++) {
		if (redisGetReply(ctx, (void **)&r) != REDIS_OK || r == NULL) {
			/* EXEC was written with the rest: it may run. */
			lost(&k->primary, &k->c->eps[k->primary_ep], error);
			*t = DT_OP_INFO;
			return -1;
		}
		if (i < 3 && r->type == REDIS_REPLY_ERROR && *error == NULL)
			*error = strdupf("%s", r->str);
		if (i == 3) {
			if (r->type == REDIS_REPLY_NIL) {
				rc = 0;
			} else if (r->type == REDIS_REPLY_ARRAY) {
				rc = 1;
			} else if (r->type == REDIS_REPLY_ERROR) {
				free(*error);
				*error = strdupf("%s", r->str);
				*t = DT_OP_FAIL;
			} else {
				*error = strdupf("unexpected reply to EXEC (type %d)", r->type);
				*t = DT_OP_INFO;
			}
		}
		freeReplyObject(r);
		r = NULL;
	}
	if (rc >= 0) {
		free(*error);
		*error = NULL;
	}
	return rc;
}

static dt_op_type bank_transfer(redis_conn *k, const json_t *value, char **error)
{
	long long from = json_integer_value(json_object_get(value, "from"));
	long long to = json_integer_value(json_object_get(value, "to"));
	long long amount = json_integer_value(json_object_get(value, "amount"));
	long long fields[2] = { from, to }, bal[2];

	if (from < 0 || from >= k->c->accounts || to < 0 ||
	    to >= k->c->accounts || from == to || amount <= 0) {
		*error = strdup("bad transfer");
		return DT_OP_FAIL;
	}
	for (;;) {
		sent_state sent;
		const char *watch[2] = { "WATCH", BANK_KEY };
		redisReply *r = command(k, false, &sent, error, 2, watch, NULL);
		dt_op_type t;
		int rc;

		/* Nothing before EXEC can change the data: a failure there
		 * is a fail, and a dropped connection discards the MULTI. */
		if (r == NULL)
			return DT_OP_FAIL;
		if (r->type == REDIS_REPLY_ERROR)
			return error_reply(r, k, error);
		freeReplyObject(r);
		if (bank_hmget(k, false, fields, 2, bal, error, &t) != 0)
			return DT_OP_FAIL;
		if (bal[0] < amount) {
			r = commandf(k, false, &sent, error, "UNWATCH");
			if (r != NULL)
				freeReplyObject(r);
			free(*error);
			*error = strdup("insufficient funds");
			return DT_OP_FAIL;
		}
		/* The WATCH lives on this connection: never a new one here. */
		if (k->primary == NULL ||
		    ensure(k, &k->primary, k->primary_ep, error) != 0)
			return DT_OP_FAIL;
		rc = bank_exec(k, from, to, amount, error, &t);
		if (rc > 0)
			return DT_OP_OK;
		if (rc < 0)
			return t;
		/* Conflict: another transfer won.  Again, while time is left. */
		if (time_left(&k->deadline) <= 0) {
			*error = strdup("conflict: retried until the timeout");
			return DT_OP_FAIL;
		}
	}
}

/* ---- the client callbacks ---------------------------------------------- */

static int redis_setup(void *data, char *err)
{
	redis_client *c = data;
	redis_conn k = { .c = c, .primary_ep = c->primary };
	char *error = NULL;
	sent_state sent;
	redisReply *r = NULL;
	int rc = -1;

	/* The cluster is up; allow it a few op timeouts to accept writes
	 * (a replica may still be syncing, a primary loading). */
	deadline_set(&k.deadline, c->timeout * 4 < 10 ? 10 : c->timeout * 4);
	for (;;) {
		free(error);
		error = NULL;
		if (c->workload == WL_BANK) {
			r = commandf(&k, false, &sent, &error, "DEL %s", BANK_KEY);
			if (r != NULL && r->type != REDIS_REPLY_ERROR) {
				freeReplyObject(r);
				r = NULL;
				for (long long i = 0; i < c->accounts; i++) {
					r = commandf(&k, false, &sent, &error, "HSET %s %lld %lld",
						     BANK_KEY, i, c->balance);
					if (r == NULL || r->type == REDIS_REPLY_ERROR)
						break;
					freeReplyObject(r);
					r = NULL;
				}
			}
		} else if (c->flush) {
			r = commandf(&k, false, &sent, &error, "FLUSHALL");
			if (r != NULL && r->type != REDIS_REPLY_ERROR) {
				freeReplyObject(r);
				r = NULL;
			}
		}
		if (r == NULL && error == NULL)
			break;
		if (r != NULL) {
			free(error);
			error = strdupf("%s", r->str ? r->str : "error reply");
			freeReplyObject(r);
			r = NULL;
		}
		if (time_left(&k.deadline) <= 0) {
			dt_fail(err, "cannot prepare the data on %s: %s",
				c->eps[k.primary_ep].name, error);
			goto out;
		}
		nap(0.2);
	}
	/* Let the replicas hold the data before anyone reads them. */
	if (c->neps > 1) {
		deadline_set(&k.deadline, c->timeout + 1);
		r = commandf(&k, false, &sent, &error, "WAIT %d %d", (int)c->neps - 1,
			     (int)(c->timeout * 1000));
		if (r != NULL && r->type == REDIS_REPLY_INTEGER &&
		    r->integer < (long long)c->neps - 1)
			dt_log(DT_LOG_WARN, "redis: only %lld of %zu replicas "
			       "acknowledged the initial data", r->integer, c->neps - 1);
		if (r != NULL)
			freeReplyObject(r);
	}
	rc = 0;
out:
	free(error);
	if (k.primary != NULL)
		redisFree(k.primary);
	return rc;
}

static void *redis_connect(void *data, int worker, char *err)
{
	redis_client *c = data;
	redis_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->worker = worker;
	k->primary_ep = c->primary;
	k->primary_to = k->reader_to = -1;
	if (c->read_mode == READ_NODE) {
		k->reader_ep = c->read_node;
	} else if (c->read_mode == READ_REPLICA) {
		/* The replicas are every node but the primary: spread the
		 * workers over them. */
		size_t i = (size_t)worker % (c->neps - 1);

		k->reader_ep = i >= c->primary ? i + 1 : i;
	}
	/* Connections open lazily, in invoke, within the op's deadline. */
	return k;
}

static dt_op_type redis_invoke(void *data, const char *f, const json_t *value,
			       json_t **result, char **error)
{
	redis_conn *k = data;

	deadline_set(&k->deadline, k->c->timeout);
	if (k->c->workload == WL_BANK) {
		if (strcmp(f, "read") == 0)
			return bank_read(k, result, error);
		if (strcmp(f, "transfer") == 0)
			return bank_transfer(k, value, error);
		*error = strdupf("the bank has no operation '%s'", f);
		return DT_OP_FAIL;
	}
	return keyed_invoke(k, f, value, result, error);
}

static void redis_disconnect(void *data)
{
	redis_conn *k = data;

	if (k == NULL)
		return;
	if (k->primary != NULL)
		redisFree(k->primary);
	if (k->reader != NULL)
		redisFree(k->reader);
	free(k);
}

static void redis_close(void *data)
{
	redis_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_ctx != NULL && i < c->neps; i++)
		if (c->metrics_ctx[i] != NULL)
			redisFree(c->metrics_ctx[i]);
	free(c->metrics_ctx);
	free(c->eps);
	free(c);
}

/* The figures kept from INFO. */
static const char *const INFO_FIELDS[] = {
	"role", "connected_slaves", "master_repl_offset", "slave_repl_offset",
	"master_link_status", "master_last_io_seconds_ago",
	"instantaneous_ops_per_sec", "total_commands_processed",
	"connected_clients", "used_memory", "rejected_connections",
	"sync_full", "sync_partial_ok", NULL
};

static json_t *node_metrics(redis_client *c, size_t i)
{
	double t = c->timeout < 1 ? c->timeout : 1;
	redisReply *r;
	json_t *info, *out;
	char *error = NULL;

	if (c->metrics_ctx[i] == NULL) {
		c->metrics_ctx[i] = connect_ep(&c->eps[i], t, &error);
		if (c->metrics_ctx[i] == NULL)
			goto down;
	}
	redisSetTimeout(c->metrics_ctx[i], to_timeval(t));
	r = redisCommand(c->metrics_ctx[i], "INFO");
	if (r == NULL) {
		lost(&c->metrics_ctx[i], &c->eps[i], &error);
		goto down;
	}
	if (r->type != REDIS_REPLY_STRING) {
		error = strdupf("INFO: %s", r->type == REDIS_REPLY_ERROR ?
				r->str : "unexpected reply");
		freeReplyObject(r);
		goto down;
	}
	info = dt_redis_info_parse(r->str, r->len);
	freeReplyObject(r);
	out = json_pack("{sb}", "up", 1);
	for (size_t f = 0; info != NULL && INFO_FIELDS[f] != NULL; f++) {
		json_t *v = json_object_get(info, INFO_FIELDS[f]);

		if (v != NULL)
			json_object_set(out, INFO_FIELDS[f], v);
	}
	json_decref(info);
	return out;
down:
	out = json_pack("{sbss}", "up", 0, "error", error ? error : "unreachable");
	free(error);
	return out;
}

static json_t *redis_metrics(void *data)
{
	redis_client *c = data;
	json_t *all = json_object();

	for (size_t i = 0; i < c->neps; i++)
		json_object_set_new(all, c->eps[i].name, node_metrics(c, i));
	return all;
}

static const dt_client_type redis_client_type = {
	.info = { "redis", "1.0",
		  "redis-server through hiredis: bank, register, kv; INFO metrics" },
	.open = redis_open,
	.setup = redis_setup,
	.connect = redis_connect,
	.invoke = redis_invoke,
	.disconnect = redis_disconnect,
	.close = redis_close,
	.metrics = redis_metrics,
};

static int redis_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &redis_client_type);
}

DT_PLUGIN_DEFINE(redis_plugin)
