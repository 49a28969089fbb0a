/* SPDX-License-Identifier: MIT */
/*
 * `disk: faulty` on the real local platform and the disk nemeses on real
 * nodes: dt-faultfs is mounted over each node's data folder before the
 * node starts, recorded in the state file, reachable through the
 * platform's disk callback, and gone after teardown (mount, daemon,
 * socket, data); power-loss keeps what redis fsync'd and drops what it
 * did not (appendfsync always against no), and records it; disk-error
 * and corrupt act on files written from inside a node and heal exactly
 * what they did; the suite-level checks name what is missing.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "pf.h"

TestSuite(disk, .timeout = 120);

static const char sleeper[] =
	"local:\n"
	"  nodes: 2\n"
	"  disk: faulty\n"
	"  processes:\n"
	"    - name: sleep\n"
	"      command: [sleep, \"1000\"]\n"
	"      ready: {command: [test, -d, \"{data_dir}\"], timeout: 10}\n";

static const char redis1[] =
	"local:\n"
	"  nodes: 1\n"
	"  port: 6379\n"
	"  disk: faulty\n"
	"  options: {fsync: always}\n"
	"  processes:\n"
	"    - name: redis\n"
	"      command: [redis-server, --bind, \"{address}\", --port, \"6379\",\n"
	"                --dir, \"{data_dir}\", --save, \"\", --protected-mode, \"no\",\n"
	"                --appendonly, \"yes\", --appendfsync, \"{option:fsync}\"]\n"
	"      ready:\n"
	"        command: [redis-cli, -h, \"{address}\", ping]\n"
	"        timeout: 20\n";

static const char *info_str(const pf *f, size_t i, const char *key)
{
	const json_t *d = json_object_get(f->nodes[i].info, "disk");

	cr_assert(json_is_object(d), "node %s: no disk in its info", f->nodes[i].name);
	return json_string_value(json_object_get(d, key));
}

static const char *data_dir(const pf *f, size_t i)
{
	return json_string_value(json_object_get(f->nodes[i].info, "data_dir"));
}

/* The daemons' pids from the state file. */
static size_t daemon_pids(const pf *f, pid_t *out, size_t max)
{
	char path[256], line[4200];
	FILE *s;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/local-%s.state", f->state_dir, f->run_id);
	s = fopen(path, "r");
	cr_assert_not_null(s, "%s", path);
	while (fgets(line, sizeof(line), s) != NULL && n < max) {
		int pid;

		if (sscanf(line, "faultfspid %d", &pid) == 1)
			out[n++] = (pid_t)pid;
	}
	fclose(s);
	return n;
}

Test(disk, faulty_disk_is_mounted_first_and_torn_down)
{
	pf f;
	pid_t daemons[8];
	char sock[2][4096], mnt[2][4096];
	size_t nd;

	pf_up(&f, sleeper, "");
	nd = daemon_pids(&f, daemons, 8);
	cr_expect_eq(nd, 2, "a faultfspid line per node");
	for (size_t i = 0; i < f.n; i++) {
		char err[512];

		snprintf(sock[i], sizeof(sock[i]), "%s", info_str(&f, i, "control"));
		snprintf(mnt[i], sizeof(mnt[i]), "%s", data_dir(&f, i));
		cr_expect_eq(dt_faultfs_mounted(mnt[i]), 1, "%s not mounted", mnt[i]);
		cr_expect_eq(dt_faultfs_simple(sock[i], "ping", 5, NULL, err), 0, "%s", err);
		/* The node's process runs in its data folder, on the mount. */
		cr_expect(pf_proc_state(f.nodes[i].pids[0]) != 0);
	}
	pf_down(&f);
	for (size_t i = 0; i < 2; i++) {
		cr_expect_eq(dt_faultfs_mounted(mnt[i]), 0, "%s left mounted", mnt[i]);
		cr_expect(access(sock[i], F_OK) != 0, "%s left", sock[i]);
	}
	for (size_t i = 0; i < nd; i++) {
		char st = pf_proc_state(daemons[i]);

		cr_expect(st == 0 || st == 'Z', "dt-faultfs %d left", (int)daemons[i]);
	}
}

static void redis_cmd(const pf *f, const char *const *words, char *out, size_t size)
{
	const char *argv[8] = { "redis-cli", "-h", f->nodes[0].address };
	size_t n = 3;

	for (; *words != NULL && n < 7; words++)
		argv[n++] = *words;
	argv[n] = NULL;
	cr_assert_eq(pf_exec(f, 0, argv, out, size), 0, "redis-cli: %s", out);
	out[strcspn(out, "\n")] = '\0';
}

