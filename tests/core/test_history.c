/* SPDX-License-Identifier: MIT */
/*
 * history.jsonl: what is written reads back the same; a torn last line
 * is skipped and counted; other damage is an error naming the line.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "history.h"

static char path[64];

static void make_file(void)
{
	int fd;

	strcpy(path, "/tmp/dt-test-history-XXXXXX");
	fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
}

static void remove_file(void)
{
	unlink(path);
}

TestSuite(history, .init = make_file, .fini = remove_file);

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

Test(history, round_trip)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_history_writer *w = dt_history_writer_open(path, err);
	dt_op ops[] = {
		{ .process = 0, .type = DT_OP_INVOKE, .f = "write",
		  .value = json_pack("{sssi}", "key", "r1", "value", 3) },
		{ .process = 0, .type = DT_OP_OK, .f = "write",
		  .value = json_pack("{sssi}", "key", "r1", "value", 3) },
		{ .process = DT_PROCESS_NEMESIS, .type = DT_OP_INFO, .f = "start",
		  .value = json_pack("{ss}", "nemesis", "kill") },
		{ .process = 7, .type = DT_OP_INVOKE, .f = "cas", .value = json_null(),
		  .error = "cas mismatch", .key = "k\"ey" },
	};
	dt_history *h;

	cr_assert_not_null(w, "%s", err);
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(dt_history_append(w, &ops[i]), (int64_t)i);
	cr_assert_eq(dt_history_writer_close(w, err), 0, "%s", err);

	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	cr_assert_eq(h->count, 4);
	cr_assert_eq(h->torn, 0);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(h->ops[i].index, (int64_t)i);
		cr_assert_eq(h->ops[i].process, ops[i].process);
		cr_assert_eq(h->ops[i].type, ops[i].type);
		cr_assert_str_eq(h->ops[i].f, ops[i].f);
		cr_assert(json_equal(h->ops[i].value, ops[i].value));
		cr_assert_geq(h->ops[i].time, i ? h->ops[i - 1].time : 0);
		json_decref(ops[i].value);
	}
	cr_assert_str_eq(h->ops[3].error, "cas mismatch");
	cr_assert_str_eq(h->ops[3].key, "k\"ey");
	dt_history_free(h);
}

Test(history, torn_last_line_is_skipped)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *h;

	write_text("{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n"
		   "{\"index\":1,\"time\":2,\"process\":0,\"ty");
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	cr_assert_eq(h->count, 1);
	cr_assert_eq(h->torn, 1);
	dt_history_free(h);
}

struct bad_line {
	char text[400];
	char message[400]; /* after "PATH:" */
};

ParameterizedTestParameters(history, bad_lines)
{
	static struct bad_line cases[] = {
		{ "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"r\"}\n"
		  "{\"index\":0,\"process\":0,\"type\":\"ok\",\"f\":\"r\"}\n",
		  "2: index 0 where 1 was expected (duplicate or missing events)" },
		{ "{\"index\":0,\"process\":-2,\"type\":\"invoke\",\"f\":\"r\"}\n",
		  "1: \"process\": expected a non-negative integer or \"nemesis\"" },
		{ "{\"index\":0,\"process\":0,\"type\":\"done\",\"f\":\"r\"}\n",
		  "1: \"type\": expected one of invoke, ok, fail, info" },
		{ "[1,2]\n", "1: expected an object" },
		{ "{\"index\":0,\"process\":0,\"type\":\"ok\",\"f\":3}\n", "1: \"f\": expected a string" },
		{ "garbage\n{\"index\":0}\n", "1: column 7: invalid token near 'garbage'" },
	};

	return cr_make_param_array(struct bad_line, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_line *c, history, bad_lines)
{
	char err[DT_ERRBUF_SIZE] = "", want[DT_ERRBUF_SIZE];

	write_text(c->text);
	cr_assert_null(dt_history_read_jsonl(path, err));
	snprintf(want, sizeof(want), "%s:%s", path, c->message);
	cr_assert_str_eq(err, want);
}

Test(history, a_killed_writer_loses_nothing_it_recorded)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *h;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dt_history_writer *w = dt_history_writer_open(path, err);

		for (int i = 0; w != NULL && i < 1000; i++) {
			dt_op op = { .process = (i / 2) % 5,
				     .type = i % 2 ? DT_OP_OK : DT_OP_INVOKE, .f = "read",
				     .value = json_integer(i) };

			dt_history_append(w, &op);
			json_decref(op.value);
		}
		raise(SIGKILL); /* no close: the mapping is never trimmed */
	}
	waitpid(pid, NULL, 0);
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	cr_assert_eq(h->count, 1000);
	cr_assert_eq(h->torn, 0);
	cr_assert_eq(json_integer_value(h->ops[999].value), 999);
	dt_history_free(h);
}

/* The recorder encodes common values itself: every line must be exactly
 * what jansson writes for the same event (dt_op_to_json). */
Test(history, lines_are_byte_identical_to_jansson)
{
	char err[DT_ERRBUF_SIZE] = "";
	const char *values[] = {
		"null", "true", "false", "0", "-1", "9223372036854775807",
		"-9223372036854775808", "1.5", "-0.25", "1e300", "\"\"", "\"plain\"",
		"\"quote \\\" and \\\\ back\"", "\"tab\\tnew\\nline\"", "\"\\u0001\\u001f\"",
		"\"caf\\u00e9 \\u2603 \\ud83d\\ude00\"", "[]", "{}", "[1,[2,[3,[]]],{}]",
		"{\"key\":\"r1\",\"value\":[3,4]}", "{\"a\":{\"b\":{\"c\":null}},\"z\":1}",
		"{\"\\u00e9\":1,\"q\\\"\":2}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
	};
	size_t n = sizeof(values) / sizeof(values[0]);
	char **want = calloc(n, sizeof(char *));
	dt_history_writer *w = dt_history_writer_open(path, err);
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	cr_assert_not_null(w, "%s", err);
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		dt_op op = { .process = 0, .type = i % 2 ? DT_OP_OK : DT_OP_INVOKE,
			     .f = "w\"rite", .key = i % 3 ? NULL : "k\\1",
			     .error = i % 4 ? NULL : "why \"not\"" };

		op.value = json_loads(values[i], JSON_DECODE_ANY, &je);
		cr_assert_not_null(op.value, "%s: %s", values[i], je.text);
		cr_assert_geq(dt_history_append(w, &op), 0);
		want[i] = dt_op_to_json(&op);
		json_decref(op.value);
	}
	cr_assert_eq(dt_history_writer_close(w, err), 0, "%s", err);
	f = fopen(path, "r");
	for (size_t i = 0; i < n; i++) {
		ssize_t got = getline(&line, &cap, f);

		cr_assert_gt(got, 0);
		line[got - 1] = '\0';
		cr_expect_str_eq(line, want[i], "value %s", values[i]);
		free(want[i]);
	}
	fclose(f);
	free(line);
	free(want);
}
