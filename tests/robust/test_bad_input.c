/* SPDX-License-Identifier: MIT */
/*
 * test_bad_input.c: hostile and bad input, table-driven, each with the
 * exact message it must give: suites and charts (malformed YAML, wrong
 * types, unknown keys, out-of-range numbers, path traversal, huge files,
 * deep nesting, invalid UTF-8), histories (duplicate indexes, an ok with
 * no invoke, torn and padded files) and store folders.
 *
 * Messages are compared whole: a change of wording is a change of the
 * interface people grep for, and must show up here.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "store.h"
#include "suite.h"
#include "robust.h"

#define BASE "name: x\nchart: c\nclient: mem\nworkload: register\n"
#define CHART "name: c\nlocal: {nodes: 0}\n"

/* Warnings the core logged while a case ran. */
static char warnings[8192];

static void capture(dt_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == DT_LOG_WARN) {
		size_t used = strlen(warnings);

		snprintf(warnings + used, sizeof(warnings) - used, "%s\n", msg);
	}
}

static void setup(void)
{
	rb_tmpdir();
	warnings[0] = '\0';
	dt_log_set_level(DT_LOG_ERROR);
	dt_log_set_hook(capture, NULL);
}

static void teardown(void)
{
	dt_log_set_hook(NULL, NULL);
	rb_tmpdir_remove();
}

TestSuite(bad_input, .init = setup, .fini = teardown, .timeout = 30);


/*
 * Load suite text (and chart text, or a valid chart) from the temporary
 * folder.  Returns the error with the folder replaced by "DIR", "" when
 * the suite loaded.
 */
static const char *load(const char *suite, size_t suite_len, const char *chart,
			size_t chart_len)
{
	static char out[DT_ERRBUF_SIZE + 64];
	char err[DT_ERRBUF_SIZE] = "";
	const char *dir = rb_tmpdir();
	char *sp, *cp;
	dt_suite *s;

	cp = rb_write("c.yaml", chart ? chart : CHART, chart ? chart_len : strlen(CHART));
	sp = rb_write("s.yaml", suite, suite_len);
	s = dt_suite_load(sp, NULL, dir, err);
	dt_suite_free(s);
	free(sp);
	free(cp);
	rb_with_dir(out, sizeof(out), err);
	return out;
}

struct bad_suite {
	const char *suite;
	const char *chart;  /* NULL: a valid chart */
	const char *error;  /* "" when it must load */
	const char *warn;   /* warnings it must log, or "" */
};

