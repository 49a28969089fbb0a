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
	"name: bank-test\nchart: mem\nclient: {name: mem, latency: 0.5}\n"
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
	strcpy(strstr(text, "latency: 0.5}"), "latency: 0.5, bug: lost-writes, bug-probability: 0.5}\n"
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
		 "chart: mem\nclient: {name: mem, latency: 0.2}\nworkload: register\n"
		 "concurrency: 2\nrate: 200\ntime-limit: 0.3\ncheckers: [stats, "
		 "{name: linearizable, model: cas-register}]\n"));
	snprintf(bad_path, sizeof(bad_path), "%s", suite_file("s", "name: rep-bad\n"
		 "chart: mem\nclient: {name: mem, latency: 1, bug: stale-reads}\n"
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
			    "latency: 1, bug: stale-reads}\nworkload: {name: register, "
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
	cr_assert(strstr(err, "u.yaml:3:1: client: no client named 'nosuch' (available: ") != NULL,
		  "%s", err);
	cr_assert(strstr(err, "mem") != NULL, "%s", err);
	args[1] = "no-such-suite";
	cr_assert_eq(dt_run(err, sizeof(err), args), 4);
	cr_assert(strstr(err, "no suite named 'no-such-suite'") != NULL, "%s", err);
}

Test(run, unknown_keys_are_warned_about)
{
	char err[4096];
	const char *args[] = { "--suite", NULL, "--store", store, "-t", "0.2", NULL };
	char text[1024];

	snprintf(text, sizeof(text), "%stime-limt: 5\n", bank_suite);
	args[1] = suite_file("w", text);
	cr_assert_eq(dt_run(err, sizeof(err), args), 0, "%s", err);
	cr_assert(strstr(err, "w.yaml:9:1: time-limt: unknown key (ignored)") != NULL, "%s", err);
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
