/* SPDX-License-Identifier: MIT */
/*
 * The nemeses on real nodes of the local platform: partition (every
 * mode, checked with real TCP connects between all pairs and with
 * iptables-save), throttle (a real bulk transfer, measured), kill and
 * pause (/proc state and readiness after heal), and a dt-run that
 * schedules all four.  Every test ends with nothing left.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf.h"
#include "suite.h"

TestSuite(nemesis, .timeout = 90);

static const char socat5[] =
	"local:\n"
	"  nodes: 5\n"
	"  port: 7000\n"
	"  processes:\n"
	"    - name: echo\n"
	"      command: [socat, \"TCP-LISTEN:7000,bind={address},fork,reuseaddr\", \"EXEC:cat\"]\n"
	"      ready: {tcp: 7000, timeout: 10}\n";

static const char redis3[] =
	"local:\n"
	"  nodes: 3\n"
	"  port: 6379\n"
	"  processes:\n"
	"    - name: redis\n"
	"      command: [redis-server, --bind, \"{address}\", --port, \"6379\",\n"
	"                --dir, \"{data_dir}\", --save, \"\", --protected-mode, \"no\"]\n"
	"      ready:\n"
	"        command: [redis-cli, -h, \"{address}\", ping]\n"
	"        timeout: 20\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t node_index(const pf *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->nodes[i].name, name) == 0)
			return i;
	cr_assert_fail("no node %s", name);
	return 0;
}

/* drop[a][b]: a drops packets from b, from the recorded grudge. */
static void grudge_of(const pf *f, const json_t *what, bool *drop)
{
	const json_t *g = json_object_get(what, "grudge");
	const char *k;
	json_t *v;

	cr_assert(json_is_object(g), "no grudge in the record");
	memset(drop, 0, f->n * f->n * sizeof(*drop));
	json_object_foreach((json_t *)g, k, v) {
		size_t a = node_index(f, k), j;
		json_t *b;

		json_array_foreach(v, j, b)
			drop[a * f->n + node_index(f, json_string_value(b))] = true;
	}
}

static size_t group(const pf *f, const json_t *what, size_t gi, bool *in)
{
	const json_t *g = json_array_get(json_object_get(what, "groups"), gi);
	size_t j;
	json_t *v;

	memset(in, 0, f->n * sizeof(*in));
	json_array_foreach(g, j, v)
		in[node_index(f, json_string_value(v))] = true;
	return json_array_size(g);
}

/* One mode: start, check the cut pairs with TCP and the mode's shape,
 * heal, check everything is back and iptables is as before.  dir is the
 * entry's direction (NULL: none given, both ways). */
