/* SPDX-License-Identifier: MIT */
/*
 * partition: the `partition` nemesis.  It cuts the network between
 * groups of nodes with iptables rules inside the nodes' own network
 * context (the platform's exec: `ip netns` on local, the pod's agent on
 * k8s), and heal deletes exactly the rules it added, one by one.
 *
 * The suite entry's `mode:` says which groups:
 *   halves           the first half of the nodes against the rest
 *   random-halves    the same after a shuffle
 *   isolate-one      one node (a random one of the targets) against all
 *   bridge           two halves cut from each other, one node between
 *                    them that sees both
 *   majorities-ring  nodes on a shuffled ring; each sees the majority
 *                    of nodes nearest it, no two the same majority
 *   targets          the nodes the target selection picks against the
 *                    others (`target: [n1, n2]`, `fixed`, `one`, ...)
 *   isolate-primary  the primary alone against the other nodes (with
 *                    `target: primary`, resolved when the fault starts):
 *                    the clients, which are not nodes, still reach it,
 *                    so it goes on acknowledging writes while the others
 *                    elect a new one (a split brain)
 *   primary-from-replicas  the same cut, named for what it means with
 *                    sentinels beside the replicas: the primary loses its
 *                    replicas and sentinels, not its clients
 * Every node takes part whatever the targets, except in isolate-one,
 * which picks its node among the targets, and in targets.
 *
 * `direction:` makes the cut between two groups one-way: `both` (the
 * default), `in` (the first group drops what the second sends it) or
 * `out` (the second group drops what the first sends).  TCP breaks
 * either way; datagrams and half-open connections tell them apart.
 *
 * `port: P` scopes every cut to TCP traffic to or from port P (the
 * replication port, say, and not the clients'), and `loss: F` drops only
 * that fraction of the packets, at random (iptables' statistic match: a
 * lossy link where the kernel has no netem).
 *
 * A "grudge" says, for each node, which nodes it drops packets from:
 * one rule `INPUT -s FROM/32 -j DROP` per (node, from) pair, tagged with
 * the comment dt-RUNID.  A cut between two groups is a grudge both ways;
 * majorities-ring with an even majority size is one-way in places, as in
 * Jepsen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef enum part_mode {
	MODE_HALVES = 0,
	MODE_RANDOM_HALVES,
	MODE_ISOLATE_ONE,
	MODE_BRIDGE,
	MODE_MAJORITIES_RING,
	MODE_TARGETS,
	MODE_ISOLATE_PRIMARY,
	MODE_PRIMARY_FROM_REPLICAS
} part_mode;

static const char *const mode_names[] = {
	"halves", "random-halves", "isolate-one", "bridge", "majorities-ring",
	"targets", "isolate-primary", "primary-from-replicas", NULL
};

typedef enum part_direction {
	DIR_BOTH = 0,
	DIR_IN,
	DIR_OUT
} part_direction;

static const char *const direction_names[] = { "both", "in", "out", NULL };

static const dt_option part_options[] = {
	{ .name = "mode", .type = DT_OPT_ENUM, .def = "halves", .values = mode_names,
	  .doc = "halves: first half against the rest; random-halves; isolate-one: a "
		 "target alone; bridge: two halves, one node seeing both; "
		 "majorities-ring; targets: the targets against the others; "
		 "isolate-primary, primary-from-replicas: the primary (target: "
		 "primary) against the other nodes, clients still reaching it" },
	{ .name = "direction", .type = DT_OPT_ENUM, .def = "both",
	  .values = direction_names,
	  .doc = "both, or one way: in (the first group drops what the second "
		 "sends) or out" },
	{ .name = "port", .type = DT_OPT_INT, .def = "0", .min = 0, .max = 65535,
	  .doc = "cut only TCP traffic to or from this port (0: everything)" },
	{ .name = "loss", .type = DT_OPT_NUMBER, .def = "1", .min = 0.0001, .max = 1,
	  .doc = "the fraction of the packets dropped, at random (1: all; "
		 "iptables statistic, no netem needed)" },
	{ .name = NULL }
};

typedef struct part_rule {
	size_t node;   /* where the rule lives */
	size_t from;   /* whose packets it drops */
} part_rule;

