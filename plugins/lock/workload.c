/*
 * workload.c: the lock workload.  Every worker tries to take one lock
 * (the key `key`) with a lease of `ttl`, holds it while it does its next
 * operations, and releases it.  The weights choose between the two, so a
 * worker holds the lock for as long as its next operations take: the
 * suite's rate and concurrency set how long a hold lasts.
 *
 * Values recorded in the history (the client fills in the rest):
 *   acquire  invoke {"key":K,"ttl_ms":T}   ok {"key":K,"ttl_ms":T,"token":X}
 *   release  invoke {"key":K}              ok {"key":K,"token":X}
 * A client fails (certainly not done, nothing sent) an acquire by a
 * process that holds the lock and a release by one that does not, and
 * fails a release whose token is no longer the lock's ("not held": the
 * lease ran out, or another took it).  Checked by the mutex checker.
 */
#include <stdlib.h>
#include <string.h>

#include "lock.h"

typedef struct lock_wl {
	char *key;
	long long ttl_ms;
} lock_wl;

static void *lock_create(const json_t *config, char *err)
{
	lock_wl *w = calloc(1, sizeof(*w));

	if (w == NULL || (w->key = strdup(dt_opt_string(config, "key"))) == NULL) {
		free(w);
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->ttl_ms = (long long)(dt_opt_number(config, "ttl") * 1000 + 0.5);
	return w;
}

static json_t *lock_generate(void *data, const char *f, dt_rng *rng)
{
	lock_wl *w = data;

	(void)rng;
	if (strcmp(f, "acquire") == 0)
		return json_pack("{s:s, s:I}", "key", w->key, "ttl_ms",
				 (json_int_t)w->ttl_ms);
	return json_pack("{s:s}", "key", w->key);
}

static void lock_destroy(void *data)
{
	lock_wl *w = data;

	if (w == NULL)
		return;
	free(w->key);
	free(w);
}

static const dt_workload_op lock_ops[] = {
	{ "acquire", 1 }, { "release", 1 }, { NULL, 0 }
};

static const dt_option lock_options[] = {
	{ .name = "key", .type = DT_OPT_STRING, .def = "dt:lock",
	  .doc = "the lock's key" },
	{ .name = "ttl", .type = DT_OPT_DURATION, .def = "2s", .min = 0.001,
	  .max = 3600, .doc = "the lease an acquire asks for (redis PX, etcd lease TTL)" },
	{ .name = NULL }
};

const dt_workload_type lock_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "lock", .version = "1.0",
		  .description = "acquire a lock with a lease, hold it, release it",
		  .options = lock_options },
	.ops = lock_ops,
	.create = lock_create,
	.generate = lock_generate,
	.destroy = lock_destroy,
};
