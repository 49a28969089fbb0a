/* SPDX-License-Identifier: MIT */
/*
 * throttle: the `throttle` nemesis.  It shapes what the target nodes
 * send with tc on their interface, in each node's own network context
 * (the platform's exec), and heal deletes exactly the root qdiscs it
 * added.
 *
 * Parameters of the suite entry:
 *   rate: 1mbit   burst: 32kbit   latency: 50ms     tbf: always available
 *   delay: 100ms  jitter: 10ms    loss: 1%          netem: where the
 *                                                   kernel has it
 * With netem parameters the root is netem and tbf (if a rate is set) its
 * child; without, tbf is the root.  netem is probed at create on a throwaway
 * veth pair inside the first node, so a kernel without it fails the run
 * before it starts, with a message naming the parameters.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

/* tc's own units, passed to tc as they are written. */
static const dt_option throttle_options[] = {
	{ .name = "rate", .type = DT_OPT_STRING,
	  .doc = "tbf rate limit, in tc's units: bit, kbit, mbit, gbit (per "
		 "second), or bps, kbps, mbps (bytes)" },
	{ .name = "burst", .type = DT_OPT_STRING, .def = "32kbit",
	  .doc = "tbf bucket size, in tc's units (b, kb, mb, kbit, mbit)" },
	{ .name = "latency", .type = DT_OPT_STRING, .def = "50ms",
	  .doc = "tbf: how long a packet may wait in the bucket (tc's us, ms, s)" },
	{ .name = "delay", .type = DT_OPT_STRING,
	  .doc = "netem: added delay (tc's us, ms, s); needs netem in the kernel" },
	{ .name = "jitter", .type = DT_OPT_STRING,
	  .doc = "netem: delay variation, with delay; needs netem" },
	{ .name = "loss", .type = DT_OPT_STRING,
	  .doc = "netem: packet loss (1%); needs netem" },
	{ .name = NULL }
};

typedef struct throttle_nemesis {
	const dt_platform_type *platform;
	void *platform_data;
	dt_node *nodes;
	size_t n;
	const char *rate, *burst, *latency;   /* borrowed from the suite */
	const char *delay, *jitter, *loss;
	size_t *shaped;     /* node indexes with our root qdisc, owned */
	size_t nshaped;
} throttle_nemesis;

/* argv's words joined by spaces into line (truncated to size). */
static void join_argv(const char *const *argv, char *line, size_t size)
{
	size_t len = 0;

	line[0] = '\0';
	for (size_t i = 0; argv[i] != NULL && len < size; i++)
		len += (size_t)snprintf(line + len, size - len, "%s%s",
					i ? " " : "", argv[i]);
}

/* Run argv on node; 0, or -1 with err naming the whole command (tc's
 * own words do not name the value at fault: "Illegal \"latency\"" for
 * a bad delay) and its output. */
static int node_exec(throttle_nemesis *t, const dt_node *nd,
		     const char *const *argv, char *err)
{
	char out[512], e[DT_ERRBUF_SIZE], line[256];
	int rc = t->platform->exec(t->platform_data, nd, argv, out, sizeof(out), e);

	if (rc < 0)
		return dt_fail(err, "node %s: %s: %s", nd->name, argv[0], e);
	if (rc != 0) {
		size_t len = strlen(out);

		while (len > 0 && isspace((unsigned char)out[len - 1]))
			out[--len] = '\0';
		join_argv(argv, line, sizeof(line));
		return dt_fail(err, "node %s: `%s` failed (status %d): %s",
			       nd->name, line, rc, out);
	}
	return 0;
}

/* A tc value: digits, letters, '.', '%': nothing a tc parser could take
 * for another option. */
static int tc_value(const json_t *conf, const char *key, const char **out,
		    char *err)
{
	*out = dt_opt_string(conf, key);
	if (*out == NULL)
		return 0;
	for (const char *c = *out; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '%')
			return dt_conf_fail(conf, key, err, "'%s' is not a tc "
					    "value (like 1mbit, 50ms, 1%%)", *out);
	if ((*out)[0] == '\0' || !isdigit((unsigned char)(*out)[0]))
		return dt_conf_fail(conf, key, err, "'%s' is not a tc value "
				    "(like 1mbit, 50ms, 1%%)", *out);
	return 0;
}

static bool needs_netem(const throttle_nemesis *t)
{
	return t->delay != NULL || t->jitter != NULL || t->loss != NULL;
}

