/* SPDX-License-Identifier: MIT */
/*
 * test_recipe.c: hostile charts for the local platform's recipe
 * (plugins/local/recipe.c, compiled in): placeholders that do not
 * exist, unclosed braces, missing options, wrong types, each with its
 * exact message; arguments with shell metacharacters stay one argv
 * element each, as written (no shell ever sees them).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"
#include "log.h"
#include "yamldoc.h"

typedef struct setup {
	dt_doc *doc;
	lc_platform p;
} setup;

/* Load and expand a chart (YAML text) for n nodes; "" or the error. */
static const char *expand_chart(setup *s, const char *yaml, size_t n,
				const char *config_json)
{
	static char err[DT_ERRBUF_SIZE];
	json_t *config = config_json ? json_loads(config_json, 0, NULL) : NULL;

	err[0] = '\0';
	memset(s, 0, sizeof(*s));
	s->doc = dt_doc_parse("c.yaml", yaml, strlen(yaml), err);
	cr_assert_not_null(s->doc, "%s", err);
	s->p.n = n;
	s->p.net = 10u << 24 | 200u << 16;
	s->p.prefix = 16;
	s->p.nodes = calloc(n, sizeof(dt_node));
	s->p.x = calloc(n, sizeof(lc_node));
	for (size_t i = 0; i < n; i++) {
		snprintf(s->p.nodes[i].name, sizeof(s->p.nodes[i].name), "n%zu", i + 1);
		snprintf(s->p.x[i].data_dir, sizeof(s->p.x[i].data_dir), "/data/n%zu", i + 1);
	}
	if (lc_recipe_load(&s->p, s->doc->root, config, err) == 0)
		lc_recipe_expand(&s->p, err);
	json_decref(config);
	return err;
}

static void release(setup *s)
{
	lc_recipe_free(&s->p);
	free(s->p.nodes);
	free(s->p.x);
	dt_doc_free(s->doc);
}

#define PROC(cmd) "local:\n  nodes: 2\n  options: {size: 3, on: true}\n" \
	"  processes:\n    - name: srv\n      command: " cmd "\n" \
	"      ready: {tcp: 7000}\n"

/* A process with first-start steps (YAML flow text), on line 7. */
#define STEPS(steps) "local:\n  nodes: 2\n  processes:\n    - name: srv\n" \
	"      command: [srv]\n      ready: {tcp: 7000}\n      first-start: " steps "\n"

struct bad_recipe {
	const char *yaml;
	const char *error;
};

