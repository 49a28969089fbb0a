/* SPDX-License-Identifier: MIT */
/*
 * test_crash_local.c: dt-run on the real `local` platform (socat nodes,
 * kill and partition nemeses) SIGKILLed at random moments, setup
 * included, repeated: after `dt-run cleanup` nothing of the run is left
 * (namespace, veth, bridge, iptables rule, state file, node process),
 * and its history is a valid prefix.  DT_CRASH_LOCAL_ROUNDS sets the
 * rounds (default 4), DT_CRASH_SEED the moments.  Needs root; skips
 * without socat.  The leftover check is the platform tests' own
 * (tests/platform/pf.c).
 */
#include <criterion/criterion.h>
#include <dirent.h>
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
#include "../platform/pf.h"

static char suite_path[PATH_MAX], state[PATH_MAX], store[PATH_MAX];

static void setup(void)
{
	char *p = rb_write_str("cl.yaml",
			       "name: cl\nchart: pf-socat\nplatform: local\n"
			       "client: {name: mem, latency: 1ms}\n"
			       "workload: {name: register, keys: 2}\n"
			       "concurrency: 2\nrate: 200\ntime-limit: 2\n"
			       "nemesis:\n"
			       "  - {name: kill, probability: 1, interval: 0.5, duration: 0.3}\n"
			       "  - {name: partition, probability: 1, interval: 0.5, duration: 0.3}\n"
			       "checkers: [stats]\n");

	snprintf(suite_path, sizeof(suite_path), "%s", p);
	free(p);
	snprintf(state, sizeof(state), "%s/state", rb_tmpdir());
	snprintf(store, sizeof(store), "%s/store", rb_tmpdir());
	mkdir(state, 0700);
	/* this test's own state folder: `dt-run cleanup` here never
	 * touches what other tests run at the same time */
	setenv("DT_STATE_DIR", state, 1);
}

static void teardown(void)
{
	rb_tmpdir_remove();
}

TestSuite(crash_local, .init = setup, .fini = teardown, .timeout = 300);

/* The run id from the run's dt.log ("run ID of suite ..."), or "". */
static void run_id_of(const char *dir, char *id, size_t size)
{
	char path[4 * PATH_MAX];
	char *log;
	const char *p;

	id[0] = '\0';
	snprintf(path, sizeof(path), "%s/dt.log", dir);
	log = rb_read(path, NULL);
	if (log != NULL && (p = strstr(log, " run ")) != NULL)
		sscanf(p + 5, "%7[0-9a-f]", id);
	free(log);
}

Test(crash_local, sigkill_at_random_moments_then_cleanup_leaves_nothing)
{
	const char *env = getenv("DT_CRASH_LOCAL_ROUNDS");
	int rounds = env ? atoi(env) : 4;
	unsigned seed = getenv("DT_CRASH_SEED") ? (unsigned)atoi(getenv("DT_CRASH_SEED"))
						 : (unsigned)time(NULL);
	int in_setup = 0, running = 0, checked = 0;
	size_t torn = 0;

	pf_require_root();
	if (system("command -v socat >/dev/null 2>&1") != 0)
		cr_skip_test("socat is not installed");
	cr_log_info("DT_CRASH_SEED=%u DT_CRASH_LOCAL_ROUNDS=%d", seed, rounds);
	srand(seed);
	for (int r = 0; r < rounds; r++) {
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
				       TEST_SRCDIR "/tests/platform/charts", "--store", store,
				       NULL };
		const char *cleanup[] = { rb_dt_run(), "cleanup", NULL };
		/* half the rounds in the first 0.6 s: while namespaces, veths
		 * and processes are being made */
		long ms = r % 2 ? rand() % 600 : rand() % 3000;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		char out[16384], cout[4096], latest[PATH_MAX + 32], dir[PATH_MAX];
		char path[3 * PATH_MAX], hist[4 * PATH_MAX], id[8];
		pid_t pids[64];
		size_t npids;
		rb_proc p;
		ssize_t n;
		int rc;

		cr_assert_eq(rb_spawn(&p, argv, NULL), 0);
		nanosleep(&ts, NULL);
		npids = rb_children_of(p.pid, pids, 64);
		kill(p.pid, SIGKILL);
		rb_finish(&p, out, sizeof(out));
		rc = rb_run(cout, sizeof(cout), cleanup);
		cr_expect_eq(rc, 0, "round %d: dt-run cleanup: %s", r, cout);
		snprintf(latest, sizeof(latest), "%s/cl/latest", store);
		n = readlink(latest, dir, sizeof(dir) - 1);
		if (n <= 0)
			continue; /* killed before it made its folder */
		dir[n] = '\0';
		snprintf(path, sizeof(path), "%s/cl/%s", store, dir);
		run_id_of(path, id, sizeof(id));
		if (id[0] == '\0')
			continue;
		pf_assert_clean(id, state, pids, npids);
		snprintf(hist, sizeof(hist), "%s/history.jsonl", path);
		if (access(hist, F_OK) != 0) {
			in_setup++; /* the history is opened once the nodes are up */
		} else {
			running++;
			char err[DT_ERRBUF_SIZE];
			dt_history *h = dt_history_read_jsonl(hist, err);

			cr_expect_not_null(h, "round %d: %s", r, err);
			if (h != NULL)
				torn += h->torn;
			dt_history_free(h);
		}
		checked++;
		rb_rmtree(path);
	}
	printf("crash_local: %d rounds (seed %u): %d killed in setup, %d while "
	       "running, %d checked clean, %zu torn lines\n", rounds, seed, in_setup,
	       running, checked, torn);
}

