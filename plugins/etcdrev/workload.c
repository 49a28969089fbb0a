/*
 * workload.c: the revisions and watch workloads: etcd's kv operations
 * on a few keys under one prefix, leases, and (watch) watch sessions
 * and compaction.  What each op's value holds is the etcd client's
 * revops.c and watch.c; checked by the etcd model (revisions) and the
 * watch checker (watch).
 *
 *   put     {"key":"r3","value":"7"[,"lease":ID]}  (a lease one put in
 *           `lease-puts`)
 *   get, delete {"key"};  range {"key":PREFIX,"prefix":true,"limit":N}
 *   txn     {"key","cmp":"value"|"version"|"create"|"mod","value",
 *           "expect":V}  V is what the worker last saw of the key (its
 *           value, version, create or mod revision: read, or written by
 *           its own ok put or txn; 0 for a key it saw absent or never
 *           saw, a random value for a value it never saw), kept per
 *           worker from the completions (completed): the invoke says
 *           what is compared, so a txn of unknown outcome is a put if
 *           that holds, nothing if not
 *   grant   {"lease":ID,"ttl":S};  revoke {"lease":ID}
 *   compact {"behind":N};  watch {"key","prefix","from","offset","for"}
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "etcdrev.h"

/* What one worker last saw of each key: key -> {"value","version",
 * "create","mod"} (absent keys: 0s and no value). */
typedef struct er_worker {
	const dt_rng *rng; /* the worker's (see dt_workload_type.completed) */
	json_t *seen;
} er_worker;

typedef struct er_workload {
	long long keys, values, leases, ttl, behind, offset;
	double lease_puts, watch_time;
	const char *prefix;
	bool watch;
	pthread_mutex_t lock; /* workers */
	er_worker *workers;
	size_t nworkers;
} er_workload;

static void *create(const json_t *config, bool watch, char *err)
{
	er_workload *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->watch = watch;
	pthread_mutex_init(&w->lock, NULL);
	w->keys = dt_opt_int(config, "keys");
	w->values = dt_opt_int(config, "values");
	w->leases = dt_opt_int(config, "leases");
	w->ttl = dt_opt_int(config, "lease-ttl");
	w->lease_puts = dt_opt_number(config, "lease-puts");
	w->prefix = dt_opt_string(config, "prefix");
	if (watch) {
		w->behind = dt_opt_int(config, "compact-behind");
		w->offset = dt_opt_int(config, "watch-offset");
		w->watch_time = dt_opt_number(config, "watch-time");
	}
	return w;
}

static void *create_revisions(const json_t *config, char *err)
{
	return create(config, false, err);
}

static void *create_watch(const json_t *config, char *err)
{
	return create(config, true, err);
}

static json_t *key_of(const er_workload *w, dt_rng *rng)
{
	char key[96];

	snprintf(key, sizeof(key), "%s%llu", w->prefix,
		 (unsigned long long)dt_rng_below(rng, (uint64_t)w->keys));
	return json_string(key);
}

static json_t *value_of(const er_workload *w, dt_rng *rng)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu",
		 (unsigned long long)dt_rng_below(rng, (uint64_t)w->values));
	return json_string(v);
}

static json_int_t lease_of(const er_workload *w, dt_rng *rng)
{
	return (json_int_t)(1 + dt_rng_below(rng, (uint64_t)w->leases));
}

/* The worker of rng's seen map (made on first use), or NULL; under
 * w->lock. */
static json_t *seen_of(er_workload *w, const dt_rng *rng)
{
	er_worker *more;

	for (size_t i = 0; i < w->nworkers; i++)
		if (w->workers[i].rng == rng)
			return w->workers[i].seen;
	more = realloc(w->workers, (w->nworkers + 1) * sizeof(*more));
	if (more == NULL)
		return NULL;
	w->workers = more;
	more[w->nworkers].rng = rng;
	if ((more[w->nworkers].seen = json_object()) == NULL)
		return NULL;
	return more[w->nworkers++].seen;
}

/* The txn's expect: what this worker last saw of key's cmp. */
static json_t *expect_of(er_workload *w, dt_rng *rng, const char *key,
			 const char *cmp)
{
	json_t *seen, *v = NULL;

	pthread_mutex_lock(&w->lock);
	seen = seen_of(w, rng);
	v = json_object_get(json_object_get(seen, key), cmp);
	if (v != NULL)
		v = json_deep_copy(v);
	pthread_mutex_unlock(&w->lock);
	if (v != NULL)
		return v;
	return strcmp(cmp, "value") == 0 ? value_of(w, rng) : json_integer(0);
}