typedef struct part_nemesis {
	const dt_platform_type *platform;
	void *platform_data;
	dt_node *nodes;
	size_t n;
	part_mode mode;
	part_direction direction;
	char comment[32];
	long long port;     /* 0: every packet */
	double loss;        /* 1: every packet */
	char match[160];    /* the port and loss matches, for the record */
	part_rule *rules;   /* added by start and not yet removed, owned */
	size_t nrules;
	bool *drop;         /* n*n grudge matrix of the last start, owned */
} part_nemesis;

/* Run iptables OP INPUT -s FROM/32 [port] [loss] ... -j DROP on rule's
 * node. */
static int rule_exec(part_nemesis *p, const part_rule *r, const char *op,
		     char *err)
{
	char src[80], out[512], e[DT_ERRBUF_SIZE], port[16], prob[32];
	const char *argv[24];
	size_t n = 0;
	int rc;

	snprintf(src, sizeof(src), "%s/32", p->nodes[r->from].address);
	snprintf(port, sizeof(port), "%lld", p->port);
	snprintf(prob, sizeof(prob), "%.4f", p->loss);
	argv[n++] = "iptables";
	argv[n++] = "-w";
	argv[n++] = op;
	argv[n++] = "INPUT";
	argv[n++] = "-s";
	argv[n++] = src;
	if (p->port > 0) {
		argv[n++] = "-p";
		argv[n++] = "tcp";
		argv[n++] = "-m";
		argv[n++] = "multiport";
		argv[n++] = "--ports";
		argv[n++] = port;
	}
	if (p->loss < 1) {
		argv[n++] = "-m";
		argv[n++] = "statistic";
		argv[n++] = "--mode";
		argv[n++] = "random";
		argv[n++] = "--probability";
		argv[n++] = prob;
	}
	argv[n++] = "-m";
	argv[n++] = "comment";
	argv[n++] = "--comment";
	argv[n++] = p->comment;
	argv[n++] = "-j";
	argv[n++] = "DROP";
	argv[n] = NULL;
	rc = p->platform->exec(p->platform_data, &p->nodes[r->node], argv, out,
			       sizeof(out), e);
	if (rc < 0)
		return dt_fail(err, "node %s: iptables %s: %s",
			       p->nodes[r->node].name, op, e);
	if (rc != 0)
		return dt_fail(err, "node %s: iptables %s INPUT -s %s failed "
			       "(status %d): %s", p->nodes[r->node].name, op, src,
			       rc, out);
	return 0;
}

static json_t *rule_json(const part_nemesis *p, const part_rule *r)
{
	char text[384];

	snprintf(text, sizeof(text), "INPUT -s %s/32%s -m comment --comment %s "
		 "-j DROP", p->nodes[r->from].address, p->match, p->comment);
	return json_pack("{s:s, s:s, s:s}", "node", p->nodes[r->node].name,
			 "from", p->nodes[r->from].name, "rule", text);
}

/* mode targets needs nodes left out of the selection: refuse the
 * selections that can only pick them all (of nnodes; with nodes, by
 * name, else as many names as nodes). */
static int check_targets(const json_t *config, const dt_node *nodes,
			 size_t nnodes, char *err)
{
	const json_t *t = json_object_get(config, "target");
	const json_t *mode = json_is_object(t) ? json_object_get(t, "mode") : t;

	if (t == NULL)
		return 0;
	if (json_is_string(mode) && strcmp(json_string_value(mode), "all") == 0)
		return dt_conf_fail(config, "target", err, "mode targets "
				    "cuts the targets off from the other nodes; "
				    "target all leaves none");
	if (nodes == NULL && nnodes > 0 && json_is_array(t) &&
	    json_array_size(t) >= nnodes)
		return dt_conf_fail(config, "target", err, "mode targets cuts the "
				    "targets off from the other nodes; this list "
				    "names all %zu the chart has", nnodes);
	if (nodes != NULL && json_is_array(t) && json_array_size(t) >= nnodes) {
		bool left_out = false;

		for (size_t i = 0; i < nnodes && !left_out; i++) {
			size_t j;
			json_t *v;

			left_out = true;
			json_array_foreach(t, j, v)
				if (json_is_string(v) && strcmp(json_string_value(v),
						       nodes[i].name) == 0)
					left_out = false;
		}
		if (!left_out)
			return dt_conf_fail(config, "target", err, "mode "
					    "targets cuts the targets off from "
					    "the other nodes; this list names "
					    "all %zu", nnodes);
	}
	return 0;
}

