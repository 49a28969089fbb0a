/* SPDX-License-Identifier: MIT */
/*
 * The reply parsers of the etcd client (plugins/etcd/reply.c): real
 * gateway replies (as etcd 3.4/3.5 sends them), errors, and replies
 * that no etcd sends but a broken or hostile server could.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

/* Parse a 200 reply that must be accepted. */
static json_t *ok(const char *body)
{
	char *error = NULL;
	dt_op_type t = DT_OP_INVOKE;
	json_t *r = etcd_reply_parse(200, body, strlen(body), &error, &t);

	cr_assert_not_null(r, "%s: refused: %s", body, error);
	cr_assert_null(error);
	cr_assert_eq(t, DT_OP_OK);
	return r;
}

/* Parse a reply that must be refused with this error and outcome. */
static void refused(long code, const char *body, const char *want, dt_op_type outcome)
{
	char *error = NULL;
	dt_op_type t = DT_OP_INVOKE;
	json_t *r = etcd_reply_parse(code, body, body ? strlen(body) : 0, &error, &t);

	cr_assert_null(r, "%ld %s: accepted", code, body);
	cr_assert_str_eq(error, want, "%ld %s", code, body);
	cr_assert_eq(t, outcome, "%ld %s: outcome %d, want %d", code, body, t, outcome);
	free(error);
}

Test(etcd_reply, errors_say_why_and_whether_anything_happened)
{
	refused(400, "{\"error\":\"etcdserver: key is not provided\",\"code\":3,"
		"\"message\":\"etcdserver: key is not provided\"}",
		"HTTP 400: etcdserver: key is not provided", DT_OP_FAIL);
	refused(500, "{\"error\":\"etcdserver: request timed out\",\"code\":14}",
		"HTTP 500: etcdserver: request timed out", DT_OP_INFO);
	refused(503, "{\"message\":\"etcdserver: leader changed\"}",
		"HTTP 503: etcdserver: leader changed", DT_OP_INFO);
	refused(502, "<html>bad gateway</html>", "HTTP 502: no message", DT_OP_INFO);
	refused(404, NULL, "HTTP 404: no message", DT_OP_FAIL);
	refused(500, "{\"error\": 7}", "HTTP 500: no message", DT_OP_INFO);
	/* a 200 that is not an object: the write may have happened */
	refused(200, "[1,2]", "malformed reply (not a JSON object)", DT_OP_INFO);
	refused(200, "{\"header\":", "malformed reply (not a JSON object)", DT_OP_INFO);
	refused(200, "", "malformed reply (not a JSON object)", DT_OP_INFO);
	refused(200, NULL, "malformed reply (not a JSON object)", DT_OP_INFO);
}

Test(etcd_reply, a_body_need_not_be_terminated)
{
	const char text[] = "{\"header\":{}}garbage";
	char *error = NULL;
	dt_op_type t;
	json_t *r = etcd_reply_parse(200, text, 13, &error, &t);

	cr_assert_not_null(r, "%s", error);
	json_decref(r);
}

Test(etcd_reply, range_of_a_key)
{
	json_t *r = ok("{\"header\":{\"cluster_id\":\"14841639068965178418\","
		       "\"revision\":\"5\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"eA==\","
		       "\"create_revision\":\"2\",\"mod_revision\":\"5\",\"version\":\"4\","
		       "\"value\":\"WzEsMl0=\"}],\"count\":\"1\"}");
	char *value, *rev, *error = NULL;
	size_t n;

	cr_assert_eq(etcd_reply_range(r, &value, &n, &rev, &error), 0, "%s", error);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(value, "[1,2]");
	cr_assert_str_eq(rev, "5");
	free(value);
	free(rev);
	json_decref(r);
}