/* Read and check the entry's values (validate and create alike). */
static int read_values(throttle_nemesis *t, const json_t *config, char *err)
{
	if (tc_value(config, "rate", &t->rate, err) != 0 ||
	    tc_value(config, "burst", &t->burst, err) != 0 ||
	    tc_value(config, "latency", &t->latency, err) != 0 ||
	    tc_value(config, "delay", &t->delay, err) != 0 ||
	    tc_value(config, "jitter", &t->jitter, err) != 0 ||
	    tc_value(config, "loss", &t->loss, err) != 0)
		return -1;
	if (t->jitter != NULL && t->delay == NULL)
		return dt_conf_fail(config, "jitter", err, "jitter needs a delay");
	if (t->rate == NULL && !needs_netem(t))
		return dt_conf_fail(config, NULL, err, "throttle needs rate (tbf) "
				    "or delay/jitter/loss (netem)");
	return 0;
}

/*
 * Whether this kernel has netem, before any node exists: tc adds netem
 * to the loopback of a network namespace made for it alone (unshare -n:
 * the namespace goes with the command, nothing to clean up).  1 yes, 0
 * no, -1 could not tell (no right to make a namespace: the first start
 * will tell instead).
 */
static int kernel_has_netem(void)
{
	const char *argv[] = { "unshare", "--net", "tc", "qdisc", "add", "dev",
			       "lo", "root", "netem", "delay", "1ms", NULL };
	char out[512], e[DT_ERRBUF_SIZE];
	dt_command cmd = { .argv = argv, .timeout = 10, .out = out,
			   .outlen = sizeof(out) };
	int rc = dt_command_run(&cmd, e);

	if (rc == 0)
		return 1;
	if (rc > 0 && (strstr(out, "qdisc kind is unknown") != NULL ||
		       strstr(out, "nknown qdisc") != NULL))
		return 0;
	return -1;
}

static int netem_missing(const throttle_nemesis *t, char *err);


static int throttle_validate(const dt_validate_env *env, char *err)
{
	throttle_nemesis t = { 0 };

	if (dt_validate_nodes(env, err) != 0)
		return -1;
	if (read_values(&t, env->config, err) != 0)
		return -1;
	if (needs_netem(&t) && kernel_has_netem() == 0) {
		char why[DT_ERRBUF_SIZE];

		netem_missing(&t, why);
		return dt_conf_fail(env->config, t.delay ? "delay" : t.jitter ?
				    "jitter" : "loss", err, "%s", why);
	}
	return 0;
}

/* Whether the kernel has netem: add it to a throwaway veth pair inside
 * the first node.  1 yes, 0 no, -1 could not tell (no veth there: the
 * first start will tell instead). */
static int probe_netem(throttle_nemesis *t)
{
	const dt_node *nd = &t->nodes[0];
	const char *add[] = { "ip", "link", "add", "dtnetem0", "type", "veth",
			      "peer", "name", "dtnetem1", NULL };
	const char *q[] = { "tc", "qdisc", "add", "dev", "dtnetem0", "root",
			    "netem", "delay", "1ms", NULL };
	const char *del[] = { "ip", "link", "del", "dtnetem0", NULL };
	char e[DT_ERRBUF_SIZE];
	int rc;

	if (node_exec(t, nd, add, e) != 0)
		return -1;
	rc = node_exec(t, nd, q, e) == 0;
	node_exec(t, nd, del, e);
	return rc;
}

static int netem_missing(const throttle_nemesis *t, char *err)
{
	char which[256] = "";
	size_t len = 0;

	if (t->delay)
		len += (size_t)snprintf(which + len, sizeof(which) - len,
					"delay: %s ", t->delay);
	if (t->jitter && len < sizeof(which))
		len += (size_t)snprintf(which + len, sizeof(which) - len,
					"jitter: %s ", t->jitter);
	if (t->loss && len < sizeof(which))
		snprintf(which + len, sizeof(which) - len, "loss: %s ", t->loss);
	return dt_fail(err, "netem is not available in this kernel: the "
		       "parameters delay, jitter and loss need it (this entry "
		       "has %s); tbf's rate, burst and latency work without it",
		       which);
}

static void *throttle_create(const dt_nemesis_env *env, char *err)
{
	throttle_nemesis *t;

	if (env->platform == NULL || env->platform->exec == NULL ||
	    env->nnodes == 0) {
		dt_fail(err, "needs a platform that can run commands in a node's "
			"network context");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->shaped = calloc(env->nnodes, sizeof(*t->shaped))) == NULL) {
		free(t);
		dt_fail(err, "out of memory");
		return NULL;
	}
	t->platform = env->platform;
	t->platform_data = env->platform_data;
	t->nodes = env->nodes;
	t->n = env->nnodes;
	if (read_values(t, env->config, err) != 0)
		goto fail;
	if (needs_netem(t) && probe_netem(t) == 0) {
		netem_missing(t, err);
		goto fail;
	}
	return t;
fail:
	free(t->shaped);
	free(t);
	return NULL;
}

