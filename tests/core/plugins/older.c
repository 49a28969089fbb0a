/* SPDX-License-Identifier: MIT */
/*
 * A plugin built against an older header of ABI 2, before `metrics`
 * was added to dt_client_type: its descriptor's size stops short of it.
 * The core must load it and read metrics as NULL, whatever lies there.
 */
#include <stddef.h>

#include <dt/plugin.h>

static void *o_create(const dt_client_env *env, char *err) { (void)env; (void)err; return (void *)1; }
static void *o_connect(void *c, int w, char *err) { (void)w; (void)err; return c; }
static void o_disconnect(void *c) { (void)c; }
static void o_destroy(void *c) { (void)c; }
static dt_op_type o_invoke(void *c, const char *f, const json_t *v, dt_reply *r)
{
	(void)c; (void)f; (void)v; (void)r;
	return DT_OP_OK;
}
static json_t *o_metrics(void *c) { (void)c; return NULL; }

static const dt_client_type older = {
	/* as `sizeof(dt_client_type)` was in that header */
	.size = offsetof(dt_client_type, metrics),
	.info = { .name = "older", .version = "0",
		  .description = "built before metrics existed" },
	.create = o_create, .connect = o_connect, .invoke = o_invoke,
	.disconnect = o_disconnect, .destroy = o_destroy,
	/* beyond its size: the core must not take it */
	.metrics = o_metrics,
};

static int reg_older(dt_registry *reg)
{
	return dt_register_client(reg, &older);
}

DT_PLUGIN_DEFINE(reg_older)