static void check_mode(pf *f, const char *mode, const char *dir,
		       const size_t *targets, size_t ntargets)
{
	const dt_nemesis_type *t;
	dt_doc *doc;
	char entry[128], err[DT_ERRBUF_SIZE] = "";
	char before[PF_MAX_NODES][4096], after[4096];
	bool drop[25], m[25], in0[5], in1[5];
	json_t *what = NULL;
	size_t n = f->n, rules = 0;
	dt_rng rng;
	void *nem;

	snprintf(entry, sizeof(entry), "name: partition\nmode: %s\n%s%s\n",
		 mode, dir != NULL ? "direction: " : "", dir != NULL ? dir : "");
	nem = pf_nemesis(f, "partition", entry, &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	for (size_t i = 0; i < n; i++)
		pf_iptables(f, i, before[i], sizeof(before[i]));
	dt_rng_seed(&rng, 42);
	cr_assert_eq(t->start(nem, targets, ntargets, &rng, &what, err), 0,
		     "%s: %s", mode, err);
	cr_assert_str_eq(json_string_value(json_object_get(what, "mode")), mode);
	cr_assert_str_eq(json_string_value(json_object_get(what, "direction")),
			 dir != NULL ? dir : "both");
	grudge_of(f, what, drop);
	for (size_t i = 0; i < n * n; i++)
		rules += drop[i];
	cr_expect_eq(json_array_size(json_object_get(what, "rules")), rules);
	cr_expect(rules > 0, "%s cut nothing", mode);

	/* Real TCP: a pair connects iff neither side drops the other. */
	pf_reach_all(f, 7000, m);
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
			cr_expect_eq(m[a * n + b], !drop[a * n + b] && !drop[b * n + a],
				     "%s: %s -> %s %s", mode, f->nodes[a].name,
				     f->nodes[b].name, m[a * n + b] ?
				     "connects but should be cut" :
				     "is cut but should connect");

	/* The mode's shape. */
	if (strcmp(mode, "majorities-ring") != 0) {
		size_t s0 = group(f, what, 0, in0), s1 = group(f, what, 1, in1);
		bool in = dir == NULL || strcmp(dir, "out") != 0;
		bool out = dir == NULL || strcmp(dir, "in") != 0;

		/* in: the first group drops the second's packets; out: the
		 * second drops the first's. */
		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < n; b++)
				cr_expect_eq(drop[a * n + b],
					     (in && in0[a] && in1[b]) ||
					     (out && in1[a] && in0[b]),
					     "%s %s: grudge %zu->%zu is not the "
					     "groups'", mode, dir ? dir : "", a, b);
		if (strcmp(mode, "targets") == 0) {
			cr_expect_eq(s0, ntargets);
			cr_expect_eq(s1, n - ntargets);
			for (size_t i = 0; i < ntargets; i++)
				cr_expect(in0[targets[i]], "target %s not cut off",
					  f->nodes[targets[i]].name);
		} else if (strcmp(mode, "isolate-one") == 0) {
			cr_expect_eq(s0, 1);
			cr_expect_eq(s1, n - 1);
			cr_expect(in0[targets[0]], "isolated a node not targeted");
		} else if (strcmp(mode, "bridge") == 0) {
			size_t br = node_index(f, json_string_value(
				json_object_get(what, "bridge")));

			cr_expect_eq(s0 + s1, n - 1);
			cr_expect(!in0[br] && !in1[br]);
			for (size_t b = 0; b < n; b++)
				cr_expect(m[br * n + b], "the bridge can not "
					  "reach %s", f->nodes[b].name);
		} else {
			cr_expect_eq(s0, n / 2);
			cr_expect_eq(s1, n - n / 2);
		}
		if (strcmp(mode, "halves") == 0)
			for (size_t i = 0; i < n / 2; i++)
				cr_expect(in0[i], "halves: n%zu not first", i + 1);
	} else if (strcmp(mode, "majorities-ring") == 0) {
		/* Each node sees (does not drop) a majority, all different. */
		for (size_t a = 0; a < n; a++) {
			size_t sees = 0;

			for (size_t b = 0; b < n; b++)
				sees += !drop[a * n + b];
			cr_expect_eq(sees, n / 2 + 1, "%s sees %zu", f->nodes[a].name,
				     sees);
			for (size_t c = 0; c < a; c++)
				cr_expect(memcmp(drop + a * n, drop + c * n,
						 n * sizeof(*drop)) != 0,
					  "%s and %s see the same majority",
					  f->nodes[a].name, f->nodes[c].name);
		}
	}
	json_decref(what);
	what = NULL;

	cr_assert_eq(t->heal(nem, &what, err), 0, "%s heal: %s", mode, err);
	cr_expect_eq(json_array_size(json_object_get(what, "removed")), rules);
	json_decref(what);
	pf_reach_all(f, 7000, m);
	for (size_t i = 0; i < n * n; i++)
		cr_expect(m[i], "%s: after heal %s cannot reach %s", mode,
			  f->nodes[i / n].name, f->nodes[i % n].name);
	/* Exactly its rules are gone: iptables as before the start. */
	for (size_t i = 0; i < n; i++) {
		pf_iptables(f, i, after, sizeof(after));
		cr_expect_str_eq(after, before[i], "%s: iptables of %s differs",
				 mode, f->nodes[i].name);
	}
	t->destroy(nem);
	dt_doc_free(doc);
}

/* A rule of someone else's in every node: heal must leave it (and
 * iptables-save has a filter table to compare from the start). */
static void add_foreign_rules(pf *f)
{
	const char *keep[] = { "iptables", "-A", "INPUT", "-p", "udp", "--dport",
			       "9", "-j", "ACCEPT", NULL };

	for (size_t i = 0; i < f->n; i++)
		cr_assert_eq(pf_exec(f, i, keep, NULL, 0), 0);
}

Test(nemesis, partition_every_mode)
{
	pf f;
	size_t all[5] = { 0, 1, 2, 3, 4 }, one[1] = { 3 };

	pf_up(&f, socat5, "");
	add_foreign_rules(&f);
	check_mode(&f, "halves", NULL, all, 5);
	check_mode(&f, "random-halves", NULL, all, 5);
	check_mode(&f, "isolate-one", NULL, one, 1);
	check_mode(&f, "bridge", NULL, all, 5);
	check_mode(&f, "majorities-ring", NULL, all, 5);
	pf_down(&f);
}

/* The target selection's nodes against the rest, both ways and one
 * way: TCP breaks either way, the grudge says which side drops. */
Test(nemesis, partition_targets_and_directions)
{
	pf f;
	size_t two[2] = { 3, 1 }, one[1] = { 4 };

	pf_up(&f, socat5, "");
	add_foreign_rules(&f);
	check_mode(&f, "targets", NULL, two, 2);
	check_mode(&f, "targets", "in", one, 1);
	check_mode(&f, "halves", "out", two, 2);
	pf_down(&f);
}

