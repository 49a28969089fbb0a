/* SPDX-License-Identifier: MIT */
/*
 * timeline.html: what the page's data holds (ops in order of start,
 * lanes, outcomes, nodes, nemesis bands, node marks, the anomaly's ops
 * and the writes they read) and that its size stays a few bytes an
 * operation, whatever the values.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"
#include "timeline.h"

static dt_op ev(int64_t i, int64_t t, int64_t p, dt_op_type type, const char *f,
		const char *value, const char *node)
{
	dt_op op = { .index = i, .time = t, .process = p, .type = type,
		     .f = strdup(f), .value = json_loads(value, JSON_DECODE_ANY, NULL),
		     .node = node ? strdup(node) : NULL };
	return op;
}

Test(timeline, holds_the_run)
{
	dt_op ops[] = {
		ev(0, 0, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":3}", NULL),
		ev(1, 1000000, 1, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}", NULL),
		ev(2, 2000000, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":3}", "n1"),
		ev(3, 2500000, DT_PROCESS_NEMESIS, DT_OP_INFO, "start",
		   "{\"nemesis\":\"kill\",\"nodes\":[\"n2\"]}", NULL),
		ev(4, 3000000, 1, DT_OP_OK, "read", "{\"key\":\"r0\",\"value\":3}", "n2"),
		ev(5, 4000000, 2, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}", NULL),
		ev(6, 5000000, 2, DT_OP_INFO, "read", "{\"key\":\"r0\"}", NULL),
		ev(7, 6000000, DT_PROCESS_NEMESIS, DT_OP_INFO, "heal",
		   "{\"nemesis\":\"kill\"}", NULL),
	};
	dt_history h = { .ops = ops, .count = sizeof(ops) / sizeof(ops[0]) };
	json_t *results = json_loads("{\"valid\":false,\"checkers\":{\"linearizable\":"
		"{\"valid\":false,\"summary\":\"not linearizable\",\"failures\":"
		"[{\"unplaced\":{\"index\":1,\"return-index\":4}}]}}}", 0, NULL);
	json_t *suite = json_loads("{\"name\":\"t\",\"concurrency\":2}", 0, NULL);
	json_t *d = dt_timeline_data(&h, results, suite);
	json_t *band, *edge;

	cr_assert_not_null(d);
	cr_expect_eq(json_integer_value(json_object_get(d, "ops")), 3);
	cr_expect_eq(json_integer_value(json_object_get(d, "lanes")), 2);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(d, "fs"), 0)), "write");
	band = json_array_get(json_object_get(d, "nemesis"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(band, "nemesis")), "kill");
	cr_expect_float_eq(json_number_value(json_object_get(band, "from")), 0.0025, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(band, "to")), 0.006, 1e-9);
	cr_expect_eq(json_array_size(json_object_get(d, "marks")), 2, "n2 down, then up");
	/* the read the report names (slot 1), and the write it read (slot 0) */
	cr_expect_eq(json_array_size(json_object_get(d, "highlight")), 1);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(d, "highlight"), 0)), 1);
	edge = json_array_get(json_object_get(d, "edges"), 0);
	cr_assert_not_null(edge);
	cr_expect_eq(json_integer_value(json_object_get(edge, "write")), 0);
	cr_expect_eq(json_integer_value(json_object_get(edge, "read")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(d, "anomalies"), 0), "text")), "linearizable: not linearizable");
	{
		/* the packed ops: slot 0 the write (0..2 ms, lane 0, ok, node
		 * n1, line 1), slot 1 the read (1..3 ms, lane 1, ok, n2, line
		 * 2), slot 2 the info read (4..5 ms, lane 2 % 2 = 0, info, no
		 * node, line 6) */
		size_t n, p = 0;
		const char *m = json_string_value(json_object_get(d, "packed"));
		unsigned char *raw = dt_base64_decode(m, strlen(m), &n);
		uint64_t want[3][5] = {
			{ 0, 2000, 0, 0 | 1 << 2 | 0 << 8, 0 },
			{ 1000, 2000, 1, 0 | 2 << 2 | 1 << 8, 2 },      /* index +1 */
			{ 3000, 1000, 0, 2 | 0 << 2 | 1 << 8, 8 },      /* index +4 */
		};

		cr_assert_not_null(raw);
		for (int i = 0; i < 3; i++)
			for (int k = 0; k < 5; k++) {
				uint64_t v = 0;
				int shift = 0;

				cr_assert_lt(p, n);
				do {
					v |= (uint64_t)(raw[p] & 0x7f) << shift;
					shift += 7;
				} while (raw[p++] & 0x80);
				cr_expect_eq(v, want[i][k], "slot %d field %d: %llu, want %llu",
					     i, k, (unsigned long long)v,
					     (unsigned long long)want[i][k]);
			}
		cr_expect_eq(p, n, "nothing after the three ops");
		free(raw);
	}
	json_decref(d);
	json_decref(results);
	json_decref(suite);
	for (size_t i = 0; i < h.count; i++)
		dt_op_clear(&ops[i]);
}

/* 20,000 ops with long values: the page grows by its few bytes of
 * packed data an op (about 8, base64: 11), not by what the history
 * holds. */
Test(timeline, size_is_bytes_an_operation)
{
	size_t n = 20000;
	dt_op *ops = calloc(2 * n, sizeof(*ops));
	dt_history h = { .ops = ops, .count = 2 * n };
	char dir[] = "/tmp/dt-test-timeline-XXXXXX", path[300], err[DT_ERRBUF_SIZE];
	char value[600];
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (size_t i = 0; i < n; i++) {
		ops[2 * i] = (dt_op){ .index = (int64_t)(2 * i), .time = (int64_t)i * 1000,
				      .process = (int64_t)(i % 4), .type = DT_OP_INVOKE,
				      .f = strdup("write"), .value = json_pack("{ss}", "value", value) };
		ops[2 * i + 1] = ops[2 * i];
		ops[2 * i + 1].index++;
		ops[2 * i + 1].time += 500;
		ops[2 * i + 1].type = DT_OP_OK;
		ops[2 * i + 1].f = strdup("write");
		json_incref(ops[2 * i + 1].value);
	}
	cr_assert_eq(dt_timeline_write(dir, &h, NULL, NULL, err), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/timeline.html", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_lt((double)st.st_size, 30000 + 12.0 * (double)n,
		     "%lld bytes for %zu ops", (long long)st.st_size, n);
	unlink(path);
	rmdir(dir);
	for (size_t i = 0; i < h.count; i++)
		dt_op_clear(&ops[i]);
	free(ops);
}
