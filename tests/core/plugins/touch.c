/* SPDX-License-Identifier: MIT */
/*
 * A nemesis that makes a file at start and removes it at heal (`path`):
 * with the mem client's `bug-while: PATH`, a bug that strikes only
 * during this one fault, for the tests of `dt-run shrink`.  No nodes.
 */
#include <fcntl.h>
#include <unistd.h>

#include <dt/plugin.h>

static void *t_create(const dt_nemesis_env *env, char *err)
{
	(void)err;
	return (void *)dt_opt_string(env->config, "path");
}

static int t_start(void *n, const size_t *t, size_t nt, dt_rng *rng,
		   json_t **what, char *err)
{
	int fd = open(n, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	(void)t; (void)nt; (void)rng;
	if (fd < 0)
		return dt_fail(err, "%s: cannot make it", (const char *)n);
	close(fd);
	*what = json_pack("{ss}", "made", (const char *)n);
	return 0;
}

static int t_heal(void *n, json_t **what, char *err)
{
	(void)err;
	unlink(n);
	*what = json_pack("{ss}", "removed", (const char *)n);
	return 0;
}

static void t_destroy(void *n)
{
	unlink(n);
}

static const dt_option t_options[] = {
	{ .name = "path", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the file made while the fault lasts" },
	{ .name = NULL }
};

static const dt_nemesis_type touch = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "touch", .version = "0",
		  .description = "makes a file while the fault lasts (tests)",
		  .options = t_options },
	.create = t_create, .start = t_start, .heal = t_heal, .destroy = t_destroy,
};

static int reg_touch(dt_registry *reg)
{
	return dt_register_nemesis(reg, &touch);
}

DT_PLUGIN_DEFINE(reg_touch)
