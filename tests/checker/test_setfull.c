/*
 * test_setfull: the set-full checker on hand-written histories.  Each
 * verdict (ok, stale, lost, never-read, recovered, unexpected) is shown
 * with the report's exact fields: the counts, the elements listed with
 * their history indexes and times, the summary; stale is an anomaly only
 * with stale-invalid; a read that began before an add was acknowledged
 * may lack it; values it cannot judge are an error, not a verdict.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

#include "history.h"
#include "registry.h"

static dt_registry *reg;

static void setup(void)
{
	reg = dt_registry_new(TEST_BUILDDIR "/plugins/set/.libs");
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(setfull, .init = setup, .fini = teardown);

/* Events as JSON without index and time: event i gets index i and time
 * i microseconds. */
static dt_history *history(const char *const *events, size_t n)
{
	dt_history *h = calloc(1, sizeof(*h));
	char err[DT_ERRBUF_SIZE];

	cr_assert_not_null(h);
	h->ops = calloc(n, sizeof(dt_op));
	cr_assert_not_null(h->ops);
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		json_t *o = json_loads(events[i], 0, &je);
		char *line;

		cr_assert_not_null(o, "event %zu: %s", i, je.text);
		json_object_set_new(o, "index", json_integer((json_int_t)i));
		json_object_set_new(o, "time", json_integer((json_int_t)i * 1000));
		line = json_dumps(o, JSON_COMPACT);
		cr_assert_eq(dt_op_from_json(line, strlen(line), &h->ops[i], err), 0,
			     "event %zu: %s", i, err);
		free(line);
		json_decref(o);
		h->count++;
	}
	return h;
}

#define HISTORY(...) history((const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

#define INVOKE_ADD(p, e) "{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"add\",\"value\":" #e "}"
#define DONE_ADD(p, t, e) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"add\",\"value\":" #e ",\"node\":\"n1\"}"
#define ADD(p, t, e) INVOKE_ADD(p, e), DONE_ADD(p, t, e)
#define READ(p, set) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"read\",\"value\":null}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"read\",\"value\":" set "}"
#define FINAL(p, set) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"final\":true}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"read\",\"value\":" set ",\"final\":true}"

/* set-full on h with options conf (JSON text, or NULL); the result, or
 * NULL with err. */
static json_t *check(const dt_history *h, const char *conf, char *err)
{
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, "set-full", err);
	json_t *cf = conf ? json_loads(conf, 0, NULL) : json_object();
	dt_checker_env env = { .config = cf, .workload = "set", .registry = reg };
	json_t *result = NULL;
	int rc;

	cr_assert_not_null(c, "%s", err);
	cr_assert_not_null(cf);
	err[0] = '\0';
	rc = ((const dt_checker_type *)c->type)->check(&env, h, &result, err);
	json_decref(cf);
	if (rc != 0) {
		cr_assert_null(result);
		return NULL;
	}
	cr_assert_not_null(result);
	return result;
}

static json_t *must(const dt_history *h, const char *conf)
{
	char err[DT_ERRBUF_SIZE];
	json_t *r = check(h, conf, err);

	cr_assert_not_null(r, "set-full: %s", err);
	return r;
}

static long long count(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);

	cr_assert(json_is_integer(v), "no integer %s", key);
	return (long long)json_integer_value(v);
}

/* ok, stale, lost, never-read, recovered, unexpected counts. */
static void expect_counts(const json_t *r, long long ok, long long stale,
			  long long lost, long long never, long long recovered,
			  long long unexpected)
{
	cr_expect_eq(count(r, "ok-count"), ok);
	cr_expect_eq(count(r, "stale-count"), stale);
	cr_expect_eq(count(r, "lost-count"), lost);
	cr_expect_eq(count(r, "never-read-count"), never);
	cr_expect_eq(count(r, "recovered-count"), recovered);
	cr_expect_eq(count(r, "unexpected-count"), unexpected);
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	cr_assert(json_is_number(v), "no number %s", key);
	return json_number_value(v);
}

