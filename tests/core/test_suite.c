/* SPDX-License-Identifier: MIT */
/*
 * Suites and charts: the real files of the tree load; a table of bad
 * suites gives exact messages naming file, line, column and key.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "suite.h"

static char dir[64];

static void make_dir(void)
{
	char path[256];
	FILE *f;

	strcpy(dir, "/tmp/dt-test-suite-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	f = fopen(path, "w");
	fputs("name: c\nlocal:\n  nodes: 0\n", f);
	fclose(f);
}

static void remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

TestSuite(suite, .init = make_dir, .fini = remove_dir);

static dt_suite *load_text(const char *text, char *err)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/s.yaml", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return dt_suite_load(path, NULL, dir, err);
}

Test(suite, shipped_mem_suites_load)
{
	char err[DT_ERRBUF_SIZE] = "";
	const char *names[] = { "mem-register", "mem-bank" };

	for (size_t i = 0; i < 2; i++) {
		char path[512];
		dt_suite *s;

		snprintf(path, sizeof(path), "%s/suites/%s.yaml", TEST_SRCDIR, names[i]);
		s = dt_suite_load(path, NULL, TEST_SRCDIR "/charts", err);
		cr_assert_not_null(s, "%s: %s", names[i], err);
		cr_assert_str_eq(s->client, "mem");
		dt_suite_free(s);
	}
}

Test(suite, values_and_defaults)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_suite *s = load_text("name: s\nchart: c\nclient: mem\n"
				"workload: {name: register, operations: {read: 3, write: 1}}\n"
				"time-limit: 2m\nrate: 100\nnemesis:\n  - kill\n"
				"  - {name: partition, probability: 0.5, interval: 3s,"
				" duration: 500ms, target: {mode: fixed, value: 2}}\n"
				"checkers: [stats, {name: linearizable, model: register}]\n", err);

	cr_assert_not_null(s, "%s", err);
	cr_assert_float_eq(s->time_limit, 120, 1e-9);
	cr_assert_float_eq(s->rate, 100, 1e-9);
	cr_assert_eq(s->concurrency, 4);
	cr_assert_eq(s->nnemeses, 2);
	cr_assert_str_eq(s->nemeses[0].name, "kill");
	cr_assert_eq(s->nemeses[0].target, DT_TARGET_ONE);
	cr_assert_float_eq(s->nemeses[1].duration, 0.5, 1e-9);
	cr_assert_eq(s->nemeses[1].target, DT_TARGET_FIXED);
	cr_assert_eq(s->ncheckers, 2);
	cr_assert_str_eq(s->checkers[1].name, "linearizable");
	cr_assert_eq(json_number_value(json_object_get(s->weights, "read")), 3);
	cr_assert_eq(dt_suite_select_nemeses(s, "partition", err), 0, "%s", err);
	cr_assert_eq(s->nnemeses, 1);
	cr_assert_eq(dt_suite_select_nemeses(s, "pause", err), -1);
	cr_assert_str_eq(err, "--nemesis: suite 's' has no nemesis 'pause' (it has: "
			 "partition; NAME:MODE:ROLE adds one, as in "
			 "partition:isolate-primary:primary)");
	dt_suite_free(s);
}

/* Roles as targets, and the phases after the faults. */
Test(suite, role_targets_and_recovery)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_suite *s = load_text("name: s\nchart: c\nclient: mem\nworkload: set\n"
				"recovery: 10s\nfinal-reads-timeout: 1m\nnemesis:\n"
				"  - {name: kill, target: primary}\n"
				"  - {name: pause, target: followers}\n"
				"  - {name: partition, target: leader}\n"
				"  - {name: kill, target: minority-with-leader}\n"
				"  - {name: kill, target: majority-without-primary}\n", err);

	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(s->nemeses[0].target, DT_TARGET_PRIMARY);
	cr_expect_eq(s->nemeses[1].target, DT_TARGET_REPLICAS);
	cr_expect_eq(s->nemeses[2].target, DT_TARGET_PRIMARY);
	cr_expect_eq(s->nemeses[3].target, DT_TARGET_MINORITY_WITH_PRIMARY);
	cr_expect_eq(s->nemeses[4].target, DT_TARGET_MAJORITY_WITHOUT_PRIMARY);
	cr_expect(DT_TARGET_IS_ROLE(s->nemeses[0].target));
	cr_expect_str_eq(dt_target_mode_name(s->nemeses[1].target), "replicas");
	cr_expect_float_eq(s->recovery, 10, 1e-9);
	cr_expect(s->final_reads);
	cr_expect(!s->recovery_workload);
	cr_expect_float_eq(s->final_timeout, 60, 1e-9);
	dt_suite_free(s);
}

