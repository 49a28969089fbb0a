/* SPDX-License-Identifier: MIT */
/*
 * The redis and etcd suites end to end: dt-run brings the chart up on the
 * local platform (root: namespaces, iptables), runs the workload under
 * the suite's nemeses with a short time limit, and must reach the
 * expected verdict, show the anomaly of an invalid run, sample every
 * node's metrics, and leave nothing behind (no namespace, no server
 * process, no state file of the run), from a store whose path has a
 * space.  redis-sentinel's verdict depends
 * on timing, so its test checks the failover itself instead;
 * redis-sentinel-partition must lose acknowledged writes.
 *
 * One suite at a time (jobs = 1): two clusters at once on two cores
 * would make the timings, not the systems, the subject.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

static char store[256];

static const char *builddir(void)
{
	const char *b = getenv("DT_BUILDDIR");

	return b ? b : TEST_BUILDDIR;
}

static void need_local_platform(void)
{
	char path[1024];
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("needs root (network namespaces, iptables)");
	snprintf(path, sizeof(path), "%s/plugins/local/.libs/dt_local.so", builddir());
	if (stat(path, &st) != 0)
		cr_skip_test("the local platform is not built (%s)", path);
	/* a space in the store's path: every chart must keep it one
	 * argument (no shell splits a {data_dir}) */
	snprintf(store, sizeof(store), "/tmp/dt-test-systems st-XXXXXX");
	cr_assert_not_null(mkdtemp(store));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void remove_store(void)
{
	if (store[0])
		nftw(store, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	store[0] = '\0';
}

/* Run dt-run on a suite; its exit status. */
static int dt_run(const char *suite, const char *time_limit)
{
	char bin[1024];
	pid_t pid;
	int status;

	snprintf(bin, sizeof(bin), "%s/core/dt-run", builddir());
	pid = fork();
	if (pid == 0) {
		/* the exec suites name their client program by its path in
		 * the source tree */
		if (chdir(TEST_SRCDIR) != 0)
			_exit(126);
		execl(bin, bin, "--suite", suite, "--store", store, "--time-limit",
		      time_limit, "-q", (char *)NULL);
		_exit(127);
	}
	cr_assert_gt(pid, 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* dt_run with -n NEMESES ("" for none). */
static int dt_run_nemeses(const char *suite, const char *time_limit,
			  const char *nemeses)
{
	char bin[1024];
	pid_t pid;
	int status;

	snprintf(bin, sizeof(bin), "%s/core/dt-run", builddir());
	pid = fork();
	if (pid == 0) {
		execl(bin, bin, "--suite", suite, "--store", store, "--time-limit",
		      time_limit, "-n", nemeses, "-q", (char *)NULL);
		_exit(127);
	}
	cr_assert_gt(pid, 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* store/SUITE/latest/NAME */
static void run_file(const char *suite, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/latest/%s", store, suite, name);
}

/* The run id, from the first line of dt.log ("... run ID of suite ..."). */
static void run_id(const char *suite, char *id, size_t size)
{
	char path[1024], line[1024];
	FILE *f;
	char *p;

	run_file(suite, "dt.log", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	p = strstr(line, " run ");
	cr_assert_not_null(p, "no run id in: %s", line);
	cr_assert_eq(sscanf(p + 5, "%31s", id), 1);
	(void)size;
}

/* No namespace of the run, no process started in its store, no state
 * file naming it. */
static void nothing_left(const char *suite)
{
	char id[32], prefix[64], cmd[128], line[512], rundir[1024];
	FILE *p;
	DIR *d;
	struct dirent *e;
	const char *state = getenv("DT_STATE_DIR");

	run_id(suite, id, sizeof(id));
	snprintf(prefix, sizeof(prefix), "dt-%s-", id);
	p = popen("ip netns list 2>/dev/null", "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		cr_assert_null(strstr(line, prefix), "namespace left: %s", line);
	pclose(p);
	snprintf(cmd, sizeof(cmd), "ip -o link show 2>/dev/null");
	p = popen(cmd, "r");
	while (p != NULL && fgets(line, sizeof(line), p) != NULL)
		cr_assert_null(strstr(line, id), "link left: %s", line);
	if (p != NULL)
		pclose(p);
	/* Every server ran with its data directory under the run's folder. */
	snprintf(rundir, sizeof(rundir), "%s/%s/", store, suite);
	d = opendir("/proc");
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], args[4096];
		FILE *f;
		size_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		n = fread(args, 1, sizeof(args) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i++)
			if (args[i] == '\0')
				args[i] = ' ';
		args[n] = '\0';
		cr_assert_null(strstr(args, rundir), "process %s left: %s", e->d_name, args);
	}
	if (d != NULL)
		closedir(d);
	if (state != NULL && (d = opendir(state)) != NULL) {
		while ((e = readdir(d)) != NULL)
			cr_assert_null(strstr(e->d_name, id), "state file left: %s", e->d_name);
		closedir(d);
	}
}

static json_t *results(const char *suite)
{
	char path[1024];
	json_t *r;

	run_file(suite, "results.json", path, sizeof(path));
	r = json_load_file(path, 0, NULL);
	cr_assert_not_null(r, "no %s", path);
	return r;
}

/* Each of the three nodes' metrics were sampled at least once (one node
 * sampled three times is not enough), and the driver's. */
static void metrics_sampled(const char *suite, const char *field)
{
	char path[1024], line[8192];
	FILE *f;
	int driver = 0;
	json_t *nodes = json_object();

	run_file(suite, "metrics.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const char *src = json_string_value(json_object_get(o, "source"));

		if (src != NULL && strcmp(src, "driver") == 0)
			driver++;
		else if (src != NULL && json_object_get(json_object_get(o, "values"), field))
			json_object_set_new(nodes, src, json_true());
		json_decref(o);
	}
	fclose(f);
	cr_assert_gt(driver, 0, "no driver figures in %s", path);
	cr_assert_eq(json_object_size(nodes), 3, "%zu nodes of 3 reported %s in %s",
		     json_object_size(nodes), field, path);
	json_decref(nodes);
}

static void expect(const char *suite, const char *time_limit, int code)
{
	int rc = dt_run(suite, time_limit);
	json_t *r = results(suite);
	char *text = json_dumps(json_object_get(r, "checkers"), JSON_COMPACT);

	cr_assert_eq(rc, code, "%s: exit %d, expected %d: %.2000s", suite, rc, code, text);
	free(text);
	if (code == 1) {
		/* The anomaly is shown: the operation that cannot be placed. */
		json_t *lin = json_object_get(json_object_get(r, "checkers"), "linearizable");
		json_t *fail = json_array_get(json_object_get(lin, "failures"), 0);

		cr_assert(json_is_false(json_object_get(lin, "valid")));
		cr_assert_not_null(json_object_get(fail, "unplaced"), "no anomaly shown");
		cr_assert_not_null(json_object_get(lin, "summary"));
	}
	json_decref(r);
	nothing_left(suite);
}

/* How many starts of `nemesis` were aimed at the primary: recorded
 * with role primary, the client's roles, and as targets exactly the
 * node those roles call primary (or leader).  A start recorded
 * otherwise fails; one with no target (no leader then) is not counted. */
static int aimed_at_primary(const char *suite, const char *nemesis)
{
	char path[1024], line[16384];
	FILE *f;
	int n = 0;

	run_file(suite, "history.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const json_t *v = json_object_get(o, "value");
		const char *proc = json_string_value(json_object_get(o, "process"));
		const char *fn = json_string_value(json_object_get(o, "f"));
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *name = json_string_value(json_object_get(v, "nemesis"));

		if (proc != NULL && strcmp(proc, "nemesis") == 0 && fn != NULL &&
		    strcmp(fn, "start") == 0 && type != NULL &&
		    strcmp(type, "invoke") == 0 && name != NULL &&
		    strcmp(name, nemesis) == 0) {
			const json_t *roles = json_object_get(v, "roles");
			const json_t *nodes = json_object_get(v, "nodes");
			const char *target = json_string_value(json_array_get(nodes, 0));

			const char *role = json_string_value(json_object_get(roles, target));

			cr_assert_str_eq(json_string_value(json_object_get(v, "role")),
					 "primary", "%s", line);
			/* none: no member led at that moment (an election) */
			if (json_array_size(nodes) == 0) {
				json_decref(o);
				continue;
			}
			cr_assert_eq(json_array_size(nodes), 1, "%s", line);
			cr_assert(role != NULL && (strcmp(role, "primary") == 0 ||
				  strcmp(role, "leader") == 0), "%s", line);
			n++;
		}
		json_decref(o);
	}
	fclose(f);
	return n;
}

TestSuite(suites, .init = need_local_platform, .fini = remove_store, .timeout = 120);

Test(suites, redis_bank_valid)
{
	expect("redis", "10", 0);
	metrics_sampled("redis", "role");
	cr_expect_geq(aimed_at_primary("redis", "kill"), 1, "the primary was never killed");
}

Test(suites, redis_register_valid)
{
	expect("redis-register", "10", 0);
	cr_expect_geq(aimed_at_primary("redis-register", "pause"), 1,
		      "the primary was never paused");
}

/*
 * Jepsen's redis result on real redis: the primary (found through the
 * client when the fault starts) is cut off from its replicas and their
 * sentinels, the clients go on writing to it, the sentinels promote a
 * replica, the heal turns the old primary into a replica that discards
 * what it acknowledged; after the recovery the final read, served by
 * the new primary, lacks those adds.  Invalid, with the lost adds named
 * (acknowledged by the old primary, during the partition).
 */
Test(suites, redis_sentinel_partition_loses_acknowledged_writes)
{
	int rc = dt_run("redis-sentinel-partition", "20");
	json_t *r = results("redis-sentinel-partition");
	json_t *sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	json_t *lost = json_array_get(json_object_get(sf, "lost"), 0);
	json_t *between = json_object_get(sf, "lost-acknowledged-between");
	char *text = json_dumps(sf, JSON_COMPACT);
	char path[1024], line[1 << 16];
	const char *final_node = NULL;
	FILE *f;

	cr_assert_eq(rc, 1, "redis-sentinel-partition: exit %d: %.2000s", rc, text);
	free(text);
	cr_expect_gt(json_integer_value(json_object_get(sf, "lost-acknowledged-count")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(lost, "add")), "ok");
	cr_expect_str_eq(json_string_value(json_object_get(lost, "node")), "n1");
	/* acknowledged while the partition (5 s to 20 s) lasted */
	cr_expect_geq(json_number_value(json_array_get(between, 0)), 4.9);
	cr_expect_leq(json_number_value(json_array_get(between, 1)), 21);
	cr_expect(json_is_true(json_object_get(json_object_get(sf, "last-read"), "final")));
	cr_expect_geq(json_number_value(json_object_get(json_object_get(r, "phases"),
							"recovery")), 14.9);
	json_decref(r);
	cr_expect_eq(aimed_at_primary("redis-sentinel-partition", "partition"), 1);
	run_file("redis-sentinel-partition", "history.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *o;

		if (strstr(line, "\"final\":true") == NULL ||
		    strstr(line, "\"type\":\"ok\"") == NULL)
			continue;
		o = json_loads(line, 0, NULL);
		final_node = json_string_value(json_object_get(o, "node"));
		cr_expect(final_node != NULL && strcmp(final_node, "n1") != 0,
			  "the final read was served by %s, not a promoted replica",
			  final_node ? final_node : "no node");
		json_decref(o);
	}
	fclose(f);
	cr_expect_not_null(final_node, "no final read succeeded");
	nothing_left("redis-sentinel-partition");
}

Test(suites, redis_replica_reads_stale)
{
	expect("redis-replica-reads", "14", 1);
}

Test(suites, etcd_register_valid)
{
	expect("etcd", "15", 0);
	metrics_sampled("etcd", "etcd_server_has_leader");
}

/* The leader of the moment killed and isolated: etcd loses no
 * acknowledged add; the faults followed the leader. */
Test(suites, etcd_set_valid_with_faults_at_the_leader)
{
	json_t *r, *sf;

	expect("etcd-set", "20", 0);
	r = results("etcd-set");
	sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	cr_expect_gt(json_integer_value(json_object_get(sf, "acknowledged-count")), 0);
	cr_expect_eq(json_integer_value(json_object_get(sf, "lost-count")), 0);
	cr_expect(json_is_true(json_object_get(json_object_get(sf, "last-read"), "final")));
	json_decref(r);
	cr_expect_geq(aimed_at_primary("etcd-set", "kill"), 2);
	cr_expect_geq(aimed_at_primary("etcd-set", "partition"), 1);
}

Test(suites, etcd_kv_valid)
{
	expect("etcd-kv", "12", 0);
}

Test(suites, etcd_serializable_stale)
{
	expect("etcd-serializable", "14", 1);
}

/* The first clock-bump's start in the history: its time (ms), and its
 * record names n1 moved 10 s forward. */
static double first_bump_ms(const char *suite)
{
	char path[1024], line[65536];
	double at = -1;
	FILE *f;

	run_file(suite, "history.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (at < 0 && fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const json_t *v = json_object_get(o, "value");
		const json_t *c = json_array_get(json_object_get(v, "clocks"), 0);

		if (json_is_string(json_object_get(o, "type")) &&
		    strcmp(json_string_value(json_object_get(o, "type")), "info") == 0 &&
		    c != NULL && strcmp(json_string_value(json_object_get(o, "f")), "start") == 0) {
			cr_expect_str_eq(json_string_value(json_object_get(c, "node")), "n1");
			cr_expect(json_number_value(json_object_get(c, "offset_ms")) == 10000,
				  "offset %g ms", json_number_value(json_object_get(c, "offset_ms")));
			at = (double)json_integer_value(json_object_get(o, "time")) / 1e6;
		}
		json_decref(o);
	}
	fclose(f);
	cr_assert_geq(at, 0, "no clock-bump in %s", path);
	return at;
}

/* The redis lock with its primary's clock bumped 10 s forward: two
 * holders at once, named, after the first bump; without the nemesis the
 * same suite is valid. */
Test(suites, redis_lock_clock_violates_mutual_exclusion)
{
	int rc = dt_run("redis-lock-clock", "9");
	json_t *r = results("redis-lock-clock");
	json_t *m = json_object_get(json_object_get(r, "checkers"), "mutex");
	json_t *e = json_array_get(json_object_get(m, "errors"), 0);
	const json_t *a = json_object_get(e, "first"), *b = json_object_get(e, "second");
	char *text = json_dumps(m, JSON_COMPACT);
	double bump = first_bump_ms("redis-lock-clock");

	cr_assert_eq(rc, 1, "exit %d: %.2000s", rc, text);
	free(text);
	cr_assert(json_is_false(json_object_get(m, "valid")));
	cr_assert_not_null(json_object_get(m, "summary"));
	cr_expect_neq(json_integer_value(json_object_get(a, "process")),
		      json_integer_value(json_object_get(b, "process")));
	cr_expect_str_neq(json_string_value(json_object_get(a, "token")),
			  json_string_value(json_object_get(b, "token")));
	cr_expect_str_eq(json_string_value(json_object_get(b, "node")), "n1");
	cr_expect_geq(json_number_value(json_array_get(json_object_get(e, "overlap_ms"), 0)),
		      bump, "an overlap before the first bump");
	json_decref(r);
	nothing_left("redis-lock-clock");

	rc = dt_run_nemeses("redis-lock-clock", "9", "");
	r = results("redis-lock-clock");
	text = json_dumps(json_object_get(r, "checkers"), JSON_COMPACT);
	cr_expect_eq(rc, 0, "without the bump: exit %d: %.2000s", rc, text);
	free(text);
	json_decref(r);
	nothing_left("redis-lock-clock");
}

/* Seconds (from the run's start) of the first kill of n1, from the
 * nemesis's record in the history; and the count of writes and cas that
 * completed ok after `after` seconds and before the heal. */
static double sentinel_history(const char *suite, double after, int *ok_after)
{
	char path[1024], line[8192];
	double kill = -1, heal = 1e9;
	FILE *f;

	run_file(suite, "history.jsonl", path, sizeof(path));
	*ok_after = 0;
	for (int pass = 0; pass < 2; pass++) {
		f = fopen(path, "r");
		cr_assert_not_null(f, "no %s", path);
		while (fgets(line, sizeof(line), f) != NULL) {
			json_t *o = json_loads(line, 0, NULL);
			const char *proc = json_string_value(json_object_get(o, "process"));
			const char *type = json_string_value(json_object_get(o, "type"));
			const char *fn = json_string_value(json_object_get(o, "f"));
			double t = json_number_value(json_object_get(o, "time")) / 1e9;

			/* Clients' processes are numbers, the nemesis's a
			 * string. */
			if (type == NULL || fn == NULL) {
				json_decref(o);
				continue;
			}
			if (pass == 0 && proc != NULL && strcmp(proc, "nemesis") == 0 &&
			    strcmp(type, "info") == 0) {
				if (strcmp(fn, "start") == 0 && kill < 0)
					kill = t;
				else if (strcmp(fn, "heal") == 0 && kill >= 0 &&
					 heal > 1e8)
					heal = t;
			}
			if (pass == 1 && strcmp(type, "ok") == 0 &&
			    strcmp(fn, "read") != 0 && t > after && t < heal)
				(*ok_after)++;
			json_decref(o);
		}
		fclose(f);
		if (after < 0)
			break;
	}
	return kill;
}

/* The first second at which a node other than n1 reported itself
 * primary (role master) after `since`; -1 if none did. */
static double promoted_at(const char *suite, double since, char *who, size_t size)
{
	char path[1024], line[8192];
	double at = -1;
	FILE *f;

	run_file(suite, "metrics.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (at < 0 && fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const char *src = json_string_value(json_object_get(o, "source"));
		const char *role = json_string_value(json_object_get(
			json_object_get(o, "values"), "role"));
		double t = json_number_value(json_object_get(o, "time")) / 1e9;

		if (src != NULL && strcmp(src, "n1") != 0 &&
		    strcmp(src, "driver") != 0 && role != NULL &&
		    strcmp(role, "master") == 0 && t > since) {
			at = t;
			snprintf(who, size, "%s", src);
		}
		json_decref(o);
	}
	fclose(f);
	return at;
}

/* The sentinels promote a replica when the primary is killed, and the
 * client finds the new primary through them and goes on writing.  The
 * verdict itself depends on timing (asynchronous replication can lose
 * acknowledged writes in a failover), so either verdict is accepted,
 * but never "unknown" or an error, and an invalid one must show its
 * anomaly. */
Test(suites, redis_sentinel_fails_over)
{
	int rc = dt_run("redis-sentinel", "16"), ok_after;
	json_t *r = results("redis-sentinel");
	json_t *lin = json_object_get(json_object_get(r, "checkers"), "linearizable");
	double kill, promoted;
	char who[32] = "";

	cr_assert(rc == 0 || rc == 1, "redis-sentinel: exit %d", rc);
	cr_assert(json_is_boolean(json_object_get(lin, "valid")),
		  "no verdict of the linearizability checker");
	if (rc == 1)
		cr_assert_not_null(json_object_get(json_array_get(
			json_object_get(lin, "failures"), 0), "unplaced"),
			"invalid without the anomaly shown");
	json_decref(r);
	kill = sentinel_history("redis-sentinel", -1, &ok_after);
	cr_assert_geq(kill, 0, "the primary was never killed");
	promoted = promoted_at("redis-sentinel", kill, who, sizeof(who));
	cr_assert_geq(promoted, 0, "no replica became primary after the kill "
		      "at %.1f s", kill);
	sentinel_history("redis-sentinel", promoted, &ok_after);
	cr_assert_gt(ok_after, 0, "no write completed after %s became primary "
		     "at %.1f s: the client did not follow the failover", who,
		     promoted);
	nothing_left("redis-sentinel");
}

/*
 * Persistence off: the primary (as INFO replication says when the kill
 * starts) comes back empty and its replicas resync from it, so exactly
 * the adds acknowledged before the kill are lost, every one of them.
 */
Test(suites, redis_no_persistence_loses_everything_before_the_kill)
{
	int rc = dt_run("redis-no-persistence", "12");
	json_t *r = results("redis-no-persistence");
	json_t *sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	char path[1024], line[1 << 16];
	double kill = -1;
	long long acked_before = 0, acked_after = 0;
	FILE *f;

	cr_assert_eq(rc, 1, "redis-no-persistence: exit %d", rc);
	cr_expect_eq(aimed_at_primary("redis-no-persistence", "kill"), 1);
	run_file("redis-no-persistence", "history.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const char *proc = json_string_value(json_object_get(o, "process"));
		const char *fn = json_string_value(json_object_get(o, "f"));
		const char *type = json_string_value(json_object_get(o, "type"));
		double t = json_number_value(json_object_get(o, "time")) / 1e9;

		if (proc != NULL && fn != NULL && strcmp(fn, "start") == 0 && kill < 0)
			kill = t;
		else if (proc == NULL && fn != NULL && type != NULL &&
			 strcmp(fn, "add") == 0 && strcmp(type, "ok") == 0)
			*(kill < 0 ? &acked_before : &acked_after) += 1;
		json_decref(o);
	}
	fclose(f);
	cr_assert_geq(kill, 0, "no kill");
	cr_expect_gt(acked_before, 0);
	cr_expect_gt(acked_after, 0, "no add acknowledged after the restart");
	cr_expect_eq(json_integer_value(json_object_get(sf, "lost-acknowledged-count")),
		     acked_before, "lost %lld, acknowledged before the kill %lld",
		     (long long)json_integer_value(json_object_get(sf,
		     "lost-acknowledged-count")), acked_before);
	cr_expect_eq(json_integer_value(json_object_get(sf, "ok-count")), acked_after);
	cr_expect(json_is_true(json_object_get(json_object_get(sf, "last-read"), "final")));
	json_decref(r);
	nothing_left("redis-no-persistence");
}

/* A line of the run's dt.log contains text. */
static bool log_has(const char *suite, const char *text)
{
	char path[1024], line[4096];
	bool found = false;
	FILE *f;

	run_file(suite, "dt.log", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* The Python example client (examples/exec-client/register.py) through
 * the exec client: valid on redis, and its stderr in dt.log. */
Test(suites, redis_exec_valid)
{
	expect("redis-exec", "10", 0);
	cr_expect(log_has("redis-exec", "exec worker 0: register.py: closed"),
		  "the program's stderr is not in dt.log");
}

/* The same with the example's planted bug (a read cache): invalid. */
Test(suites, redis_exec_stale_cache)
{
	expect("redis-exec-stale", "10", 1);
}

/* etcd through the http client, declared in the suite only: valid
 * under kill and partition, and the stale reads of serializable reads
 * caught, as with the C client (etcd_register_valid,
 * etcd_serializable_stale). */
Test(suites, etcd_http_valid)
{
	expect("etcd-http", "15", 0);
}

Test(suites, etcd_http_serializable_stale)
{
	expect("etcd-http-serializable", "14", 1);
}

int main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