static struct bad_suite bad_suites[] = {
	/* malformed YAML */
	{ "name: [x\nchart: c\n", NULL,
	  "DIR/s.yaml:2:6: did not find expected ',' or ']' while parsing a flow sequence", "" },
	{ "name: x\n\tchart: c\n", NULL,
	  "DIR/s.yaml:2:1: found a tab character that violates indentation while scanning a plain scalar", "" },
	{ BASE "name: y\n", NULL, "DIR/s.yaml:5:1: name: duplicate key", "" },
	{ BASE "seed: &a 1\ntimeout: *a\n", NULL,
	  "DIR/s.yaml:5:7: seed: anchors and aliases are not supported", "" },
	{ BASE "---\na: 1\n", NULL, "DIR/s.yaml:5:1: more than one YAML document in the file", "" },
	{ BASE "? [a]\n: 1\n", NULL, "DIR/s.yaml:5:3: keys must be plain scalars", "" },
	{ "", NULL, "DIR/s.yaml: a suite must be a mapping", "" },
	{ "- a\n- b\n", NULL, "DIR/s.yaml:1:1: a suite must be a mapping", "" },
	/* wrong types */
	{ "name: 3\nchart: c\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:1:1: name: expected a string", "" },
	{ "name: x\nchart: c\nclient: 3\nworkload: register\n", NULL,
	  "DIR/s.yaml:3:1: client: expected a name or a mapping with a name", "" },
	{ "name: x\nchart: c\nworkload: register\n", NULL,
	  "DIR/s.yaml:1:1: client: missing (this key is required)", "" },
	{ BASE "concurrency: four\n", NULL,
	  "DIR/s.yaml:5:1: concurrency: expected a whole number between 1 and 4096", "" },
	{ BASE "nemesis: kill\n", NULL, "DIR/s.yaml:5:1: nemesis: expected a list", "" },
	{ BASE "nemesis: [{probability: 1}]\n", NULL,
	  "DIR/s.yaml:5:11: nemesis[0].name: each nemesis needs a name", "" },
	{ BASE "checkers: [3]\n", NULL,
	  "DIR/s.yaml:5:12: checkers[0]: expected a checker name or {name: N, ...}", "" },
	{ "name: x\nchart: c\nclient: mem\nworkload: {name: register, operations: {read: -1}}\n", NULL,
	  "DIR/s.yaml:4:41: workload.operations.read: expected a weight (a number >= 0)", "" },
	{ BASE "values: [1]\n", NULL, "DIR/s.yaml:5:1: values: expected a mapping", "" },
	/* unknown keys: an error, the closest known key suggested */
	{ BASE "time-limt: 5\nfoo: {a: 1}\n", NULL,
	  "DIR/s.yaml:5:1: time-limt: unknown key (did you mean `time-limit`?)", "" },
	{ BASE "foo: {a: 1}\n", NULL,
	  "DIR/s.yaml:5:1: foo: unknown key (known: name, description, chart, "
	  "values, platform, client, workload, concurrency, rate, time-limit, "
	  "timeout, seed, nemesis, checkers, schedule, recovery, recovery-workload, "
	  "final-reads, final-reads-timeout)", "" },
	{ BASE, "name: c\nlocal: {nodes: 0}\nnodez: 3\n",
	  "DIR/c.yaml:3:1: nodez: unknown key (known: name, description, source, "
	  "values, crd, rbac, sub, local)", "" },
	/* out-of-range numbers */
	{ BASE "concurrency: 0\n", NULL,
	  "DIR/s.yaml:5:1: concurrency: expected a whole number between 1 and 4096, not 0", "" },
	{ BASE "concurrency: 5000\n", NULL,
	  "DIR/s.yaml:5:1: concurrency: expected a whole number between 1 and 4096, not 5000", "" },
	{ BASE "concurrency: 99999999999999999999999\n", NULL,
	  "DIR/s.yaml:5:1: concurrency: expected a whole number between 1 and 4096", "" },
	{ BASE "concurrency: 2.5\n", NULL,
	  "DIR/s.yaml:5:1: concurrency: expected a whole number between 1 and 4096", "" },
	{ BASE "rate: -1\n", NULL, "DIR/s.yaml:5:1: rate: expected a rate between 0/s and "
	  "1e+09/s (200, 200/s, 10/m; a bare number is per second)", "" },
	{ BASE "time-limit: 10d\n", NULL,
	  "DIR/s.yaml:5:1: time-limit: expected a duration between 0.1s and 604800s, not 864000s", "" },
	{ BASE "time-limit: 1e400\n", NULL,
	  "DIR/s.yaml:5:1: time-limit: expected a duration between 0.1s and 604800s "
	  "(250ms, 1.5s, 2m, 1h30m; a bare number is seconds)", "" },
	{ BASE "time-limit: .nan\n", NULL,
	  "DIR/s.yaml:5:1: time-limit: expected a duration between 0.1s and 604800s "
	  "(250ms, 1.5s, 2m, 1h30m; a bare number is seconds)", "" },
	{ BASE "timeout: \"nan\"\n", NULL,
	  "DIR/s.yaml:5:1: timeout: expected a duration between 0.001s and 3600s "
	  "(250ms, 1.5s, 2m, 1h30m; a bare number is seconds)", "" },
	{ BASE "seed: -1\n", NULL, "DIR/s.yaml:5:1: seed: expected a whole number "
	  "between 0 and 4611686018427387904, not -1", "" },
	{ BASE "seed: 18446744073709551616\n", NULL,
	  "DIR/s.yaml:5:1: seed: expected a whole number between 0 and 4611686018427387904", "" },
	{ BASE "nemesis: [{name: kill, probability: 2}]\n", NULL,
	  "DIR/s.yaml:5:24: nemesis[0].probability: expected a number between 0 and 1", "" },
	{ BASE "nemesis: [{name: kill, interval: 0}]\n", NULL,
	  "DIR/s.yaml:5:24: nemesis[0].interval: expected a duration between 0.01s and 86400s "
	  "(250ms, 1.5s, 2m, 1h30m; a bare number is seconds)", "" },
	{ BASE "nemesis: [{name: kill, target: {mode: fixed-percent, value: 150}}]\n", NULL,
	  "DIR/s.yaml:5:54: nemesis[0].target.value: expected a percentage between 0 and 100", "" },
	{ BASE "nemesis: [{name: kill, target: half}]\n", NULL,
	  "DIR/s.yaml:5:24: nemesis[0].target: unknown target mode 'half' (one, all, fixed, "
	  "fixed-percent, random-max-percent, primary, leader, replicas, followers, "
	  "minority-with-primary, majority-without-primary)", "" },
	/* path traversal through the chart name */
	{ "name: x\nchart: ..\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:2:1: chart: '..' is not a valid name for one of the charts "
	  "(letters, digits, '-', '_' and '.' only)", "" },
	{ "name: x\nchart: .hidden\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:2:1: chart: '.hidden' is not a valid name for one of the charts "
	  "(letters, digits, '-', '_' and '.' only)", "" },
	{ "name: x\nchart: \"c; rm -rf ~\"\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:2:1: chart: 'c; rm -rf ~' is not a valid name for one of the charts "
	  "(letters, digits, '-', '_' and '.' only)", "" },
	/* invalid UTF-8, NUL bytes */
	{ "name: \xff\xfe\nchart: c\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:1:7: invalid leading UTF-8 octet", "" },
	{ BASE "\xc3\x28: 1\n", NULL, "DIR/s.yaml:5:2: invalid trailing UTF-8 octet", "" },
	{ "name: \"a\\0b\"\nchart: c\nclient: mem\nworkload: register\n", NULL,
	  "DIR/s.yaml:1:7: a NUL byte inside a scalar", "" },
	{ BASE "description: \"\\ud800\"\n", NULL,
	  "DIR/s.yaml:5:17: found invalid Unicode character escape code while parsing a quoted scalar", "" },
	/* charts */
	{ BASE, "- 1\n", "DIR/c.yaml:1:1: a chart must be a mapping", "" },
	{ BASE, "name: c\nlocal: [1]\n", "DIR/c.yaml:2:1: local: expected a mapping", "" },
	{ BASE, "name: c\nsource: {type: helm}\n",
	  "DIR/c.yaml:2:10: source.type: unknown value 'helm'; expected one of: repo, oci, "
	  "local, path", "" },
	{ BASE, "name: c\nsource: {type: repo, chart: x}\n",
	  "DIR/c.yaml:2:1: source.location: missing (this key is required)", "" },
};