/* Two echo servers a node, on 7000 and 7001. */
static const char socat3_two_ports[] =
	"local:\n"
	"  nodes: 3\n"
	"  port: 7000\n"
	"  processes:\n"
	"    - name: echo\n"
	"      command: [socat, \"TCP-LISTEN:7000,bind={address},fork,reuseaddr\", \"EXEC:cat\"]\n"
	"      ready: {tcp: 7000, timeout: 10}\n"
	"    - name: echo2\n"
	"      command: [socat, \"TCP-LISTEN:7001,bind={address},fork,reuseaddr\", \"EXEC:cat\"]\n"
	"      ready: {tcp: 7001, timeout: 10}\n";

/* port: P cuts TCP to and from P only (replication, not clients);
 * loss: F installs the statistic match with that probability; the heal
 * removes exactly them. */
Test(nemesis, partition_port_and_loss)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "", before[4096], after[4096], rules[4096];
	json_t *what = NULL;
	bool m[9];
	size_t one[1] = { 0 };
	dt_rng rng;
	void *nem;

	pf_up(&f, socat3_two_ports, "");
	add_foreign_rules(&f);
	dt_rng_seed(&rng, 1);
	nem = pf_nemesis(&f, "partition", "name: partition\nmode: isolate-one\n"
			 "port: 7001\n", &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	pf_iptables(&f, 0, before, sizeof(before));
	cr_assert_eq(t->start(nem, one, 1, &rng, &what, err), 0, "%s", err);
	cr_expect_eq(json_integer_value(json_object_get(what, "port")), 7001);
	cr_expect_not_null(strstr(json_string_value(json_object_get(json_array_get(
		json_object_get(what, "rules"), 0), "rule")), "-p tcp -m multiport --ports 7001"));
	json_decref(what);
	pf_reach_all(&f, 7000, m);
	for (size_t i = 0; i < 9; i++)
		cr_expect(m[i], "port 7000 cut between n%zu and n%zu", i / 3 + 1, i % 3 + 1);
	pf_reach_all(&f, 7001, m);
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++)
			cr_expect_eq(m[a * 3 + b], (a == 0) == (b == 0),
				     "port 7001: n%zu -> n%zu %s", a + 1, b + 1,
				     m[a * 3 + b] ? "connects" : "is cut");
	cr_assert_eq(t->heal(nem, &what, err), 0, "%s", err);
	json_decref(what);
	pf_iptables(&f, 0, after, sizeof(after));
	cr_expect_str_eq(after, before);
	t->destroy(nem);
	dt_doc_free(doc);

	nem = pf_nemesis(&f, "partition", "name: partition\nmode: isolate-one\n"
			 "loss: 0.25\n", &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	cr_assert_eq(t->start(nem, one, 1, &rng, &what, err), 0, "%s", err);
	cr_expect_float_eq(json_number_value(json_object_get(what, "loss")), 0.25, 1e-9);
	json_decref(what);
	pf_iptables(&f, 0, rules, sizeof(rules));
	cr_expect_not_null(strstr(rules, "-m statistic --mode random --probability 0.25"),
			   "no statistic rule in:\n%s", rules);
	cr_assert_eq(t->heal(nem, &what, err), 0, "%s", err);
	json_decref(what);
	pf_iptables(&f, 0, after, sizeof(after));
	cr_expect_str_eq(after, before);
	t->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

/* A selection that leaves no node out is refused: at create when the
 * entry says so, at start when the selection happens to pick all. */
Test(nemesis, partition_targets_needs_others)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "";
	size_t all[5] = { 0, 1, 2, 3, 4 };
	json_t *what = NULL;
	dt_rng rng;
	void *nem;

	pf_up(&f, socat5, "");
	cr_expect_null(pf_nemesis(&f, "partition", "name: partition\nmode: targets\n"
				  "target: all\n", &t, &doc, err));
	cr_expect(strstr(err, "suite.yaml:3") != NULL &&
		  strstr(err, "target all leaves none") != NULL, "%s", err);
	dt_doc_free(doc);
	err[0] = '\0';
	cr_expect_null(pf_nemesis(&f, "partition", "name: partition\nmode: targets\n"
				  "target: [n1, n2, n3, n4, n5]\n", &t, &doc, err));
	cr_expect(strstr(err, "names all 5") != NULL, "%s", err);
	dt_doc_free(doc);
	err[0] = '\0';
	cr_expect_null(pf_nemesis(&f, "partition", "name: partition\nmode: halves\n"
				  "direction: sideways\n", &t, &doc, err));
	cr_expect(strstr(err, "suite.yaml:3") != NULL && strstr(err, "sideways"),
		  "%s", err);
	dt_doc_free(doc);

	nem = pf_nemesis(&f, "partition", "name: partition\nmode: targets\n"
			 "target: {mode: fixed-percent, value: 100}\n", &t, &doc,
			 err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_expect_eq(t->start(nem, all, 5, &rng, &what, err), -1);
	cr_expect(strstr(err, "picked 5 of the 5 nodes") != NULL, "%s", err);
	cr_expect_null(what);
	for (size_t i = 0; i < f.n; i++) {
		char rules[4096];

		pf_iptables(&f, i, rules, sizeof(rules));
		cr_expect(strstr(rules, "dt-") == NULL, "a rule was left: %s", rules);
	}
	t->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

Test(nemesis, partition_rejects_unknown_mode)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "";

	pf_up(&f, socat5, "");
	cr_expect_null(pf_nemesis(&f, "partition", "name: partition\nmode: thirds\n",
				  &t, &doc, err));
	cr_expect(strstr(err, "suite.yaml:2") != NULL && strstr(err, "thirds"),
		  "%s", err);
	dt_doc_free(doc);
	pf_down(&f);
}

/* Seconds to pull `bytes` from src's zero source into dst. */
static double transfer(pf *f, size_t src, size_t dst, long bytes)
{
	char from[128];
	const char *argv[] = { "socat", "-u", from, "OPEN:/dev/null", NULL };
	double t0;

	snprintf(from, sizeof(from), "TCP:%s:7002,readbytes=%ld",
		 f->nodes[src].address, bytes);
	t0 = now_s();
	cr_assert_eq(pf_exec(f, dst, argv, NULL, 0), 0);
	return now_s() - t0;
}

static const char socat_source2[] =
	"local:\n"
	"  nodes: 2\n"
	"  port: 7002\n"
	"  processes:\n"
	"    - name: source\n"
	"      command: [socat, -U, \"TCP-LISTEN:7002,bind={address},fork,reuseaddr\", \"OPEN:/dev/zero\"]\n"
	"      ready: {tcp: 7002, timeout: 10}\n";

Test(nemesis, throttle_rate_measured)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "", out[1024];
	const char *show[] = { "tc", "qdisc", "show", "dev", "eth0", NULL };
	size_t target[1] = { 0 };
	json_t *what = NULL;
	dt_rng rng;
	double free_s, slow_s, rate;
	const long bytes = 1500000;  /* 12 Mbit: 1.5 s at 8 mbit */
	void *nem;

	pf_up(&f, socat_source2, "");
	free_s = transfer(&f, 0, 1, bytes);
	nem = pf_nemesis(&f, "throttle", "name: throttle\nrate: 8mbit\n"
			 "burst: 32kbit\nlatency: 100ms\n", &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_assert_eq(t->start(nem, target, 1, &rng, &what, err), 0, "%s", err);
	json_decref(what);
	pf_exec(&f, 0, show, out, sizeof(out));
	cr_expect(strstr(out, "tbf") != NULL, "no tbf on n1: %s", out);
	slow_s = transfer(&f, 0, 1, bytes);
	rate = (double)bytes * 8 / slow_s / 1e6;
	cr_log_info("throttle: 1.5 MB unthrottled %.3f s, at 8mbit %.3f s "
		    "(%.2f Mbit/s)", free_s, slow_s, rate);
	/* At most 20% over the configured rate (TCP headers count in tbf),
	 * and not far below it: a loaded machine (make -j2 check) has been
	 * seen at 6.4 Mbit/s, a wrong burst or unit gives a fraction. */
	cr_expect(rate > 8 * 0.6 && rate < 8 * 1.2, "throttled rate %.2f Mbit/s, "
		  "configured 8", rate);
	cr_assert_eq(t->heal(nem, &what, err), 0, "%s", err);
	json_decref(what);
	pf_exec(&f, 0, show, out, sizeof(out));
	cr_expect(strstr(out, "tbf") == NULL, "tbf left on n1: %s", out);
	free_s = transfer(&f, 0, 1, bytes);
	cr_expect(free_s < slow_s / 4, "after heal %.3f s, throttled %.3f s",
		  free_s, slow_s);
	t->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

static bool kernel_has_netem(pf *f)
{
	const char *add[] = { "ip", "link", "add", "pfprobe", "type", "veth",
			      "peer", "name", "pfprobe1", NULL };
	const char *q[] = { "tc", "qdisc", "add", "dev", "pfprobe", "root", "netem",
			    NULL };
	const char *del[] = { "ip", "link", "del", "pfprobe", NULL };
	bool has;

	cr_assert_eq(pf_exec(f, 0, add, NULL, 0), 0);
	has = pf_exec(f, 0, q, NULL, 0) == 0;
	pf_exec(f, 0, del, NULL, 0);
	return has;
}

Test(nemesis, throttle_netem_clear_error)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "";
	void *nem;

	pf_up(&f, socat_source2, "");
	nem = pf_nemesis(&f, "throttle", "name: throttle\ndelay: 50ms\nloss: 1%\n",
			 &t, &doc, err);
	if (kernel_has_netem(&f)) {
		cr_expect_not_null(nem, "%s", err);
		if (nem != NULL)
			t->destroy(nem);
	} else {
		cr_expect_null(nem);
		cr_expect(strstr(err, "netem is not available in this kernel") &&
			  strstr(err, "delay: 50ms") && strstr(err, "loss: 1%"),
			  "%s", err);
	}
	dt_doc_free(doc);
	pf_down(&f);
}

/*
 * The netem path on a kernel without netem: a stand-in platform that
 * passes every command to the real nodes, except that a netem root the
 * kernel refuses as unknown, after real tc parsed its options, counts
 * as added ("netem kernel"), and the tbf meant to hang under it is added
 * as the root instead, for real.  So every word of every command is
 * checked by the real tc, and the order and shape by the test.  On a
 * kernel with netem the commands simply run.
 */
typedef struct netem_kernel {
	pf *f;
	json_t *log;        /* each command line, in order */
	bool virtual_root[PF_MAX_NODES];
	bool real_root[PF_MAX_NODES];
} netem_kernel;

static netem_kernel nk;

static size_t node_of(const dt_node *nd)
{
	return node_index(nk.f, nd->name);
}

static int nk_exec(void *data, const dt_node *node, const char *const *argv,
		   char *out, size_t outlen, char *err)
{
	const char *tbf_root[32];
	char line[512], o[1024] = "";
	size_t len = 0, i = node_of(node), n = 0;
	bool is_netem = false, under_netem = false, del = false;
	int rc;

	(void)data;
	for (size_t k = 0; argv[k] != NULL; k++) {
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
					k ? " " : "", argv[k]);
		is_netem |= strcmp(argv[k], "netem") == 0;
		under_netem |= strcmp(argv[k], "parent") == 0;
		del |= strcmp(argv[k], "del") == 0;
	}
	if (strcmp(argv[0], "tc") == 0)
		json_array_append_new(nk.log, json_string(line));
	if (under_netem && nk.virtual_root[i]) {
		/* tc qdisc add dev IF parent 1: handle 10: tbf ... ->
		 * tc qdisc add dev IF root handle 1: tbf ... */
		for (size_t k = 0; argv[k] != NULL; k++) {
			if (strcmp(argv[k], "parent") == 0) {
				tbf_root[n++] = "root";
				tbf_root[n++] = "handle";
				tbf_root[n++] = "1:";
				k += 3;   /* parent 1: handle 10: */
				continue;
			}
			tbf_root[n++] = argv[k];
		}
		tbf_root[n] = NULL;
		argv = tbf_root;
	}
	if (del && nk.virtual_root[i] && !nk.real_root[i]) {
		nk.virtual_root[i] = false;
		return 0;
	}
	rc = nk.f->pt->exec(nk.f->plat, node, argv, o, sizeof(o), err);
	if (rc > 0 && is_netem && strstr(o, "qdisc kind is unknown") != NULL) {
		nk.virtual_root[i] = true;
		rc = 0;
	} else if (rc == 0 && strcmp(argv[0], "tc") == 0) {
		nk.real_root[i] = !del;
		if (del)
			nk.virtual_root[i] = false;
	}
	if (out != NULL && outlen > 0)
		snprintf(out, outlen, "%s", o);
	return rc;
}

