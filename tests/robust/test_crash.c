/* SPDX-License-Identifier: MIT */
/*
 * test_crash.c: crash safety of dt-run on the in-process `mem` system.
 *
 *  - SIGKILL at a random moment, many times: the history on disk is a
 *    valid prefix (indexes 0..n-1, time never going back, every
 *    completion after its invoke), at most its last line torn, which the
 *    reader skips and counts; results.json is either absent or whole.
 *    DT_CRASH_ROUNDS sets the rounds (default 12), DT_CRASH_SEED the
 *    random moments (printed, so a failing round can be replayed).
 *  - an unwritable store, a full disk (RLIMIT_FSIZE): exit 5, a message
 *    naming the file, no results.json.
 *  - a plugin that crashes in its own code (test plugin `crashy`): the
 *    run dies with a message naming the plugin and writes no verdict.
 *  - argv values with shell metacharacters are data, never run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "robust.h"

#define PLUGINS TEST_BUILDDIR "/tests/robust/plugins/.libs"

static char suite_path[PATH_MAX], chart_dir[PATH_MAX], store[PATH_MAX];

static void setup(void)
{
	char *p;

	snprintf(chart_dir, sizeof(chart_dir), "%s", rb_tmpdir());
	snprintf(store, sizeof(store), "%s/store", rb_tmpdir());
	free(rb_write_str("c.yaml", "name: c\nlocal: {nodes: 0}\n"));
	p = rb_write_str("crashy.yaml",
			 "name: crashy\nchart: c\n"
			 "client: {name: mem, latency: 0.2ms}\n"
			 "workload: {name: register, keys: 3}\n"
			 "concurrency: 4\nrate: 3000\ntime-limit: 1.5\n"
			 "checkers: [stats]\n");
	snprintf(suite_path, sizeof(suite_path), "%s", p);
	free(p);
}

static void teardown(void)
{
	rb_tmpdir_remove();
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 240);

/* Check a history as a killed run left it; returns its event count. */
static size_t check_prefix(const char *dir, size_t *torn)
{
	char path[PATH_MAX + 32], err[DT_ERRBUF_SIZE] = "";
	dt_history *h;
	int64_t *open_inv;
	size_t n;

	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (access(path, F_OK) != 0)
		return 0;
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "a killed run left an unreadable history: %s", err);
	cr_assert_leq(h->torn, 1, "%zu torn lines in %s", h->torn, path);
	open_inv = calloc(64, sizeof(*open_inv));
	for (size_t i = 0; i < 64; i++)
		open_inv[i] = -1;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		cr_assert_eq(op->index, (int64_t)i);
		if (i > 0)
			cr_assert_geq(op->time, h->ops[i - 1].time,
				      "%s: time goes back at index %zu", path, i);
		if (op->process == DT_PROCESS_NEMESIS)
			continue;
		cr_assert(op->process >= 0 && op->process < 64);
		if (op->type == DT_OP_INVOKE) {
			cr_assert_eq(open_inv[op->process], -1,
				     "%s: process %lld invokes twice (index %zu)",
				     path, (long long)op->process, i);
			open_inv[op->process] = op->index;
		} else {
			cr_assert_neq(open_inv[op->process], -1,
				      "%s: a %s with no invoke at index %zu", path,
				      dt_op_type_name(op->type), i);
			open_inv[op->process] = -1;
		}
	}
	free(open_inv);
	n = h->count;
	*torn += h->torn;
	dt_history_free(h);
	return n;
}

/* results.json, when there is one, is whole JSON with a verdict. */
static bool check_results(const char *dir)
{
	char path[PATH_MAX + 32];
	json_error_t jerr;
	json_t *j;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (access(path, F_OK) != 0)
		return false;
	j = json_load_file(path, 0, &jerr);
	cr_assert_not_null(j, "%s is not whole: %s", path, jerr.text);
	cr_assert_not_null(json_object_get(j, "valid"), "%s has no verdict", path);
	json_decref(j);
	return true;
}