/* The rules between mode, direction, the targets and the node count
 * (nnodes 0: not known until the platform is up). */
static int check_mode(const json_t *config, const dt_node *nodes, size_t nnodes,
		      char *err)
{
	int m = dt_opt_enum(config, "mode", mode_names);
	int d = dt_opt_enum(config, "direction", direction_names);

	if (d != DIR_BOTH && m == MODE_MAJORITIES_RING)
		return dt_conf_fail(config, "direction", err, "majorities-ring has "
				    "no two groups to cut one way");
	if (nnodes > 0 && (nnodes < 2 ||
			   ((m == MODE_BRIDGE || m == MODE_MAJORITIES_RING) &&
			    nnodes < 3)))
		return dt_conf_fail(config, "mode", err, "%s needs at least %d "
				    "nodes, the chart has %zu", mode_names[m],
				    m == MODE_BRIDGE || m == MODE_MAJORITIES_RING ?
				    3 : 2, nnodes);
	if (m == MODE_ISOLATE_PRIMARY || m == MODE_PRIMARY_FROM_REPLICAS) {
		const json_t *t = json_object_get(config, "target");
		const char *role = json_string_value(t);

		if (role == NULL || (strcmp(role, "primary") != 0 &&
				     strcmp(role, "leader") != 0))
			return dt_conf_fail(config, "target", err, "mode %s cuts "
					    "the primary off: it needs target: "
					    "primary (or leader), resolved when "
					    "the fault starts", mode_names[m]);
		return 0;
	}
	if (m == MODE_TARGETS)
		return check_targets(config, nodes, nnodes, err);
	return 0;
}


static int part_validate(const dt_validate_env *env, char *err)
{
	if (dt_validate_nodes(env, err) != 0)
		return -1;
	return check_mode(env->config, NULL, env->nnodes, err);
}

static void *part_create(const dt_nemesis_env *env, char *err)
{
	part_nemesis *p = NULL;
	char out[256], e[DT_ERRBUF_SIZE];
	const char *probe[] = { "iptables", "-w", "-n", "-L", "INPUT", NULL };
	int rc;

	if (env->platform == NULL || env->platform->exec == NULL) {
		dt_fail(err, "needs a platform that can run commands in a node's "
			"network context");
		return NULL;
	}
	/* Checked before the run against the chart; again against the
	 * nodes the platform brought up (k8s knows them only now). */
	if (check_mode(env->config, env->nodes, env->nnodes, err) != 0)
		return NULL;
	if (env->nnodes < 2) {
		dt_conf_fail(env->config, "mode", err, "a partition needs at least "
			     "2 nodes, the platform has %zu", env->nnodes);
		return NULL;
	}
	rc = env->platform->exec(env->platform_data, &env->nodes[0], probe, out,
				 sizeof(out), e);
	if (rc != 0) {
		dt_fail(err, "iptables does not work on node %s: %s",
			env->nodes[0].name, rc < 0 ? e : out);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto oom;
	p->rules = calloc(env->nnodes * env->nnodes, sizeof(*p->rules));
	p->drop = calloc(env->nnodes * env->nnodes, sizeof(*p->drop));
	if (p->rules == NULL || p->drop == NULL)
		goto oom;
	p->platform = env->platform;
	p->platform_data = env->platform_data;
	p->nodes = env->nodes;
	p->n = env->nnodes;
	p->mode = (part_mode)dt_opt_enum(env->config, "mode", mode_names);
	p->direction = (part_direction)dt_opt_enum(env->config, "direction",
						   direction_names);
	snprintf(p->comment, sizeof(p->comment), "dt-%.20s", env->run_id);
	p->port = dt_opt_int(env->config, "port");
	p->loss = dt_opt(env->config, "loss") ? dt_opt_number(env->config, "loss") : 1;
	if (p->port > 0)
		snprintf(p->match, sizeof(p->match), " -p tcp -m multiport --ports %lld",
			 p->port);
	if (p->loss < 1) {
		size_t len = strlen(p->match);

		snprintf(p->match + len, sizeof(p->match) - len, " -m statistic "
			 "--mode random --probability %.4f", p->loss);
	}
	return p;
oom:
	if (p != NULL) {
		free(p->rules);
		free(p->drop);
		free(p);
	}
	dt_fail(err, "out of memory");
	return NULL;
}

static void shuffle(size_t *a, size_t n, dt_rng *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)dt_rng_below(rng, i);
		size_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static json_t *names(const part_nemesis *p, const size_t *idx, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(p->nodes[idx[i]].name));
	return a;
}

