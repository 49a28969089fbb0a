/* SPDX-License-Identifier: MIT */
/*
 * register: the read/write/cas workload on a few independent keys.
 *
 * Values recorded in the history:
 *   read   invoke {"key":K}                 ok {"key":K,"value":V|null}
 *   write  invoke {"key":K,"value":V}
 *   cas    invoke {"key":K,"value":[FROM,TO]}
 * Keys are "r0".."rN-1"; values are small integers so that reads often
 * meet writes and cas often succeeds.  Checked per key with the
 * cas-register model.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dt/plugin.h>

typedef struct reg_workload {
	long long keys;
	long long values;
} reg_workload;

static void *reg_create(const json_t *config, char *err)
{
	reg_workload *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->keys = dt_opt_int(config, "keys");
	w->values = dt_opt_int(config, "values");
	return w;
}

/* "r" and the decimal number, without printf (this runs once per op). */
static size_t key_name(char *out, uint64_t n)
{
	char digits[24];
	size_t len = 0, i = 0;

	do {
		digits[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	out[i++] = 'r';
	while (len)
		out[i++] = digits[--len];
	out[i] = '\0';
	return i;
}

static json_t *reg_generate(void *data, const char *f, dt_rng *rng)
{
	reg_workload *w = data;
	char key[32];
	json_t *v = json_object();

	key_name(key, dt_rng_below(rng, (uint64_t)w->keys));
	json_object_set_new_nocheck(v, "key", json_string_nocheck(key));
	if (f[0] == 'w')
		json_object_set_new_nocheck(v, "value",
			json_integer((json_int_t)dt_rng_below(rng, (uint64_t)w->values)));
	else if (f[0] == 'c')
		json_object_set_new_nocheck(v, "value", json_pack("[II]",
			(json_int_t)dt_rng_below(rng, (uint64_t)w->values),
			(json_int_t)dt_rng_below(rng, (uint64_t)w->values)));
	return v;
}

static void reg_destroy(void *data)
{
	free(data);
}

static const dt_workload_op reg_ops[] = {
	{ "read", 1 }, { "write", 1 }, { "cas", 1 }, { NULL, 0 }
};

static const dt_option reg_options[] = {
	{ .name = "keys", .type = DT_OPT_INT, .def = "3", .min = 1, .max = 100000,
	  .doc = "independent registers, r0 .. rN-1" },
	{ .name = "values", .type = DT_OPT_INT, .def = "5", .min = 1, .max = 1000000,
	  .doc = "values written are 0 .. N-1 (few, so that reads meet writes)" },
	{ .name = NULL }
};

static const dt_workload_type register_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "register", .version = "1.0",
		  .description = "read, write and compare-and-set on independent keys",
		  .options = reg_options },
	.ops = reg_ops,
	.model = "cas-register",
	.create = reg_create,
	.generate = reg_generate,
	.destroy = reg_destroy,
};

static int register_plugin(dt_registry *reg)
{
	return dt_register_workload(reg, &register_workload);
}

DT_PLUGIN_DEFINE(register_plugin)
