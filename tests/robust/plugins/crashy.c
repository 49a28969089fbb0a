/* SPDX-License-Identifier: MIT */
/*
 * crashy: a test-only plugin that crashes in its own code, where the
 * suite says.  Client `crashy` with `crash:` one of
 *   open        NULL dereference in open (main thread)
 *   invoke      NULL dereference in the 50th invoke (a worker thread)
 *   stack       unbounded recursion in the 50th invoke (stack overflow
 *               on a worker thread)
 *   abort       abort() in the 50th invoke
 * and checker `crashy` that dereferences NULL once the history is
 * complete.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef struct crashy {
	char mode[16];
	atomic_int ops;
} crashy;

static volatile int *nowhere;

/* The NULL loads below are the point: keep UBSan (--enable-asan) from
 * reporting them first, so that the crash is a real SIGSEGV. */
#define NO_UBSAN __attribute__((no_sanitize("undefined")))

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(volatile char *prev)
{
	volatile char pad[4096];

	pad[0] = prev ? prev[0] : 1;
	return recurse(pad) + pad[1];
}

NO_UBSAN static void *c_open(const dt_client_env *env, char *err)
{
	crashy *c = calloc(1, sizeof(*c));
	const char *mode;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	mode = dt_opt_string(env->config, "crash");
	snprintf(c->mode, sizeof(c->mode), "%s", mode);
	if (strcmp(mode, "open") == 0)
		c->ops = *nowhere;
	return c;
}

static void *c_connect(void *c, int w, char *err)
{
	(void)w; (void)err;
	return c;
}

NO_UBSAN static dt_op_type c_invoke(void *conn, const char *f, const json_t *v,
			   dt_reply *reply)
{
	crashy *c = conn;

	(void)f;
	if (atomic_fetch_add(&c->ops, 1) == 50) {
		if (strcmp(c->mode, "invoke") == 0)
			return (dt_op_type)*nowhere;
		if (strcmp(c->mode, "stack") == 0)
			return (dt_op_type)recurse(NULL);
		if (strcmp(c->mode, "abort") == 0)
			abort();
	}
	reply->value = json_deep_copy(v);
	return DT_OP_OK;
}

static void c_disconnect(void *c) { (void)c; }
static void c_close(void *c) { free(c); }

static const dt_client_type client = {
	.size = sizeof(dt_client_type),
	.info = { .name = "crashy", .version = "0",
		  .description = "crashes where `crash:` says (test only)",
		  .options = (const dt_option[]){
			{ .name = "crash", .type = DT_OPT_ENUM, .def = "invoke",
			  .values = (const char *const[]){ "open", "invoke", "stack",
							   "abort", "check", "none", NULL },
			  .doc = "where to crash" },
			{ .name = NULL } } },
	.create = c_open, .connect = c_connect, .invoke = c_invoke,
	.disconnect = c_disconnect, .destroy = c_close,
};

NO_UBSAN static int k_check(const dt_checker_env *env, const dt_history *h,
		   json_t **result, char *err)
{
	(void)env; (void)h; (void)err;
	*result = json_pack("{sb}", "valid", *nowhere);
	return 0;
}

static const dt_checker_type checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "crashy", .version = "0",
		  .description = "crashes while checking (test only)" },
	.check = k_check,
};

static int crashy_register(dt_registry *r)
{
	return dt_register_client(r, &client) || dt_register_checker(r, &checker);
}

DT_PLUGIN_DEFINE(crashy_register)
