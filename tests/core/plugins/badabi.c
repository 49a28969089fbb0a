/* SPDX-License-Identifier: MIT */
/* A plugin built for another ABI version. */
#include <dt/plugin.h>

__attribute__((visibility("default"))) const unsigned dt_plugin_abi = DT_ABI_VERSION + 41;

int dt_plugin_register(dt_registry *reg)
{
	(void)reg;
	return 0;
}
