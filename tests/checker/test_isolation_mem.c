/*
 * test_isolation_mem: the isolation checker at the end of real dt-run
 * runs on the mem store's transactions.  Serializable, both workloads
 * are valid; each `bug:` is caught with the anomaly types it must make,
 * and none it must not: read committed (write locks, reads of the latest
 * commit) is valid as read committed and not serializable; snapshot
 * isolation is valid as snapshot isolation and shows write skew
 * (G2-item) to serializability; dirty reads are G1a; lost updates are
 * lost-update; stale snapshots are serializable but not strict.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

static char tmp[256];

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/dt-test-isolation-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
}

TestSuite(isolation_mem, .init = setup, .fini = teardown, .timeout = 120);

static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define DT_RUN TEST_BUILDDIR "/core/dt-run"
#define DT_CHECK TEST_BUILDDIR "/core/dt-check"

/* Run suites/SUITE.yaml with the mem bug (NULL: none) at probability p;
 * the run's exit status. */
static int run_suite(const char *suite, const char *bug, double p)
{
	if (bug != NULL)
		cr_assert_eq(run("sed 's/^  latency: 1ms.*/  latency: 1ms\\n  bug: %s\\n"
				 "  bug-probability: %g/' '%s/suites/%s.yaml' > '%s/s.yaml' "
				 "&& grep -q 'bug: %s' '%s/s.yaml'", bug, p, TEST_SRCDIR,
				 suite, tmp, bug, tmp), 0);
	else
		cr_assert_eq(run("cp '%s/suites/%s.yaml' '%s/s.yaml'", TEST_SRCDIR, suite,
				 tmp), 0);
	return run(DT_RUN " -q --suite '%s/s.yaml' -t 2 --seed 3 --store '%s/store'",
		   tmp, tmp);
}

/* dt-check's result for the last run of suite with consistency c. */
static json_t *recheck(const char *suite, const char *model, const char *c)
{
	char path[512];
	json_error_t e;
	json_t *doc, *r;

	snprintf(path, sizeof(path), "%s/out.json", tmp);
	run(DT_CHECK " --json -m %s -c %s '%s/store/%s/latest/history.jsonl' > '%s'",
	    model, c, tmp, suite, path);
	doc = json_load_file(path, 0, &e);
	cr_assert_not_null(doc, "%s: %s", path, e.text);
	r = json_incref(json_object_get(json_array_get(json_object_get(doc, "files"), 0),
					"result"));
	json_decref(doc);
	cr_assert_not_null(r);
	return r;
}

static bool has(json_t *r, const char *type)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(r, "anomaly-types"), i, v)
		if (strcmp(json_string_value(v), type) == 0)
			return true;
	return false;
}

/* any type whose name starts with prefix */
static bool has_prefix(json_t *r, const char *prefix)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(r, "anomaly-types"), i, v)
		if (strncmp(json_string_value(v), prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

Test(isolation_mem, serializable_is_valid)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", NULL, 0), 0);
	r = recheck("mem-list-append", "list-append", "strict-serializable");
	cr_expect(json_is_true(json_object_get(r, "valid")), "%s",
		  json_string_value(json_object_get(r, "summary")));
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(r, "stats"),
				"ok")), 500);
	json_decref(r);
	cr_expect_eq(run_suite("mem-rw-register", NULL, 0), 0);
	r = recheck("mem-rw-register", "rw-register", "strict-serializable");
	cr_expect(json_is_true(json_object_get(r, "valid")), "%s",
		  json_string_value(json_object_get(r, "summary")));
	json_decref(r);
}

Test(isolation_mem, read_committed)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", "read-committed", 1), 1);
	r = recheck("mem-list-append", "list-append", "read-committed");
	cr_expect(json_is_true(json_object_get(r, "valid")), "%s",
		  json_string_value(json_object_get(r, "summary")));
	cr_expect(has(r, "G-single") || has(r, "G2-item"), "%s",
		  json_string_value(json_object_get(r, "summary")));
	cr_expect(!has_prefix(r, "G0") && !has_prefix(r, "G1"), "%s",
		  json_string_value(json_object_get(r, "summary")));
	json_decref(r);
	r = recheck("mem-list-append", "list-append", "serializable");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	json_decref(r);
}

Test(isolation_mem, snapshot_isolation_write_skew)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", "snapshot-isolation", 1), 1);
	r = recheck("mem-list-append", "list-append", "snapshot-isolation");
	cr_expect(json_is_true(json_object_get(r, "valid")), "%s",
		  json_string_value(json_object_get(r, "summary")));
	cr_expect(has(r, "G2-item"), "%s", json_string_value(json_object_get(r, "summary")));
	cr_expect(!has_prefix(r, "G-single") && !has_prefix(r, "G1") &&
		  !has_prefix(r, "G0") && !has(r, "lost-update"), "%s",
		  json_string_value(json_object_get(r, "summary")));
	json_decref(r);
}

Test(isolation_mem, dirty_reads_are_g1a)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", "dirty-reads", 0.3), 1);
	r = recheck("mem-list-append", "list-append", "read-committed");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect(has(r, "G1a"), "%s", json_string_value(json_object_get(r, "summary")));
	json_decref(r);
	cr_expect_eq(run_suite("mem-rw-register", "dirty-reads", 0.3), 1);
	r = recheck("mem-rw-register", "rw-register", "read-committed");
	cr_expect(has(r, "G1a"), "%s", json_string_value(json_object_get(r, "summary")));
	json_decref(r);
}

Test(isolation_mem, lost_updates)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", "lost-updates", 0.5), 1);
	r = recheck("mem-list-append", "list-append", "read-committed");
	cr_expect(has(r, "lost-update"), "%s", json_string_value(json_object_get(r, "summary")));
	json_decref(r);
	cr_expect_eq(run_suite("mem-rw-register", "lost-updates", 1), 1);
	r = recheck("mem-rw-register", "rw-register", "cursor-stability");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect(has(r, "lost-update"), "%s", json_string_value(json_object_get(r, "summary")));
	json_decref(r);
}

Test(isolation_mem, stale_reads_are_not_strict)
{
	json_t *r;

	cr_expect_eq(run_suite("mem-list-append", "stale-reads", 0.5), 1);
	r = recheck("mem-list-append", "list-append", "serializable");
	cr_expect(json_is_true(json_object_get(r, "valid")), "%s",
		  json_string_value(json_object_get(r, "summary")));
	json_decref(r);
	r = recheck("mem-list-append", "list-append", "strict-serializable");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect(has(r, "G-single-realtime") || has(r, "G-single-process"), "%s",
		  json_string_value(json_object_get(r, "summary")));
	json_decref(r);
}