ParameterizedTestParameters(bad_input, suites)
{
	return rb_index_params(sizeof(bad_suites) / sizeof(bad_suites[0]));
}

ParameterizedTest(size_t *i, bad_input, suites)
{
	const struct bad_suite *c = &bad_suites[*i];
	const char *got = load(c->suite, strlen(c->suite), c->chart,
			       c->chart ? strlen(c->chart) : 0);
	char w[sizeof(warnings)];

	cr_expect_str_eq(got, c->error, "suite:\n%s\ngot:  %s\nwant: %s", c->suite, got, c->error);
	rb_with_dir(w, sizeof(w), warnings);
	cr_expect_str_eq(w, c->warn, "suite:\n%s\nwarned:\n%s\nwant:\n%s", c->suite, w, c->warn);
}

Test(bad_input, a_huge_file_is_refused_before_it_is_parsed)
{
	size_t len = (8u << 20) + 100;
	char *text = malloc(len);

	memset(text, 'a', len);
	memcpy(text, "name: x\ndescription: ", 21);
	cr_assert_str_eq(load(text, len, NULL, 0), "DIR/s.yaml: larger than 8388608 bytes");
	free(text);
}

Test(bad_input, deep_nesting_is_refused)
{
	char text[1024];
	size_t n = 0;

	n += (size_t)snprintf(text, sizeof(text), BASE "values: ");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "]");
	cr_assert_str_eq(load(text, n, NULL, 0), "DIR/s.yaml:5:73: nested deeper than 64 levels");
	/* a mapping flow, where libyaml itself nests */
	n = (size_t)snprintf(text, sizeof(text), BASE "values: ");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "{a: ");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "1");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "}");
	cr_assert_str_eq(load(text, n, NULL, 0), "DIR/s.yaml:5:265: nested deeper than 64 levels");
}

