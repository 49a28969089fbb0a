/*
 * plugin.c: registers the lock workload and the mutex checker.
 */
#include "lock.h"

static int lock_plugin(dt_registry *reg)
{
	return dt_register_workload(reg, &lock_workload) ||
	       dt_register_checker(reg, &mutex_checker) ? -1 : 0;
}

DT_PLUGIN_DEFINE(lock_plugin)
