/* SPDX-License-Identifier: MIT */
/*
 * A nemesis whose heal is slow on purpose (`heal-seconds`), to show that
 * no fault starts at or after the time limit, even after a slow heal,
 * and that a run ends within time limit + the longest heal + teardown.
 * It needs no nodes.
 */
#include <dt/plugin.h>

typedef struct slow {
	double heal_seconds;
} slow;

static void *s_create(const dt_nemesis_env *env, char *err)
{
	slow *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	s->heal_seconds = dt_opt_number(env->config, "heal-seconds");
	return s;
}

static int s_start(void *n, const size_t *t, size_t nt, dt_rng *rng,
		   json_t **what, char *err)
{
	(void)n; (void)t; (void)rng; (void)err;
	*what = json_pack("{si}", "targets", (int)nt);
	return 0;
}

static int s_heal(void *n, json_t **what, char *err)
{
	(void)err;
	dt_sleep(((slow *)n)->heal_seconds);
	*what = json_object();
	return 0;
}

static void s_destroy(void *n)
{
	free(n);
}

static const dt_option s_options[] = {
	{ .name = "heal-seconds", .type = DT_OPT_DURATION, .def = "1s", .min = 0,
	  .max = 60, .doc = "how long each heal takes" },
	{ .name = NULL }
};

static const dt_nemesis_type slowheal = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "slowheal", .version = "0",
		  .description = "a nemesis whose heal takes heal-seconds",
		  .options = s_options },
	.create = s_create, .start = s_start, .heal = s_heal, .destroy = s_destroy,
};

static int reg_slow(dt_registry *reg)
{
	return dt_register_nemesis(reg, &slowheal);
}

DT_PLUGIN_DEFINE(reg_slow)