/* Was a bug (fixed in 3fb6ed9): suite.c dt_suite_load -> dt_find_yaml takes a `chart:` containing '/' (or ending in .yaml) as a path relative to the cwd: a suite reads any file as its chart and suite.json inlines it */
Test(bad_input, a_suite_may_not_name_any_file_as_its_chart)
{
	cr_assert_str_eq(load("name: x\nchart: ../../../../etc/passwd\nclient: mem\n"
			      "workload: register\n", 66, NULL, 0),
			 "DIR/s.yaml:2:1: chart: '../../../../etc/passwd' is not a valid name "
			 "for one of the charts (letters, digits, '-', '_' and '.' only)");
}

/* ---- histories ------------------------------------------------------- */

#define I0 "{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1}\n"
#define O1 "{\"index\":1,\"time\":2,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n"

struct bad_history {
	const char *text;
	size_t len;         /* 0: strlen(text) */
	const char *error;  /* "" when it must load */
	size_t count, torn; /* when it loads */
};

static struct bad_history bad_histories[] = {
	{ I0 I0, 0, "DIR/h.jsonl:2: index 0 where 1 was expected (duplicate or missing events)", 0, 0 },
	{ O1, 0, "DIR/h.jsonl:1: index 1 where 0 was expected (duplicate or missing events)", 0, 0 },
	{ I0 "{\"index\":1,\"ti\n" O1, 0, "DIR/h.jsonl:2: column 14: unexpected newline near '\"ti'", 0, 0 },
	{ I0 "[1,2]\n", 0, "DIR/h.jsonl:2: expected an object", 0, 0 },
	{ I0 "{\"index\":1,\"process\":0,\"type\":\"done\",\"f\":\"w\"}\n", 0,
	  "DIR/h.jsonl:2: \"type\": expected one of invoke, ok, fail, info", 0, 0 },
	{ I0 "{\"index\":1,\"process\":-3,\"type\":\"ok\",\"f\":\"w\"}\n", 0,
	  "DIR/h.jsonl:2: \"process\": expected a non-negative integer or \"nemesis\"", 0, 0 },
	{ I0 "{\"index\":1,\"process\":0,\"type\":\"ok\",\"f\":7}\n", 0,
	  "DIR/h.jsonl:2: \"f\": expected a string", 0, 0 },
	{ "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"\xff\"}\n", 0,
	  "DIR/h.jsonl:1: column 44: unable to decode byte 0xff near '\"'", 0, 0 },
	{ "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"a\\u0000b\"}\n", 0,
	  "DIR/h.jsonl:1: column 53: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'", 0, 0 },
	/* loads: torn last line skipped and counted, blank lines, CRLF, no
	 * final newline, zero padding left by a killed mmap writer */
	{ I0 O1 "{\"index\":2,\"ti", 0, "", 2, 1 },
	{ "\n\n" I0 "\n", 0, "", 1, 0 },
	{ "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"w\"}\r\n", 0, "", 1, 0 },
	{ "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"w\"}", 0, "", 1, 0 },
	{ I0 O1 "\0\0\0\0\0\0\0\0", sizeof(I0 O1) - 1 + 8, "", 2, 0 },
	{ I0 "{\"index\":1,\"time\":2,\"pro\0\0\0\0", sizeof(I0) - 1 + 28, "", 1, 1 },
};