static void *nk_throttle(pf *f, dt_platform_type *pt, const char *entry,
			 const dt_nemesis_type **t, dt_doc **doc, char *err)
{
	const dt_component *c = dt_registry_get(f->reg, DT_KIND_NEMESIS,
						"throttle", err);
	dt_nemesis_env env;

	cr_assert_not_null(c, "%s", err);
	*t = c->type;
	memset(&nk, 0, sizeof(nk));
	nk.f = f;
	nk.log = json_array();
	*pt = *f->pt;
	pt->exec = nk_exec;
	*doc = dt_doc_parse("suite.yaml", entry, strlen(entry), err);
	cr_assert_not_null(*doc, "%s", err);
	env = (dt_nemesis_env){
		.platform = pt, .platform_data = f->plat,
		.nodes = f->nodes, .nnodes = f->n,
		.config = (*doc)->root, .run_id = f->run_id,
	};
	/* The entry as the core hands it over (defaults filled); not its
	 * validate, which would ask the real kernel for netem. */
	{
		const dt_option *tables[2] = { dt_core_options[DT_KIND_NEMESIS],
					       (*t)->info.options };

		if (dt_options_apply(tables, 2, (*doc)->root, err) != 0)
			return NULL;
	}
	return (*t)->create(&env, err);
}