static struct bad_recipe bad_recipes[] = {
	{ PROC("[srv, \"{nope}\"]"),
	  "c.yaml:6:7: local.processes[0].command: unknown placeholder {nope} in "
	  "'{nope}' (known: {name} {index} {address} {data_dir} {primary} {peers} "
	  "{nodes} {replicas} {option:NAME})" },
	{ PROC("[srv, \"--x={name\"]"),
	  "c.yaml:6:7: local.processes[0].command: unclosed placeholder in '--x={name'" },
	{ PROC("[srv, \"{option:missing}\"]"),
	  "c.yaml:6:7: local.processes[0].command: '{option:missing}': no option "
	  "'missing' (add it to local.options)" },
	{ PROC("[srv, {a: 1}]"),
	  "c.yaml:6:7: local.processes[0].command: argument 1: expected a string" },
	{ PROC("[]"), "c.yaml:6:7: local.processes[0].command: expected a list of arguments" },
	{ "local:\n  nodes: 2\n  processes: []\n",
	  "c.yaml:3:3: local.processes: expected a list of processes" },
	{ "local:\n  nodes: 2\n  processes:\n    - name: srv\n      command: [srv]\n",
	  "c.yaml:4:7: local.processes[0].ready: say how to know the process is ready: "
	  "ready: {tcp: PORT} or ready: {command: [...]}" },
	{ "local:\n  nodes: 2\n  processes:\n    - name: srv\n      command: [srv]\n"
	  "      ready: {tcp: 70000}\n",
	  "c.yaml:6:15: local.processes[0].ready.tcp: expected an integer between 0 and 65535, not 70000" },
	{ "local:\n  nodes: 2\n  processes:\n    - name: srv\n      command: [srv]\n"
	  "      ready: {tcp: 1, timeout: forever}\n",
	  "c.yaml:6:23: local.processes[0].ready.timeout: expected seconds (20, \"20s\", \"500ms\")" },
	{ "local:\n  nodes: 2\n  port: -1\n  processes: []\n",
	  "c.yaml:3:3: local.port: expected an integer between 0 and 65535, not -1" },
	{ STEPS("yes"),
	  "c.yaml:7:7: local.processes[0].first-start: expected a list of steps (file: {...} or wait: {...})" },
	{ STEPS("[]"),
	  "c.yaml:7:7: local.processes[0].first-start: expected a list of steps (file: {...} or wait: {...})" },
	{ STEPS("[{run: [x]}]"),
	  "c.yaml:7:22: local.processes[0].first-start[0].run: unknown key (expected file or wait)" },
	{ STEPS("[x]"),
	  "c.yaml:7:7: local.processes[0].first-start: step 0: expected a mapping (file: {...} or wait: {...})" },
	{ STEPS("[{file: {path: a, content: b}, wait: {command: [x]}}]"),
	  "c.yaml:7:7: local.processes[0].first-start: step 0: expected exactly one of file: {...} and wait: {...}" },
	{ STEPS("[{file: x}]"),
	  "c.yaml:7:22: local.processes[0].first-start[0].file: expected a mapping: {path: NAME, content: TEXT}" },
	{ STEPS("[{file: {path: a}}]"),
	  "c.yaml:7:22: local.processes[0].first-start[0].file.content: expected a string" },
	{ STEPS("[{file: {path: a, content: b, mode: 1}}]"),
	  "c.yaml:7:50: local.processes[0].first-start[0].file.mode: unknown key (expected path, content and on)" },
	{ STEPS("[{file: {path: ../x, content: b}}]"),
	  "c.yaml:7:29: local.processes[0].first-start[0].file.path: '../x': expected a file name (the file goes in the node's data directory)" },
	{ STEPS("[{file: {path: \"{data_dir}/x\", content: b}}]"),
	  "c.yaml:7:29: local.processes[0].first-start[0].file.path: '/data/n1/x': expected a file name (the file goes in the node's data directory)" },
	{ STEPS("[{file: {path: a, content: \"x {nope}\"}}]"),
	  "c.yaml:7:38: local.processes[0].first-start[0].file.content: unknown placeholder {nope} in 'x {nope}' (known: {name} {index} {address} {data_dir} {primary} {peers} {nodes} {replicas} {option:NAME})" },
	{ STEPS("[{wait: {expect: x}}]"),
	  "c.yaml:7:22: local.processes[0].first-start[0].wait.command: expected a list of arguments" },
	{ STEPS("[{wait: {command: [x], timeout: 0}}]"),
	  "c.yaml:7:43: local.processes[0].first-start[0].wait.timeout: expected seconds (20, \"20s\", \"500ms\")" },
	{ STEPS("[{wait: {command: [x], expect: 3}}]"),
	  "c.yaml:7:43: local.processes[0].first-start[0].wait.expect: expected a string" },
	{ STEPS("[{wait: {command: [x], on: middle}}]"),
	  "c.yaml:7:43: local.processes[0].first-start[0].wait.on: expected all, first or rest" },
	{ STEPS("[{wait: {command: [x], attempt-timeout: 0}}]"),
	  "c.yaml:7:43: local.processes[0].first-start[0].wait.attempt-timeout: expected seconds (5, \"5s\", \"500ms\")" },
	{ STEPS("[{wait: {command: [x], until: 3}}]"),
	  "c.yaml:7:43: local.processes[0].first-start[0].wait.until: unknown key (expected command, expect, timeout, attempt-timeout and on)" },
	{ STEPS("[{wait: {command: [\"{nope}\"]}}]"),
	  "c.yaml:7:29: local.processes[0].first-start[0].wait.command: unknown placeholder {nope} in '{nope}' (known: {name} {index} {address} {data_dir} {primary} {peers} {nodes} {replicas} {option:NAME})" },
};

static void free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