/* --nemesis NAME:MODE:ROLE:KEY=VALUE adds an entry the suite lacks,
 * beside the ones kept by name; its errors name the argument. */
Test(suite, nemesis_option_adds_entries)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_suite *s = load_text("name: s\nchart: c\nclient: mem\nworkload: set\n"
				"nemesis: [kill, pause]\n", err);
	const json_t *c;

	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(dt_suite_select_nemeses(s, "kill,partition:isolate-primary:primary:"
					     "duration=15s:probability=0.5", err), 0, "%s", err);
	cr_assert_eq(s->nnemeses, 2);
	cr_expect_str_eq(s->nemeses[0].name, "kill");
	cr_expect_str_eq(s->nemeses[1].name, "partition");
	cr_expect_eq(s->nemeses[1].target, DT_TARGET_PRIMARY);
	cr_expect_float_eq(s->nemeses[1].duration, 15, 1e-9);
	cr_expect_float_eq(s->nemeses[1].probability, 0.5, 1e-9);
	c = s->nemeses[1].config;
	cr_expect_str_eq(json_string_value(json_object_get(c, "mode")), "isolate-primary");
	cr_expect_str_eq(json_string_value(json_object_get(c, "target")), "primary");
	{
		json_t *j = dt_suite_to_json(s);

		cr_expect_eq(json_array_size(json_object_get(j, "nemesis")), 2);
		json_decref(j);
	}
	dt_suite_free(s);

	s = load_text("name: s\nchart: c\nclient: mem\nworkload: set\n", err);
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(dt_suite_select_nemeses(s, "kill:target=primary", err), 0, "%s", err);
	cr_expect_eq(s->nnemeses, 1);
	cr_expect_eq(s->nemeses[0].target, DT_TARGET_PRIMARY);
	cr_expect_eq(dt_suite_select_nemeses(s, "kill:probability=2", err), -1);
	cr_expect_str_eq(err, "--nemesis kill:probability=2: probability: "
			 "expected a number between 0 and 1");
	cr_expect_eq(dt_suite_select_nemeses(s, "kill:a b=1", err), -1);
	cr_expect_str_eq(err, "--nemesis kill:a b=1: 'a b' is not a key (KEY=VALUE, "
			 "or a mode, or a role such as primary)");
	cr_expect_eq(dt_suite_select_nemeses(s, "kill:target=boss", err), -1);
	cr_expect_str_eq(err, "--nemesis kill:target=boss: target: unknown target "
			 "mode 'boss' (one, all, fixed, fixed-percent, random-max-percent, "
			 "primary, leader, replicas, followers, minority-with-primary, "
			 "majority-without-primary)");
	dt_suite_free(s);
}

struct bad_suite {
	char text[400];
	char message[400]; /* after "DIR/s.yaml:" */
};

ParameterizedTestParameters(suite, bad)
{
	static struct bad_suite cases[] = {
		{ "chart: c\nclient: mem\nworkload: bank\n", "1:1: name: missing (this key is required)" },
		{ "name: s\nchart: c\nworkload: bank\n", "1:1: client: missing (this key is required)" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nconcurrency: 0\n",
		  "5:1: concurrency: expected a whole number between 1 and 4096, not 0" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nconcurrency: 2.5\n",
		  "5:1: concurrency: expected a whole number between 1 and 4096" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\ntime-limit: soon\n",
		  "5:1: time-limit: expected a duration between 0.1s and 604800s (250ms, 1.5s, 2m, 1h30m; a bare number is seconds)" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nnemesis:\n  - name: kill\n    probability: 2\n",
		  "7:5: nemesis[0].probability: expected a number between 0 and 1" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nnemesis:\n  - name: kill\n    target: some\n",
		  "7:5: nemesis[0].target: unknown target mode 'some' (one, all, fixed, fixed-percent, random-max-percent, "
		  "primary, leader, replicas, followers, minority-with-primary, "
		  "majority-without-primary)" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nnemesis:\n  - name: kill\n    target: {mode: fixed-percent, value: 150}\n",
		  "7:35: nemesis[0].target.value: expected a percentage between 0 and 100" },
		{ "name: s\nchart: c\nclient: mem\nworkload: {name: bank, operations: {read: -1}}\n",
		  "4:37: workload.operations.read: expected a weight (a number >= 0)" },
		{ "name: s\nchart: nochart\nclient: mem\nworkload: bank\n",
		  "2:1: chart: no chart named 'nochart' (try `dt-run list charts`)" },
		{ "name: s\nchart: ../c\nclient: mem\nworkload: bank\n",
		  "2:1: chart: '../c' is not a valid name for one of the charts (letters, digits, '-', '_' and '.' only)" },
		{ "name: s\nchart: c\nclient: mem\nworkload: bank\nseed: -1\n",
		  "5:1: seed: expected a whole number between 0 and 4611686018427387904, not -1" },
		{ "- a\n- b\n", "1:1: a suite must be a mapping" },
		/* an inline chart: its errors name the suite's file */
		{ "name: inl\nchart:\n  local: {}\nclient: mem\nworkload: register\n",
		  "2:1: chart: expected a chart's name, or a chart (a mapping with a name)" },
		{ "name: inl\nchart:\n  name: here\n  source: 7\nclient: mem\nworkload: register\n",
		  "4:3: chart.source: expected a mapping" },
	};

	return cr_make_param_array(struct bad_suite, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_suite *c, suite, bad)
{
	char err[DT_ERRBUF_SIZE] = "", want[DT_ERRBUF_SIZE];
	dt_suite *s = load_text(c->text, err);

	cr_assert_null(s);
	snprintf(want, sizeof(want), "%s/s.yaml:%s", dir, c->message);
	cr_assert_str_eq(err, want);
}

/* A chart may stand in the suite itself (as suite.json keeps it); its
 * errors still name the suite's file, line and key. */
Test(suite, inline_chart)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_suite *s = load_text("name: inl\nchart:\n  name: here\n  local:\n"
				"    nodes: 0\nclient: mem\nworkload: register\n", err);

	cr_assert_not_null(s, "%s", err);
	cr_expect_str_eq(s->chart, "here");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
		s->chart_doc->root, "local"), "nodes")), 0);
	dt_suite_free(s);
	/* its errors: in suite.bad's table */
}

