/* SPDX-License-Identifier: MIT */
/*
 * Configuration errors a plugin's own options catch, before anything
 * starts: a typo inside a plugin's section, a value no table allows, a
 * rule only the plugin knows.  Each one is exit 4, with the message
 * quoted exactly, printed once, from `dt-run --dry-run`, from a real run
 * (which must stop before any node starts) and from `dt-run
 * check-suite`.  Those of issue 13 (a typo that silently turned a
 * bug-finding suite valid) are the first rows.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "robust.h"

static void setup(void)
{
	rb_tmpdir();
}

TestSuite(config, .init = setup, .fini = rb_tmpdir_remove, .timeout = 60);

/* dt-run with args; its exit status, its output with the temporary
 * folder as DIR in err. */
static int dt_run(const char *const *args, char *err, size_t size)
{
	const char *argv[16] = { rb_dt_run() };
	char raw[8192];
	size_t n = 1;
	int rc;

	for (; *args != NULL && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	rc = rb_run(raw, sizeof(raw), argv);
	rb_with_dir(err, size, raw);
	return rc;
}

static void write_file(const char *name, const char *text)
{
	free(rb_write_str(name, text));
}

struct bad_config {
	const char *suite;  /* s.yaml */
	const char *chart;  /* c.yaml, or NULL: the suite names a shipped one */
	const char *error;  /* stderr, whole, after "dt-run: " */
};

#define ETCD_SER \
	"name: etcd-serializable\nchart: etcd\nclient:\n  name: etcd\n"
#define REGISTER "workload:\n  name: register\n  keys: 2\n"
#define PARTITION "nemesis:\n  - name: partition\n"
#define LIN "checkers:\n  - stats\n  - name: linearizable\n"

/* A chart of its own, so that a case can break it. */
#define CHART_HEAD \
	"name: c\nlocal:\n  nodes: 3\n  port: 6379\n  processes:\n" \
	"    - name: redis\n      command: [redis-server, --port, \"6379\"]\n"

static struct bad_config cases[] = {
	/* issue 13, point 1: typos inside a plugin's section */
	{ ETCD_SER "  read: serializable\n" REGISTER, NULL,
	  "DIR/s.yaml:5:3: client.read: unknown key (did you mean `reads`?)" },
	{ ETCD_SER REGISTER PARTITION "    mod: isolate-one\n", NULL,
	  "DIR/s.yaml:10:5: nemesis[0].mod: unknown key (did you mean `mode`?)" },
	{ ETCD_SER "workload:\n  name: register\n  kyes: 3\n", NULL,
	  "DIR/s.yaml:7:3: workload.kyes: unknown key (did you mean `keys`?)" },
	{ ETCD_SER REGISTER PARTITION "    durration: 4s\n", NULL,
	  "DIR/s.yaml:10:5: nemesis[0].durration: unknown key (did you mean `duration`?)" },
	{ ETCD_SER REGISTER LIN "    modle: cas-register\n", NULL,
	  "DIR/s.yaml:11:5: checkers[1].modle: unknown key (did you mean `model`?)" },
	/* point 2: errors found late before, each now before anything starts */
	{ ETCD_SER REGISTER LIN "    model: cas-regster\n", NULL,
	  "DIR/s.yaml:11:5: checkers[1].model: no model named 'cas-regster' (did "
	  "you mean `cas-register`?; available: register, cas-register, kv, bank, "
	  "set, queue, etcd)" },
	{ ETCD_SER REGISTER PARTITION "    mode: thirds\n", NULL,
	  "DIR/s.yaml:10:5: nemesis[0].mode: unknown value 'thirds'; expected one "
	  "of: halves, random-halves, isolate-one, bridge, majorities-ring, targets, "
	  "isolate-primary, primary-from-replicas" },
	{ ETCD_SER REGISTER PARTITION "    mode: isolate-primary\n", NULL,
	  "DIR/s.yaml:9:5: nemesis[0].target: mode isolate-primary cuts the primary "
	  "off: it needs target: primary (or leader), resolved when the fault starts" },
	{ "name: x\nchart: mem\nclient: mem\nworkload: set\n"
	  "nemesis: [{name: kill, target: primary}]\n", NULL,
	  "DIR/s.yaml:5:24: nemesis[0].target: target primary needs a client that "
	  "reports each node's role, and mem does not" },
	{ ETCD_SER "workload:\n  name: register\n  operations: {read: 1, wirte: 1}\n",
	  NULL,
	  "DIR/s.yaml:7:25: workload.operations.wirte: workload register has no "
	  "operation 'wirte' (did you mean `write`?; it has: read, write, cas)" },
	{ ETCD_SER "  reads: stale\n" REGISTER, NULL,
	  "DIR/s.yaml:5:3: client.reads: unknown value 'stale'; expected one of: "
	  "linearizable, serializable" },
	{ "name: x\nchart: redis\nclient: {name: redis, sentinel-port: 0}\n"
	  "workload: register\n", NULL,
	  "DIR/s.yaml:3:23: client.sentinel-port: expected a whole number between "
	  "1 and 65535, not 0" },
	{ "name: x\nchart: redis\nclient: etcd\nworkload: bank\n", NULL,
	  "DIR/s.yaml:3:1: client.name: client etcd cannot perform operation "
	  "'transfer' of workload bank (it performs: read, write, cas, get, put, "
	  "append, add, range, delete, txn, grant, revoke, compact, watch)" },
	{ "name: x\nchart: mem\nclient: mem\nworkload: register\nnemesis: [pause]\n",
	  NULL, "DIR/s.yaml:5:11: nemesis[0]: nemesis pause: acts on nodes, and "
	  "chart mem has none (its system runs in the process)" },
	/* the chart's local: recipe */
	{ "name: x\nchart: c\nclient: redis\nworkload: register\n",
	  CHART_HEAD "      ready: {tcp: 99999}\n",
	  "DIR/c.yaml:8:15: local.processes[0].ready.tcp: expected a whole number "
	  "between 1 and 65535, not 99999" },
	{ "name: x\nchart: c\nclient: redis\nworkload: register\n",
	  CHART_HEAD "      ready: {tcp: 6379, timout: 1h}\n",
	  "DIR/c.yaml:8:26: local.processes[0].ready.timout: unknown key (did you "
	  "mean `timeout`?)" },
	{ "name: x\nchart: c\nclient: redis\nworkload: register\n",
	  CHART_HEAD "      ready: {command: [true], tcp: 6379}\n",
	  "DIR/c.yaml:8:7: local.processes[0].ready: expected exactly one of "
	  "tcp: PORT and command: [...]" },
	{ "name: x\nchart: c\nclient: redis\nworkload: register\n",
	  CHART_HEAD "      ready: {tcp: 6379}\n      args: [-v]\n",
	  "DIR/c.yaml:9:7: local.processes[0].args: unknown key (known: name, "
	  "command, first, rest, bootstrap, when, ready, stop-timeout, first-start)" },
	{ "name: x\nchart: c\nclient: redis\nworkload: register\n"
	  "platform: {name: local, options: {sentinels: true}}\n",
	  CHART_HEAD "      ready: {tcp: 6379}\n  options: {sentinel: false}\n",
	  "DIR/s.yaml:5:35: platform.options.sentinels: the chart has no option "
	  "'sentinels' (local.options)" },
};

ParameterizedTestParameters(config, errors)
{
	return rb_index_params(sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(size_t *i, config, errors)
{
	const struct bad_config *c = &cases[*i];
	char suite[600], err[8192], want[2048];
	const char *dir = rb_tmpdir();
	const char *charts = c->chart ? dir : TEST_SRCDIR "/charts";
	const char *dry[] = { "--dry-run", "--suite", suite, "--chart-path", charts,
			      "--store", dir, NULL };
	const char *run[] = { "--suite", suite, "--chart-path", charts, "--store",
			      dir, NULL };
	const char *check[] = { "check-suite", suite, "--chart-path", charts, NULL };

	snprintf(suite, sizeof(suite), "%s/s.yaml", dir);
	write_file("s.yaml", c->suite);
	if (c->chart != NULL)
		write_file("c.yaml", c->chart);
	snprintf(want, sizeof(want), "dt-run: %s\n", c->error);
	cr_expect_eq(dt_run(dry, err, sizeof(err)), 4, "--dry-run: %s", err);
	cr_expect_str_eq(err, want, "--dry-run\ngot:  %swant: %s", err, want);
	cr_expect_eq(dt_run(check, err, sizeof(err)), 4, "check-suite: %s", err);
	cr_expect_str_eq(err, want, "check-suite\ngot:  %swant: %s", err, want);
	/* a real run stops before anything starts: no run folder made */
	cr_expect_eq(dt_run(run, err, sizeof(err)), 4, "run: %s", err);
	cr_expect_str_eq(err, want, "run\ngot:  %swant: %s", err, want);
	{
		char path[700];

		snprintf(path, sizeof(path), "%s/x", dir);
		cr_expect_neq(access(path, F_OK), 0, "a run folder was made");
		snprintf(path, sizeof(path), "%s/etcd-serializable", dir);
		cr_expect_neq(access(path, F_OK), 0, "a run folder was made");
	}
}

/* A kernel without netem: delay, jitter and loss are refused before any
 * node starts (where the kernel has netem, they are accepted). */
Test(config, netem_without_the_kernel_module)
{
	char suite[600], err[8192];
	const char *dir = rb_tmpdir();
	const char *dry[] = { "--dry-run", "--suite", suite, "--chart-path",
			      TEST_SRCDIR "/charts", NULL };
	int has_netem = system("unshare --net tc qdisc add dev lo root netem "
			       "delay 1ms > /dev/null 2>&1") == 0;

	snprintf(suite, sizeof(suite), "%s/s.yaml", dir);
	write_file("s.yaml", "name: x\nchart: redis\nclient: redis\nworkload: register\n"
		   "nemesis:\n  - {name: throttle, delay: 100ms, jitter: 10ms}\n");
	if (has_netem) {
		cr_expect_eq(dt_run(dry, err, sizeof(err)), 0, "%s", err);
		return;
	}
	cr_expect_eq(dt_run(dry, err, sizeof(err)), 4, "%s", err);
	cr_expect_str_eq(err, "dt-run: DIR/s.yaml:6:22: nemesis[0].delay: netem is "
			 "not available in this kernel: the parameters delay, jitter "
			 "and loss need it (this entry has delay: 100ms jitter: 10ms ); "
			 "tbf's rate, burst and latency work without it\n");
}

/* One duration parser: what a suite accepts, a chart accepts. */
Test(config, one_duration_parser)
{
	char suite[600], err[8192];
	const char *dir = rb_tmpdir();
	const char *check[] = { "check-suite", suite, "--chart-path", dir, NULL };

	snprintf(suite, sizeof(suite), "%s/s.yaml", dir);
	write_file("s.yaml", "name: x\nchart: c\nclient: redis\nworkload: register\n"
		   "time-limit: 1h\n");
	write_file("c.yaml", CHART_HEAD "      ready: {tcp: 6379, timeout: 1h}\n"
		   "      stop-timeout: 1m30s\n");
	cr_expect_eq(dt_run(check, err, sizeof(err)), 0, "%s", err);
}
