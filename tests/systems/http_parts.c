/* SPDX-License-Identifier: MIT */
/*
 * The http client's parts without a server (plugins/http/template.c,
 * reply.c and ops.c compiled in): templates and their filters, JSON
 * pointers (RFC 6901's own examples), and replies into outcomes through
 * rules in order, with their errors.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static char why[DT_ERRBUF_SIZE];

/* text rendered with key, value (JSON texts) and node n2. */
static char *render(const char *text, const char *key, const char *value)
{
	http_template t;
	json_t *k = key ? json_loads(key, JSON_DECODE_ANY, NULL) : NULL;
	json_t *v = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL;
	json_t *n = json_string("n2");
	const json_t *vars[HTTP_VAR_COUNT] = { k, v, json_array_get(v, 0),
					       json_array_get(v, 1), n };
	char *out;

	cr_assert_eq(http_template_parse(text, &t, why), 0, "%s: %s", text, why);
	out = http_template_render(&t, vars);
	http_template_free(&t);
	json_decref(k);
	json_decref(v);
	json_decref(n);
	cr_assert_not_null(out);
	return out;
}

static void expect_render(const char *text, const char *key, const char *value,
			  const char *want)
{
	char *out = render(text, key, value);

	cr_expect_str_eq(out, want, "%s", text);
	free(out);
}

Test(http_template, variables_and_filters)
{
	expect_render("/v1/kv/{key}", "\"r1\"", NULL, "/v1/kv/r1");
	expect_render("{value}", NULL, "3", "3");
	expect_render("{value}", NULL, "\"ab\"", "ab");
	expect_render("{value|json}", NULL, "\"ab\"", "\"ab\"");
	expect_render("{value|json|base64}", NULL, "3", "Mw==");
	expect_render("{key|base64}", "\"r1\"", NULL, "cjE=");
	expect_render("{from}->{to}", NULL, "[1, 4]", "1->4");
	expect_render("{value}", NULL, NULL, "null");
	expect_render("/k/{key|url}", "\"a b/c\"", NULL, "/k/a%20b%2Fc");
	expect_render("{\"v\": {value|quote}}", NULL, "\"say \\\"hi\\\"\"",
		      "{\"v\": \"say \\\"hi\\\"\"}");
	expect_render("on {node}", NULL, NULL, "on n2");
	/* braces that open no variable are literal */
	expect_render("{\"key\": \"{key}\", \"x\": {}}", "\"r1\"", NULL,
		      "{\"key\": \"r1\", \"x\": {}}");
	expect_render("{ key } {Key} {key", "\"r1\"", NULL, "{ key } {Key} {key");
}

Test(http_template, errors)
{
	http_template t;

	cr_expect_eq(http_template_parse("/{kee}", &t, why), -1);
	cr_expect_str_eq(why, "{kee}: no variable 'kee' (there are key, value, "
			 "from, to and node)");
	cr_expect_eq(http_template_parse("{key|base46}", &t, why), -1);
	cr_expect_str_eq(why, "{key|base46}: no filter 'base46' (there are json, "
			 "base64, url and quote)");
	cr_expect_eq(http_template_parse("{value|base64|json}", &t, why), -1);
	cr_expect_str_eq(why, "{value|base64|json}: json comes first (it writes "
			 "the value, the others its text)");
}