Test(crash, sigkill_at_random_moments_leaves_a_valid_prefix)
{
	const char *env = getenv("DT_CRASH_ROUNDS");
	int rounds = env ? atoi(env) : 12;
	unsigned seed = getenv("DT_CRASH_SEED") ? (unsigned)atoi(getenv("DT_CRASH_SEED"))
						 : (unsigned)time(NULL);
	int mid_run = 0, finished = 0;
	size_t events = 0, torn = 0;

	cr_log_info("DT_CRASH_SEED=%u DT_CRASH_ROUNDS=%d", seed, rounds);
	srand(seed);
	for (int r = 0; r < rounds; r++) {
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
				       chart_dir, "--store", store, "-q", NULL };
		char out[4096], latest[2 * PATH_MAX + 32], dir[PATH_MAX];
		/* one round in four: 0 to 0.4 s after the start (before the
		 * store exists, while loading); the others: 0 to 1.8 s after
		 * the history appears (running, healing, checking, done), so
		 * that a slow start (valgrind, ASan) moves the moment along */
		bool early = rand() % 4 == 0;
		long ms = early ? rand() % 400 : rand() % 1800;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		struct timespec poll = { 0, 5000000L };
		char hist[2 * PATH_MAX];
		rb_proc p;
		int st;
		ssize_t n;
		size_t got;
		bool res;

		snprintf(hist, sizeof(hist), "%s/crashy/latest/history.jsonl", store);
		cr_assert_eq(rb_spawn(&p, argv, NULL), 0);
		for (int i = 0; !early && i < 12000 && access(hist, F_OK) != 0; i++)
			nanosleep(&poll, NULL);
		nanosleep(&ts, NULL);
		kill(p.pid, SIGKILL);
		st = rb_finish(&p, out, sizeof(out));
		snprintf(latest, sizeof(latest), "%s/crashy/latest", store);
		n = readlink(latest, dir, sizeof(dir) - 1);
		if (n <= 0)
			continue; /* killed before it made its folder */
		dir[n] = '\0';
		snprintf(latest, sizeof(latest), "%s/crashy/%s", store, dir);
		got = check_prefix(latest, &torn);
		res = check_results(latest);
		if (WIFSIGNALED(st) && !res && got > 0)
			mid_run++;
		if (WIFEXITED(st)) {
			cr_assert_eq(WEXITSTATUS(st), 0, "round %d: %s", r, out);
			cr_assert(res, "round %d: exited without results.json", r);
			finished++;
		}
		events += got;
		/* the next round gets a new folder: drop this one */
		rb_rmtree(latest);
	}
	cr_log_info("%d rounds: %d killed mid-run, %d finished first, %zu events "
		    "read back, %zu torn lines", rounds, mid_run, finished, events, torn);
	printf("crash: %d kill rounds (seed %u): %d killed mid-run, %d finished, "
	       "%zu events read back, %zu torn lines, 0 lost\n", rounds, seed,
	       mid_run, finished, events, torn);
	cr_assert_gt(mid_run, 0, "no round killed a run mid-way");
}

Test(crash, an_unwritable_store_is_an_infrastructure_error)
{
	char out[4096], root[PATH_MAX + 16], want[PATH_MAX + 128];
	char *file = rb_write_str("plainfile", "x");
	const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
			       chart_dir, "--store", root, "-q", NULL };

	snprintf(root, sizeof(root), "%s/store", file);
	cr_assert_eq(rb_run(out, sizeof(out), argv), 5, "%s", out);
	snprintf(want, sizeof(want), "dt-run: store %s/crashy: Not a directory\n", root);
	cr_assert_str_eq(out, want);
	free(file);
}

Test(crash, a_full_disk_fails_the_run_and_keeps_the_history)
{
	char out[4096], path[2 * PATH_MAX + 32], dir[PATH_MAX], want[3 * PATH_MAX];
	const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
			       chart_dir, "--store", store, "-q", "--rate", "0",
			       "--time-limit", "4", NULL };
	rb_proc p;
	int st;
	ssize_t n;
	size_t torn = 0;

	/* files may not grow past 1.2 MiB: the history fills it in a
	 * fraction of a second at full rate (a few under valgrind) */
	cr_assert_eq(rb_spawn(&p, argv, "1258291"), 0);
	st = rb_finish(&p, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 5, "status %d: %s", st, out);
	snprintf(path, sizeof(path), "%s/crashy/latest", store);
	n = readlink(path, dir, sizeof(dir) - 1);
	cr_assert_gt(n, 0);
	dir[n] = '\0';
	snprintf(path, sizeof(path), "%s/crashy/%s", store, dir);
	/* the core logs the error, then dt-run says it as its last line */
	snprintf(want, sizeof(want), "dt-run: history: %s/history.jsonl: File too large\n", path);
	cr_assert(strlen(out) >= strlen(want) &&
		  strcmp(out + strlen(out) - strlen(want), want) == 0,
		  "got: %s\nwant last line: %s", out, want);
	cr_assert_gt(check_prefix(path, &torn), 1000, "the history was not kept");
	cr_assert(!check_results(path), "a run that lost events claims a verdict");
}

