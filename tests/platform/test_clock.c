/*
 * `clock: fake` on the real local platform and the clock nemeses on a
 * real redis-server: every node process runs under DT's clock shim (its
 * maps show it), and a bump, a strobe and a rate change what the running
 * server's clock says (TIME), and what it expires (a key's PX), without
 * a restart, and heal puts it back; each record names the node and its
 * offset.  Programs the shim cannot reach (Go: etcd; static: ldconfig)
 * are refused before anything starts, and a clock nemesis on nodes
 * without the shim is refused.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pf.h"

TestSuite(clock, .timeout = 120);

static const char redis1[] =
	"local:\n"
	"  nodes: 1\n"
	"  port: 6379\n"
	"  clock: fake\n"
	"  processes:\n"
	"    - name: redis\n"
	"      command: [redis-server, --bind, \"{address}\", --port, \"6379\",\n"
	"                --dir, \"{data_dir}\", --save, \"\", --protected-mode, \"no\",\n"
	"                --appendonly, \"no\"]\n"
	"      ready:\n"
	"        command: [redis-cli, -h, \"{address}\", ping]\n"
	"        timeout: 20\n";

static void need_redis(void)
{
	pf_require_root();
	if (system("command -v redis-server >/dev/null 2>&1") != 0)
		cr_skip_test("redis-server is not installed");
}

static void redis_cmd(const pf *f, const char *const *words, char *out, size_t size)
{
	const char *argv[8] = { "redis-cli", "-h", f->nodes[0].address };
	size_t n = 3;

	for (; *words != NULL && n < 7; words++)
		argv[n++] = *words;
	argv[n] = NULL;
	cr_assert_eq(pf_exec(f, 0, argv, out, size), 0, "redis-cli: %s", out);
}

/* redis' TIME minus ours, in seconds. */
static double skew(const pf *f)
{
	static const char *const time_cmd[] = { "TIME", NULL };
	char out[128];
	long long s = 0, us = 0;
	struct timeval tv;

	redis_cmd(f, time_cmd, out, sizeof(out));
	gettimeofday(&tv, NULL);
	cr_assert_eq(sscanf(out, "%lld\n%lld", &s, &us), 2, "TIME: %s", out);
	return (double)s + us / 1e6 - ((double)tv.tv_sec + tv.tv_usec / 1e6);
}

static double redis_seconds(const pf *f)
{
	return skew(f) + (double)time(NULL);
}

static bool maps_have_shim(pid_t pid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	m = fopen(path, "r");
	cr_assert_not_null(m, "%s", path);
	while (!found && fgets(line, sizeof(line), m) != NULL)
		found = strstr(line, "/libdtclock.so") != NULL;
	fclose(m);
	return found;
}

static double offset_of(const json_t *what)
{
	const json_t *c = json_array_get(json_object_get(what, "clocks"), 0);

	cr_assert(json_is_object(c), "no clocks in the record");
	cr_expect_str_eq(json_string_value(json_object_get(c, "node")), "n1");
	return json_number_value(json_object_get(c, "offset_ms"));
}