/* The tc commands logged since `from`, joined by newlines. */
static void nk_log(size_t from, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = from; k < json_array_size(nk.log) && len < size; k++)
		len += (size_t)snprintf(buf + len, size - len, "%s\n",
			json_string_value(json_array_get(nk.log, k)));
}

Test(nemesis, throttle_netem_commands)
{
	pf f;
	dt_platform_type pt;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "", want[1024], got[2048], show[4096];
	const char *qdisc[] = { "tc", "qdisc", "show", "dev", NULL, NULL };
	size_t one[1] = { 1 }, mark;
	json_t *what = NULL;
	dt_rng rng;
	void *nem;

	pf_up(&f, socat_source2, "");
	nem = nk_throttle(&f, &pt, "name: throttle\ndelay: 100ms\njitter: 10ms\n"
			  "loss: 1%\nrate: 1mbit\n", &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 3);
	mark = json_array_size(nk.log);
	cr_assert_eq(t->start(nem, one, 1, &rng, &what, err), 0, "%s", err);
	snprintf(want, sizeof(want),
		 "tc qdisc add dev %s root handle 1: netem delay 100ms 10ms loss 1%%\n"
		 "tc qdisc add dev %s parent 1: handle 10: tbf rate 1mbit burst "
		 "32kbit latency 50ms\n", f.nodes[1].ifname, f.nodes[1].ifname);
	nk_log(mark, got, sizeof(got));
	cr_expect_str_eq(got, want);
	cr_expect_eq(json_array_size(json_object_get(json_array_get(
		json_object_get(what, "shaped"), 0), "commands")), 2,
		"the history does not record both commands");
	json_decref(what);
	/* The tbf (as root here, or under the real netem) is on n2 only. */
	qdisc[4] = f.nodes[1].ifname;
	pf_exec(&f, 1, qdisc, show, sizeof(show));
	cr_expect(strstr(show, "tbf") != NULL, "no tbf on n2: %s", show);
	qdisc[4] = f.nodes[0].ifname;
	pf_exec(&f, 0, qdisc, show, sizeof(show));
	cr_expect(strstr(show, "tbf") == NULL && strstr(show, "netem") == NULL,
		  "n1 shaped too: %s", show);
	what = NULL;

	mark = json_array_size(nk.log);
	cr_assert_eq(t->heal(nem, &what, err), 0, "%s", err);
	json_decref(what);
	what = NULL;
	snprintf(want, sizeof(want), "tc qdisc del dev %s root\n",
		 f.nodes[1].ifname);
	nk_log(mark, got, sizeof(got));
	cr_expect_str_eq(got, want);
	qdisc[4] = f.nodes[1].ifname;
	pf_exec(&f, 1, qdisc, show, sizeof(show));
	cr_expect(strstr(show, "tbf") == NULL && strstr(show, "netem") == NULL,
		  "left on n2: %s", show);
	t->destroy(nem);
	dt_doc_free(doc);
	json_decref(nk.log);

	/* A value real tc refuses (tc_value lets letters through): start
	 * fails naming the node and tc's words, and leaves nothing. */
	nem = nk_throttle(&f, &pt, "name: throttle\ndelay: 100parsecs\n", &t,
			  &doc, err);
	cr_assert_not_null(nem, "%s", err);
	cr_expect_eq(t->start(nem, one, 1, &rng, &what, err), -1);
	cr_expect(strstr(err, "node n2: `tc qdisc add dev") != NULL &&
		  strstr(err, "netem delay 100parsecs`") != NULL, "%s", err);
	cr_log_info("refused: %s", err);
	cr_expect_null(what);
	pf_exec(&f, 1, qdisc, show, sizeof(show));
	cr_expect(strstr(show, "netem") == NULL && strstr(show, "tbf") == NULL,
		  "left on n2: %s", show);
	t->destroy(nem);
	dt_doc_free(doc);
	json_decref(nk.log);
	pf_down(&f);
}