ParameterizedTestParameters(bad_input, histories)
{
	return rb_index_params(sizeof(bad_histories) / sizeof(bad_histories[0]));
}

static const char *read_history(const char *text, size_t len, dt_history **out)
{
	static char msg[DT_ERRBUF_SIZE + 64];
	char err[DT_ERRBUF_SIZE] = "";
	char *path = rb_write("h.jsonl", text, len);
	const char *dir = rb_tmpdir();
	dt_history *h = dt_history_read_jsonl(path, err);

	free(path);
	*out = h;
	if (h != NULL)
		return "";
	if (strncmp(err, dir, strlen(dir)) == 0)
		snprintf(msg, sizeof(msg), "DIR%s", err + strlen(dir));
	else
		snprintf(msg, sizeof(msg), "%s", err);
	return msg;
}

ParameterizedTest(size_t *i, bad_input, histories)
{
	const struct bad_history *c = &bad_histories[*i];
	dt_history *h;
	const char *got = read_history(c->text, c->len ? c->len : strlen(c->text), &h);

	cr_expect_str_eq(got, c->error, "history:\n%s\ngot:  %s\nwant: %s", c->text, got, c->error);
	if (h != NULL) {
		cr_expect_eq(h->count, c->count, "history:\n%s", c->text);
		cr_expect_eq(h->torn, c->torn, "history:\n%s", c->text);
	}
	dt_history_free(h);
}

/* Was a bug (fixed in 3fb6ed9): history.c dt_history_read_jsonl checks the indexes only: a completion whose process has no invoke outstanding is accepted */
Test(bad_input, an_ok_with_no_invoke_is_refused)
{
	dt_history *h;

	cr_assert_str_eq(read_history("{\"index\":0,\"process\":0,\"type\":\"ok\",\"f\":\"w\"}\n",
				      44, &h),
			 "DIR/h.jsonl:1: process 0: ok with no invoke before it");
	dt_history_free(h);
}

/* Was a bug (fixed in 3fb6ed9): same as above, for two invokes in a row */
Test(bad_input, a_second_invoke_before_the_completion_is_refused)
{
	dt_history *h;
	const char *t = I0 "{\"index\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"w\"}\n";

	cr_assert_str_eq(read_history(t, strlen(t), &h),
			 "DIR/h.jsonl:2: process 0: invoke while its index 0 is still open");
	dt_history_free(h);
}

/* Was a bug (fixed in 3fb6ed9): history.c dt_op_from_json decodes without JSON_REJECT_DUPLICATES: the last "index" wins */
Test(bad_input, a_duplicate_json_key_is_refused)
{
	dt_history *h;
	const char *t = "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"a\",\"index\":0}\n";

	cr_assert_neq(strcmp(read_history(t, strlen(t), &h), ""), 0);
	dt_history_free(h);
}

/* Was a bug (fixed in 3fb6ed9): history.c dt_history_read_jsonl stops at the first line starting with a NUL byte, whatever follows: events after it vanish without a word */
Test(bad_input, data_after_zero_padding_is_not_silently_dropped)
{
	dt_history *h;
	static const char t[] = I0 "\0\n" O1;

	cr_assert_neq(strcmp(read_history(t, sizeof(t) - 1, &h), ""), 0,
		      "read %zu events, the second silently dropped", h ? h->count : 0);
	dt_history_free(h);
}

/* Was a bug (fixed in 3fb6ed9): history.c dt_history_read_jsonl never checks ferror(): reading a folder (EISDIR) or an EIO gives a short history and no error */
Test(bad_input, a_folder_is_not_an_empty_history)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *h = dt_history_read_jsonl(rb_tmpdir(), err);

	cr_expect_null(h, "a folder read as a history of %zu events", h ? h->count : 0);
	cr_expect(strstr(err, "Is a directory") != NULL, "%s", err);
	dt_history_free(h);
}