/* redis acknowledges a SET, the node loses power, comes back: the SET
 * is there when redis fsync'd it before answering, gone when not. */
static void redis_power_loss(const char *fsync, bool survives)
{
	static const char *const set[] = { "SET", "k", "v", NULL };
	static const char *const get[] = { "GET", "k", NULL };
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char config[128], out[256], err[DT_ERRBUF_SIZE];
	json_t *what = NULL;
	const json_t *files;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pf f;

	if (system("command -v redis-server >/dev/null 2>&1") != 0)
		cr_skip_test("redis-server is not installed");
	snprintf(config, sizeof(config), "options: {fsync: %s}\n", fsync);
	pf_up(&f, redis1, config);
	redis_cmd(&f, set, out, sizeof(out));
	cr_assert_str_eq(out, "OK");
	nem = pf_nemesis(&f, "power-loss", "name: power-loss\n", &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	files = json_object_get(json_object_get(json_object_get(what, "dropped"),
						"n1"), "files");
	cr_assert(json_is_array(files), "no record of what was dropped");
	if (survives) {
		cr_expect_eq(json_array_size(files), 0, "appendfsync always left "
			     "unsynced data");
	} else {
		const char *path = json_string_value(json_object_get(
			json_array_get(files, 0), "path"));

		cr_expect_gt(json_array_size(files), 0);
		cr_expect(path != NULL && strstr(path, "appendonly") != NULL,
			  "dropped %s, not the AOF", path);
	}
	json_decref(what);
	what = NULL;
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	cr_expect_eq(json_array_size(json_object_get(what, "restarted")), 1);
	json_decref(what);
	redis_cmd(&f, get, out, sizeof(out));
	cr_expect_str_eq(out, survives ? "v" : "", "appendfsync %s", fsync);
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

Test(disk, power_loss_keeps_what_redis_fsynced)
{
	redis_power_loss("always", true);
}

Test(disk, power_loss_drops_what_redis_did_not_fsync)
{
	redis_power_loss("no", false);
}

/* Run sh -c SCRIPT inside node 0 (its mount is the host's); status. */
static int node_sh(const pf *f, const char *script, char *out, size_t size)
{
	const char *argv[] = { "sh", "-c", script, NULL };

	return pf_exec(f, 0, argv, out, size);
}

Test(disk, disk_error_strikes_inside_the_node_and_heals)
{
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char err[DT_ERRBUF_SIZE], script[4300], out[512];
	json_t *what = NULL;
	const json_t *rule;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pf f;

	pf_up(&f, sleeper, "");
	nem = pf_nemesis(&f, "disk-error", "name: disk-error\nops: [write]\n"
			 "path: \"x*\"\n", &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 2);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	rule = json_object_get(json_array_get(json_object_get(what, "rules"), 0), "rule");
	cr_expect_str_eq(json_string_value(json_object_get(rule, "kind")), "error");
	cr_expect_str_eq(json_string_value(json_object_get(rule, "path")), "x*");
	json_decref(what);
	snprintf(script, sizeof(script), "echo data > '%s/x1'", data_dir(&f, 0));
	cr_expect_neq(node_sh(&f, script, out, sizeof(out)), 0, "write to x1 "
		      "succeeded under the rule");
	cr_expect(strstr(out, "I/O error") != NULL ||
		  strstr(out, "Input/output error") != NULL, "%s", out);
	snprintf(script, sizeof(script), "echo data > '%s/y1'", data_dir(&f, 0));
	cr_expect_eq(node_sh(&f, script, out, sizeof(out)), 0, "%s", out);
	/* Node 2 has no rule. */
	{
		const char *argv[] = { "sh", "-c", NULL, NULL };
		char s2[4300];

		snprintf(s2, sizeof(s2), "echo data > '%s/x1'", data_dir(&f, 1));
		argv[2] = s2;
		cr_expect_eq(pf_exec(&f, 1, argv, out, sizeof(out)), 0, "%s", out);
	}
	what = NULL;
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	rule = json_object_get(json_array_get(json_object_get(what, "cleared"), 0), "rule");
	cr_expect_geq(json_integer_value(json_object_get(rule, "struck")), 1);
	json_decref(what);
	snprintf(script, sizeof(script), "echo data > '%s/x2'", data_dir(&f, 0));
	cr_expect_eq(node_sh(&f, script, out, sizeof(out)), 0, "%s", out);
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

Test(disk, corrupt_kills_damages_exactly_and_restarts)
{
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char err[DT_ERRBUF_SIZE], script[4300], out[512], path[4200];
	json_t *what = NULL;
	const json_t *bits, *b;
	pid_t before;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	size_t i;
	FILE *fp;
	unsigned char buf[8192];
	pf f;

	pf_up(&f, sleeper, "");
	snprintf(script, sizeof(script), "head -c 8192 /dev/zero > '%s/db' && sync",
		 data_dir(&f, 0));
	cr_assert_eq(node_sh(&f, script, out, sizeof(out)), 0, "%s", out);
	before = f.nodes[0].pids[0];
	nem = pf_nemesis(&f, "corrupt", "name: corrupt\npath: db\nbits: 4\n",
			 &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 3);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	cr_expect_eq(pf_proc_state(before) == 0 || pf_proc_state(before) == 'Z', 1,
		     "the node was not down while its disk was damaged");
	bits = json_object_get(json_array_get(json_object_get(json_object_get(
		json_object_get(what, "corrupted"), "n1"), "corrupted"), 0), "bits");
	cr_assert_eq(json_array_size(bits), 4, "no record of 4 flipped bits");
	snprintf(path, sizeof(path), "%s/db", data_dir(&f, 0));
	fp = fopen(path, "rb");
	cr_assert_not_null(fp);
	cr_assert_eq(fread(buf, 1, sizeof(buf), fp), sizeof(buf));
	fclose(fp);
	json_array_foreach(bits, i, b) {
		json_int_t off = json_integer_value(json_object_get(b, "offset"));

		buf[off] ^= (unsigned char)(1u << json_integer_value(json_object_get(b, "bit")));
	}
	for (i = 0; i < sizeof(buf); i++)
		cr_expect_eq(buf[i], 0, "byte %zu differs from the report", i);
	json_decref(what);
	what = NULL;
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	cr_expect_neq(f.nodes[0].pids[0], before);
	cr_expect(pf_proc_state(f.nodes[0].pids[0]) != 0, "not restarted");
	json_decref(what);
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_note_pids(&f);
	pf_down(&f);
}

/* dt-run --dry-run on a suite file; its exit status and output. */
static int dry(const char *suite, char *out, size_t size)
{
	char path[128];
	FILE *fp;
	const char *argv[] = { TEST_BUILDDIR "/core/dt-run", "--dry-run", "--suite",
			       path, "--chart-path", TEST_SRCDIR "/tests/platform/charts",
			       NULL };

	snprintf(path, sizeof(path), "/tmp/dt-disk-suite-%d.yaml", (int)getpid());
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(suite, fp);
	fclose(fp);
	{
		int rc = pf_cmd(argv, out, size);

		unlink(path);
		return rc;
	}
}

Test(disk, suites_say_what_a_disk_nemesis_needs)
{
	char out[8192];

	pf_require_root();
	cr_expect_eq(dry("name: d\nchart: pf-socat\nclient: {name: mem}\n"
			 "workload: register\nnemesis: [power-loss]\n", out,
			 sizeof(out)), 4, "%s", out);
	cr_expect(strstr(out, "power-loss needs the nodes' data on dt-faultfs: add "
			 "`disk: faulty` to the chart's local: section or to the "
			 "suite's platform: section") != NULL, "%s", out);
	cr_expect_eq(dry("name: d\nchart: pf-socat\nplatform: {name: local, disk: "
			 "faulty}\nclient: {name: mem}\nworkload: register\n"
			 "nemesis: [{name: corrupt, mode: zero}]\n", out,
			 sizeof(out)), 4, "%s", out);
	cr_expect(strstr(out, "path") != NULL, "%s", out);
	cr_expect_eq(dry("name: d\nchart: pf-socat\nplatform: {name: local, disk: "
			 "broken}\nclient: {name: mem}\nworkload: register\n", out,
			 sizeof(out)), 4, "%s", out);
	cr_expect(strstr(out, "disk") != NULL && strstr(out, "faulty") != NULL,
		  "%s", out);
	cr_expect_eq(dry("name: d\nchart: pf-socat\nplatform: {name: local, disk: "
			 "faulty}\nclient: {name: mem}\nworkload: register\n"
			 "nemesis: [{name: disk-error, ops: [reed]}]\n", out,
			 sizeof(out)), 4, "%s", out);
	cr_expect(strstr(out, "ops[0]: not an operation") != NULL, "%s", out);
	/* And a good one plans the mounts. */
	cr_expect_eq(dry("name: d\nchart: pf-socat\nplatform: {name: local, disk: "
			 "faulty}\nclient: {name: mem}\nworkload: register\n"
			 "nemesis: [power-loss, {name: disk-slow, delay: 5ms}]\n",
			 out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "n1: mount") != NULL && strstr(out, "dt-faultfs") != NULL,
		  "%s", out);
}