static bool redis_ping(const pf *f, size_t i)
{
	char out[256];
	const char *argv[] = { "redis-cli", "-h", f->nodes[i].address, "ping", NULL };

	return pf_exec(f, i, argv, out, sizeof(out)) == 0 &&
	       strstr(out, "PONG") != NULL;
}

Test(nemesis, kill_and_pause)
{
	pf f;
	const dt_nemesis_type *kt, *pt;
	dt_doc *kdoc, *pdoc;
	char err[DT_ERRBUF_SIZE] = "";
	size_t n2[1] = { 1 }, n3[1] = { 2 };
	json_t *what = NULL;
	dt_rng rng;
	pid_t old, paused;
	void *kn, *pn;

	pf_up(&f, redis3, "");
	dt_rng_seed(&rng, 7);
	kn = pf_nemesis(&f, "kill", "name: kill\n", &kt, &kdoc, err);
	cr_assert_not_null(kn, "%s", err);
	pn = pf_nemesis(&f, "pause", "name: pause\n", &pt, &pdoc, err);
	cr_assert_not_null(pn, "%s", err);

	/* kill n2: gone (reaped, not a zombie), port refused. */
	old = f.nodes[1].pids[0];
	cr_assert_eq(kt->start(kn, n2, 1, &rng, &what, err), 0, "%s", err);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(
		json_array_get(json_object_get(what, "killed"), 0), "pids"), 0)), old);
	json_decref(what);
	cr_expect_eq(pf_proc_state(old), 0, "pid %d still there", (int)old);
	cr_expect_eq(f.nodes[1].pids[0], 0);
	cr_expect(!pf_tcp(f.nodes[1].address, 6379, 500), "n2 still accepts");
	cr_assert_eq(kt->heal(kn, &what, err), 0, "%s", err);
	json_decref(what);
	pf_note_pids(&f);
	cr_expect(f.nodes[1].pids[0] > 0 && f.nodes[1].pids[0] != old);
	cr_expect(pf_proc_state(f.nodes[1].pids[0]) != 0);
	cr_expect(redis_ping(&f, 1), "n2 not ready after heal");

	/* pause n3: stopped ('T'), no answer; heal: running, answers. */
	paused = f.nodes[2].pids[0];
	cr_assert_eq(pt->start(pn, n3, 1, &rng, &what, err), 0, "%s", err);
	json_decref(what);
	for (int i = 0; i < 50 && pf_proc_state(paused) != 'T'; i++)
		usleep(10000);
	cr_expect_eq(pf_proc_state(paused), 'T');
	{
		const char *argv[] = { "redis-cli", "-h", f.nodes[2].address, "-t",
				       "1", "ping", NULL };
		char out[256] = "";

		pf_exec(&f, 2, argv, out, sizeof(out));
		cr_expect(strstr(out, "PONG") == NULL, "a paused node answered");
	}
	cr_assert_eq(pt->heal(pn, &what, err), 0, "%s", err);
	json_decref(what);
	cr_expect_neq(pf_proc_state(paused), 'T');
	cr_expect_eq(f.nodes[2].pids[0], paused);
	cr_expect(redis_ping(&f, 2), "n3 not answering after heal");

	kt->destroy(kn);
	pt->destroy(pn);
	dt_doc_free(kdoc);
	dt_doc_free(pdoc);
	pf_down(&f);
}

