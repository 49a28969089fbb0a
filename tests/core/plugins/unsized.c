/* SPDX-License-Identifier: MIT */
/* A descriptor that forgot `.size`: refused, saying what to write. */
#include <dt/plugin.h>

static void *u_create(const dt_client_env *env, char *err) { (void)env; (void)err; return (void *)1; }

static const dt_workload_op u_ops[] = { { "read", 1 }, { NULL, 0 } };
static json_t *u_generate(void *w, const char *f, dt_rng *rng) { (void)w; (void)f; (void)rng; return json_null(); }

static const dt_workload_type unsized = {
	.info = { .name = "unsized", .version = "0", .description = "no size" },
	.ops = u_ops, .generate = u_generate,
};

static int reg_unsized(dt_registry *reg)
{
	(void)u_create;
	return dt_register_workload(reg, &unsized);
}

DT_PLUGIN_DEFINE(reg_unsized)
