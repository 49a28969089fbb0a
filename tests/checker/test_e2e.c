/* SPDX-License-Identifier: MIT */
/*
 * test_e2e: the linearizable checker at the end of real dt-run runs on
 * the in-process mem system (a correct store is valid; its stale-reads
 * and lost-writes bugs are caught, with an explanation and the HTML
 * page), and the dt-check program's verdicts and exit codes.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

static char tmp[256];

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/dt-test-checker-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
	char cmd[512];

	if (tmp[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
}

/* Run a shell command; its exit status. */
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

/* Copy suites/NAME.yaml to tmp/OUT.yaml with `extra` added under client:. */
static void suite_with_bug(const char *name, const char *out, const char *bug)
{
	cr_assert_eq(run("sed 's/^  name: mem$/  name: mem\\n  bug: %s\\n  bug-probability: 0.2/' "
			 "'%s/suites/%s.yaml' > '%s/%s.yaml' && grep -q 'bug: %s' '%s/%s.yaml'",
			 bug, TEST_SRCDIR, name, tmp, out, bug, tmp, out), 0);
}

static json_t *results(const char *suite)
{
	char path[512];
	json_error_t e;
	json_t *r;

	snprintf(path, sizeof(path), "%s/store/%s/latest/results.json", tmp, suite);
	r = json_load_file(path, 0, &e);
	cr_assert_not_null(r, "%s: %s", path, e.text);
	return r;
}

static json_t *lin(json_t *r)
{
	json_t *l = json_object_get(json_object_get(r, "checkers"), "linearizable");

	cr_assert_not_null(l, "no linearizable result");
	return l;
}

#define DT_RUN TEST_BUILDDIR "/core/dt-run"
#define DT_CHECK TEST_BUILDDIR "/core/dt-check"

Test(e2e, mem_register_is_valid, .init = setup, .fini = teardown, .timeout = 60)
{
	json_t *r;

	cr_assert_eq(run(DT_RUN " -q --suite mem-register -t 2 --store '%s/store'", tmp), 0);
	r = results("mem-register");
	cr_expect(json_is_true(json_object_get(lin(r), "valid")));
	cr_expect_gt(json_integer_value(json_object_get(lin(r), "ops")), 100);
	json_decref(r);
}

Test(e2e, mem_register_stale_reads_are_caught, .init = setup, .fini = teardown,
     .timeout = 60)
{
	json_t *r, *l, *f;
	char html[512];

	suite_with_bug("mem-register", "stale", "stale-reads");
	cr_assert_eq(run(DT_RUN " -q --suite '%s/stale.yaml' -t 2 --store '%s/store'",
			 tmp, tmp), 1);
	r = results("mem-register");
	l = lin(r);
	cr_expect(json_is_false(json_object_get(l, "valid")));
	cr_expect(strstr(json_string_value(json_object_get(l, "summary")),
			 "not linearizable") != NULL);
	f = json_array_get(json_object_get(l, "failures"), 0);
	cr_assert_not_null(f);
	cr_expect(json_is_string(json_object_get(f, "key")));
	cr_expect(json_is_integer(json_object_get(f, "linearizable-prefix")));
	cr_expect_not_null(json_object_get(json_object_get(f, "unplaced"), "op"));
	cr_expect(json_is_string(json_object_get(f, "state")));
	snprintf(html, sizeof(html), "%s", json_string_value(json_object_get(l, "html")));
	cr_expect(strstr(html, "linearizability.html") != NULL, "%s", html);
	cr_expect_eq(run("grep -q '<svg' '%s'", html), 0, "no picture in %s", html);
	cr_expect_neq(run("grep -v xmlns '%s' | grep -q 'https*://'", html), 0,
		      "%s refers to the network", html);
	/* the failing part of the history, checked on its own, fails too,
	 * and it is shorter than the history */
	{
		const char *mf = json_string_value(json_object_get(l, "minimal-file"));
		char path[1024], hist[1024];

		cr_assert_not_null(mf, "no minimal-file in the result");
		snprintf(hist, sizeof(hist), "%s/store/mem-register/latest/history.jsonl",
			 tmp);
		if (mf[0] == '/')
			snprintf(path, sizeof(path), "%s", mf);
		else
			snprintf(path, sizeof(path), "%s/store/mem-register/latest/%s",
				 tmp, mf);
		cr_expect_eq(run(DT_CHECK " -q -m cas-register '%s'", path), 1,
			     "%s is not invalid on its own", path);
		cr_expect_eq(run("test $(wc -l < '%s') -lt $(wc -l < '%s')", path,
				 hist), 0, "%s is not shorter than the history", path);
	}
	json_decref(r);
}