Test(clock, a_bump_moves_a_running_redis_and_expires_its_keys)
{
	static const char *const set[] = { "SET", "k", "v", "PX", "60000", NULL };
	static const char *const pttl[] = { "PTTL", "k", NULL };
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char out[256], err[DT_ERRBUF_SIZE];
	json_t *what = NULL;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pid_t pid;
	pf f;

	need_redis();
	pf_up(&f, redis1, "");
	pid = f.nodes[0].pids[0];
	cr_expect(maps_have_shim(pid), "redis-server runs without the shim");
	cr_expect_not_null(json_object_get(json_object_get(f.nodes[0].info, "clock"), "page"));
	cr_expect_lt(fabs(skew(&f)), 1.0, "true time to start with");
	redis_cmd(&f, set, out, sizeof(out));
	nem = pf_nemesis(&f, "clock-bump", "name: clock-bump\ndelta: 1h\n"
			 "direction: forward\n", &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	cr_expect(fabs(offset_of(what) - 3600000) < 1, "offset %g ms", offset_of(what));
	json_decref(what);
	cr_expect_lt(fabs(skew(&f) - 3600), 1.0, "TIME after +1h: %+.3f s", skew(&f));
	redis_cmd(&f, pttl, out, sizeof(out));
	cr_expect_eq(atoi(out), -2, "a key with 60 s left outlives a 1 h jump: %s", out);
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	cr_expect(fabs(json_number_value(json_object_get(json_array_get(
		json_object_get(what, "clocks"), 0), "reset_to_ms"))) < 1);
	json_decref(what);
	cr_expect_lt(fabs(skew(&f)), 1.0, "TIME after heal: %+.3f s", skew(&f));
	cr_expect_eq(f.nodes[0].pids[0], pid, "redis was restarted");
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

Test(clock, a_rate_runs_the_clock_fast_and_heal_resets_it)
{
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char err[DT_ERRBUF_SIZE];
	json_t *what = NULL;
	double t0, t1;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pf f;

	need_redis();
	pf_up(&f, redis1, "");
	nem = pf_nemesis(&f, "clock-rate", "name: clock-rate\nrate: 10\n", &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	json_decref(what);
	t0 = redis_seconds(&f);
	usleep(1000000);
	t1 = redis_seconds(&f);
	/* 1 s of ours (and redis-cli's start-up) is 10 of redis' */
	cr_expect(t1 - t0 > 8 && t1 - t0 < 14, "1 s at rate 10 took %.2f s", t1 - t0);
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	cr_expect_gt(offset_of(what), 8000, "the offset undone: %g ms", offset_of(what));
	json_decref(what);
	cr_expect_lt(fabs(skew(&f)), 1.0, "TIME after heal: %+.3f s", skew(&f));
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

Test(clock, a_strobe_flips_between_the_offset_and_true_time)
{
	const dt_nemesis_type *nt;
	const size_t target = 0;
	char err[DT_ERRBUF_SIZE];
	json_t *what = NULL;
	int near0 = 0, near1h = 0;
	dt_doc *doc;
	dt_rng rng;
	void *nem;
	pf f;

	need_redis();
	pf_up(&f, redis1, "");
	nem = pf_nemesis(&f, "clock-strobe", "name: clock-strobe\ndelta: 1h\n"
			 "direction: forward\nperiod: 150ms\n", &nt, &doc, err);
	cr_assert_not_null(nem, "%s", err);
	dt_rng_seed(&rng, 1);
	cr_assert_eq(nt->start(nem, &target, 1, &rng, &what, err), 0, "%s", err);
	cr_expect(json_number_value(json_object_get(what, "period_ms")) == 150);
	json_decref(what);
	for (int i = 0; i < 20; i++) {
		double s = skew(&f);

		near0 += fabs(s) < 1;
		near1h += fabs(s - 3600) < 1;
		usleep(50000);
	}
	cr_expect_gt(near0, 0, "never at true time");
	cr_expect_gt(near1h, 0, "never at +1 h");
	cr_expect_eq(near0 + near1h, 20, "elsewhere than 0 or +1 h");
	cr_assert_eq(nt->heal(nem, &what, err), 0, "%s", err);
	cr_expect_gt(json_integer_value(json_object_get(what, "flips")), 3);
	json_decref(what);
	cr_expect_lt(fabs(skew(&f)), 1.0);
	nt->destroy(nem);
	dt_doc_free(doc);
	pf_down(&f);
}

static void refused(const char *program, const char *why)
{
	char chart[1024], err[DT_ERRBUF_SIZE] = "";
	pf f;

	pf_require_root();
	if (access(program, X_OK) != 0)
		cr_skip_test("%s is not installed", program);
	snprintf(chart, sizeof(chart),
		 "local:\n"
		 "  nodes: 1\n"
		 "  clock: fake\n"
		 "  processes:\n"
		 "    - name: it\n"
		 "      command: [%s]\n"
		 "      ready: {tcp: 1, timeout: 1}\n", program);
	cr_assert_null(pf_try_up(&f, chart, "", false, err), "%s started", program);
	cr_expect(strstr(err, why) != NULL, "%s", err);
	cr_expect(strstr(err, "local.clock") != NULL || strstr(err, "clock:") != NULL,
		  "the key is not named: %s", err);
	pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
	pf_down(&f);
}

Test(clock, a_go_program_is_refused)
{
	refused("/usr/bin/etcd", "is a Go program");
}

Test(clock, a_static_program_is_refused)
{
	refused("/sbin/ldconfig", "is statically linked");
}

Test(clock, a_clock_nemesis_needs_the_fake_clock)
{
	static const char plain[] =
		"local:\n"
		"  nodes: 1\n"
		"  processes:\n"
		"    - name: sleep\n"
		"      command: [sleep, \"1000\"]\n"
		"      ready: {command: [test, -d, \"{data_dir}\"], timeout: 10}\n";
	const dt_nemesis_type *nt;
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *doc;
	pf f;

	pf_require_root();
	pf_up(&f, plain, "");
	cr_expect_null(pf_nemesis(&f, "clock-bump", "name: clock-bump\n", &nt,
				  &doc, err));
	cr_expect(strstr(err, "clock: fake") != NULL, "%s", err);
	dt_doc_free(doc);
	pf_down(&f);
}
