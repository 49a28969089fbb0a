/* SPDX-License-Identifier: MIT */
/*
 * data.c: what dtd derives from a run's folder: pages of the history,
 * driver figures per second, nemesis intervals, metrics.jsonl filters.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtd.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dtd-data.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(dtd_data, .init = setup, .fini = teardown);

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Two reads in the first second (10 and 30 ms), a write that fails in
 * the second; a kill from 0.5 s to 1.5 s, a pause that failed to start. */
static const char history[] =
	"{\"index\":0,\"time\":100000000,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
	"{\"index\":1,\"time\":110000000,\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":1}\n"
	"{\"index\":2,\"time\":200000000,\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
	"{\"index\":3,\"time\":230000000,\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":1}\n"
	"{\"index\":4,\"time\":500000000,\"process\":\"nemesis\",\"type\":\"invoke\",\"f\":\"start\",\"value\":{\"nemesis\":\"kill\"}}\n"
	"{\"index\":5,\"time\":510000000,\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":{\"nemesis\":\"kill\"}}\n"
	"{\"index\":6,\"time\":600000000,\"process\":\"nemesis\",\"type\":\"invoke\",\"f\":\"start\",\"value\":{\"nemesis\":\"pause\"}}\n"
	"{\"index\":7,\"time\":610000000,\"process\":\"nemesis\",\"type\":\"fail\",\"f\":\"start\",\"value\":{\"nemesis\":\"pause\"},\"error\":\"no\"}\n"
	"{\"index\":8,\"time\":1200000000,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":2}\n"
	"{\"index\":9,\"time\":1300000000,\"process\":0,\"type\":\"fail\",\"f\":\"write\",\"value\":2}\n"
	"{\"index\":10,\"time\":1400000000,\"process\":\"nemesis\",\"type\":\"invoke\",\"f\":\"heal\",\"value\":{\"nemesis\":\"kill\"}}\n"
	"{\"index\":11,\"time\":1500000000,\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"heal\",\"value\":{\"nemesis\":\"kill\"}}\n"
	"{\"index\":12,\"time\":1600000000,\"process\":0,\"type\":\"invoke\",\"f\":\"read\"";

Test(dtd_data, history_pages_stop_at_a_torn_line)
{
	char err[DT_ERRBUF_SIZE];
	json_t *h;

	write_file("history.jsonl", history);
	h = dtd_data_history(dir, 3, 4, err);
	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(json_integer_value(json_object_get(h, "total")), 12);
	cr_expect_eq(json_array_size(json_object_get(h, "ops")), 4);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(h, "ops"), 0), "index")), 3);
	json_decref(h);
	h = dtd_data_history(dir, 100, 4, err);
	cr_expect_eq(json_array_size(json_object_get(h, "ops")), 0);
	json_decref(h);
}

Test(dtd_data, driver_figures_and_nemesis_intervals_from_the_history)
{
	char err[DT_ERRBUF_SIZE];
	json_t *m, *s0, *s1, *read, *write, *nem;

	write_file("history.jsonl", history);
	m = dtd_data_metrics(dir, NULL, 0, -1, err);
	cr_assert_not_null(m, "%s", err);
	cr_assert_eq(json_array_size(json_object_get(m, "series")), 2);
	s0 = json_object_get(json_array_get(json_object_get(m, "series"), 0), "values");
	s1 = json_object_get(json_array_get(json_object_get(m, "series"), 1), "values");
	read = json_object_get(s0, "read");
	cr_expect_eq(json_integer_value(json_object_get(read, "ops")), 2);
	cr_expect_eq(json_integer_value(json_object_get(read, "ok")), 2);
	cr_expect_float_eq(json_number_value(json_object_get(read, "p50")), 10.0, 1e-6);
	cr_expect_float_eq(json_number_value(json_object_get(read, "p99")), 30.0, 1e-6);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(m, "series"), 0), "time")),
		     1000000000, "a whole second ends at its end");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(m, "series"), 1), "time")),
		     1500000000, "the second still going ends at the last event");
	write = json_object_get(s1, "write");
	cr_expect_eq(json_integer_value(json_object_get(write, "fail")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(s1, "read"), "ops")), 0);
	nem = json_object_get(m, "nemesis");
	cr_assert_eq(json_array_size(nem), 1, "the pause that failed is not shaded");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(nem, 0), "nemesis")), "kill");
	cr_expect_float_eq(json_number_value(json_object_get(json_array_get(nem, 0), "start")), 0.5, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(json_array_get(nem, 0), "end")), 1.5, 1e-9);
	json_decref(m);
	/* Time filter: only the second second. */
	m = dtd_data_metrics(dir, "driver", 1.2, 3, err);
	cr_expect_eq(json_array_size(json_object_get(m, "series")), 1);
	json_decref(m);
}

Test(dtd_data, metrics_jsonl_wins_and_is_filtered_by_source)
{
	char err[DT_ERRBUF_SIZE];
	json_t *m;

	write_file("history.jsonl", history);
	write_file("metrics.jsonl",
		   "{\"time\":1000000000,\"source\":\"driver\",\"values\":{\"read\":{\"ops\":99}}}\n"
		   "{\"time\":1000000000,\"source\":\"n1\",\"values\":{\"mem\":5}}\n"
		   "{\"time\":2000000000,\"source\":\"n1\",\"values\":{\"mem\":6}}\n"
		   "{\"time\":3000000000,\"source\":\"n1\",\"val");
	m = dtd_data_metrics(dir, NULL, 0, -1, err);
	cr_assert_not_null(m, "%s", err);
	cr_expect_eq(json_array_size(json_object_get(m, "series")), 3, "the file's driver lines replace the derived ones");
	json_decref(m);
	m = dtd_data_metrics(dir, "n1", 0, 1.5, err);
	cr_expect_eq(json_array_size(json_object_get(m, "series")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
		json_array_get(json_object_get(m, "series"), 0), "values"), "mem")), 5);
	json_decref(m);
	/* A folder without files: empty, not an error. */
	m = dtd_data_metrics("/nonexistent", NULL, 0, -1, err);
	cr_expect_not_null(m);
	cr_expect_eq(json_array_size(json_object_get(m, "series")), 0);
	json_decref(m);
}

Test(dtd_data, zero_padding_ends_the_lines)
{
	char err[DT_ERRBUF_SIZE], path[128];
	json_t *h;
	FILE *f;

	/* As the mmap'd writer leaves it: lines, then zeros (4 MiB). */
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
	      "{\"index\":1,\"time\":2,\"process\":0,\"type\":\"ok\",\"f\":\"read\"}\n", f);
	for (int i = 0; i < 4 << 20; i++)
		fputc(0, f);
	fclose(f);
	h = dtd_data_history(dir, 0, 100, err);
	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(json_integer_value(json_object_get(h, "total")), 2);
	json_decref(h);
	h = dtd_data_metrics(dir, "driver", 0, -1, err);
	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(json_array_size(json_object_get(h, "series")), 1);
	json_decref(h);
}