/* ---- store folders ------------------------------------------------------ */

struct bad_store {
	const char *suite;
	const char *error;
};

static struct bad_store bad_stores[] = {
	{ "..", "suite name '..' cannot name a store folder" },
	{ "../../etc", "suite name '../../etc' cannot name a store folder" },
	{ "a/b", "suite name 'a/b' cannot name a store folder" },
	{ ".hidden", "suite name '.hidden' cannot name a store folder" },
	{ "$(touch pwned)/x", "suite name '$(touch pwned)/x' cannot name a store folder" },
};

ParameterizedTestParameters(bad_input, store_names)
{
	return rb_index_params(sizeof(bad_stores) / sizeof(bad_stores[0]));
}

ParameterizedTest(size_t *i, bad_input, store_names)
{
	const struct bad_store *c = &bad_stores[*i];
	char err[DT_ERRBUF_SIZE] = "", root[256];
	char *dir;

	snprintf(root, sizeof(root), "%s/store", rb_tmpdir());
	dir = dt_store_make_run_dir(root, NULL, c->suite, err);
	cr_expect_null(dir, "made %s", dir);
	cr_expect_str_eq(err, c->error);
	free(dir);
}

/* Was a bug (fixed in 99fa6a7): store.c dt_store_make_run_dir accepts "" (and names with newlines): the run folder and `latest` land in the store root itself */
Test(bad_input, an_empty_suite_name_cannot_name_a_store_folder)
{
	char err[DT_ERRBUF_SIZE] = "", root[256];
	char *dir;

	snprintf(root, sizeof(root), "%s/store", rb_tmpdir());
	dir = dt_store_make_run_dir(root, NULL, "", err);
	cr_expect_null(dir, "made %s", dir);
	cr_expect_str_eq(err, "suite name '' cannot name a store folder");
	free(dir);
}

Test(bad_input, a_store_under_a_file_is_an_error)
{
	char err[DT_ERRBUF_SIZE] = "", root[256], want[512];
	char *file = rb_write_str("plain", "x");
	char *dir;

	snprintf(root, sizeof(root), "%s/sub", file);
	dir = dt_store_make_run_dir(root, NULL, "s", err);
	cr_expect_null(dir);
	snprintf(want, sizeof(want), "store %s/s: Not a directory", root);
	cr_expect_str_eq(err, want);
	free(dir);
	free(file);
}

/* ---- imported histories (EDN, porcupine logs) ---------------------------- */

#include "edn.h"
#include "history_import.h"
#include <sys/mman.h>
#include <unistd.h>

struct bad_import {
	const char *format;
	const char *text;
	const char *error;  /* "" when it must load */
	size_t count;
};

static struct bad_import bad_imports[] = {
	{ "edn", "[{:process 0 :type :invoke :f :read :value nil}",
	  "h: line 1: missing ']' at the end", 0 },
	{ "edn", "[{:process 0 :type :invoke :f :read :value #inst \"2020\"}]",
	  "h: line 1, column 44: tagged literals (#inst, #uuid, records) are not supported", 0 },
	{ "edn", "[{:process 0 :type :bogus :f :read}]",
	  "h:1: :type must be :invoke, :ok, :fail or :info", 0 },
	{ "edn", "[{:type :ok :f :read :process :p1}]", "h:1: :process must be an integer or :nemesis", 0 },
	{ "edn", "[1 2]", "h:1: an op must be a map", 0 },
	{ "edn", "[{:process 0 :type :invoke :f \"\xff\"}]",
	  "h: line 1, column 34: string is not valid UTF-8", 0 },
	{ "kv", "{:process 0, :type :invoke, :f :put, :key \"x\", :value \"y\"",
	  "h: line 1: missing '}' at the end", 0 },
	{ "etcd", "INFO  jepsen.util - x\t:invoke\t:write\t3\n", "h:1: bad process", 0 },
	{ "etcd", "INFO  jepsen.util - 0\t:bogus\t:write\t3\n", "h:1: unknown type :bogus", 0 },
	/* lines that are not jepsen.util's are other log lines: skipped */
	{ "etcd", "INFO  jepsen.util - 0\t:invoke\t:write\t3\ngarbage\n", "", 1 },
	{ "auto", "hello", "h:1: an op must be a map", 0 },
};

