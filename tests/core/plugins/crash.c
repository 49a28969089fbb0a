/* SPDX-License-Identifier: MIT */
/* A client that crashes in its own code on its 20th operation. */
#include <stdatomic.h>
#include <stdlib.h>

#include <dt/plugin.h>

static atomic_int ops;

static void *c_open(const dt_client_env *env, char *err) { (void)env; (void)err; return &ops; }
static void *c_connect(void *c, int w, char *err) { (void)w; (void)err; return c; }
static void c_disconnect(void *c) { (void)c; }
static void c_close(void *c) { (void)c; }

/* UBSan would stop at the NULL load before the SIGSEGV this test is for. */
__attribute__((noinline, no_sanitize("undefined"))) static dt_op_type crash_invoke(void *conn, const char *f,
		const json_t *v, dt_reply *reply)
{
	volatile int *nowhere = NULL;

	(void)conn; (void)f; (void)v; (void)reply;
	if (atomic_fetch_add(&ops, 1) == 20)
		return (dt_op_type)*nowhere;
	return DT_OP_OK;
}

static const dt_client_type crasher = {
	.size = sizeof(dt_client_type),
	.info = { .name = "crasher", .version = "0",
		  .description = "crashes on its 20th operation" },
	.create = c_open, .connect = c_connect, .invoke = crash_invoke,
	.disconnect = c_disconnect, .destroy = c_close,
};

static int reg_crash(dt_registry *reg)
{
	return dt_register_client(reg, &crasher);
}

DT_PLUGIN_DEFINE(reg_crash)
