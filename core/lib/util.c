/* SPDX-License-Identifier: MIT */
/*
 * util.c: small shared pieces of the plugin API: error buffers, names of
 * kinds and op types, ops and histories, config accessors, and the
 * helpers clients share (formatted strings, deadlines, stored values,
 * endpoints).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dt/plugin.h>

int dt_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, DT_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return -1;
}

const char *dt_kind_name(dt_kind kind)
{
	static const char *const names[DT_KIND_COUNT] = {
		"platform", "client", "workload", "nemesis", "checker", "model"
	};

	if ((unsigned)kind >= DT_KIND_COUNT)
		return "?";
	return names[kind];
}

static const char *const op_type_names[] = { "invoke", "ok", "fail", "info" };

const char *dt_op_type_name(dt_op_type type)
{
	if ((unsigned)type > DT_OP_INFO)
		return "?";
	return op_type_names[type];
}

int dt_op_type_parse(const char *name, dt_op_type *type)
{
	for (unsigned i = 0; i <= DT_OP_INFO; i++) {
		if (strcmp(name, op_type_names[i]) == 0) {
			*type = (dt_op_type)i;
			return 0;
		}
	}
	return -1;
}

void dt_op_clear(dt_op *op)
{
	free(op->f);
	free(op->key);
	free(op->error);
	free(op->node);
	json_decref(op->value);
	memset(op, 0, sizeof(*op));
}

/* ---- config accessors ---------------------------------------------------- */

static const json_t *conf_get(const json_t *conf, const char *key)
{
	if (conf == NULL || !json_is_object(conf))
		return NULL;
	return json_object_get(conf, key);
}

int dt_conf_int(const json_t *conf, const char *key, long long def,
		long long min, long long max, long long *out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return dt_conf_fail(conf, key, err,
				    "expected an integer between %lld and %lld",
				    min, max);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return dt_conf_fail(conf, key, err,
				    "expected an integer between %lld and %lld, not %lld",
				    min, max, *out);
	return 0;
}

int dt_conf_double(const json_t *conf, const char *key, double def,
		   double min, double max, double *out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return dt_conf_fail(conf, key, err,
				    "expected a number between %g and %g", min, max);
	*out = json_number_value(v);
	if (!(*out >= min && *out <= max))
		return dt_conf_fail(conf, key, err,
				    "expected a number between %g and %g, not %g",
				    min, max, *out);
	return 0;
}

int dt_conf_bool(const json_t *conf, const char *key, bool def, bool *out,
		 char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_boolean(v))
		return dt_conf_fail(conf, key, err, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int dt_conf_string(const json_t *conf, const char *key, const char *def,
		   const char **out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_string(v))
		return dt_conf_fail(conf, key, err, "expected a string");
	*out = json_string_value(v);
	return 0;
}

/* ---- helpers for plugins -------------------------------------------------- */

char *dt_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