/* A node that never becomes ready: the run fails (exit 5) saying which
 * node, which process and what was waited for, shows the end of its
 * log, claims no verdict, and leaves nothing behind by itself. */
Test(crash_local, a_node_that_never_becomes_ready_fails_the_run_cleanly)
{
	char out[8192], latest[4 * PATH_MAX], dir[PATH_MAX], path[3 * PATH_MAX];
	char id[8], *chart, *suite;
	const char *want = "dt-run: platform local: node n1: sleeper not ready after 1 s (tcp ";
	ssize_t n;
	int rc;

	char yaml[PATH_MAX + 256], pids[PATH_MAX];

	pf_require_root();
	/* Each sleeper says its pid first: the test then looks at exactly
	 * those processes, never at whatever else runs `sleep` here. */
	snprintf(pids, sizeof(pids), "%s/sleeper.pids", rb_tmpdir());
	snprintf(yaml, sizeof(yaml), "name: nr\nlocal:\n  nodes: 2\n  processes:\n"
		 "    - name: sleeper\n      command: [sh, -c, \"echo $$ >>%s; "
		 "exec sleep 29.123\"]\n      ready: {tcp: 7999, timeout: 1}\n", pids);
	chart = rb_write_str("nr.yaml", yaml);
	suite = rb_write_str("nrs.yaml", "name: nrs\nchart: nr\nplatform: local\n"
			     "client: mem\nworkload: register\ntime-limit: 1\n"
			     "checkers: [stats]\n");
	{
		const char *argv[] = { rb_dt_run(), "--suite", suite, "--chart-path",
				       rb_tmpdir(), "--store", store, "-q", NULL };

		rc = rb_run(out, sizeof(out), argv);
	}
	cr_assert_eq(rc, 5, "%s", out);
	cr_expect(strstr(out, want) != NULL, "got: %s", out);
	cr_expect(strstr(out, "n1.log:\n--- dt: starting sleeper on n1: sh -c echo") != NULL,
		  "no log tail: %s", out);
	snprintf(latest, sizeof(latest), "%s/nrs/latest", store);
	n = readlink(latest, dir, sizeof(dir) - 1);
	cr_assert_gt(n, 0);
	dir[n] = '\0';
	snprintf(path, sizeof(path), "%s/nrs/%s", store, dir);
	run_id_of(path, id, sizeof(id));
	cr_assert_neq(id[0], '\0');
	pf_assert_clean(id, state, NULL, 0);
	snprintf(latest, sizeof(latest), "%s/results.json", path);
	cr_expect_neq(access(latest, F_OK), 0, "a failed run wrote results.json");
	{
		char *list = rb_read(pids, NULL), *save = NULL;
		int seen = 0;

		cr_assert_not_null(list, "no sleeper wrote its pid to %s", pids);
		for (char *w = strtok_r(list, "\n", &save); w != NULL;
		     w = strtok_r(NULL, "\n", &save), seen++) {
			char cmd[64], *argv0;

			/* Gone, or the pid taken by another program since. */
			snprintf(cmd, sizeof(cmd), "/proc/%d/cmdline", atoi(w));
			argv0 = rb_read(cmd, NULL);
			cr_expect(argv0 == NULL || strcmp(argv0, "sleep") != 0,
				  "node process %s outlived its failed run", w);
			free(argv0);
		}
		cr_expect_eq(seen, 2, "%d sleepers said their pid", seen);
		free(list);
	}
	free(chart);
	free(suite);
}