ParameterizedTestParameters(bad_input, imports)
{
	return rb_index_params(sizeof(bad_imports) / sizeof(bad_imports[0]));
}

static const char *import(const char *format, const char *text, size_t len,
			  dt_history **out)
{
	static char err[DT_ERRBUF_SIZE];
	dt_history_format fmt;

	memset(err, 'X', sizeof(err) - 1); /* an unset message shows */
	err[sizeof(err) - 1] = '\0';
	cr_assert_eq(dt_history_format_parse(format, &fmt), 0);
	*out = dt_history_parse(text, len, fmt, "h", err);
	return *out != NULL ? "" : err;
}

ParameterizedTest(size_t *i, bad_input, imports)
{
	const struct bad_import *c = &bad_imports[*i];
	dt_history *h;
	const char *got = import(c->format, c->text, strlen(c->text), &h);

	cr_expect_str_eq(got, c->error, "%s:\n%s\ngot:  %s\nwant: %s", c->format,
			 c->text, got, c->error);
	if (h != NULL)
		cr_expect_eq(h->count, c->count);
	dt_history_free(h);
}

Test(bad_input, edn_errors_always_say_why) /* regression (fixed): core/lib/edn.c read_atom returns NULL without
			  filling err when json_string/json_real refuse a
			  token: a symbol or keyword that is not UTF-8
			  ("\xc0", ":\xff") or a number out of range
			  ("1e400"); dt_edn_next returns -1 and callers print
			  whatever err held (found by fuzz_edn) */
{
	static const char *const inputs[] = { "\xc0", ":\xff", "1e400", "[1 -1e999]" };

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char err[DT_ERRBUF_SIZE] = "";
		json_t *v = dt_edn_parse(inputs[i], strlen(inputs[i]), err);

		cr_expect_null(v);
		cr_expect_neq(err[0], '\0', "no message for %s", inputs[i]);
		json_decref(v);
	}
}

Test(bad_input, an_imported_process_cannot_be_negative) /* regression (fixed): core/lib/history_import.c takes :process -1
			  from EDN as it is: -1 is DT_PROCESS_NEMESIS, so the
			  op silently becomes a nemesis event the checkers
			  skip (other negative numbers pass too) */
{
	dt_history *h;
	const char *t = "[{:process -1 :type :invoke :f :write :value 1}]";

	cr_expect_str_eq(import("edn", t, strlen(t), &h),
			 "h:1: :process must be an integer or :nemesis");
	dt_history_free(h);
}

/* Every import reads the bytes it is given and not one more: the text
 * ends where an unmapped page begins, so an over-read is a SIGSEGV. */
Test(bad_input, imports_read_only_the_bytes_given)
{
	static const char *const cases[][2] = {
		{ "etcd", "INFO  jepsen.util - 0" },
		{ "etcd", "INFO  jepsen.util - 0\t:invoke\t:write\t3" },
		{ "edn", "[{:process 0 :type :invoke :f :write :value 3}]" },
		{ "edn", "[1" }, { "edn", "12" }, { "edn", "\"abc" }, { "edn", "\\" },
		{ "edn", "-" }, { "edn", "1e5" }, { "edn", ":kw" }, { "kv", "{:a 1}" },
		{ "jsonl", "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"w\"}" },
		{ "auto", "1" }, { "auto", "I" },
	};
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i][1]);
		char *text = m + pg - n;
		dt_history *h;

		memcpy(text, cases[i][1], n);
		import(cases[i][0], text, n, &h);
		dt_history_free(h);
		{
			char err[DT_ERRBUF_SIZE] = "";
			json_t *v = dt_edn_parse(text, n, err);

			json_decref(v);
		}
	}
	munmap(m, 2 * (size_t)pg);
}