/* Between a[0..na) and b[0..nb), both ways or as `direction` says:
 * in, a drops what b sends; out, b drops what a sends. */
static void cut(part_nemesis *p, const size_t *a, size_t na, const size_t *b,
		size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++) {
			if (p->direction != DIR_OUT)
				p->drop[a[i] * p->n + b[j]] = true;
			if (p->direction != DIR_IN)
				p->drop[b[j] * p->n + a[i]] = true;
		}
	}
}

/* order[0..k) = the targets (each once), order[k..n) = the others;
 * returns k. */
static size_t targets_first(const part_nemesis *p, const size_t *targets,
			    size_t ntargets, size_t *order)
{
	size_t k = 0, rest;

	for (size_t i = 0; i < p->n; i++)
		for (size_t t = 0; t < ntargets; t++)
			if (targets[t] == i) {
				order[k++] = i;
				break;
			}
	rest = k;
	for (size_t i = 0; i < p->n; i++) {
		bool in = false;

		for (size_t j = 0; j < k && !in; j++)
			in = order[j] == i;
		if (!in)
			order[rest++] = i;
	}
	return k;
}

/* Fill the grudge matrix for the mode; returns the groups for the
 * history, or NULL with err filled when the targets leave no cut. */
static json_t *plan(part_nemesis *p, const size_t *targets, size_t ntargets,
		    dt_rng *rng, size_t *order, char *err)
{
	size_t n = p->n, half = n / 2, k = 0;
	json_t *desc;

	if (p->mode == MODE_TARGETS || p->mode == MODE_ISOLATE_PRIMARY ||
	    p->mode == MODE_PRIMARY_FROM_REPLICAS) {
		k = targets_first(p, targets, ntargets, order);
		if (k == 0 || k == n) {
			dt_fail(err, "mode targets: the target selection picked "
				"%zu of the %zu nodes; nothing to cut", k, n);
			return NULL;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			order[i] = i;
	}
	desc = json_object();
	memset(p->drop, 0, n * n * sizeof(*p->drop));
	switch (p->mode) {
	case MODE_TARGETS:
	case MODE_ISOLATE_PRIMARY:
	case MODE_PRIMARY_FROM_REPLICAS:
		cut(p, order, k, order + k, n - k);
		json_object_set_new(desc, "groups", json_pack("[o, o]",
			names(p, order, k), names(p, order + k, n - k)));
		break;
	case MODE_RANDOM_HALVES:
		shuffle(order, n, rng);
		/* fall through */
	case MODE_HALVES:
		cut(p, order, half, order + half, n - half);
		json_object_set_new(desc, "groups", json_pack("[o, o]",
			names(p, order, half), names(p, order + half, n - half)));
		break;
	case MODE_ISOLATE_ONE: {
		size_t one = ntargets > 0 ?
			     targets[dt_rng_below(rng, ntargets)] :
			     (size_t)dt_rng_below(rng, n);

		order[0] = one;
		for (size_t i = 0, j = 1; i < n; i++)
			if (i != one)
				order[j++] = i;
		cut(p, order, 1, order + 1, n - 1);
		json_object_set_new(desc, "groups", json_pack("[o, o]",
			names(p, order, 1), names(p, order + 1, n - 1)));
		break;
	}
	case MODE_BRIDGE:
		shuffle(order, n, rng);
		cut(p, order, half, order + half + 1, n - half - 1);
		json_object_set_new(desc, "groups", json_pack("[o, o]",
			names(p, order, half),
			names(p, order + half + 1, n - half - 1)));
		json_object_set_new(desc, "bridge",
				    json_string(p->nodes[order[half]].name));
		break;
	case MODE_MAJORITIES_RING: {
		size_t m = n / 2 + 1, left = (m - 1) / 2, right = (m - 1) - left;

		shuffle(order, n, rng);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < n; j++) {
				/* Ring distance from position i forward to j. */
				size_t fwd = (j + n - i) % n;
				bool sees = fwd <= right || n - fwd <= left;

				if (!sees)
					p->drop[order[i] * n + order[j]] = true;
			}
		}
		json_object_set_new(desc, "ring", names(p, order, n));
		break;
	}
	}
	return desc;
}

