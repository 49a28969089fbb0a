/* SPDX-License-Identifier: MIT */
/*
 * pause: the `pause` nemesis.  start sends SIGSTOP to every process of
 * the target nodes (their process groups, through the platform); heal
 * sends SIGCONT to exactly those nodes.  A paused process keeps its
 * sockets open but answers nothing: clients see timeouts, not refusals.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef struct pause_nemesis {
	const dt_platform_type *platform;
	void *platform_data;
	dt_node *nodes;
	size_t nnodes;
	size_t *paused;     /* node indexes stopped by start, owned */
	size_t npaused;
} pause_nemesis;

static json_t *pids_json(const dt_node *nd)
{
	json_t *a = json_array();

	for (size_t k = 0; k < nd->npids; k++)
		if (nd->pids[k] > 0)
			json_array_append_new(a, json_integer(nd->pids[k]));
	return a;
}

static void *pause_create(const dt_nemesis_env *env, char *err)
{
	pause_nemesis *p;

	if (env->platform == NULL || env->platform->signal == NULL) {
		dt_fail(err, "needs a platform with nodes that can be signalled");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->paused = calloc(env->nnodes + 1,
					     sizeof(*p->paused))) == NULL) {
		free(p);
		dt_fail(err, "out of memory");
		return NULL;
	}
	p->platform = env->platform;
	p->platform_data = env->platform_data;
	p->nodes = env->nodes;
	p->nnodes = env->nnodes;
	return p;
}

static int pause_start(void *data, const size_t *targets, size_t ntargets,
		       dt_rng *rng, json_t **what, char *err)
{
	pause_nemesis *p = data;
	json_t *nodes = json_array();
	char e[DT_ERRBUF_SIZE];

	(void)rng;
	p->npaused = 0;
	for (size_t t = 0; t < ntargets; t++) {
		dt_node *nd = &p->nodes[targets[t]];

		if (p->platform->signal(p->platform_data, nd, SIGSTOP, e) != 0) {
			dt_fail(err, "node %s: %s", nd->name, e);
			for (size_t j = 0; j < p->npaused; j++)
				p->platform->signal(p->platform_data,
						    &p->nodes[p->paused[j]],
						    SIGCONT, e);
			p->npaused = 0;
			json_decref(nodes);
			return -1;
		}
		p->paused[p->npaused++] = targets[t];
		json_array_append_new(nodes, json_pack("{s:s, s:o}", "node",
						       nd->name, "pids",
						       pids_json(nd)));
	}
	*what = json_pack("{s:s, s:o}", "signal", "SIGSTOP", "stopped", nodes);
	return 0;
}

static int pause_heal(void *data, json_t **what, char *err)
{
	pause_nemesis *p = data;
	json_t *nodes = json_array();
	char e[DT_ERRBUF_SIZE];
	int failed = 0;

	for (size_t j = 0; j < p->npaused; j++) {
		dt_node *nd = &p->nodes[p->paused[j]];

		if (p->platform->signal(p->platform_data, nd, SIGCONT, e) != 0) {
			dt_fail(err, "node %s: %s", nd->name, e);
			failed++;
			continue;
		}
		json_array_append_new(nodes, json_pack("{s:s, s:o}", "node",
						       nd->name, "pids",
						       pids_json(nd)));
	}
	p->npaused = 0;
	*what = json_pack("{s:s, s:o}", "signal", "SIGCONT", "resumed", nodes);
	return failed ? -1 : 0;
}

static void pause_destroy(void *data)
{
	pause_nemesis *p = data;

	if (p == NULL)
		return;
	free(p->paused);
	free(p);
}


static const dt_nemesis_type pause_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "pause", .version = "1.0",
		  .description = "SIGSTOP nodes, SIGCONT on heal",
		  .validate = dt_validate_nodes },
	.create = pause_create,
	.start = pause_start,
	.heal = pause_heal,
	.destroy = pause_destroy,
};

static int pause_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &pause_type);
}

DT_PLUGIN_DEFINE(pause_plugin)
