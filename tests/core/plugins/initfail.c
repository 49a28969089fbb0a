/* SPDX-License-Identifier: MIT */
/* A plugin whose registration fails, and one missing a callback. */
#include <dt/plugin.h>

static const dt_client_type incomplete = {
	.size = sizeof(dt_client_type),
	.info = { .name = "incomplete", .version = "0",
		  .description = "has no invoke" },
};

static int reg_fail(dt_registry *reg)
{
	return dt_register_client(reg, &incomplete);
}

DT_PLUGIN_DEFINE(reg_fail)
