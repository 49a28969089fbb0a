/* SPDX-License-Identifier: MIT */
/*
 * kill: the `kill` nemesis.  start sends SIGKILL to every process of the
 * target nodes (through the platform, which reaps them); heal starts
 * them again with the same argv and data directory and waits until they
 * are ready.  The history records the nodes, the signal and the pids
 * before and after.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef struct kill_nemesis {
	const dt_platform_type *platform;
	void *platform_data;
	dt_node *nodes;
	size_t nnodes;
	size_t *killed;     /* node indexes killed by start, owned */
	size_t nkilled;
} kill_nemesis;

static json_t *pids_json(const dt_node *nd)
{
	json_t *a = json_array();

	for (size_t k = 0; k < nd->npids; k++)
		json_array_append_new(a, json_integer(nd->pids[k]));
	return a;
}

static void *kill_create(const dt_nemesis_env *env, char *err)
{
	kill_nemesis *k;

	if (env->platform == NULL || env->platform->signal == NULL ||
	    env->platform->restart == NULL) {
		dt_fail(err, "needs a platform with nodes that can be signalled "
			"and restarted");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->killed = calloc(env->nnodes + 1,
					     sizeof(*k->killed))) == NULL) {
		free(k);
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->platform = env->platform;
	k->platform_data = env->platform_data;
	k->nodes = env->nodes;
	k->nnodes = env->nnodes;
	return k;
}

static int kill_start(void *data, const size_t *targets, size_t ntargets,
		      dt_rng *rng, json_t **what, char *err)
{
	kill_nemesis *k = data;
	json_t *nodes = json_array();
	char e[DT_ERRBUF_SIZE];

	(void)rng;
	k->nkilled = 0;
	for (size_t t = 0; t < ntargets; t++) {
		dt_node *nd = &k->nodes[targets[t]];
		json_t *before = pids_json(nd);

		if (k->platform->signal(k->platform_data, nd, SIGKILL, e) != 0) {
			json_decref(before);
			json_decref(nodes);
			dt_fail(err, "node %s: %s", nd->name, e);
			/* Undo: bring back the ones already killed. */
			for (size_t j = 0; j < k->nkilled; j++)
				k->platform->restart(k->platform_data,
						     &k->nodes[k->killed[j]], e);
			k->nkilled = 0;
			return -1;
		}
		k->killed[k->nkilled++] = targets[t];
		json_array_append_new(nodes, json_pack("{s:s, s:o}", "node",
						       nd->name, "pids", before));
	}
	*what = json_pack("{s:s, s:o}", "signal", "SIGKILL", "killed", nodes);
	return 0;
}

static int kill_heal(void *data, json_t **what, char *err)
{
	kill_nemesis *k = data;
	json_t *nodes = json_array();
	char e[DT_ERRBUF_SIZE];
	int failed = 0;

	for (size_t j = 0; j < k->nkilled; j++) {
		dt_node *nd = &k->nodes[k->killed[j]];

		if (k->platform->restart(k->platform_data, nd, e) != 0) {
			dt_fail(err, "restarting %s: %s", nd->name, e);
			json_array_append_new(nodes, json_pack("{s:s, s:s}", "node",
							       nd->name, "error", e));
			failed++;
			continue;
		}
		json_array_append_new(nodes, json_pack("{s:s, s:o}", "node",
						       nd->name, "pids",
						       pids_json(nd)));
	}
	k->nkilled = 0;
	*what = json_pack("{s:o}", "restarted", nodes);
	return failed ? -1 : 0;
}

static void kill_destroy(void *data)
{
	kill_nemesis *k = data;

	if (k == NULL)
		return;
	free(k->killed);
	free(k);
}


static const dt_nemesis_type kill_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "kill", .version = "1.0",
		  .description = "SIGKILL nodes, restart them on heal",
		  .validate = dt_validate_nodes },
	.create = kill_create,
	.start = kill_start,
	.heal = kill_heal,
	.destroy = kill_destroy,
};

static int kill_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &kill_type);
}

DT_PLUGIN_DEFINE(kill_plugin)
