/* SPDX-License-Identifier: MIT */
/*
 * kv: get, put and append on many independent keys.
 *
 * Values recorded in the history:
 *   get     invoke {"key":K}              ok {"key":K,"value":"..."|null}
 *   put     invoke {"key":K,"value":"V"}
 *   append  invoke {"key":K,"value":"V"}  (V is added at the end)
 * Keys are "k0".."kN-1"; put writes a small number as a string, append
 * adds one short token ending with ',' so that the order of appends can
 * be read back.  Checked per key with the kv model.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dt/plugin.h>

typedef struct kv_workload {
	long long keys;
	long long values;
} kv_workload;

static void *kv_create(const json_t *config, char *err)
{
	kv_workload *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->keys = dt_opt_int(config, "keys");
	w->values = dt_opt_int(config, "values");
	return w;
}

static json_t *kv_generate(void *data, const char *f, dt_rng *rng)
{
	kv_workload *w = data;
	char key[32], val[32];
	json_t *v;

	snprintf(key, sizeof(key), "k%llu",
		 (unsigned long long)dt_rng_below(rng, (uint64_t)w->keys));
	v = json_pack("{ss}", "key", key);
	if (f[0] == 'p') {
		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)dt_rng_below(rng, (uint64_t)w->values));
		json_object_set_new(v, "value", json_string(val));
	} else if (f[0] == 'a') {
		snprintf(val, sizeof(val), "%llu,",
			 (unsigned long long)dt_rng_below(rng, (uint64_t)w->values));
		json_object_set_new(v, "value", json_string(val));
	}
	return v;
}

static void kv_destroy(void *data)
{
	free(data);
}

static const dt_workload_op kv_ops[] = {
	{ "get", 2 }, { "put", 1 }, { "append", 1 }, { NULL, 0 }
};

static const dt_option kv_options[] = {
	{ .name = "keys", .type = DT_OPT_INT, .def = "20", .min = 1, .max = 1000000,
	  .doc = "independent keys, k0 .. kN-1" },
	{ .name = "values", .type = DT_OPT_INT, .def = "100", .min = 1, .max = 1e9,
	  .doc = "values put and appended are 0 .. N-1" },
	{ .name = NULL }
};

static const dt_workload_type kv_type = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "kv", .version = "1.0",
		  .description = "get, put and append on many independent keys",
		  .options = kv_options },
	.ops = kv_ops,
	.model = "kv",
	.create = kv_create,
	.generate = kv_generate,
	.destroy = kv_destroy,
};

static int kv_plugin(dt_registry *reg)
{
	return dt_register_workload(reg, &kv_type);
}

DT_PLUGIN_DEFINE(kv_plugin)