/* Run one tc command on a node and record its words in cmds. */
static int tc_run(throttle_nemesis *t, const dt_node *nd, const char *const *argv,
		  json_t *cmds, char *err)
{
	char line[512];

	if (node_exec(t, nd, argv, err) != 0)
		return -1;
	join_argv(argv, line, sizeof(line));
	json_array_append_new(cmds, json_string(line));
	return 0;
}

static int unshape(throttle_nemesis *t, const dt_node *nd, json_t *cmds,
		   char *err)
{
	const char *argv[] = { "tc", "qdisc", "del", "dev", nd->ifname, "root",
			       NULL };

	return tc_run(t, nd, argv, cmds, err);
}

/* Add our root qdisc (netem and/or tbf) on a node's interface.  On
 * failure nothing of ours is left on it. */
static int shape(throttle_nemesis *t, const dt_node *nd, json_t *cmds, char *err)
{
	const char *argv[32];
	size_t n = 0;
	bool netem = needs_netem(t);
	char e[DT_ERRBUF_SIZE];

#define ARG(x) (argv[n++] = (x))
	if (netem) {
		ARG("tc"); ARG("qdisc"); ARG("add"); ARG("dev"); ARG(nd->ifname);
		ARG("root"); ARG("handle"); ARG("1:"); ARG("netem");
		if (t->delay) {
			ARG("delay"); ARG(t->delay);
			if (t->jitter)
				ARG(t->jitter);
		}
		if (t->loss) {
			ARG("loss"); ARG(t->loss);
		}
		argv[n] = NULL;
		if (tc_run(t, nd, argv, cmds, err) != 0)
			return strstr(err, "nknown") != NULL ?
			       netem_missing(t, err) : -1;
	}
	if (t->rate != NULL) {
		n = 0;
		ARG("tc"); ARG("qdisc"); ARG("add"); ARG("dev"); ARG(nd->ifname);
		if (netem) {
			ARG("parent"); ARG("1:"); ARG("handle"); ARG("10:");
		} else {
			ARG("root"); ARG("handle"); ARG("1:");
		}
		ARG("tbf"); ARG("rate"); ARG(t->rate); ARG("burst"); ARG(t->burst);
		ARG("latency"); ARG(t->latency);
		argv[n] = NULL;
		if (tc_run(t, nd, argv, cmds, err) != 0) {
			if (netem)
				unshape(t, nd, cmds, e);
			return -1;
		}
	}
#undef ARG
	return 0;
}

static int throttle_start(void *data, const size_t *targets, size_t ntargets,
			  dt_rng *rng, json_t **what, char *err)
{
	throttle_nemesis *t = data;
	json_t *nodes = json_array();
	char e[DT_ERRBUF_SIZE];

	(void)rng;
	t->nshaped = 0;
	for (size_t i = 0; i < ntargets; i++) {
		const dt_node *nd = &t->nodes[targets[i]];
		json_t *cmds = json_array();

		if (shape(t, nd, cmds, err) != 0) {
			json_decref(cmds);
			json_decref(nodes);
			while (t->nshaped > 0)
				unshape(t, &t->nodes[t->shaped[--t->nshaped]],
					NULL, e);
			return -1;
		}
		t->shaped[t->nshaped++] = targets[i];
		json_array_append_new(nodes, json_pack("{s:s, s:s, s:o}", "node",
						       nd->name, "dev", nd->ifname,
						       "commands", cmds));
	}
	*what = json_pack("{s:o}", "shaped", nodes);
	return 0;
}

static int throttle_heal(void *data, json_t **what, char *err)
{
	throttle_nemesis *t = data;
	json_t *nodes = json_array();
	int failed = 0;

	for (size_t i = 0; i < t->nshaped; i++) {
		const dt_node *nd = &t->nodes[t->shaped[i]];
		json_t *cmds = json_array();

		if (unshape(t, nd, cmds, err) != 0)
			failed++;
		json_array_append_new(nodes, json_pack("{s:s, s:s, s:o}", "node",
						       nd->name, "dev", nd->ifname,
						       "commands", cmds));
	}
	t->nshaped = 0;
	*what = json_pack("{s:o}", "unshaped", nodes);
	return failed ? -1 : 0;
}

static void throttle_destroy(void *data)
{
	throttle_nemesis *t = data;

	if (t == NULL)
		return;
	free(t->shaped);
	free(t);
}

static const dt_nemesis_type throttle_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "throttle", .version = "1.0",
		  .description = "tc on the nodes' interfaces: tbf rate limits, netem delay/loss",
		  .options = throttle_options, .validate = throttle_validate },
	.create = throttle_create,
	.start = throttle_start,
	.heal = throttle_heal,
	.destroy = throttle_destroy,
};

static int throttle_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &throttle_type);
}

DT_PLUGIN_DEFINE(throttle_plugin)