Test(e2e, mem_bank_valid_and_lost_writes_caught, .init = setup, .fini = teardown,
     .timeout = 60)
{
	json_t *r;

	cr_assert_eq(run(DT_RUN " -q --suite mem-bank -t 2 --store '%s/store'", tmp), 0);
	r = results("mem-bank");
	cr_expect(json_is_true(json_object_get(lin(r), "valid")));
	cr_expect_str_eq(json_string_value(json_object_get(lin(r), "model")), "bank");
	json_decref(r);

	suite_with_bug("mem-bank", "lost", "lost-writes");
	cr_assert_eq(run(DT_RUN " -q --suite '%s/lost.yaml' -t 2 --store '%s/store'",
			 tmp, tmp), 1);
	r = results("mem-bank");
	/* a transfer acknowledged and never applied keeps the total: the
	 * bank invariant holds (tests/checker/test_bank.c shows it on a
	 * hand-written history); linearizability sees the lost transfer */
	cr_expect(json_is_true(json_object_get(json_object_get(
		json_object_get(r, "checkers"), "bank"), "valid")));
	cr_expect(json_is_false(json_object_get(lin(r), "valid")));
	json_decref(r);
}

/* The set on mem through the phases: the final read is in the history,
 * marked final, after the recovery; the set-full checker passes a
 * correct store and finds the lost adds of a lost-writes one, naming
 * them, and the stale-reads one's absent newest element as stale. */
Test(e2e, mem_set_final_read_and_lost_adds_caught, .init = setup, .fini = teardown,
     .timeout = 60)
{
	json_t *r, *sf, *ph;
	char path[600], line[256];
	FILE *f;
	int finals = 0;

	cr_assert_eq(run(DT_RUN " -q --suite mem-set -t 1 --store '%s/store'", tmp), 0);
	r = results("mem-set");
	sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	cr_expect(json_is_true(json_object_get(sf, "valid")));
	cr_expect_gt(json_integer_value(json_object_get(sf, "acknowledged-count")), 0);
	cr_expect_eq(json_integer_value(json_object_get(sf, "ok-count")),
		     json_integer_value(json_object_get(sf, "acknowledged-count")));
	cr_expect(json_is_true(json_object_get(json_object_get(sf, "last-read"), "final")));
	ph = json_object_get(r, "phases");
	cr_expect_geq(json_number_value(json_object_get(ph, "recovery")), 0.99);
	cr_expect_not_null(json_object_get(ph, "final"));
	json_decref(r);
	snprintf(path, sizeof(path), "%s/store/mem-set/latest/history.jsonl", tmp);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		finals += strstr(line, "\"final\":true") != NULL;
	fclose(f);
	cr_expect_eq(finals, 2, "one final read: its invoke and its ok");

	suite_with_bug("mem-set", "lostset", "lost-writes");
	cr_assert_eq(run(DT_RUN " -q --suite '%s/lostset.yaml' -t 1 --store '%s/store'",
			 tmp, tmp), 1);
	r = results("mem-set");
	sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	cr_expect(json_is_false(json_object_get(sf, "valid")));
	cr_expect_gt(json_integer_value(json_object_get(sf, "lost-acknowledged-count")), 0);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(sf,
			 "anomaly-types"), 0)), "lost");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(sf, "lost"), 0), "add")), "ok");
	cr_expect_not_null(strstr(json_string_value(json_object_get(sf, "summary")),
				  "acknowledged adds lost"));
	json_decref(r);

	suite_with_bug("mem-set", "staleset", "stale-reads");
	cr_assert_eq(run(DT_RUN " -q --suite '%s/staleset.yaml' -t 1 --store '%s/store'",
			 tmp, tmp), 0);
	r = results("mem-set");
	sf = json_object_get(json_object_get(r, "checkers"), "set-full");
	cr_expect(json_is_true(json_object_get(sf, "valid")));
	cr_expect_gt(json_integer_value(json_object_get(sf, "stale-count")), 0);
	json_decref(r);
}

static const char *testdata(void)
{
	const char *d = getenv("DT_TESTDATA");
	static char path[1024];

	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv",
		 d ? d : TEST_SRCDIR "/../shared/testdata");
	if (access(path, R_OK) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/porcupine", d ? d : TEST_SRCDIR "/../shared/testdata");
	return path;
}

