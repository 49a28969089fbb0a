/* SPDX-License-Identifier: MIT */
/*
 * freeze: an example of a DT plugin built outside DT's tree.  A nemesis
 * that freezes the chosen nodes (SIGSTOP to every process of each) and
 * thaws exactly those on heal (SIGCONT), through the platform's signal
 * callback, so it works on any platform that can signal a node.
 *
 *   nemesis:
 *     - name: freeze
 *       interval: 10s
 *       duration: 3s
 *       target: one
 *
 * Build it against an installed DT (the libdt-dev package):
 *   cc -shared -fPIC -o dt_freeze.so freeze.c $(pkg-config --cflags --libs dt-plugin)
 * and drop dt_freeze.so into ~/.local/lib/dt/plugins/ (see dt-plugin(7)).
 *
 * Threads: every callback runs on the run's nemesis thread, so the state
 * needs no lock.  Ownership: the freeze state is owned by the core between
 * create and destroy; `frozen` lists node indexes this nemesis stopped.
 * The env given to create is borrowed for that call only: keep copies of
 * what is needed later (the node table itself lives until teardown).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef struct freeze {
	const dt_platform_type *platform; /* NULL when the run has no nodes */
	void *platform_data;
	dt_node *nodes;                   /* the platform's, until teardown */
	size_t nnodes;
	size_t *frozen;                   /* indexes into nodes, owned */
	size_t nfrozen;
} freeze;

static void *freeze_create(const dt_nemesis_env *env, char *err)
{
	freeze *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	f->frozen = calloc(env->nnodes + 1, sizeof(size_t));
	if (f->frozen == NULL) {
		free(f);
		dt_fail(err, "out of memory");
		return NULL;
	}
	f->platform = env->platform;
	f->platform_data = env->platform_data;
	f->nodes = env->nodes;
	f->nnodes = env->nnodes;
	return f;
}

/* The node names of what is frozen, for the history. */
static json_t *describe(const freeze *f, const char *signal_name)
{
	json_t *names = json_array();

	for (size_t i = 0; i < f->nfrozen; i++)
		json_array_append_new(names,
			json_string(f->nodes[f->frozen[i]].name));
	return json_pack("{ss so}", "signal", signal_name, "frozen", names);
}

/* Send sig to one node; 0, or -1 with err naming the node. */
static int signal_node(freeze *f, size_t index, int sig, char *err)
{
	dt_node *node = &f->nodes[index];
	char why[DT_ERRBUF_SIZE] = "";

	if (f->platform->signal(f->platform_data, node, sig, why) != 0)
		return dt_fail(err, "%s: %s", node->name, why);
	return 0;
}

static int freeze_start(void *data, const size_t *targets, size_t ntargets,
			dt_rng *rng, json_t **what, char *err)
{
	freeze *f = data;
	const dt_platform_type *p = f->platform;

	(void)rng;
	if (ntargets > 0 && (p == NULL || p->signal == NULL))
		return dt_fail(err, "this platform cannot signal its nodes");
	f->nfrozen = 0;
	for (size_t i = 0; i < ntargets; i++) {
		if (signal_node(f, targets[i], SIGSTOP, err) != 0)
			goto fail;
		f->frozen[f->nfrozen++] = targets[i];
	}
	*what = describe(f, "SIGSTOP");
	return 0;
fail:
	/* Undo what was done before the failure: thaw those frozen. */
	for (size_t i = 0; i < f->nfrozen; i++) {
		char ignored[DT_ERRBUF_SIZE];

		signal_node(f, f->frozen[i], SIGCONT, ignored);
	}
	f->nfrozen = 0;
	return -1;
}

static int freeze_heal(void *data, json_t **what, char *err)
{
	freeze *f = data;
	int rc = 0;

	/* Thaw every node frozen, even past one that fails. */
	for (size_t i = 0; i < f->nfrozen; i++)
		if (signal_node(f, f->frozen[i], SIGCONT, err) != 0)
			rc = -1;
	if (rc != 0)
		return -1;
	*what = describe(f, "SIGCONT");
	f->nfrozen = 0;
	return 0;
}

static void freeze_destroy(void *data)
{
	freeze *f = data;

	if (f == NULL)
		return;
	free(f->frozen);
	free(f);
}

static const dt_nemesis_type freeze_nemesis = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "freeze", .version = "1.0",
		  .description = "example: SIGSTOP the chosen nodes, SIGCONT on heal" },
	.create = freeze_create,
	.start = freeze_start,
	.heal = freeze_heal,
	.destroy = freeze_destroy,
};

static int freeze_register(dt_registry *reg)
{
	return dt_register_nemesis(reg, &freeze_nemesis);
}

DT_PLUGIN_DEFINE(freeze_register)
