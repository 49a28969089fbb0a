/* dt_set: the set workload (workload.c) and the set-full checker
 * (checker.c): acknowledged adds lost, stale, never read. */
#include <dt/plugin.h>

extern const dt_workload_type set_workload;
extern const dt_checker_type setfull_checker;

static int set_plugin(dt_registry *reg)
{
	if (dt_register_workload(reg, &set_workload) != 0)
		return -1;
	return dt_register_checker(reg, &setfull_checker);
}

DT_PLUGIN_DEFINE(set_plugin)