ParameterizedTestParameters(recipe, bad)
{
	size_t n = sizeof(bad_recipes) / sizeof(bad_recipes[0]);
	size_t *idx = cr_malloc(n * sizeof(*idx));

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

ParameterizedTest(size_t *i, recipe, bad)
{
	setup s;
	const char *got = expand_chart(&s, bad_recipes[*i].yaml, 2, NULL);

	cr_expect_str_eq(got, bad_recipes[*i].error, "chart:\n%s\ngot:  %s\nwant: %s",
			 bad_recipes[*i].yaml, got, bad_recipes[*i].error);
	release(&s);
}

Test(recipe, shell_metacharacters_stay_one_argument_each)
{
	setup s;
	const char *got = expand_chart(&s, PROC("[srv, \"; rm -rf /\", \"$(id)\", \"`id` {name}\","
						 " \"a b|c&&d>e\", \"{option:size}\"]"), 2,
				       NULL);
	char **argv;

	cr_assert_str_eq(got, "");
	argv = s.p.x[1].procs[0].argv;
	cr_assert_str_eq(argv[0], "srv");
	cr_assert_str_eq(argv[1], "; rm -rf /");
	cr_assert_str_eq(argv[2], "$(id)");
	cr_assert_str_eq(argv[3], "`id` n2");
	cr_assert_str_eq(argv[4], "a b|c&&d>e");
	cr_assert_str_eq(argv[5], "3");
	cr_assert_null(argv[6]);
	release(&s);
}

/* first-start steps are expanded for each node like argvs: the file in
 * the node's data directory, its content and the wait's command and
 * output with their placeholders, the wait's timeout 20 s by default. */
Test(recipe, first_start_steps_are_expanded_per_node)
{
	setup s;
	const char *got = expand_chart(&s, STEPS("[{wait: {command: [cli, \"{primary}\"], "
						  "expect: \"slaves:{replicas}\"}}, "
						  "{file: {path: \"{name}.conf\", "
						  "content: \"bind {address}\\nname $(id) {name}\\n\"}}]"),
				       2, NULL);
	const lc_proc *pr;

	cr_assert_str_eq(got, "");
	pr = &s.p.x[1].procs[0];
	cr_assert_eq(pr->nsteps, 2);
	cr_assert_str_eq(pr->steps[0].argv[0], "cli");
	cr_assert_str_eq(pr->steps[0].argv[1], "10.200.0.2");
	cr_assert_null(pr->steps[0].argv[2]);
	cr_assert_str_eq(pr->steps[0].output, "slaves:1");
	cr_assert_eq(pr->steps[0].timeout, 20);
	cr_assert_null(pr->steps[0].path);
	cr_assert_str_eq(pr->steps[1].path, "/data/n2/n2.conf");
	cr_assert_str_eq(pr->steps[1].content, "bind 10.200.0.3\nname $(id) n2\n");
	cr_assert_null(pr->steps[1].argv);
	cr_assert_eq(s.p.x[0].procs[0].nsteps, 2);
	cr_assert_str_eq(s.p.x[0].procs[0].steps[1].path, "/data/n1/n1.conf");
	release(&s);
}

Test(recipe, a_suite_option_the_chart_lacks_is_an_error)
{
	setup s;
	const char *got = expand_chart(&s, PROC("[srv]"), 2, "{\"options\": {\"sise\": 4}}");

	cr_assert_str_eq(got, "sise: the chart has no option 'sise' (local.options)");
	release(&s);
}

Test(recipe, peers_of_a_large_cluster_are_not_cut) /* regression (fixed): plugins/local/recipe.c expand() formats each
			  placeholder into val[4200] with snprintf: {peers} of
			  a large cluster (here 200 nodes, 6.7 kB) is silently
			  truncated, so the nodes get a wrong member list */
{
	setup s;
	const char *got = expand_chart(&s, "local:\n  nodes: 200\n"
				       "  peer: \"{name}=http://{address}:2380\"\n"
				       "  processes:\n    - name: etcd\n"
				       "      command: [etcd, \"--initial-cluster={peers}\"]\n"
				       "      ready: {tcp: 2379}\n", 200, NULL);

	cr_assert_str_eq(got, "");
	cr_assert(strstr(s.p.x[0].procs[0].argv[1], "n200=http://10.200.0.201:2380") != NULL,
		  "peers cut at %zu bytes", strlen(s.p.x[0].procs[0].argv[1]));
	release(&s);
}

Test(recipe, a_ready_timeout_must_be_finite) /* regression (fixed): plugins/local/recipe.c parse_seconds takes
			  strtod's "nan", "inf" and "1e999": `timeout <= 0` is
			  false for NaN and +Inf, so a node that never becomes
			  ready is waited for forever (or never) */
{
	static const char *const bad[] = { "nan", "inf", "1e999" };

	for (size_t i = 0; i < 3; i++) {
		char yaml[512];
		setup s;

		snprintf(yaml, sizeof(yaml), "local:\n  nodes: 1\n  processes:\n"
			 "    - name: srv\n      command: [srv]\n"
			 "      ready: {tcp: 1, timeout: \"%s\"}\n", bad[i]);
		cr_expect_str_eq(expand_chart(&s, yaml, 1, NULL),
				 "c.yaml:6:23: local.processes[0].ready.timeout: expected "
				 "seconds (20, \"20s\", \"500ms\")", "timeout %s", bad[i]);
		release(&s);
	}
}
