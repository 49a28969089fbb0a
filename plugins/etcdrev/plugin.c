/* plugin.c: dt_etcdrev registers the revisions and watch workloads, the
 * etcd model and the watch checker (see etcdrev.h). */
#include "config.h"

#include "etcdrev.h"

static int etcdrev_plugin(dt_registry *reg)
{
	if (dt_register_workload(reg, &etcdrev_revisions_workload) != 0 ||
	    dt_register_workload(reg, &etcdrev_watch_workload) != 0 ||
	    dt_register_model(reg, &etcdrev_model) != 0)
		return -1;
	return dt_register_checker(reg, &etcdrev_watch_checker);
}

DT_PLUGIN_DEFINE(etcdrev_plugin)
