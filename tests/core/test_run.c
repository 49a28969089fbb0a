/* SPDX-License-Identifier: MIT */
/*
 * dt-run end to end on the in-process `mem` system: exit codes, the
 * store's files, overrides, seeds.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "history.h"

static char store[] = "/tmp/dt-test-run-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(store));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", store);
}

TestSuite(run, .init = setup, .fini = teardown, .timeout = 60);

/* Run dt-run with args (a shell-free argv), capture stderr; exit status. */
static int dt_run(char *errbuf, size_t size, const char *const *args)
{
	const char *argv[32];
	int pipefd[2], status;
	size_t n = 0, got = 0;
	pid_t pid;

	argv[n++] = TEST_BUILDDIR "/core/dt-run";
	for (; *args != NULL && n < 30; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		close(pipefd[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t r = read(pipefd[0], errbuf + got, size - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	errbuf[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Write a suite file in the store dir; returns its path. */
static const char *suite_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", store, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static const char bank_suite[] =
	"name: bank-test\nchart: mem\nclient: {name: mem, latency: 0.5ms}\n"
	"workload: bank\nconcurrency: 3\nrate: 300\ntime-limit: 1\n"
	"checkers: [stats, bank]\n";

Test(run, mem_bank_is_valid_and_fills_the_store)
{
	char err[4096], path[600];
	const char *args[] = { "--suite", suite_file("b", bank_suite), "--store", store, NULL };
	dt_history *h;
	json_t *results;

	cr_assert_eq(dt_run(err, sizeof(err), args), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/bank-test/latest/results.json", store);
	results = json_load_file(path, 0, NULL);
	cr_assert_not_null(results, "no %s", path);
	cr_assert(json_is_true(json_object_get(results, "valid")));
	cr_assert_gt(json_integer_value(json_object_get(json_object_get(results, "counts"), "ok")), 100);
	json_decref(results);
	snprintf(path, sizeof(path), "%s/bank-test/latest/history.jsonl", store);
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	cr_assert_eq(h->torn, 0);
	/* the time limit (1 s) is honoured: work stops at it */
	cr_assert_gt(h->ops[h->count - 1].time, 800000000LL);
	cr_assert_lt(h->ops[h->count - 1].time, 1500000000LL);
	dt_history_free(h);
	const char *files[] = { "suite.json", "dt.log", "metrics.jsonl" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/bank-test/latest/%s", store, files[i]);
		cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
	}
}

/*
 * A bank whose transfers are sometimes acknowledged and never applied
 * (mem's lost-writes): dt-run says invalid (exit 1, "valid": false).
 * The verdict is linearizability's: a lost transfer keeps the total, so
 * the bank invariant holds (tests/checker/test_bank.c shows why), and
 * one checker objecting is enough.
 */
Test(run, broken_bank_is_invalid)
{
	char err[4096], text[1024], path[600];
	const char *args[] = { "--suite", NULL, "--store", store, NULL };
	json_t *results, *checkers;

	snprintf(text, sizeof(text), "%s", bank_suite);
	strcpy(strstr(text, "latency: 0.5ms}"), "latency: 0.5ms, bug: lost-writes, bug-probability: 0.5}\n"
	       "workload: bank\nconcurrency: 3\nrate: 300\ntime-limit: 1\n"
	       "checkers: [stats, bank, {name: linearizable, model: bank}]\n");
	args[1] = suite_file("bb", text);
	cr_assert_eq(dt_run(err, sizeof(err), args), 1, "%s", err);
	snprintf(path, sizeof(path), "%s/bank-test/latest/results.json", store);
	results = json_load_file(path, 0, NULL);
	cr_assert_not_null(results, "no %s", path);
	checkers = json_object_get(results, "checkers");
	cr_expect(json_is_false(json_object_get(results, "valid")));
	cr_expect(json_is_true(json_object_get(json_object_get(checkers, "bank"), "valid")));
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(checkers, "bank"),
							"reads")), 50);
	cr_expect(json_is_false(json_object_get(json_object_get(checkers, "linearizable"),
						"valid")));
	json_decref(results);
}

Test(run, usage_errors_exit_3)
{
	char err[4096];
	const char *none[] = { NULL };
	const char *bad_rate[] = { "--suite", "mem-bank", "--rate", "fast", NULL };
	const char *bad_cmd[] = { "frobnicate", NULL };

	cr_assert_eq(dt_run(err, sizeof(err), none), 3);
	cr_assert(strstr(err, "--suite NAME is required") != NULL, "%s", err);
	cr_assert_eq(dt_run(err, sizeof(err), bad_rate), 3);
	cr_assert(strstr(err, "--rate: 'fast' is not a number between 0 and 1e+09") != NULL, "%s", err);
	cr_assert_eq(dt_run(err, sizeof(err), bad_cmd), 3);
}

/* The store folders of a suite, sorted (their names are time stamps). */
static size_t run_dirs(const char *suite, char dirs[][1024], size_t max)
{
	char base[600];
	struct dirent **list;
	int n;
	size_t k = 0;

	snprintf(base, sizeof(base), "%s/%s", store, suite);
	n = scandir(base, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && strcmp(list[i]->d_name, "latest") != 0 &&
		    k < max)
			snprintf(dirs[k++], 1024, "%s/%.255s", base, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return k;
}

/* A field of a run folder's results.json (a new reference). */
static json_t *results_field(const char *dir, const char *key)
{
	char path[1100];
	json_t *r, *v;

	snprintf(path, sizeof(path), "%.1000s/results.json", dir);
	r = json_load_file(path, 0, NULL);
	cr_assert_not_null(r, "no %s", path);
	v = json_incref(json_object_get(r, key));
	json_decref(r);
	return v;
}

static long long results_seed(const char *dir)
{
	json_t *v = results_field(dir, "seed");
	long long seed = json_integer_value(v);

	json_decref(v);
	return seed;
}

static bool results_valid(const char *dir)
{
	json_t *v = results_field(dir, "valid");
	bool valid = json_is_true(v);

	json_decref(v);
	return valid;
}

/* --repeat: every run in its own folder, seeds S, S+1, ...; a series
 * stops at the first run that is not valid and exits with its status. */
Test(run, repeat_runs_until_one_is_not_valid)
{
	char err[4096], dirs[8][1024], ok_path[512], bad_path[512];
	const char *valid[] = { "--suite", ok_path, "--store", store, "--repeat", "3",
				"--seed", "40", NULL };
	const char *stale[] = { "--suite", bad_path, "--store", store, "--repeat",
				"50", NULL };
	const char *zero[] = { "--suite", "mem-bank", "--repeat", "0", NULL };
	const char *dry[] = { "--suite", "mem-bank", "--repeat", "2", "--dry-run", NULL };
	size_t n;

	snprintf(ok_path, sizeof(ok_path), "%s", suite_file("r", "name: rep-ok\n"
		 "chart: mem\nclient: {name: mem, latency: 0.2ms}\nworkload: register\n"
		 "concurrency: 2\nrate: 200\ntime-limit: 0.3\ncheckers: [stats, "
		 "{name: linearizable, model: cas-register}]\n"));
	snprintf(bad_path, sizeof(bad_path), "%s", suite_file("s", "name: rep-bad\n"
		 "chart: mem\nclient: {name: mem, latency: 1ms, bug: stale-reads}\n"
		 "workload: {name: register, keys: 1, values: 5}\nconcurrency: 4\n"
		 "rate: 500\ntime-limit: 1\ncheckers: [{name: linearizable, "
		 "model: cas-register}]\n"));
	cr_assert_eq(dt_run(err, sizeof(err), valid), 0, "%s", err);
	cr_assert_eq(run_dirs("rep-ok", dirs, 8), 3);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(results_seed(dirs[i]), 40 + i, "run %d", i + 1);

	for (int i = 0; i < 3; i++)
		cr_expect(results_valid(dirs[i]), "run %d", i + 1);

	/* A stale read is found in the first run or soon after: the series
	 * stops there, far short of 50, at the first run not valid. */
	cr_assert_eq(dt_run(err, sizeof(err), stale), 1, "%s", err);
	n = run_dirs("rep-bad", dirs, 8);
	cr_assert(n >= 1 && n < 8, "%zu runs", n);
	for (size_t i = 0; i + 1 < n; i++)
		cr_expect(results_valid(dirs[i]), "run %zu of %zu is not valid "
			  "and the series went on", i + 1, n);
	cr_expect(!results_valid(dirs[n - 1]), "the last run (%zu) is valid", n);

	cr_assert_eq(dt_run(err, sizeof(err), zero), 3);
	cr_expect(strstr(err, "--repeat: '0' is not a whole number") != NULL, "%s", err);
	cr_assert_eq(dt_run(err, sizeof(err), dry), 3);
	cr_expect(strstr(err, "--repeat and --dry-run") != NULL, "%s", err);
}

/* `dt-run check`: a stored run is checked again with the checkers of
 * the suite as it ran (its suite.json), and results.json says so; the
 * suite.json is itself a suite that runs again with the same seed. */
Test(run, check_runs_again_from_the_store)
{
	char err[4096], dirs[1][1024], path[1200], sj[1200];
	const char *dir = dirs[0];
	const char *bad[] = { "--suite", NULL, "--store", store, "--seed", "7", NULL };
	const char *again[] = { "--suite", sj, "--store", store, NULL };
	const char *check[] = { "check", dir, NULL };
	const char *nodir[] = { "check", "/nonexistent/run", NULL };
	json_t *r, *suite;

	bad[1] = suite_file("ck", "name: ck\nchart: mem\nclient: {name: mem, "
			    "latency: 1ms, bug: stale-reads}\nworkload: {name: register, "
			    "keys: 1, values: 5}\nconcurrency: 4\nrate: 500\n"
			    "time-limit: 1\ncheckers: [stats, {name: linearizable, "
			    "model: cas-register}]\n");
	cr_assert_eq(dt_run(err, sizeof(err), bad), 1, "%s", err);
	cr_assert_eq(run_dirs("ck", dirs, 1), 1);

	/* Checked again as it ran: invalid again, and marked rechecked. */
	cr_assert_eq(dt_run(err, sizeof(err), check), 1, "%s", err);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	r = json_load_file(path, 0, NULL);
	cr_assert_not_null(r);
	cr_expect(json_is_true(json_object_get(r, "rechecked")));
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect_eq(json_integer_value(json_object_get(r, "seed")), 7);
	json_decref(r);

	/* The checkers come from the run's suite.json: without the
	 * linearizability checker, only stats remain, and it is valid. */
	snprintf(sj, sizeof(sj), "%s/suite.json", dir);
	suite = json_load_file(sj, 0, NULL);
	cr_assert_not_null(suite);
	json_object_set_new(suite, "checkers", json_pack("[s]", "stats"));
	cr_assert_eq(json_dump_file(suite, sj, JSON_INDENT(2)), 0);
	json_decref(suite);
	cr_assert_eq(dt_run(err, sizeof(err), check), 0, "%s", err);

	/* suite.json runs again: chart inlined, same seed. */
	cr_assert_eq(dt_run(err, sizeof(err), again), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/ck/latest/results.json", store);
	r = json_load_file(path, 0, NULL);
	cr_assert_not_null(r);
	cr_expect_eq(json_integer_value(json_object_get(r, "seed")), 7);
	json_decref(r);

	cr_assert_eq(dt_run(err, sizeof(err), nodir), 4);
	cr_expect(strstr(err, "/nonexistent/run: not a run folder") != NULL, "%s", err);
}

Test(run, config_errors_exit_4_and_name_the_place)
{
	char err[4096];
	const char *args[] = { "--suite", NULL, "--store", store, NULL };

	args[1] = suite_file("u", "name: u\nchart: mem\nclient: nosuch\nworkload: bank\n");
	cr_assert_eq(dt_run(err, sizeof(err), args), 4);
	cr_assert(strstr(err, "u.yaml:3:1: client.name: no client named 'nosuch' (available: ") != NULL,
		  "%s", err);
	cr_assert(strstr(err, "mem") != NULL, "%s", err);
	args[1] = "no-such-suite";
	cr_assert_eq(dt_run(err, sizeof(err), args), 4);
	cr_assert(strstr(err, "no suite named 'no-such-suite'") != NULL, "%s", err);
}

/* A typo is an error before anything starts, not a warning: a suite
 * that silently runs without its key can pass where it should fail. */
Test(run, unknown_keys_are_errors)
{
	char err[4096];
	const char *args[] = { "--suite", NULL, "--store", store, "-t", "0.2", NULL };
	char text[1024];

	snprintf(text, sizeof(text), "%stime-limt: 5\n", bank_suite);
	args[1] = suite_file("w", text);
	cr_assert_eq(dt_run(err, sizeof(err), args), 4, "%s", err);
	cr_assert(strstr(err, "w.yaml:9:1: time-limt: unknown key (did you mean "
			 "`time-limit`?)") != NULL, "%s", err);
}

/* The sequence of (process, f, value) of invokes per process. */
static json_t *choices(const char *dir)
{
	char path[600], err[DT_ERRBUF_SIZE];
	dt_history *h;
	json_t *per = json_object();

	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	for (size_t i = 0; i < h->count; i++) {
		char key[32];
		json_t *list;

		if (h->ops[i].type != DT_OP_INVOKE)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)h->ops[i].process);
		list = json_object_get(per, key);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(per, key, list);
		}
		json_array_append_new(list, json_pack("[sO]", h->ops[i].f, h->ops[i].value));
	}
	dt_history_free(h);
	return per;
}

/* How many leading entries two lists share. */
static size_t same_prefix(const json_t *x, const json_t *y)
{
	size_t n = 0;

	while (n < json_array_size(x) && n < json_array_size(y) &&
	       json_equal(json_array_get(x, n), json_array_get(y, n)))
		n++;
	return n;
}

/* --seed reaches the scheduler: two runs with the same seed make the
 * same choices, a run with another seed other ones. */
Test(run, same_seed_same_choices)
{
	char err[4096], a[600], b[600], c[600];
	const char *args[] = { "--suite", suite_file("s", bank_suite), "--store", NULL,
			       "--seed", "1234", "-t", "0.5", NULL };
	json_t *ca, *cb, *cc;
	const char *proc;
	json_t *la;

	snprintf(a, sizeof(a), "%s/a", store);
	snprintf(b, sizeof(b), "%s/b", store);
	snprintf(c, sizeof(c), "%s/c", store);
	args[3] = a;
	cr_assert_eq(dt_run(err, sizeof(err), args), 0, "%s", err);
	args[3] = b;
	cr_assert_eq(dt_run(err, sizeof(err), args), 0, "%s", err);
	args[3] = c;
	args[5] = "1235";
	cr_assert_eq(dt_run(err, sizeof(err), args), 0, "%s", err);
	strcat(a, "/bank-test/latest");
	strcat(b, "/bank-test/latest");
	strcat(c, "/bank-test/latest");
	ca = choices(a);
	cb = choices(b);
	cc = choices(c);
	cr_assert_eq(json_object_size(ca), 3, "processes 0, 1, 2 (mem never answers info)");
	cr_assert_eq(json_object_size(cb), 3);
	/* each process makes the same choices in the same order, as far
	 * as both runs got; with the other seed, not the same */
	json_object_foreach(ca, proc, la) {
		json_t *lb = json_object_get(cb, proc);
		size_t n;

		cr_assert_not_null(lb, "process %s missing in the second run", proc);
		n = json_array_size(la) < json_array_size(lb) ? json_array_size(la) : json_array_size(lb);
		cr_assert_gt(n, 10);
		cr_assert_eq(same_prefix(la, lb), n, "process %s differs at op %zu", proc,
			     same_prefix(la, lb));
		cr_expect_lt(same_prefix(la, json_object_get(cc, proc)), 10,
			     "process %s: seeds 1234 and 1235 chose the same", proc);
	}
	json_decref(ca);
	json_decref(cb);
	json_decref(cc);
}

Test(run, a_crashing_plugin_fails_the_run_without_a_verdict)
{
	char err[4096], path[600];
	const char *args[] = { "--suite", NULL, "--store", store, "--plugin-path",
			       TEST_BUILDDIR "/tests/core/plugins/.libs", NULL };

	args[1] = suite_file("c", "name: crash\nchart: mem\nclient: crasher\n"
			     "workload: bank\nconcurrency: 1\ntime-limit: 5\n"
			     "checkers: [stats]\n");
	cr_assert_eq(dt_run(err, sizeof(err), args), 128 + SIGSEGV, "%s", err);
	cr_assert(strstr(err, "dt-run: fatal: Segmentation fault in ") != NULL, "%s", err);
	cr_assert(strstr(err, "dt_crash.so; no verdict was written") != NULL,
		  "%s", err);
	snprintf(path, sizeof(path), "%s/crash/latest/results.json", store);
	cr_assert_neq(access(path, F_OK), 0, "a crashed run wrote %s", path);
	snprintf(path, sizeof(path), "%s/crash/latest/history.jsonl", store);
	cr_assert_eq(access(path, F_OK), 0, "the history is kept");
}

/* dt-run with args, sent sig after delay seconds; its exit status, and
 * the seconds it ran in *took. */
static int dt_run_signalled(const char *const *args, double delay, int sig,
			    double *took)
{
	const char *argv[32];
	size_t n = 0;
	struct timespec t0, t1;
	int status;
	pid_t pid;

	argv[n++] = TEST_BUILDDIR "/core/dt-run";
	for (; *args != NULL && n < 30; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (delay > 0) {
		dt_sleep(delay);
		kill(pid, sig);
	}
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (took != NULL)
		*took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static json_t *latest_results(const char *suite)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s/latest/results.json", store, suite);
	return json_load_file(path, 0, NULL);
}

/* A cancelled run is not a pass: unknown, exit 2, saying when it was
 * cancelled, whatever its partial history shows. */
Test(run, a_cancelled_run_is_unknown)
{
	const char *args[] = { "--suite", NULL, "--store", store, NULL };
	json_t *r;
	const char *why;
	double at;

	args[1] = suite_file("cx", "name: cx\nchart: mem\nclient: {name: mem, "
			     "latency: 1ms}\nworkload: register\nconcurrency: 2\n"
			     "time-limit: 60s\ncheckers: [stats, linearizable]\n");
	cr_assert_eq(dt_run_signalled(args, 1.0, SIGINT, NULL), 2);
	r = latest_results("cx");
	cr_assert_not_null(r);
	cr_expect_str_eq(json_string_value(json_object_get(r, "valid")), "unknown");
	cr_expect(json_is_false(json_object_get(r, "complete")));
	cr_expect(json_is_true(json_object_get(r, "cancelled")));
	why = json_string_value(json_object_get(r, "reason"));
	cr_assert_not_null(why);
	cr_expect_eq(sscanf(why, "cancelled at %lf s of 60 s", &at), 1, "%s", why);
	cr_expect(at > 0.5 && at < 5, "%s", why);
	json_decref(r);
	/* SIGTERM alike */
	cr_assert_eq(dt_run_signalled(args, 1.0, SIGTERM, NULL), 2);
}

/* An anomaly found in what a cancelled run recorded stands. */
Test(run, a_cancelled_run_with_an_anomaly_is_invalid)
{
	const char *args[] = { "--suite", NULL, "--store", store, NULL };
	json_t *r;

	args[1] = suite_file("cy", "name: cy\nchart: mem\nclient: {name: mem, "
			     "latency: 1ms, bug: stale-reads, bug-probability: 0.5}\n"
			     "workload: {name: register, keys: 1}\nconcurrency: 4\n"
			     "time-limit: 60s\ncheckers: [linearizable]\n");
	cr_assert_eq(dt_run_signalled(args, 1.5, SIGINT, NULL), 1);
	r = latest_results("cy");
	cr_assert_not_null(r);
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect(json_is_false(json_object_get(r, "complete")));
	json_decref(r);
}

/* SIGKILL: `dt-run cleanup` cuts the history's reserved tail (every line
 * then parses alone), `dt-run check` says it is incomplete: unknown. */
Test(run, a_killed_run_is_trimmed_and_checked_as_incomplete)
{
	char err[4096], path[600];
	const char *args[] = { "--suite", NULL, "--store", store, NULL };
	const char *cleanup[] = { "cleanup", NULL };
	const char *check[] = { "check", path, NULL };
	json_t *r;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lines = 0;

	args[1] = suite_file("kl", "name: kl\nchart: mem\nclient: {name: mem, "
			     "latency: 1ms}\nworkload: register\nconcurrency: 2\n"
			     "time-limit: 60s\ncheckers: [stats, linearizable]\n");
	cr_assert_eq(dt_run_signalled(args, 1.0, SIGKILL, NULL), 128 + SIGKILL);
	cr_assert_eq(dt_run(err, sizeof(err), cleanup), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/kl/latest/history.jsonl", store);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL);

		cr_assert_not_null(j, "line %zu does not parse alone: %.60s", lines + 1, line);
		json_decref(j);
		lines++;
	}
	free(line);
	fclose(f);
	cr_assert_gt(lines, 10);
	snprintf(path, sizeof(path), "%s/kl/latest", store);
	cr_assert_eq(dt_run(err, sizeof(err), check), 2, "%s", err);
	r = latest_results("kl");
	cr_assert_not_null(r);
	cr_expect(json_is_false(json_object_get(r, "complete")));
	cr_expect(strstr(json_string_value(json_object_get(r, "reason")),
			 "incomplete: the history stops at ") != NULL);
	cr_expect_gt(json_number_value(json_object_get(r, "last-event-seconds")), 0.5);
	json_decref(r);
}

/* A slow heal does not let a fault start after the time limit, and the
 * run ends within time limit + heal + teardown. */
Test(run, no_fault_starts_after_the_time_limit)
{
	char path[600];
	const char *args[] = { "--suite", NULL, "--store", store, "--plugin-path",
			       TEST_BUILDDIR "/tests/core/plugins/.libs", NULL };
	dt_history *h;
	char err[DT_ERRBUF_SIZE];
	double took;
	int64_t last_start = -1;
	size_t starts = 0;

	args[1] = suite_file("sh", "name: sh\nchart: mem\nclient: {name: mem, "
			     "latency: 1ms}\nworkload: register\nconcurrency: 2\n"
			     "time-limit: 2s\nnemesis:\n"
			     /* its next chance is due when a heal ends */
			     "  - {name: slowheal, heal-seconds: 700ms, interval: 300ms,"
			     " duration: 300ms}\n"
			     "  - {name: slowheal, heal-seconds: 50ms, interval: 100ms,"
			     " duration: 10ms}\ncheckers: [stats]\n");
	cr_assert_eq(dt_run_signalled(args, 0, 0, &took), 0);
	snprintf(path, sizeof(path), "%s/sh/latest/history.jsonl", store);
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (op->process != DT_PROCESS_NEMESIS || op->type != DT_OP_INVOKE ||
		    strcmp(op->f, "start") != 0)
			continue;
		starts++;
		last_start = op->time;
	}
	dt_history_free(h);
	cr_assert_gt(starts, 2, "the nemeses struck");
	cr_expect_lt(last_start, 2000000000LL, "a fault started at %.3f s of a 2 s run",
		     last_start / 1e9);
	/* 2 s + one slow heal (0.7 s) + teardown and check (well under 1 s) */
	cr_expect_lt(took, 2 + 0.7 + 1.5, "the run took %.2f s", took);
}

/* dt-run shrink: of the run's faults (four nemeses, many starts), the
 * one that makes the mem client's bug strike is all that is left; the
 * bug is deterministic (probability 1 while the file exists), so one
 * run a candidate is enough. */
Test(run, shrink_finds_the_one_fault, .timeout = 240)
{
	char err[8192], bug[600], text[2048], dir[600], path[700];
	const char *args[] = { "--suite", NULL, "--store", store, "--plugin-path",
			       TEST_BUILDDIR "/tests/core/plugins/.libs", NULL };
	const char *shrink[] = { "shrink", dir, "--repeat", "1", "--plugin-path",
				 TEST_BUILDDIR "/tests/core/plugins/.libs", NULL };
	json_t *s, *sched;

	snprintf(bug, sizeof(bug), "%s/the-bug", store);
	snprintf(text, sizeof(text), "name: shr\nchart: mem\nclient: {name: mem, "
		 "latency: 1ms, bug: stale-reads, bug-probability: 1, bug-while: %s}\n"
		 "workload: {name: register, keys: 1}\nconcurrency: 4\ntime-limit: 2s\n"
		 "nemesis:\n"
		 "  - {name: touch, path: %s/a, interval: 300ms, duration: 100ms}\n"
		 "  - {name: touch, path: %s/b, interval: 400ms, duration: 100ms}\n"
		 "  - {name: touch, path: %s, interval: 800ms, duration: 200ms}\n"
		 "checkers: [linearizable]\n", bug, store, store, bug);
	args[1] = suite_file("shr", text);
	cr_assert_eq(dt_run(err, sizeof(err), args), 1, "%s", err);
	snprintf(dir, sizeof(dir), "%s/shr/latest", store);
	cr_assert_eq(dt_run(err, sizeof(err), shrink), 1, "%s", err);
	snprintf(path, sizeof(path), "%s/shrunk.json", dir);
	s = json_load_file(path, 0, NULL);
	cr_assert_not_null(s, "no %s", path);
	sched = json_object_get(s, "schedule");
	cr_assert_eq(json_array_size(sched), 1, "the shrunk schedule: %s",
		     json_dumps(sched, JSON_COMPACT));
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(sched, 0),
							 "nemesis")), 2, "the fault of the-bug");
	cr_expect_lt(json_number_value(json_object_get(s, "time-limit")), 2.0 + 1e-9);
	json_decref(s);
	/* the shrunk suite runs, and fails as the run did */
	args[1] = path;
	cr_expect_eq(dt_run(err, sizeof(err), args), 1, "%s", err);
}