static void remove_rules(part_nemesis *p, json_t *removed, int *failed,
			 char *err)
{
	char e[DT_ERRBUF_SIZE];

	while (p->nrules > 0) {
		const part_rule *r = &p->rules[p->nrules - 1];

		if (rule_exec(p, r, "-D", e) != 0) {
			dt_fail(err, "%s", e);
			(*failed)++;
		} else if (removed != NULL) {
			json_array_append_new(removed, rule_json(p, r));
		}
		p->nrules--;
	}
}

static int part_start(void *data, const size_t *targets, size_t ntargets,
		      dt_rng *rng, json_t **what, char *err)
{
	part_nemesis *p = data;
	size_t *order = calloc(p->n, sizeof(*order));
	json_t *desc, *grudge, *rules;
	int failed = 0;

	if (order == NULL)
		return dt_fail(err, "out of memory");
	desc = plan(p, targets, ntargets, rng, order, err);
	free(order);
	if (desc == NULL)
		return -1;
	grudge = json_object();
	rules = json_array();
	p->nrules = 0;
	for (size_t a = 0; a < p->n; a++) {
		json_t *from = json_array();

		for (size_t b = 0; b < p->n; b++) {
			part_rule *r = &p->rules[p->nrules];

			if (!p->drop[a * p->n + b])
				continue;
			json_array_append_new(from, json_string(p->nodes[b].name));
			r->node = a;
			r->from = b;
			if (rule_exec(p, r, "-I", err) != 0) {
				json_decref(from);
				json_decref(grudge);
				json_decref(rules);
				json_decref(desc);
				remove_rules(p, NULL, &failed, err);
				return -1;
			}
			p->nrules++;
			json_array_append_new(rules, rule_json(p, r));
		}
		json_object_set_new(grudge, p->nodes[a].name, from);
	}
	json_object_set_new(desc, "mode", json_string(mode_names[p->mode]));
	json_object_set_new(desc, "direction",
			    json_string(direction_names[p->direction]));
	if (p->port > 0)
		json_object_set_new(desc, "port", json_integer(p->port));
	if (p->loss < 1)
		json_object_set_new(desc, "loss", json_real(p->loss));
	json_object_set_new(desc, "grudge", grudge);
	json_object_set_new(desc, "rules", rules);
	*what = desc;
	return 0;
}

static int part_heal(void *data, json_t **what, char *err)
{
	part_nemesis *p = data;
	json_t *removed = json_array();
	int failed = 0;

	remove_rules(p, removed, &failed, err);
	*what = json_pack("{s:s, s:o}", "mode", mode_names[p->mode], "removed",
			  removed);
	return failed ? -1 : 0;
}

static void part_destroy(void *data)
{
	part_nemesis *p = data;

	if (p == NULL)
		return;
	free(p->rules);
	free(p->drop);
	free(p);
}

static const dt_nemesis_type partition_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "partition", .version = "1.0",
		  .description = "iptables cuts between groups of nodes (halves, random-halves, "
					 "isolate-one, bridge, majorities-ring, targets, "
					 "isolate-primary)",
		  .options = part_options, .validate = part_validate },
	.create = part_create,
	.start = part_start,
	.heal = part_heal,
	.destroy = part_destroy,
};

static int partition_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &partition_type);
}

DT_PLUGIN_DEFINE(partition_plugin)
