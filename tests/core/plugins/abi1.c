/* SPDX-License-Identifier: MIT */
/*
 * A plugin of DT 0.1.0 (plugin ABI 1): its entry symbols as that
 * release's DT_PLUGIN_DEFINE made them.  Refused, naming both versions.
 */
#include <dt/plugin.h>

__attribute__((visibility("default"))) const unsigned dt_plugin_abi = 1;
__attribute__((visibility("default"))) int dt_plugin_register(dt_registry *reg)
{
	(void)reg;
	return 0;
}