/* Skipping does not run .fini: make the directory after the check. */
Test(dt_check, exit_codes_html_and_json, .fini = teardown, .timeout = 60)
{
	const char *d = testdata();

	if (d == NULL)
		cr_skip_test("no test data (../shared/testdata)");
	setup();
	cr_expect_eq(run(DT_CHECK " -q '%s/etcd/etcd_002.log'", d), 0);
	cr_expect_eq(run(DT_CHECK " -q '%s/kv/c10-ok.txt' '%s/kv/c01-ok.txt'", d, d), 0);
	cr_expect_eq(run(DT_CHECK " --html '%s/v.html' '%s/etcd/etcd_000.log' > '%s/out'",
			 tmp, d, tmp), 1);
	cr_expect_eq(run("grep -q 'cannot follow' '%s/out' && grep -q '<svg' '%s/v.html'",
			 tmp, tmp), 0);
	cr_expect_eq(run(DT_CHECK " --json --model kv '%s/kv/c01-bad.txt' > '%s/j'", d, tmp), 1);
	{
		char path[512];
		json_t *j;

		snprintf(path, sizeof(path), "%s/j", tmp);
		j = json_load_file(path, 0, NULL);
		cr_assert_not_null(j);
		cr_expect(json_is_false(json_object_get(j, "valid")));
		json_decref(j);
	}
	/* a time budget too small: unknown, never a guess */
	cr_expect_eq(run(DT_CHECK " -q --timeout 0.000000001 '%s/etcd/etcd_002.log'", d), 2);
	/* errors */
	cr_expect_eq(run(DT_CHECK " -q --model nosuch '%s/etcd/etcd_002.log' 2>/dev/null", d), 4);
	cr_expect_eq(run(DT_CHECK " -q /nonexistent 2>/dev/null"), 4);
	cr_expect_eq(run(DT_CHECK " --format wat x 2>/dev/null"), 3);
	cr_expect_eq(run(DT_CHECK " 2>/dev/null"), 3);
}

Test(dt_check, edn_and_jsonl_inputs, .init = setup, .fini = teardown)
{
	cr_assert_eq(run("printf '%%s\\n' '[{:process 0 :type :invoke :f :enqueue :value 1}' "
			 "'{:process 0 :type :ok :f :enqueue :value 1}' "
			 "'{:process 1 :type :invoke :f :dequeue :value nil}' "
			 "'{:process 1 :type :ok :f :dequeue :value 1}]' > '%s/q.edn'", tmp), 0);
	cr_expect_eq(run(DT_CHECK " -q --model queue '%s/q.edn'", tmp), 0);
	cr_assert_eq(run("sed -i 's/:ok :f :dequeue :value 1/:ok :f :dequeue :value 2/' '%s/q.edn'",
			 tmp), 0);
	cr_expect_eq(run(DT_CHECK " -q --model queue '%s/q.edn'", tmp), 1);
	/* no model for a Jepsen history: say so */
	cr_expect_eq(run(DT_CHECK " -q '%s/q.edn' 2>'%s/err'; test $? = 4 && "
			 "grep -q 'give --model' '%s/err'", tmp, tmp, tmp), 0);
}

Test(dt_check, jepsen_independent_tuples_are_split_by_key, .init = setup, .fini = teardown)
{
	/* key 1 and key 2 are each linearizable; read together as one
	 * register they are not */
	cr_assert_eq(run("printf '%%s\\n' '[{:process 0 :type :invoke :f :write :value [1 3]}' "
			 "'{:process 0 :type :ok :f :write :value [1 3]}' "
			 "'{:process 1 :type :invoke :f :write :value [2 5]}' "
			 "'{:process 1 :type :ok :f :write :value [2 5]}' "
			 "'{:process 0 :type :invoke :f :read :value [1 nil]}' "
			 "'{:process 0 :type :ok :f :read :value [1 3]}]' > '%s/i.edn'", tmp), 0);
	cr_expect_eq(run(DT_CHECK " -q --model cas-register --independent '%s/i.edn'", tmp), 0);
	cr_expect_eq(run(DT_CHECK " -q --model cas-register '%s/i.edn'", tmp), 1);
	/* a stale read within one key is still caught */
	cr_assert_eq(run("sed -i 's/:ok :f :read :value \\[1 3\\]/:ok :f :read :value [1 5]/' "
			 "'%s/i.edn'", tmp), 0);
	cr_expect_eq(run(DT_CHECK " -q --model cas-register --independent '%s/i.edn'", tmp), 1);
	/* values that are not tuples: an error naming the op */
	cr_assert_eq(run("printf '%%s\\n' '[{:process 0 :type :invoke :f :write :value 3}]' "
			 "> '%s/n.edn'", tmp), 0);
	cr_expect_eq(run(DT_CHECK " --model cas-register --independent '%s/n.edn' 2>'%s/err'; "
			 "test $? = 4 && grep -q 'op 0: --independent needs' '%s/err'",
			 tmp, tmp, tmp), 0);
}