/* Was a bug (fixed in 99fa6a7): core/lib/run.c wait_run ignores a failed history writer: the workers and nemeses go on to the time limit with nothing recorded (seen: 10 s run, history full after 0.1 s) */
Test(crash, a_full_disk_stops_the_run)
{
	char out[4096];
	const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
			       chart_dir, "--store", store, "-q", "--rate", "0",
			       "--time-limit", "120", NULL };
	rb_proc p;
	int st;

	cr_assert_eq(rb_spawn(&p, argv, "1258291"), 0);
	st = rb_finish(&p, out, sizeof(out)); /* the test's timeout bounds it */
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 5, "status %d: %s", st, out);
}

static void run_crashy(const char *suite, const char *where, int sig)
{
	char out[8192], path[PATH_MAX + 64];
	char *file = rb_write_str("c2.yaml", suite);
	const char *argv[] = { rb_dt_run(), "--suite", file, "--chart-path", chart_dir,
			       "--store", store, "--plugin-path", PLUGINS, "-q", NULL };
	int rc = rb_run(out, sizeof(out), argv);

	cr_expect_eq(rc, 128 + sig, "exit %d: %s", rc, out);
	cr_expect(strstr(out, "dt-run: fatal: ") != NULL, "no clear message: %s", out);
	cr_expect(strstr(out, where) != NULL, "message does not name %s: %s", where, out);
	cr_expect(strstr(out, "no verdict was written") != NULL, "%s", out);
	snprintf(path, sizeof(path), "%s/crashing/latest", store);
	cr_expect(!check_results(path), "a crashed run wrote results.json");
	free(file);
}

Test(crash, a_plugin_crashing_in_open_names_itself)
{
	run_crashy("name: crashing\nchart: c\nclient: {name: crashy, crash: open}\n"
		   "workload: register\ntime-limit: 2\ncheckers: [stats]\n",
		   "dt_crashy.so; ", SIGSEGV);
}

Test(crash, a_plugin_aborting_names_itself)
{
	run_crashy("name: crashing\nchart: c\nclient: {name: crashy, crash: abort}\n"
		   "workload: register\ntime-limit: 2\ncheckers: [stats]\n",
		   "dt-run: fatal: Aborted in ", SIGABRT);
}

/* Was a bug (fixed in 99fa6a7): core/cli/dt_run.c on_crash names the object of the faulting pc only: an abort() or assert() in a plugin is reported as "Aborted in .../libc.so.6" */
Test(crash, a_plugin_aborting_is_named_not_libc)
{
	run_crashy("name: crashing\nchart: c\nclient: {name: crashy, crash: abort}\n"
		   "workload: register\ntime-limit: 2\ncheckers: [stats]\n",
		   "dt_crashy.so", SIGABRT);
}

Test(crash, a_checker_crashing_writes_no_verdict)
{
	run_crashy("name: crashing\nchart: c\nclient: mem\n"
		   "workload: register\ntime-limit: 0.5\ncheckers: [stats, crashy]\n",
		   "dt_crashy.so; ", SIGSEGV);
}

/* Was a bug (fixed in 99fa6a7): core/cli/dt_run.c installs on_crash without SA_ONSTACK and no thread has a sigaltstack: a stack overflow in a plugin (on a worker thread) dies with no message at all */
Test(crash, a_plugin_overflowing_its_stack_names_itself)
{
	run_crashy("name: crashing\nchart: c\nclient: {name: crashy, crash: stack}\n"
		   "workload: register\ntime-limit: 2\ncheckers: [stats]\n",
		   "dt_crashy.so", SIGSEGV);
}

/* ---- argv values with shell metacharacters ------------------------------ */