dt_op_type dt_op_error(char **error, dt_op_type type, const char *fmt, ...)
{
	va_list ap;

	free(*error);
	*error = NULL;
	/* A fixed reason (the common case, on hot paths such as a cas
	 * mismatch) needs no formatting. */
	if (strchr(fmt, '%') == NULL) {
		*error = strdup(fmt);
		return type;
	}
	va_start(ap, fmt);
	if (vasprintf(error, fmt, ap) < 0)
		*error = NULL;
	va_end(ap);
	return type;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double dt_now(void)
{
	return (double)monotonic_ns() / 1e9;
}

void dt_deadline_set(dt_deadline *d, double seconds)
{
	d->ns = monotonic_ns() + (int64_t)llround(seconds * 1e9);
}

double dt_deadline_left(const dt_deadline *d)
{
	return (double)(d->ns - monotonic_ns()) / 1e9;
}

bool dt_deadline_expired(const dt_deadline *d)
{
	return monotonic_ns() >= d->ns;
}

void dt_deadline_nap(const dt_deadline *d, double most)
{
	double left = dt_deadline_left(d);

	dt_sleep(left < most ? left : most);
}

void dt_sleep(double seconds)
{
	struct timespec ts;

	if (!(seconds > 0))
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

char *dt_value_text(const json_t *v, bool raw_strings)
{
	if (raw_strings && json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

json_t *dt_value_parse(const char *s, size_t len, bool raw_strings)
{
	json_t *v = raw_strings ? NULL : json_loadb(s, len, JSON_DECODE_ANY, NULL);

	if (v == NULL)
		v = json_stringn(s, len);
	return v != NULL ? v : json_string("(not UTF-8)");
}

dt_keyed_op dt_keyed_parse(const char *f, const json_t *arg, const char *system,
			   const char **key, const json_t **value, char **error)
{
	*key = json_string_value(json_object_get(arg, "key"));
	*value = json_object_get(arg, "value");
	if (*key == NULL) {
		dt_op_error(error, DT_OP_FAIL, "no key");
		return DT_KEYED_NONE;
	}
	if (strcmp(f, "read") == 0 || strcmp(f, "get") == 0)
		return DT_KEYED_READ;
	if (strcmp(f, "write") == 0 || strcmp(f, "put") == 0)
		return DT_KEYED_WRITE;
	if (strcmp(f, "cas") == 0)
		return DT_KEYED_CAS;
	if (strcmp(f, "append") == 0)
		return DT_KEYED_APPEND;
	dt_op_error(error, DT_OP_FAIL, "%s has no operation '%s'", system, f);
	return DT_KEYED_NONE;
}

/* ---- endpoints ------------------------------------------------------------ */

/* "HOST:PORT" into ep; 0, or -1 when it is not that. */
static int endpoint_parse(const char *s, dt_endpoint *ep)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof(ep->host))
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return -1;
	memcpy(ep->host, s, (size_t)(colon - s));
	ep->host[colon - s] = '\0';
	ep->port = (int)port;
	return 0;
}

/* One endpoint a node: local gives its port as "port", k8s the
 * container's as "ports". */
static void endpoint_of_node(const dt_node *n, int default_port, dt_endpoint *ep)
{
	json_int_t port = json_integer_value(json_object_get(n->info, "port"));

	if (port <= 0)
		port = json_integer_value(json_array_get(json_object_get(n->info, "ports"), 0));
	snprintf(ep->name, sizeof(ep->name), "%s", n->name);
	snprintf(ep->host, sizeof(ep->host), "%s", n->address);
	ep->port = port > 0 && port <= 65535 ? (int)port : default_port;
}

dt_endpoint *dt_endpoints_get(const json_t *config, const dt_node *nodes,
			      size_t nnodes, const char *scheme, int default_port,
			      size_t *count, char *err)
{
	const json_t *list = json_object_get(config, "endpoints");
	size_t n = nnodes > 0 ? nnodes : json_array_size(list);
	size_t slen = strlen(scheme);
	dt_endpoint *eps;

	*count = 0;
	if (nnodes == 0 && n == 0) {
		dt_conf_fail(config, list ? "endpoints" : NULL, err,
			     "the chart has no nodes: give the servers as "
			     "endpoints: [%sHOST:PORT, ...]", scheme);
		return NULL;
	}
	eps = calloc(n, sizeof(*eps));
	if (eps == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s;

		if (nnodes > 0) {
			endpoint_of_node(&nodes[i], default_port, &eps[i]);
			continue;
		}
		s = json_string_value(json_array_get(list, i));
		if (s == NULL || strncmp(s, scheme, slen) != 0 ||
		    endpoint_parse(s + slen, &eps[i]) != 0) {
			dt_conf_fail(config, "endpoints", err,
				     "entry %zu: expected %sHOST:PORT", i, scheme);
			free(eps);
			return NULL;
		}
		snprintf(eps[i].name, sizeof(eps[i].name), "n%zu", i + 1);
	}
	*count = n;
	return eps;
}

long dt_endpoints_find(const dt_endpoint *eps, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(eps[i].name, name) == 0)
			return (long)i;
	return -1;
}

json_t *dt_endpoints_metrics(const dt_endpoint *eps, size_t count,
			     json_t *(*one)(void *arg, size_t i), void *arg)
{
	json_t *all = json_object();

	for (size_t i = 0; all != NULL && i < count; i++)
		json_object_set_new(all, eps[i].name, one(arg, i));
	return all;
}
