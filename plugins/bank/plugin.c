/* SPDX-License-Identifier: MIT */
/* dt_bank: the bank workload and its invariant checker. */
#include "bank.h"

extern const dt_workload_type bank_workload;
extern const dt_checker_type bank_checker;

static int bank_plugin(dt_registry *reg)
{
	if (dt_register_workload(reg, &bank_workload) != 0)
		return -1;
	return dt_register_checker(reg, &bank_checker);
}

DT_PLUGIN_DEFINE(bank_plugin)
