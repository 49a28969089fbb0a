/*
 * The SQL suites end to end, short versions of the demonstrations of
 * issue 19: dt-run brings the postgres, mariadb and mariadb-galera
 * charts up on the local platform (root: namespaces, iptables, the
 * servers as their system users), runs each suite for a few seconds and
 * must reach its verdict: reads from asynchronous replicas are stale
 * (invalid), transfers that read then write lose updates at postgres'
 * READ COMMITTED and MariaDB's REPEATABLE READ (invalid) and not at
 * SERIALIZABLE (valid, postgres under kill and partition), Galera with
 * wsrep_sync_wait 1 is linearizable (valid).  Each samples every node's
 * metrics and leaves nothing behind: no namespace, no server process of
 * the run (postgres backends included), no state file.  Bad options are
 * refused before anything starts.
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
	/* a space in the path (one argument, always), and a folder the
	 * servers' users (postgres, mysql) may search */
	snprintf(store, sizeof(store), "/tmp/dt-test-sql st-XXXXXX");
	cr_assert_not_null(mkdtemp(store));
	chmod(store, 0711);
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

/* dt-run with these arguments (NULL-ended), output to STORE/out; its
 * exit status. */
static int dt_run_args(const char *const *args)
{
	char bin[1024], out[1024];
	const char *argv[32];
	size_t n = 0;
	pid_t pid;
	int status;

	snprintf(bin, sizeof(bin), "%s/core/dt-run", builddir());
	snprintf(out, sizeof(out), "%s/out", store);
	argv[n++] = bin;
	for (; *args != NULL && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		if (freopen(out, "w", stdout) == NULL || dup2(1, 2) < 0)
			_exit(127);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	cr_assert_gt(pid, 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int dt_run(const char *suite, const char *time_limit)
{
	const char *args[] = { "--suite", suite, "--store", store, "--time-limit",
			       time_limit, "-q", "--seed", "1", NULL };

	return dt_run_args(args);
}

/* STORE/out, whole. */
static char *run_output(void)
{
	char path[1024], *buf = calloc(1, 65536);
	FILE *f;

	snprintf(path, sizeof(path), "%s/out", store);
	f = fopen(path, "r");
	if (f != NULL) {
		fread(buf, 1, 65535, f);
		fclose(f);
	}
	return buf;
}

static void run_file(const char *suite, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/latest/%s", store, suite, name);
}

/* A checker's "valid" in results.json: 1, 0, or -1 when absent. */
static int checker_valid(json_t *res, const char *checker)
{
	json_t *v = json_object_get(json_object_get(json_object_get(res, "checkers"),
						    checker), "valid");

	return json_is_boolean(v) ? json_is_true(v) : -1;
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

/* No namespace of the run, no process of its store and no process
 * whose parent was a node's (a postgres backend names no path), no
 * state file of it. */
static void nothing_left(const char *suite)
{
	char path[1024], line[1024], id[32] = "", prefix[64], rundir[1024];
	FILE *f;
	DIR *d;
	struct dirent *e;

	run_file(suite, "dt.log", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_not_null(strstr(line, " run "), "%s", line);
	sscanf(strstr(line, " run ") + 5, "%31s", id);
	snprintf(prefix, sizeof(prefix), "dt-%s-", id);
	f = popen("ip netns list 2>/dev/null", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		cr_assert_null(strstr(line, prefix), "namespace left: %s", line);
	if (f != NULL)
		pclose(f);
	snprintf(rundir, sizeof(rundir), "%s/%s/", store, suite);
	d = opendir("/proc");
	while (d != NULL && (e = readdir(d)) != NULL) {
		char args[4096];
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
		/* a backend of the run's postgres: its own title names the
		 * node's address, 10.x, as client "dt" */
		cr_assert(strncmp(args, "postgres: ", 10) != 0 ||
			  strstr(args, " dt ") == NULL, "backend left: %s", args);
	}
	if (d != NULL)
		closedir(d);
}

/* Every one of the n nodes reported field at least once. */
static void metrics_sampled(const char *suite, const char *field, size_t n)
{
	char path[1024], line[16384];
	FILE *f;
	json_t *nodes = json_object();

	run_file(suite, "metrics.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *o = json_loads(line, 0, NULL);
		const char *src = json_string_value(json_object_get(o, "source"));

		if (src != NULL && json_object_get(json_object_get(o, "values"), field))
			json_object_set_new(nodes, src, json_true());
		json_decref(o);
	}
	fclose(f);
	cr_assert_eq(json_object_size(nodes), n, "%zu nodes of %zu reported %s in %s",
		     json_object_size(nodes), n, field, path);
	json_decref(nodes);
}

TestSuite(sql_suites, .init = need_local_platform, .fini = remove_store,
	  .timeout = 240);

Test(sql_suites, postgres_replica_reads_are_stale)
{
	json_t *r;

	cr_assert_eq(dt_run("postgres-replica-reads", "12"), 1,
		     "reads from asynchronous replicas under a partition must be "
		     "found invalid");
	r = results("postgres-replica-reads");
	cr_assert_eq(checker_valid(r, "linearizable"), 0);
	json_decref(r);
	metrics_sampled("postgres-replica-reads", "xact_commit", 3);
	metrics_sampled("postgres-replica-reads", "replay_lag_bytes", 2);
	nothing_left("postgres-replica-reads");
}

Test(sql_suites, postgres_read_committed_loses_updates)
{
	json_t *r;

	cr_assert_eq(dt_run("postgres-read-committed", "8"), 1);
	r = results("postgres-read-committed");
	cr_assert_eq(checker_valid(r, "bank"), 0);
	json_decref(r);
	nothing_left("postgres-read-committed");
}

Test(sql_suites, postgres_serializable_valid_under_kill_and_partition)
{
	char path[1024], line[8192];
	int kills = 0;
	FILE *f;

	cr_assert_eq(dt_run("postgres-serializable", "14"), 0);
	run_file("postgres-serializable", "history.jsonl", path, sizeof(path));
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "\"restarted\"") != NULL)
			kills++;
	fclose(f);
	cr_assert_geq(kills, 1, "the primary was killed and restarted");
	nothing_left("postgres-serializable");
}

Test(sql_suites, mariadb_rr_loses_updates_serializable_does_not)
{
	json_t *r;

	cr_assert_eq(dt_run("mariadb-rr", "8"), 1);
	r = results("mariadb-rr");
	cr_assert_eq(checker_valid(r, "bank"), 0);
	json_decref(r);
	metrics_sampled("mariadb-rr", "Com_commit", 1);
	nothing_left("mariadb-rr");
	cr_assert_eq(dt_run("mariadb-serializable", "8"), 0);
	nothing_left("mariadb-serializable");
}

Test(sql_suites, galera_sync_wait_is_linearizable)
{
	cr_assert_eq(dt_run("galera-register-sync-wait", "10"), 0);
	metrics_sampled("galera-register-sync-wait", "wsrep_local_state_comment", 3);
	nothing_left("galera-register-sync-wait");
}

/* Refused before anything starts, naming the key. */
Test(sql_suites, bad_options_refused)
{
	char path[512];
	FILE *f;
	char *out;
	const char *args[] = { "check-suite", path, NULL };

	snprintf(path, sizeof(path), "%s/bad.yaml", store);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "name: bad\nchart: postgres\nclient:\n  name: postgres\n"
		"  isolation: snapshot\nworkload: {name: register}\n");
	fclose(f);
	cr_assert_eq(dt_run_args(args), 4);
	out = run_output();
	cr_assert(strstr(out, "bad.yaml:5:") && strstr(out, "isolation"), "%s", out);
	free(out);
	f = fopen(path, "w");
	fprintf(f, "name: bad\nchart: mariadb-galera\nclient:\n  name: mariadb\n"
		"  transfer: blind\nworkload: {name: bank}\n");
	fclose(f);
	cr_assert_eq(dt_run_args(args), 4);
	out = run_output();
	cr_assert(strstr(out, "transfer"), "%s", out);
	free(out);
	f = fopen(path, "w");
	fprintf(f, "name: bad\nchart: postgres\nplatform:\n  name: local\n"
		"  options: {synchronous-commit-typo: off}\nclient: {name: postgres}\n"
		"workload: {name: register}\n");
	fclose(f);
	cr_assert_eq(dt_run_args(args), 4);
	out = run_output();
	cr_assert(strstr(out, "synchronous-commit-typo"), "%s", out);
	free(out);
}

/* The dry run shows each node's first-start steps as the recipe's on:
 * gives them, and galera's bootstrap on the first node only. */
Test(sql_suites, dry_run_plans)
{
	const char *pg[] = { "--suite", "postgres-register", "--store", store,
			     "--dry-run", NULL };
	const char *gal[] = { "--suite", "galera", "--store", store, "--dry-run", NULL };
	char *out, *n2;

	cr_assert_eq(dt_run_args(pg), 0);
	out = run_output();
	n2 = strstr(out, "local: n2 at");
	cr_assert_not_null(n2, "%s", out);
	cr_assert(strstr(out, "initdb") != NULL && strstr(out, "initdb") < n2,
		  "initdb on n1 only: %s", out);
	cr_assert_null(strstr(n2, "initdb"), "no initdb on a replica: %s", out);
	cr_assert_not_null(strstr(n2, "pg_basebackup"), "%s", out);
	free(out);
	cr_assert_eq(dt_run_args(gal), 0);
	out = run_output();
	n2 = strstr(out, "local: n2 at");
	cr_assert_not_null(n2, "%s", out);
	cr_assert(strstr(out, "local: n1: first start") &&
		  strstr(out, "--wsrep-new-cluster") < n2, "%s", out);
	cr_assert_null(strstr(n2, "--wsrep-new-cluster"), "%s", out);
	free(out);
}
