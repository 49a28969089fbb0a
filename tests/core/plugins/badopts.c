/* SPDX-License-Identifier: MIT */
/* Option tables the core cannot use: refused at load, not mid-run. */
#include <dt/plugin.h>

static json_t *b_generate(void *w, const char *f, dt_rng *rng) { (void)w; (void)f; (void)rng; return json_null(); }
static const dt_workload_op b_ops[] = { { "read", 1 }, { NULL, 0 } };

static const dt_workload_type baddefault = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "bad-default", .version = "0", .description = "",
		  .options = (const dt_option[]){
			{ .name = "keys", .type = DT_OPT_INT, .def = "many", .min = 1,
			  .max = 10, .doc = "a default that is no integer" },
			{ .name = NULL } } },
	.ops = b_ops, .generate = b_generate,
};

static const dt_workload_type noenum = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "no-enum-values", .version = "0", .description = "",
		  .options = (const dt_option[]){
			{ .name = "mode", .type = DT_OPT_ENUM, .doc = "no values" },
			{ .name = NULL } } },
	.ops = b_ops, .generate = b_generate,
};

/* Built twice (dt_badopts, dt_baddefault): one table each. */
static int reg_badopts(dt_registry *reg)
{
#ifdef BAD_DEFAULT
	(void)noenum;
	return dt_register_workload(reg, &baddefault);
#else
	(void)baddefault;
	return dt_register_workload(reg, &noenum);
#endif
}

DT_PLUGIN_DEFINE(reg_badopts)
