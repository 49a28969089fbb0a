/* SPDX-License-Identifier: MIT */
/*
 * blackhole: the example of a nemesis a suite brings in its own .so
 * (the README shows it).  On each target node it routes the addresses of
 * every other node into a blackhole, so the node can not send to its
 * peers (they can still send to it); heal deletes exactly those routes.
 *
 * Build it as a libtool module named dt_NAME.so and point dt-run at its
 * folder with --plugin-path (or DT_PLUGIN_PATH); the suite names it:
 *
 *   nemesis:
 *     - name: blackhole
 *       probability: 0.5
 *       interval: 5s
 *       duration: 3s
 *       target: one
 *
 * It acts only through the platform's callbacks (here exec, which runs
 * a command in the node's network context), so the same code works on
 * every platform.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dt/plugin.h>

typedef struct blackhole {
	dt_nemesis_env env;     /* copied; its pointers are the core's */
	size_t *routes;         /* pairs (node, peer) added, owned */
	size_t nroutes;
} blackhole;

static void *bh_create(const dt_nemesis_env *env, char *err)
{
	blackhole *b;

	if (env->platform == NULL || env->platform->exec == NULL) {
		dt_fail(err, "needs a platform that runs commands on nodes");
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL || (b->routes = calloc(2 * env->nnodes * env->nnodes + 1,
					     sizeof(size_t))) == NULL) {
		free(b);
		dt_fail(err, "out of memory");
		return NULL;
	}
	b->env = *env;
	return b;
}

/* ip route add|del blackhole PEER/32, on node. */
static int route(blackhole *b, const char *op, size_t node, size_t peer,
		 char *err)
{
	char dst[80], out[256];
	const char *argv[] = { "ip", "route", op, "blackhole", dst, NULL };
	int rc;

	snprintf(dst, sizeof(dst), "%s/32", b->env.nodes[peer].address);
	rc = b->env.platform->exec(b->env.platform_data, &b->env.nodes[node],
				   argv, out, sizeof(out), err);
	if (rc > 0)
		return dt_fail(err, "%s: ip route %s blackhole %s: %s",
			       b->env.nodes[node].name, op, dst, out);
	return rc;
}

static int bh_heal(void *data, json_t **what, char *err)
{
	blackhole *b = data;
	json_t *removed = json_array();
	int failed = 0;

	while (b->nroutes > 0) {
		size_t node = b->routes[2 * (b->nroutes - 1)];
		size_t peer = b->routes[2 * (b->nroutes - 1) + 1];

		if (route(b, "del", node, peer, err) != 0)
			failed++;
		else
			json_array_append_new(removed, json_pack("[s, s]",
				b->env.nodes[node].name, b->env.nodes[peer].name));
		b->nroutes--;
	}
	*what = json_pack("{s:o}", "removed", removed);
	return failed ? -1 : 0;
}

static int bh_start(void *data, const size_t *targets, size_t ntargets,
		    dt_rng *rng, json_t **what, char *err)
{
	blackhole *b = data;
	json_t *added = json_array();

	(void)rng;
	for (size_t t = 0; t < ntargets; t++) {
		for (size_t peer = 0; peer < b->env.nnodes; peer++) {
			if (peer == targets[t])
				continue;
			if (route(b, "add", targets[t], peer, err) != 0) {
				json_t *ignored = NULL;
				char e[DT_ERRBUF_SIZE];

				json_decref(added);
				bh_heal(b, &ignored, e); /* undo what was done */
				json_decref(ignored);
				return -1;
			}
			b->routes[2 * b->nroutes] = targets[t];
			b->routes[2 * b->nroutes + 1] = peer;
			b->nroutes++;
			json_array_append_new(added, json_pack("[s, s]",
				b->env.nodes[targets[t]].name,
				b->env.nodes[peer].name));
		}
	}
	*what = json_pack("{s:o}", "blackholed", added);
	return 0;
}

static void bh_destroy(void *data)
{
	blackhole *b = data;

	if (b != NULL)
		free(b->routes);
	free(b);
}

static const dt_nemesis_type blackhole_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "blackhole", .version = "1.0",
		  .description = "a node can not send to its peers" },
	.create = bh_create,
	.start = bh_start,
	.heal = bh_heal,
	.destroy = bh_destroy,
};

static int blackhole_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &blackhole_type);
}

DT_PLUGIN_DEFINE(blackhole_plugin)