Test(setfull, every_acknowledged_add_in_the_final_read_is_valid)
{
	dt_history *h = HISTORY(ADD(0, "ok", 1), ADD(1, "ok", 2), READ(0, "[1, 2]"),
				FINAL(2, "[1, 2]"));
	json_t *r = must(h, NULL);

	cr_expect(json_is_true(json_object_get(r, "valid")));
	expect_counts(r, 2, 0, 0, 0, 0, 0);
	cr_expect_eq(count(r, "acknowledged-count"), 2);
	cr_expect_eq(json_array_size(json_object_get(r, "anomaly-types")), 0);
	cr_expect(json_is_true(json_object_get(json_object_get(r, "last-read"), "final")));
	cr_expect_eq(count(json_object_get(r, "last-read"), "index"), 7);
	cr_expect_null(json_object_get(r, "summary"));
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, an_acknowledged_add_absent_from_the_final_read_is_lost)
{
	/* 2 is acknowledged (index 3, 3 us), read at 5, gone at the end */
	dt_history *h = HISTORY(ADD(0, "ok", 1), ADD(1, "ok", 2), READ(0, "[1, 2]"),
				FINAL(2, "[1]"));
	json_t *r = must(h, NULL), *lost, *e;

	cr_expect(json_is_false(json_object_get(r, "valid")));
	expect_counts(r, 1, 0, 1, 0, 0, 0);
	cr_expect_eq(count(r, "lost-acknowledged-count"), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r,
			 "anomaly-types"), 0)), "lost");
	lost = json_object_get(r, "lost");
	cr_assert_eq(json_array_size(lost), 1);
	e = json_array_get(lost, 0);
	cr_expect_eq(count(e, "element"), 2);
	cr_expect_str_eq(json_string_value(json_object_get(e, "add")), "ok");
	cr_expect_eq(count(e, "add-index"), 2);
	cr_expect_eq(count(e, "index"), 3);
	cr_expect_float_eq(num(e, "acknowledged-at"), 3e-6, 1e-12);
	cr_expect_str_eq(json_string_value(json_object_get(e, "node")), "n1");
	cr_expect_eq(count(e, "first-seen-index"), 5);
	cr_expect_eq(count(e, "last-seen-index"), 5);
	cr_expect_eq(count(e, "last-absent-index"), 7);
	cr_expect_float_eq(json_number_value(json_array_get(json_object_get(r,
			   "lost-acknowledged-between"), 0)), 3e-6, 1e-12);
	cr_expect_str_eq(json_string_value(json_object_get(r, "summary")),
			 "1 of 2 acknowledged adds lost (acknowledged between 0.000 s "
			 "and 0.000 s), absent from the final read at 0.000 s; 1 lost in all");
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, absent_for_a_while_then_present_is_stale_and_valid_unless_asked)
{
	/* the read at 2-3 began after 1 was acknowledged and lacks it */
	dt_history *h = HISTORY(ADD(0, "ok", 1), READ(1, "[]"), FINAL(2, "[1]"));
	json_t *r = must(h, NULL), *e;

	cr_expect(json_is_true(json_object_get(r, "valid")));
	expect_counts(r, 0, 1, 0, 0, 0, 0);
	e = json_array_get(json_object_get(r, "stale"), 0);
	cr_expect_eq(count(e, "element"), 1);
	cr_expect_eq(count(e, "last-absent-index"), 3);
	cr_expect_eq(count(e, "first-seen-index"), 5);
	cr_expect_float_eq(num(r, "worst-stale-seconds"), 1e-6, 1e-12);
	json_decref(r);
	r = must(h, "{\"stale-invalid\": true}");
	cr_expect(json_is_false(json_object_get(r, "valid")));
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r,
			 "anomaly-types"), 0)), "stale");
	cr_expect_str_eq(json_string_value(json_object_get(r, "summary")),
			 "1 elements absent from reads after their add was "
			 "acknowledged (worst 0.000 s)");
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, a_read_that_began_before_the_acknowledgement_may_lack_it)
{
	/* read invoked at 1, the add acknowledged at 2, the read answers [] */
	dt_history *h = HISTORY(INVOKE_ADD(0, 1),
				"{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}",
				DONE_ADD(0, "ok", 1),
				"{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":[]}",
				FINAL(2, "[1]"));
	json_t *r = must(h, NULL);

	cr_expect(json_is_true(json_object_get(r, "valid")));
	expect_counts(r, 1, 0, 0, 0, 0, 0);
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, no_read_after_the_acknowledgement_is_never_read_and_unknown)
{
	dt_history *h = HISTORY(READ(1, "[]"), ADD(0, "ok", 1));
	json_t *r = must(h, NULL);

	cr_expect_str_eq(json_string_value(json_object_get(r, "valid")), "unknown");
	expect_counts(r, 0, 0, 0, 1, 0, 0);
	cr_expect_eq(count(json_array_get(json_object_get(r, "never-read"), 0),
			   "element"), 1);
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, an_unknown_add_that_appears_is_recovered_one_that_does_not_is_nothing)
{
	dt_history *h = HISTORY(ADD(0, "info", 1), ADD(3, "info", 2), FINAL(2, "[1]"));
	json_t *r = must(h, NULL), *e;

	cr_expect(json_is_true(json_object_get(r, "valid")));
	expect_counts(r, 1, 0, 0, 0, 1, 0);
	cr_expect_eq(count(r, "attempted-count"), 2);
	cr_expect_eq(count(r, "acknowledged-count"), 0);
	e = json_array_get(json_object_get(r, "recovered"), 0);
	cr_expect_eq(count(e, "element"), 1);
	cr_expect_str_eq(json_string_value(json_object_get(e, "add")), "info");
	cr_expect_eq(count(e, "first-seen-index"), 5);
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, a_recovered_element_that_disappears_is_lost_too)
{
	dt_history *h = HISTORY(ADD(0, "info", 1), READ(1, "[1]"), FINAL(2, "[]"));
	json_t *r = must(h, NULL);

	cr_expect(json_is_false(json_object_get(r, "valid")));
	expect_counts(r, 0, 0, 1, 0, 1, 0);
	cr_expect_eq(count(r, "lost-acknowledged-count"), 0);
	cr_expect_null(json_object_get(r, "lost-acknowledged-between"));
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, elements_never_added_or_whose_add_failed_are_unexpected)
{
	dt_history *h = HISTORY(ADD(0, "fail", 3), FINAL(2, "[3, 7]"));
	json_t *r = must(h, NULL), *u;

	cr_expect(json_is_false(json_object_get(r, "valid")));
	expect_counts(r, 0, 0, 0, 0, 0, 2);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r,
			 "anomaly-types"), 0)), "unexpected");
	u = json_object_get(r, "unexpected");
	cr_assert_eq(json_array_size(u), 2);
	cr_expect_eq(count(json_array_get(u, 0), "element"), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(u, 0), "add")), "fail");
	cr_expect_eq(count(json_array_get(u, 1), "element"), 7);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(u, 1), "add")), "none");
	cr_expect_str_eq(json_string_value(json_object_get(r, "summary")),
			 "2 elements read that were never added or whose add failed");
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, report_bounds_the_elements_listed_not_the_counts)
{
	dt_history *h = HISTORY(ADD(0, "ok", 1), ADD(0, "ok", 2), ADD(0, "ok", 3),
				FINAL(2, "[]"));
	json_t *r = must(h, "{\"report\": 2}");

	expect_counts(r, 0, 0, 3, 0, 0, 0);
	cr_expect_eq(json_array_size(json_object_get(r, "lost")), 2);
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, nemesis_events_and_failed_reads_are_ignored)
{
	dt_history *h = HISTORY(ADD(0, "ok", 1),
		"{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\",\"value\":[1]}",
		"{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}",
		"{\"process\":1,\"type\":\"fail\",\"f\":\"read\",\"value\":null}",
		FINAL(2, "[1]"));
	json_t *r = must(h, NULL);

	cr_expect(json_is_true(json_object_get(r, "valid")));
	expect_counts(r, 1, 0, 0, 0, 0, 0);
	cr_expect_eq(count(r, "reads"), 1);
	json_decref(r);
	dt_history_free(h);
}

Test(setfull, values_it_cannot_judge_are_an_error)
{
	char err[DT_ERRBUF_SIZE];
	dt_history *h = HISTORY(ADD(0, "ok", "x"));

	cr_expect_null(check(h, NULL, err));
	cr_expect_str_eq(err, "op 0: an add of a value that is not an integer "
			 "(the set workload's elements are)");
	dt_history_free(h);
	h = HISTORY(READ(0, "{}"));
	cr_expect_null(check(h, NULL, err));
	cr_expect_str_eq(err, "op 1: a read that is not a list of elements");
	dt_history_free(h);
}