Test(crash, shell_metacharacters_in_argv_are_data)
{
	char out[4096], sentinel[PATH_MAX], arg[PATH_MAX + 64], want[2 * PATH_MAX];
	char storedir[PATH_MAX + 64];
	struct stat st;

	snprintf(sentinel, sizeof(sentinel), "%s/pwned", rb_tmpdir());
	{
		/* a suite "name" that a shell would run */
		const char *argv[] = { rb_dt_run(), "--suite", arg, "-q", NULL };

		snprintf(arg, sizeof(arg), "x;touch %s", sentinel);
		cr_expect_eq(rb_run(out, sizeof(out), argv), 4, "%s", out);
		snprintf(want, sizeof(want), "dt-run: %s: cannot read this file\n", arg);
		cr_expect_str_eq(out, want);
		snprintf(arg, sizeof(arg), "$(touch %s)", sentinel);
		cr_expect_eq(rb_run(out, sizeof(out), argv), 4, "%s", out);
		snprintf(want, sizeof(want), "dt-run: %s: cannot read this file\n", arg);
		cr_expect_str_eq(out, want);
	}
	{
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
				       chart_dir, "--nemesis", arg, "-q", NULL };

		snprintf(arg, sizeof(arg), "`touch %s`", sentinel);
		cr_expect_eq(rb_run(out, sizeof(out), argv), 4, "%s", out);
		snprintf(want, sizeof(want), "dt-run: --nemesis: suite 'crashy' has no "
			 "nemesis '%s' (it has: none; NAME:MODE:ROLE adds one, as "
			 "in partition:isolate-primary:primary)\n", arg);
		cr_expect_str_eq(out, want);
	}
	{
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--seed", arg,
				       "-q", NULL };

		snprintf(arg, sizeof(arg), "1; touch %s", sentinel);
		cr_expect_eq(rb_run(out, sizeof(out), argv), 3, "%s", out);
		snprintf(want, sizeof(want), "dt-run: --seed: '%s' is not a non-negative "
			 "integer\nTry 'dt-run --help'.\n", arg);
		cr_expect_str_eq(out, want);
	}
	{
		/* a store path with metacharacters is a folder of that name */
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
				       chart_dir, "--store", storedir, "--time-limit", "0.2",
				       "-q", NULL };

		snprintf(storedir, sizeof(storedir), "%s/$(touch %s);`id`", rb_tmpdir(), sentinel);
		cr_expect_eq(rb_run(out, sizeof(out), argv), 0, "%s", out);
		cr_expect_eq(stat(storedir, &st), 0, "no folder named %s", storedir);
	}
	cr_assert_neq(stat(sentinel, &st), 0, "a shell ran an argument: %s exists", sentinel);
}

/* Was a bug (fixed in 99fa6a7): core/cli/dt_run.c takes --store "" and core/lib/store.c makes "/SUITE/STAMP": the run is written at the filesystem root */
Test(crash, an_empty_store_path_is_refused)
{
	char out[4096];
	const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
			       chart_dir, "--store", "", "--time-limit", "0.2", "-q", NULL };
	int rc = rb_run(out, sizeof(out), argv);

	if (rc == 0)
		rb_rmtree("/crashy"); /* what the bug made: the run went there */
	cr_expect_eq(rc, 3, "exit %d: %s", rc, out);
}

/* Was a bug (fixed in 99fa6a7): core/cli/dt_run.c --seed uses strtoull without checking ERANGE (20 nines become 2^64-1), and core/lib/run.c writes (json_int_t)seed: any seed >= 2^63 is recorded as a negative number in results.json, so the run cannot be replayed from it */
Test(crash, a_seed_too_large_is_refused_not_wrapped)
{
	char out[4096], path[PATH_MAX + 64];
	const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
			       chart_dir, "--store", store, "--seed", NULL,
			       "--time-limit", "0.2", "-q", NULL };
	json_t *res;

	argv[8] = "99999999999999999999";
	cr_expect_eq(rb_run(out, sizeof(out), argv), 3, "%s", out);
	argv[8] = "9223372036854775808";
	rb_run(out, sizeof(out), argv);
	snprintf(path, sizeof(path), "%s/crashy/latest/results.json", store);
	res = json_load_file(path, 0, NULL);
	cr_expect(res == NULL || json_integer_value(json_object_get(res, "seed")) >= 0,
		  "results.json says seed %lld",
		  (long long)json_integer_value(json_object_get(res, "seed")));
	json_decref(res);
}