static void saw_kv(json_t *seen, const json_t *kv)
{
	const char *key = json_string_value(json_object_get(kv, "key"));

	if (key != NULL)
		json_object_set_new(seen, key, json_pack("{sOsOsOsO}",
				    "value", json_object_get(kv, "value"),
				    "version", json_object_get(kv, "version"),
				    "create", json_object_get(kv, "create"),
				    "mod", json_object_get(kv, "mod")));
}

/* key was written value at revision rev by this worker. */
static void saw_write(json_t *seen, const char *key, const json_t *value,
		      json_int_t rev)
{
	json_t *old = json_object_get(seen, key);
	json_int_t version = json_integer_value(json_object_get(old, "version"));
	json_int_t create = json_integer_value(json_object_get(old, "create"));

	if (old == NULL || json_object_get(old, "value") == NULL)
		version = 0, create = rev; /* absent, or not known */
	json_object_set_new(seen, key, json_pack("{sOsIsIsI}", "value", value,
			    "version", version + 1, "create", create,
			    "mod", rev));
}

static void completed(void *data, dt_rng *rng, const char *f,
		      const json_t *value, dt_op_type type, const json_t *result)
{
	er_workload *w = data;
	const char *key = json_string_value(json_object_get(value, "key"));
	const json_t *kvs = json_object_get(result, "kvs"), *kv;
	json_int_t rev = json_integer_value(json_object_get(result, "rev"));
	json_t *seen;
	size_t i;

	if (type != DT_OP_OK || key == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	seen = seen_of(w, rng);
	if (seen == NULL) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (strcmp(f, "get") == 0 || (strcmp(f, "txn") == 0 &&
	    !json_is_true(json_object_get(result, "succeeded")))) {
		json_object_set_new(seen, key, json_pack("{sisisi}", "version", 0,
				    "create", 0, "mod", 0));
		json_array_foreach(kvs, i, kv)
			saw_kv(seen, kv);
	} else if (strcmp(f, "range") == 0) {
		json_array_foreach(kvs, i, kv)
			saw_kv(seen, kv);
	} else if ((strcmp(f, "put") == 0 || strcmp(f, "txn") == 0) && rev > 0) {
		saw_write(seen, key, json_object_get(value, "value"), rev);
	} else if (strcmp(f, "delete") == 0 &&
		   json_integer_value(json_object_get(result, "deleted")) > 0) {
		json_object_set_new(seen, key, json_pack("{sisisi}", "version", 0,
				    "create", 0, "mod", 0));
	}
	pthread_mutex_unlock(&w->lock);
}

static json_t *generate(void *data, const char *f, dt_rng *rng)
{
	static const char *const cmps[] = { "value", "version", "create", "mod" };
	static const char *const froms[] = { "resume", "resume", "resume",
					     "current", "past", "future" };
	er_workload *w = data;
	json_t *v = json_object();

	if (v == NULL)
		return NULL;
	if (strcmp(f, "grant") == 0) {
		json_object_set_new(v, "lease", json_integer(lease_of(w, rng)));
		json_object_set_new(v, "ttl", json_integer(w->ttl));
	} else if (strcmp(f, "revoke") == 0) {
		json_object_set_new(v, "lease", json_integer(lease_of(w, rng)));
	} else if (strcmp(f, "compact") == 0) {
		json_object_set_new(v, "behind", json_integer(w->behind));
	} else if (strcmp(f, "watch") == 0) {
		bool prefix = dt_rng_below(rng, 2) == 0;

		json_object_set_new(v, "key", prefix ? json_string(w->prefix) :
				    key_of(w, rng));
		json_object_set_new(v, "prefix", json_boolean(prefix));
		json_object_set_new(v, "from", json_string(froms[dt_rng_below(rng, 6)]));
		json_object_set_new(v, "offset", json_integer(
			(json_int_t)dt_rng_below(rng, (uint64_t)w->offset + 1)));
		json_object_set_new(v, "for", json_real(w->watch_time));
	} else if (strcmp(f, "range") == 0) {
		json_object_set_new(v, "key", json_string(w->prefix));
		json_object_set_new(v, "prefix", json_true());
		json_object_set_new(v, "limit", json_integer(
			(json_int_t)dt_rng_below(rng, (uint64_t)w->keys + 1)));
	} else {
		json_object_set_new(v, "key", key_of(w, rng));
		if (strcmp(f, "put") == 0 || strcmp(f, "txn") == 0)
			json_object_set_new(v, "value", value_of(w, rng));
		if (strcmp(f, "put") == 0 && dt_rng_double(rng) < w->lease_puts)
			json_object_set_new(v, "lease", json_integer(lease_of(w, rng)));
		if (strcmp(f, "txn") == 0) {
			int c = (int)dt_rng_below(rng, 4);

			json_object_set_new(v, "cmp", json_string(cmps[c]));
			json_object_set_new(v, "expect", expect_of(w, rng,
					    json_string_value(json_object_get(v, "key")),
					    cmps[c]));
		}
	}
	return v;
}

static void destroy(void *data)
{
	er_workload *w = data;

	for (size_t i = 0; i < w->nworkers; i++)
		json_decref(w->workers[i].seen);
	free(w->workers);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static const dt_workload_op revisions_ops[] = {
	{ "put", 3 }, { "get", 2 }, { "range", 1 }, { "delete", 0.5 },
	{ "txn", 2 }, { "grant", 0.1 }, { "revoke", 0.05 }, { NULL, 0 }
};

static const dt_workload_op watch_ops[] = {
	{ "put", 3 }, { "get", 1 }, { "range", 0.5 }, { "delete", 0.5 },
	{ "txn", 1 }, { "grant", 0.1 }, { "revoke", 0.05 },
	{ "watch", 0.05 }, { "compact", 0.02 }, { NULL, 0 }
};

#define COMMON_OPTIONS \
	{ .name = "keys", .type = DT_OPT_INT, .def = "5", .min = 1, .max = 200, \
	  .doc = "keys PREFIX0 .. PREFIXN-1" }, \
	{ .name = "values", .type = DT_OPT_INT, .def = "10", .min = 1, .max = 1e9, \
	  .doc = "values written are 0 .. N-1" }, \
	{ .name = "prefix", .type = DT_OPT_STRING, .def = "r", \
	  .doc = "the keys' prefix (range and prefix watches use it)" }, \
	{ .name = "leases", .type = DT_OPT_INT, .def = "3", .min = 1, .max = 60, \
	  .doc = "lease IDs 1 .. N (chosen by the client, as etcd allows)" }, \
	{ .name = "lease-ttl", .type = DT_OPT_INT, .def = "3600", .min = 60, \
	  .max = 1e9, .doc = "seconds a lease lives: far longer than a run " \
	  "(expiry is out of the model)" }, \
	{ .name = "lease-puts", .type = DT_OPT_NUMBER, .def = "0.2", .min = 0, \
	  .max = 1, .doc = "the share of puts made with a lease" }

static const dt_option revisions_options[] = {
	COMMON_OPTIONS,
	{ .name = NULL }
};

static const dt_option watch_options[] = {
	COMMON_OPTIONS,
	{ .name = "watch-time", .type = DT_OPT_DURATION, .def = "5s", .min = 0.1,
	  .max = 3600, .doc = "seconds a watch session stays open" },
	{ .name = "compact-behind", .type = DT_OPT_INT, .def = "50", .min = 0,
	  .max = 1e9, .doc = "compact to this many revisions before the "
	  "highest the client saw" },
	{ .name = "watch-offset", .type = DT_OPT_INT, .def = "100", .min = 0,
	  .max = 1e9, .doc = "a watch from the past or the future starts up to "
	  "this many revisions before (after) the highest the client saw" },
	{ .name = NULL }
};

const dt_workload_type etcdrev_revisions_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "revisions", .version = "1.0",
		  .description = "etcd's kv store and leases with the revisions "
				 "etcd reports (put, get, range, delete, txn, "
				 "grant, revoke)",
		  .options = revisions_options },
	.ops = revisions_ops,
	.model = "etcd",
	.create = create_revisions,
	.generate = generate,
	.destroy = destroy,
	.completed = completed,
};

const dt_workload_type etcdrev_watch_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "watch", .version = "1.0",
		  .description = "the revisions workload with watch sessions "
				 "and compaction",
		  .options = watch_options },
	.ops = watch_ops,
	.model = "etcd",
	.create = create_watch,
	.generate = generate,
	.destroy = destroy,
	.completed = completed,
};