Test(http_pointer, rfc6901_examples)
{
	json_t *doc = json_loads("{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1,"
				 " \"c%d\": 2, \"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5,"
				 " \"k\\\"l\": 6, \" \": 7, \"m~n\": 8}", 0, NULL);

	cr_assert_not_null(doc);
	cr_expect_eq(http_pointer(doc, ""), doc);
	cr_expect_str_eq(json_string_value(http_pointer(doc, "/foo/0")), "bar");
	cr_expect_eq(json_integer_value(http_pointer(doc, "/")), 0);
	cr_expect_eq(json_integer_value(http_pointer(doc, "/a~1b")), 1);
	cr_expect_eq(json_integer_value(http_pointer(doc, "/c%d")), 2);
	cr_expect_eq(json_integer_value(http_pointer(doc, "/k\"l")), 6);
	cr_expect_eq(json_integer_value(http_pointer(doc, "/ ")), 7);
	cr_expect_eq(json_integer_value(http_pointer(doc, "/m~0n")), 8);
	cr_expect_null(http_pointer(doc, "/foo/2"));
	cr_expect_null(http_pointer(doc, "/foo/01"), "no leading zeros");
	cr_expect_null(http_pointer(doc, "/foo/-"));
	cr_expect_null(http_pointer(doc, "/nope/x"));
	cr_expect_null(http_pointer(doc, "foo"));
	cr_expect_eq(http_pointer_check("foo", why), -1);
	cr_expect_eq(http_pointer_check("/a~2", why), -1);
	cr_expect_eq(http_pointer_check("/a~1b", why), 0);
	json_decref(doc);
}

/* The rules of the etcd-http suite's read and cas, and the client's. */
static http_rule *rules_of(const char *json, size_t *n)
{
	json_t *list = json_loads(json, 0, NULL);
	http_rule *r = NULL;

	cr_assert_not_null(list, "%s", json);
	cr_assert_eq(http_rules_parse(list, &r, n, why), 0, "%s", why);
	json_decref(list);
	return r;
}

static void free_rules(http_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		http_rule_free(&r[i]);
	free(r);
}

static dt_op_type map(const http_rule *r, size_t n, const http_rule *more,
		      size_t nmore, bool ro, long status, const char *body,
		      json_t **v, char **e)
{
	return http_reply_map(r, n, more, nmore, ro, status, body,
			      body ? strlen(body) : 0, v, e);
}

Test(http_reply, rules_in_order)
{
	size_t nr, nc, nx;
	http_rule *read = rules_of("[{\"status\": 200, \"type\": \"ok\", \"value\": "
				   "\"/kvs/0/value\", \"decode\": [\"base64\", \"json\"]}]", &nr);
	http_rule *cas = rules_of("[{\"status\": 200, \"if\": {\"pointer\": \"/succeeded\","
				  " \"equals\": true}, \"type\": \"ok\"}, {\"status\": 200,"
				  " \"type\": \"fail\", \"error\": \"cas mismatch\"}]", &nc);
	http_rule *client = rules_of("[{\"status\": \"4xx\", \"type\": \"fail\"}]", &nx);
	json_t *v = NULL;
	char *e = NULL;

	cr_expect_eq(map(read, nr, client, nx, true, 200,
			 "{\"kvs\": [{\"value\": \"Mw==\"}]}", &v, &e), DT_OP_OK);
	cr_expect_eq(json_integer_value(v), 3);
	json_decref(v);
	cr_expect_eq(map(read, nr, client, nx, true, 200, "{\"header\": {}}", &v, &e),
		     DT_OP_OK, "a key not there");
	cr_expect(json_is_null(v));
	json_decref(v);
	cr_expect_eq(map(read, nr, client, nx, true, 200,
			 "{\"kvs\": [{\"value\": \"%%%\"}]}", &v, &e), DT_OP_FAIL);
	cr_expect_str_eq(e, "HTTP 200: the value at /kvs/0/value is not base64");
	free(e);
	cr_expect_eq(map(read, nr, client, nx, false, 200,
			 "{\"kvs\": [{\"value\": 3}]}", &v, &e), DT_OP_INFO,
		     "a write's undecodable value is unknown");
	cr_expect_str_eq(e, "HTTP 200: the value at /kvs/0/value is not a string to decode");
	free(e);
	cr_expect_eq(map(read, nr, client, nx, true, 200, "not json", &v, &e), DT_OP_FAIL);
	cr_expect_str_eq(e, "HTTP 200: the reply is not JSON: no value to read");
	free(e);
	cr_expect_eq(map(cas, nc, client, nx, false, 200, "{\"succeeded\": true}", &v, &e),
		     DT_OP_OK);
	cr_expect_null(v);
	cr_expect_eq(map(cas, nc, client, nx, false, 200, "{}", &v, &e), DT_OP_FAIL);
	cr_expect_str_eq(e, "cas mismatch");
	free(e);
	cr_expect_eq(map(cas, nc, client, nx, false, 404, "{\"error\": \"no\"}", &v, &e),
		     DT_OP_FAIL, "the client's rule after the op's");
	cr_expect_str_eq(e, "HTTP 404: {\"error\": \"no\"}");
	free(e);
	cr_expect_eq(map(cas, nc, client, nx, false, 503,
			 "{\"error\":\"etcdserver: leader changed\"}\n", &v, &e),
		     DT_OP_INFO, "no rule: unknown");
	cr_expect_str_eq(e, "HTTP 503: {\"error\":\"etcdserver: leader changed\"}");
	free(e);
	cr_expect_eq(map(read, nr, client, nx, true, 503, NULL, &v, &e), DT_OP_FAIL,
		     "no rule, read-only: fail");
	cr_expect_str_eq(e, "HTTP 503");
	free(e);
	free_rules(read, nr);
	free_rules(cas, nc);
	free_rules(client, nx);
}

