/* SPDX-License-Identifier: MIT */
/* Registers a checker named `stats`, which dt_stats already has. */
#include <dt/plugin.h>

static int check(const dt_checker_env *env, const dt_history *h, json_t **r, char *err)
{
	(void)env; (void)h; (void)err;
	*r = json_pack("{sb}", "valid", 1);
	return 0;
}

static const dt_checker_type dup = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "stats", .version = "0",
		  .description = "a second stats" },
	.check = check,
};

static const dt_checker_type fine = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "dup-fine", .version = "0",
		  .description = "registered before the duplicate" },
	.check = check,
};

static int reg_dup(dt_registry *reg)
{
	if (dt_register_checker(reg, &fine) != 0)
		return -1;
	return dt_register_checker(reg, &dup);
}

DT_PLUGIN_DEFINE(reg_dup)