Test(etcd_reply, range_of_a_missing_key_and_of_an_empty_value)
{
	json_t *miss = ok("{\"header\":{\"revision\":\"5\"}}");
	json_t *empty = ok("{\"kvs\":[{\"key\":\"eA==\",\"mod_revision\":\"7\"}]}");
	json_t *norev = ok("{\"kvs\":[{\"value\":\"YQ==\"}]}");
	char *value, *rev, *error = NULL;
	size_t n = 99;

	cr_assert_eq(etcd_reply_range(miss, &value, &n, &rev, &error), 0);
	cr_assert_null(value);
	cr_assert_null(rev);
	cr_assert_eq(n, 0);
	/* the gateway leaves an empty value out */
	cr_assert_eq(etcd_reply_range(empty, &value, &n, &rev, &error), 0);
	cr_assert_str_eq(value, "");
	cr_assert_eq(n, 0);
	cr_assert_str_eq(rev, "7");
	free(value);
	free(rev);
	cr_assert_eq(etcd_reply_range(norev, &value, &n, &rev, &error), 0);
	cr_assert_str_eq(value, "a");
	cr_assert_str_eq(rev, "0");
	free(value);
	free(rev);
	json_decref(miss);
	json_decref(empty);
	json_decref(norev);
}

Test(etcd_reply, a_binary_value_keeps_its_length)
{
	json_t *r = ok("{\"kvs\":[{\"value\":\"YQBi\"}]}"); /* "a\0b" */
	char *value, *rev, *error = NULL;
	size_t n;

	cr_assert_eq(etcd_reply_range(r, &value, &n, &rev, &error), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(value, "a\0b", 4), 0);
	free(value);
	free(rev);
	json_decref(r);
}

Test(etcd_reply, malformed_ranges_are_errors_not_crashes)
{
	static const struct { const char *body, *error; } cases[] = {
		/* a number where base64 text belongs (used to crash) */
		{ "{\"kvs\":[{\"value\":1}]}", "malformed reply: a value that is not base64" },
		{ "{\"kvs\":[{\"value\":null}]}", "malformed reply: a value that is not base64" },
		{ "{\"kvs\":[{\"value\":\"!!!!\"}]}", "malformed reply: a value that is not base64" },
		{ "{\"kvs\":[{\"value\":\"Z\"}]}", "malformed reply: a value that is not base64" },
		{ "{\"kvs\":[\"eA==\"]}", "malformed reply: a key that is not an object" },
		{ "{\"kvs\":[[]]}", "malformed reply: a key that is not an object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = ok(cases[i].body);
		char *value = (char *)1, *rev = (char *)1, *error = NULL;
		size_t n;

		cr_assert_eq(etcd_reply_range(r, &value, &n, &rev, &error), -1,
			     "%s: accepted", cases[i].body);
		cr_assert_str_eq(error, cases[i].error, "%s", cases[i].body);
		cr_assert_null(value);
		cr_assert_null(rev);
		free(error);
		json_decref(r);
	}
}

Test(etcd_reply, odd_but_harmless_ranges)
{
	/* kvs not an array, or empty: no key; a numeric revision: "0" */
	static const char *const miss[] = { "{\"kvs\":{}}", "{\"kvs\":[]}", "{\"kvs\":7}" };
	json_t *r;
	char *value, *rev, *error = NULL;
	size_t n;

	for (size_t i = 0; i < 3; i++) {
		r = ok(miss[i]);
		cr_assert_eq(etcd_reply_range(r, &value, &n, &rev, &error), 0, "%s", miss[i]);
		cr_assert_null(value, "%s", miss[i]);
		json_decref(r);
	}
	r = ok("{\"kvs\":[{\"value\":\"\",\"mod_revision\":12}]}");
	cr_assert_eq(etcd_reply_range(r, &value, &n, &rev, &error), 0);
	cr_assert_str_eq(rev, "0");
	free(value);
	free(rev);
	json_decref(r);
}

Test(etcd_reply, txn_succeeded_only_when_true)
{
	static const struct { const char *body; bool want; } cases[] = {
		{ "{\"header\":{},\"succeeded\":true,\"responses\":[]}", true },
		{ "{\"header\":{},\"responses\":[]}", false }, /* false is left out */
		{ "{\"succeeded\":false}", false },
		{ "{\"succeeded\":\"true\"}", false },
		{ "{\"succeeded\":1}", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = ok(cases[i].body);

		cr_assert_eq(etcd_reply_succeeded(r), cases[i].want, "%s", cases[i].body);
		json_decref(r);
	}
}