Test(suite, names_cannot_escape_the_search_path)
{
	char buf[256], err[DT_ERRBUF_SIZE];

	cr_assert_eq(dt_find_yaml("suites", "..", NULL, buf, sizeof(buf), err), -1);
	cr_assert_str_eq(err, "'..' is not a valid name for one of the suites "
			 "(letters, digits, '-', '_' and '.' only)");
	cr_assert_eq(dt_find_yaml("suites", "a b", NULL, buf, sizeof(buf), err), -1);
}

/* The one parser of durations, sizes and rates (dt/options.h). */
Test(suite, durations)
{
	static const struct { const char *text; double seconds; } ok[] = {
		{ "250ms", 0.25 }, { "1h", 3600 }, { "1.5s", 1.5 }, { "2m", 120 },
		{ "1h30m", 5400 }, { "1d", 86400 }, { "30", 30 }, { "10us", 1e-5 },
		{ "5ns", 5e-9 }, { " 3s ", 3 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"5 parsecs", "", "s", "-1s", "1e3s", "nan", "inf", "1h 30m",
		"30 s0", "1.2.3s", "3ss", "1m2",
	};
	double d;
	json_t *v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(dt_parse_duration(ok[i].text, &d), 0, "%s", ok[i].text);
		cr_assert_float_eq(d, ok[i].seconds, 1e-12, "%s", ok[i].text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dt_parse_duration(bad[i], &d), -1, "%s", bad[i]);
	v = json_integer(-1);
	cr_assert_eq(dt_json_duration(v, &d), -1);
	json_decref(v);
	v = json_real(2.5);
	cr_assert_eq(dt_json_duration(v, &d), 0);
	cr_assert_float_eq(d, 2.5, 1e-12);
	json_decref(v);
}

Test(suite, sizes_and_rates)
{
	static const struct { const char *text; uint64_t bytes; } ok[] = {
		{ "512", 512 }, { "64k", 65536 }, { "64KiB", 65536 }, { "1kB", 1000 },
		{ "4M", 4194304 }, { "1GB", 1000000000 }, { "1GiB", 1073741824 },
		{ "2 MiB", 2097152 }, { "1.5k", 1536 },
	};
	static const char *const bad[] = { "", "k", "1.3", "-1", "5 parsecs", "1kk" };
	static const struct { const char *text; double per_second; } rates[] = {
		{ "200", 200 }, { "200/s", 200 }, { "60/m", 1 }, { "7200/h", 2 },
		{ "10 / min", 10.0 / 60 },
	};
	uint64_t b;
	double r;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(dt_parse_size(ok[i].text, &b), 0, "%s", ok[i].text);
		cr_assert_eq(b, ok[i].bytes, "%s: %llu", ok[i].text, (unsigned long long)b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dt_parse_size(bad[i], &b), -1, "%s", bad[i]);
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		cr_assert_eq(dt_parse_rate(rates[i].text, &r), 0, "%s", rates[i].text);
		cr_assert_float_eq(r, rates[i].per_second, 1e-12, "%s", rates[i].text);
	}
	cr_assert_eq(dt_parse_rate("5/fortnight", &r), -1);
	cr_assert_eq(dt_parse_rate("/s", &r), -1);
}
