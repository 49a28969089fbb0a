/* SPDX-License-Identifier: MIT */
/*
 * plugin.c: dt_models, the sequential specifications DT ships for the
 * linearizability checker (see models.h for the list and dt/model.h for
 * the ABI): registers each model.
 */
#include "config.h"

#include "models.h"

static int models_plugin(dt_registry *reg)
{
	const dt_model_type *all[] = {
		&register_model, &cas_register_model, &kv_model,
		&bank_model_type, &set_model, &queue_model
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (dt_register_model(reg, all[i]) != 0)
			return -1;
	return 0;
}

DT_PLUGIN_DEFINE(models_plugin)
