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
	if (dt_conf_int(config, "keys", 20, 1, 1000000, &w->keys, err) ||
	    dt_conf_int(config, "values", 100, 1, 1000000000, &w->values, err)) {
		free(w);
		return NULL;
	}
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

static const dt_workload_type kv_type = {
	.info = { "kv", "1.0", "get, put and append on many independent keys" },
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