/* Run dt-run on a suite of tests/platform (extra: --plugin-path or
 * NULL) into a new store; returns its exit status. */
static int run_suite(const char *suite, const char *extra, char *store,
		     size_t size)
{
	const char *src = getenv("DT_SRCDIR"), *build = getenv("DT_BUILDDIR");
	char suites[512], charts[512], exe[512];
	int status;
	pid_t pid;

	pf_require_root();
	if (src == NULL)
		src = TEST_SRCDIR;
	if (build == NULL)
		build = TEST_BUILDDIR;
	snprintf(store, size, "/tmp/dt-pf-run-XXXXXX");
	cr_assert_not_null(mkdtemp(store));
	snprintf(suites, sizeof(suites), "%s/tests/platform/suites", src);
	snprintf(charts, sizeof(charts), "%s/tests/platform/charts", src);
	snprintf(exe, sizeof(exe), "%s/core/dt-run", build);
	pid = fork();
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		if (extra != NULL)
			execl(exe, exe, "--suite-path", suites, "--chart-path",
			      charts, "--plugin-path", extra, "--store", store,
			      "-s", suite, "-q", (char *)NULL);
		else
			execl(exe, exe, "--suite-path", suites, "--chart-path",
			      charts, "--store", store, "-s", suite, "-q",
			      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Count the nemesis starts and heals of a run's history (none may have
 * failed), check its data folder is gone and nothing of it is left. */
static void check_history(const char *store, const char *suite,
			  const char *const *names, int *starts, int *heals,
			  size_t nnames)
{
	char path[600], line[8192];
	FILE *fp;
	char id[8] = "";
	const char *sd = getenv("DT_STATE_DIR");

	snprintf(path, sizeof(path), "%s/%s/latest/history.jsonl", store, suite);
	fp = fopen(path, "r");
	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		json_t *op = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(op, "type"));
		const char *fn = json_string_value(json_object_get(op, "f"));
		const char *nem = json_string_value(json_object_get(
			json_object_get(op, "value"), "nemesis"));

		if (json_is_string(json_object_get(op, "process")) && nem &&
		    type && strcmp(type, "invoke") != 0) {
			cr_expect(json_object_get(op, "error") == NULL,
				  "nemesis failed: %s", line);
			for (size_t i = 0; i < nnames; i++) {
				if (strcmp(nem, names[i]) != 0)
					continue;
				starts[i] += strcmp(fn, "start") == 0;
				heals[i] += strcmp(fn, "heal") == 0;
			}
		}
		json_decref(op);
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s/latest/data", store, suite);
	cr_expect(access(path, F_OK) != 0, "data folder left");
	/* Nothing of the run left: its id is in dt.log. */
	snprintf(path, sizeof(path), "%s/%s/latest/dt.log", store, suite);
	fp = fopen(path, "r");
	cr_assert_not_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL && id[0] == '\0') {
		const char *r = strstr(line, "run ");

		if (r != NULL && strstr(line, " of suite ") != NULL)
			snprintf(id, sizeof(id), "%.6s", r + 4);
	}
	fclose(fp);
	cr_assert(id[0] != '\0', "no run id in dt.log");
	pf_assert_clean(id, sd ? sd : "/run/dt", NULL, 0);
	snprintf(line, sizeof(line), "rm -rf '%s'", store);
	cr_expect_eq(system(line), 0);
}

