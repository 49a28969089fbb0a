/* SPDX-License-Identifier: MIT */
/*
 * YAML loading: types, locations, and a table of bad documents with the
 * exact message each must give.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "yamldoc.h"

static dt_doc *parse(const char *text, char *err)
{
	return dt_doc_parse("t.yaml", text, strlen(text), err);
}

Test(yaml, scalar_types)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *d = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: hello\n"
			  "g: 0x10\nh: -3\ni: 1e3\nj: \"true\"\nk:\n", err);

	cr_assert_not_null(d, "%s", err);
	cr_assert(json_is_integer(json_object_get(d->root, "a")));
	cr_assert(json_is_real(json_object_get(d->root, "b")));
	cr_assert(json_is_true(json_object_get(d->root, "c")));
	cr_assert(json_is_null(json_object_get(d->root, "d")));
	cr_assert_str_eq(json_string_value(json_object_get(d->root, "e")), "1");
	cr_assert_str_eq(json_string_value(json_object_get(d->root, "f")), "hello");
	cr_assert_eq(json_integer_value(json_object_get(d->root, "g")), 16);
	cr_assert_eq(json_integer_value(json_object_get(d->root, "h")), -3);
	cr_assert_float_eq(json_real_value(json_object_get(d->root, "i")), 1000.0, 1e-9);
	cr_assert(json_is_string(json_object_get(d->root, "j")));
	cr_assert(json_is_null(json_object_get(d->root, "k")));
	dt_doc_free(d);
}

Test(yaml, locations_of_nested_keys)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *d = parse("name: x\nnemesis:\n  - name: kill\n    probability: 2\n", err);

	cr_assert_not_null(d, "%s", err);
	dt_doc_fail(d, "nemesis[0].probability", err, "too big");
	cr_assert_str_eq(err, "t.yaml:4:5: nemesis[0].probability: too big");
	/* a key without a mark falls back to its nearest marked parent */
	dt_doc_fail(d, "nemesis[0].missing", err, "absent");
	cr_assert_str_eq(err, "t.yaml:3:5: nemesis[0].missing: absent");
	dt_doc_free(d);
}

Test(yaml, conf_fail_names_where_a_plugin_section_came_from)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *d = parse("client:\n  name: mem\n  latency: fast\n", err);
	const json_t *client;
	double v;

	cr_assert_not_null(d, "%s", err);
	client = json_object_get(d->root, "client");
	cr_assert_eq(dt_conf_double(client, "latency", 0, 0, 10, &v, err), -1);
	cr_assert_str_eq(err, "t.yaml:3:3: client.latency: expected a number between 0 and 10");
	dt_doc_free(d);
}

struct bad_case {
	char text[400];
	char message[400];
};

ParameterizedTestParameters(yaml, bad_documents)
{
	static struct bad_case cases[] = {
		{ "a: [1, 2\n", "t.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence" },
		{ "a: 1\na: 2\n", "t.yaml:2:1: a: duplicate key" },
		{ "a: &x 1\nb: *x\n", "t.yaml:1:4: a: anchors and aliases are not supported" },
		{ "? [1]\n: 2\n", "t.yaml:1:3: keys must be plain scalars" },
		{ "a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document in the file" },
		{ "a: \xff\n", "t.yaml:1:4: invalid leading UTF-8 octet" },
		{ "\tname: x\n", "t.yaml:1:1: found character that cannot start any token while scanning for the next token" },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, yaml, bad_documents)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *d = parse(c->text, err);

	cr_assert_null(d, "parsed: %s", c->text);
	cr_assert_str_eq(err, c->message);
}

Test(yaml, deep_nesting_is_refused)
{
	char err[DT_ERRBUF_SIZE] = "";
	char text[2000];
	size_t n = 0;
	dt_doc *d;

	for (int i = 0; i < 100; i++)
		text[n++] = '[';
	for (int i = 0; i < 100; i++)
		text[n++] = ']';
	text[n] = '\0';
	d = parse(text, err);
	cr_assert_null(d);
	cr_assert(strstr(err, "nested deeper than 64 levels") != NULL, "%s", err);
}

Test(yaml, empty_document_has_no_root)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *d = parse("", err);

	cr_assert_not_null(d, "%s", err);
	cr_assert_null(d->root);
	dt_doc_free(d);
}