Test(http_reply, statuses_and_body)
{
	size_t n;
	http_rule *r = rules_of("[{\"status\": [201, \"200-204\", \"3xx\", \"404\"],"
				" \"type\": \"ok\", \"value\": \"body\", \"decode\": [\"json\"]}]", &n);
	json_t *v = NULL;
	char *e = NULL;

	for (long s = 100; s < 600; s++) {
		bool want = (s >= 200 && s <= 204) || (s >= 300 && s < 400) || s == 404;
		dt_op_type t = map(r, n, NULL, 0, false, s, "[1]", &v, &e);

		cr_expect_eq(t, want ? DT_OP_OK : DT_OP_INFO, "status %ld", s);
		json_decref(v);
		free(e);
		v = NULL;
		e = NULL;
	}
	cr_expect_eq(map(r, n, NULL, 0, false, 200, "plain text", &v, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(v), "plain text", "text that is not JSON stays text");
	json_decref(v);
	free_rules(r, n);
}

Test(http_reply, bad_rules)
{
	json_t *l;
	http_rule *r;
	size_t n;

	l = json_loads("[{\"status\": 700, \"type\": \"ok\"}]", 0, NULL);
	cr_expect_eq(http_rules_parse(l, &r, &n, why), -1);
	cr_expect(strstr(why, "status: expected a status (200), a class") != NULL, "%s", why);
	free_rules(r, n);
	json_decref(l);
	l = json_loads("[{\"type\": \"fail\", \"value\": \"/x\"}]", 0, NULL);
	cr_expect_eq(http_rules_parse(l, &r, &n, why), -1);
	cr_expect(strstr(why, "value: only an ok reply reads a value") != NULL, "%s", why);
	free_rules(r, n);
	json_decref(l);
	l = json_loads("[{\"type\": \"ok\", \"value\": \"x\"}]", 0, NULL);
	cr_expect_eq(http_rules_parse(l, &r, &n, why), -1);
	cr_expect(strstr(why, "'x' is not a JSON pointer") != NULL, "%s", why);
	free_rules(r, n);
	json_decref(l);
	l = json_loads("[{\"type\": \"ok\", \"value\": \"/x\", \"decode\": [\"rot13\"]}]", 0, NULL);
	cr_expect_eq(http_rules_parse(l, &r, &n, why), -1);
	cr_expect(strstr(why, "no decoding 'rot13' (there are base64 and json)") != NULL,
		  "%s", why);
	free_rules(r, n);
	json_decref(l);
}