/* dt-run with the scheduler driving all four nemeses on socat nodes. */
Test(nemesis, dt_run_schedules_all_four)
{
	const char *names[4] = { "kill", "pause", "partition", "throttle" };
	int starts[4] = { 0 }, heals[4] = { 0 }, rc;
	char store[64];

	rc = run_suite("pf-socat-all", NULL, store, sizeof(store));
	cr_assert_eq(rc, 0, "dt-run exited %d", rc);
	check_history(store, "pf-socat-all", names, starts, heals, 4);
	for (int i = 0; i < 4; i++) {
		cr_expect(starts[i] >= 1, "%s never started", names[i]);
		cr_expect_eq(starts[i], heals[i], "%s: %d starts, %d heals",
			     names[i], starts[i], heals[i]);
	}
}

#define BLACKHOLE_DIR "/tests/platform/plugins/.libs"

/* The README's example: a nemesis in the suite's own .so. */
Test(nemesis, suite_brings_its_own_nemesis)
{
	const char *build = getenv("DT_BUILDDIR");
	const char *names[1] = { "blackhole" };
	int starts[1] = { 0 }, heals[1] = { 0 }, rc;
	char store[64], dir[512], file[600], err[DT_ERRBUF_SIZE] = "";
	const dt_nemesis_type *t;
	size_t n1[1] = { 0 };
	json_t *what = NULL;
	bool m[9];
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pf f;

	snprintf(dir, sizeof(dir), "%s" BLACKHOLE_DIR,
		 build ? build : TEST_BUILDDIR);
	/* Directly: n1 can not talk to anyone while it lasts. */
	pf_up(&f, "local:\n  nodes: 3\n  port: 7000\n  processes:\n"
	      "    - name: echo\n      command: [socat, \"TCP-LISTEN:7000,"
	      "bind={address},fork,reuseaddr\", \"EXEC:cat\"]\n"
	      "      ready: {tcp: 7000}\n", "");
	snprintf(file, sizeof(file), "%s/dt_blackhole.so", dir);
	cr_assert_eq(dt_registry_load_file(f.reg, file, err), 0, "%s", err);
	nem = pf_nemesis(&f, "blackhole", "name: blackhole\n", &t, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 3);
	cr_assert_eq(t->start(nem, n1, 1, &rng, &what, err), 0, "%s", err);
	cr_expect_eq(json_array_size(json_object_get(what, "blackholed")), 2);
	json_decref(what);
	pf_reach_all(&f, 7000, m);
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 3; b++)
			cr_expect_eq(m[a * 3 + b], a == b || (a != 0 && b != 0),
				     "n%zu -> n%zu", a + 1, b + 1);
	cr_assert_eq(t->heal(nem, &what, err), 0, "%s", err);
	json_decref(what);
	pf_reach_all(&f, 7000, m);
	for (size_t i = 0; i < 9; i++)
		cr_expect(m[i], "after heal n%zu -> n%zu", i / 3 + 1, i % 3 + 1);
	t->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);

	/* Through dt-run and its scheduler. */
	rc = run_suite("pf-socat-blackhole", dir, store, sizeof(store));
	cr_assert_eq(rc, 0, "dt-run exited %d", rc);
	check_history(store, "pf-socat-blackhole", names, starts, heals, 1);
	cr_expect(starts[0] >= 1 && starts[0] == heals[0], "%d starts, %d heals",
		  starts[0], heals[0]);
}

/* A start that fails half way undoes what it did, and never touches a
 * qdisc that is not its own. */
Test(nemesis, throttle_failed_start_undoes)
{
	pf f;
	const dt_nemesis_type *t;
	dt_doc *doc;
	char err[DT_ERRBUF_SIZE] = "", out[1024];
	const char *theirs[] = { "tc", "qdisc", "add", "dev", "eth0", "root", "tbf",
				 "rate", "77mbit", "burst", "32kbit", "latency",
				 "10ms", NULL };
	const char *show[] = { "tc", "qdisc", "show", "dev", "eth0", NULL };
	size_t both[2] = { 0, 1 };
	json_t *what = NULL;
	dt_rng rng;
	void *nem;

	pf_up(&f, socat_source2, "");
	cr_assert_eq(pf_exec(&f, 1, theirs, NULL, 0), 0);
	nem = pf_nemesis(&f, "throttle", "name: throttle\nrate: 8mbit\n", &t, &doc,
			 err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_expect_eq(t->start(nem, both, 2, &rng, &what, err), -1);
	cr_expect(strstr(err, "node n2") != NULL, "%s", err);
	cr_expect_null(what);
	pf_exec(&f, 0, show, out, sizeof(out));
	cr_expect(strstr(out, "tbf") == NULL, "n1 left throttled: %s", out);
	pf_exec(&f, 1, show, out, sizeof(out));
	cr_expect(strstr(out, "77Mbit") != NULL, "n2's own qdisc lost: %s", out);
	t->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}
