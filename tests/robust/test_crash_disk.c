/* SPDX-License-Identifier: MIT */
/*
 * test_crash_disk.c: dt-run on the local platform with `disk: faulty`
 * (dt-faultfs under each node, power-loss and disk-slow nemeses)
 * SIGKILLed at random moments, mounting included: after `dt-run cleanup`
 * no dt-faultfs mount of the run is left (a killed daemon's stale mount
 * is detached), no daemon or node process, and nothing else of the run
 * (the platform tests' own check).  DT_CRASH_DISK_ROUNDS sets the rounds
 * (default 4), DT_CRASH_SEED the moments.  Needs root and /dev/fuse.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "robust.h"
#include "../platform/pf.h"

static char suite_path[PATH_MAX], state[PATH_MAX], store[PATH_MAX];

static void setup(void)
{
	char *p = rb_write_str("cd.yaml",
			       "name: cd\nchart: pf-disk\nplatform: local\n"
			       "client: {name: mem, latency: 1ms}\n"
			       "workload: {name: register, keys: 2}\n"
			       "concurrency: 2\nrate: 200\ntime-limit: 2\n"
			       "nemesis:\n"
			       "  - {name: power-loss, probability: 1, interval: 0.5, duration: 0.2}\n"
			       "  - {name: disk-slow, probability: 1, interval: 0.4, duration: 0.2, delay: 1ms}\n"
			       "checkers: [stats]\n");

	snprintf(suite_path, sizeof(suite_path), "%s", p);
	free(p);
	snprintf(state, sizeof(state), "%s/state", rb_tmpdir());
	snprintf(store, sizeof(store), "%s/store", rb_tmpdir());
	mkdir(state, 0700);
	setenv("DT_STATE_DIR", state, 1);
}

static void teardown(void)
{
	rb_tmpdir_remove();
}

TestSuite(crash_disk, .init = setup, .fini = teardown, .timeout = 300);

/* dt-faultfs mounts under this test's store. */
static int mounts_left(char *which, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	int n = 0;

	which[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char mp[4096];

		if (strstr(line, "fuse.dt-faultfs") == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    strncmp(mp, store, strlen(store)) != 0)
			continue;
		snprintf(which, size, "%s", mp);
		n++;
	}
	if (f != NULL)
		fclose(f);
	return n;
}

Test(crash_disk, sigkill_at_random_moments_then_cleanup_unmounts_everything)
{
	const char *env = getenv("DT_CRASH_DISK_ROUNDS");
	int rounds = env ? atoi(env) : 4;
	unsigned seed = getenv("DT_CRASH_SEED") ? (unsigned)atoi(getenv("DT_CRASH_SEED"))
						 : (unsigned)time(NULL);
	int checked = 0, mounted = 0;

	pf_require_root();
	if (access("/dev/fuse", R_OK | W_OK) != 0 ||
	    access(TEST_BUILDDIR "/faultfs/dt-faultfs", X_OK) != 0)
		cr_skip_test("no /dev/fuse, or dt-faultfs not built");
	cr_log_info("DT_CRASH_SEED=%u DT_CRASH_DISK_ROUNDS=%d", seed, rounds);
	srand(seed);
	for (int r = 0; r < rounds; r++) {
		const char *argv[] = { rb_dt_run(), "--suite", suite_path, "--chart-path",
				       TEST_SRCDIR "/tests/platform/charts", "--store", store,
				       NULL };
		const char *cleanup[] = { rb_dt_run(), "cleanup", NULL };
		/* half the rounds in the first 0.4 s: while the mounts are
		 * being made */
		long ms = r % 2 ? rand() % 400 : rand() % 2500;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		char out[16384], cout[4096], which[4096];
		pid_t pids[64];
		size_t npids;
		rb_proc p;
		int rc;

		cr_assert_eq(rb_spawn(&p, argv, NULL), 0);
		nanosleep(&ts, NULL);
		npids = rb_children_of(p.pid, pids, 64);
		mounted += mounts_left(which, sizeof(which)) > 0;
		kill(p.pid, SIGKILL);
		rb_finish(&p, out, sizeof(out));
		rc = rb_run(cout, sizeof(cout), cleanup);
		cr_expect_eq(rc, 0, "round %d: dt-run cleanup: %s", r, cout);
		cr_expect_eq(mounts_left(which, sizeof(which)), 0, "round %d (%ld ms): "
			     "%s left mounted", r, ms, which);
		for (size_t i = 0; i < npids; i++) {
			char st = pf_proc_state(pids[i]);

			for (int t = 0; t < 50 && st != 0 && st != 'Z'; t++) {
				dt_sleep(0.02);
				st = pf_proc_state(pids[i]);
			}
			cr_expect(st == 0 || st == 'Z', "round %d: process %d left",
				  r, (int)pids[i]);
		}
		checked++;
	}
	printf("crash_disk: %d rounds (seed %u), %d with mounts in place when "
	       "killed, all checked clean\n", checked, seed, mounted);
}
