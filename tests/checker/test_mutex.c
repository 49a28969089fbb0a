/*
 * test_mutex: the mutex checker on hand-written histories.  Holds that
 * follow each other are valid; two that overlap are a violation naming
 * both holders and the interval; a hold ends at its release's invoke or
 * its lease (ttl from the acquire's invoke), whichever is first, so a
 * lock taken over after the lease ran out is no violation, while one
 * taken a moment before is; acquires that failed or whose outcome is
 * unknown hold nothing; locks of different keys never clash.
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
	reg = dt_registry_new(TEST_BUILDDIR "/plugins/lock/.libs");
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(mutex, .init = setup, .fini = teardown);

/* Events as JSON with "t" in ms (turned into "time" in ns) and no index:
 * event i gets index i, in the order given (times must not decrease). */
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
		json_object_set_new(o, "time", json_integer(
			json_integer_value(json_object_get(o, "t")) * 1000000));
		json_object_del(o, "t");
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

/* Process p asks for key K with a lease of ttl ms at time t ... */
#define ACQ_INV(p, t, key, ttl) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"invoke\",\"f\":\"acquire\"," \
	"\"value\":{\"key\":\"" key "\",\"ttl_ms\":" #ttl "}}"
/* ... and gets it at time t with token tok from node n1 */
#define ACQ_OK(p, t, key, tok) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"ok\",\"f\":\"acquire\"," \
	"\"node\":\"n1\",\"value\":{\"key\":\"" key "\",\"token\":\"" tok "\"}}"
#define ACQ_FAIL(p, t) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"fail\",\"f\":\"acquire\"," \
	"\"error\":\"held by another\"}"
#define ACQ_INFO(p, t) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"info\",\"f\":\"acquire\"," \
	"\"error\":\"timed out\"}"
#define REL_INV(p, t, key) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"invoke\",\"f\":\"release\"," \
	"\"value\":{\"key\":\"" key "\"}}"
#define REL_OK(p, t, key) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"ok\",\"f\":\"release\"," \
	"\"value\":{\"key\":\"" key "\"}}"
#define REL_LOST(p, t) \
	"{\"process\":" #p ",\"t\":" #t ",\"type\":\"fail\",\"f\":\"release\"," \
	"\"error\":\"not held: lock no longer has token\"}"
#define NEMESIS(t) \
	"{\"process\":\"nemesis\",\"t\":" #t ",\"type\":\"info\",\"f\":\"start\"," \
	"\"value\":{\"nemesis\":\"clock-bump\"}}"

static json_t *check(dt_history *h)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, "mutex", err);
	dt_checker_env env = { .workload = "lock", .registry = reg };
	json_t *r = NULL;

	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(((const dt_checker_type *)c->type)->check(&env, h, &r, err), 0,
		     "%s", err);
	cr_assert_not_null(r);
	dt_history_free(h);
	return r;
}

static long long num(const json_t *o, const char *k)
{
	cr_assert(json_is_integer(json_object_get(o, k)), "no integer %s", k);
	return (long long)json_integer_value(json_object_get(o, k));
}

static double real(const json_t *o, const char *k)
{
	cr_assert(json_is_number(json_object_get(o, k)), "no number %s", k);
	return json_number_value(json_object_get(o, k));
}

static void expect(const json_t *r, bool valid, long long holds,
		   long long violations, long long lost)
{
	cr_expect(json_is_boolean(json_object_get(r, "valid")));
	cr_expect_eq(json_is_true(json_object_get(r, "valid")), valid);
	cr_expect_eq(num(r, "holds"), holds);
	cr_expect_eq(num(r, "violations"), violations);
	cr_expect_eq(num(r, "lost"), lost);
	cr_expect_eq(json_object_get(r, "summary") != NULL, !valid);
}

Test(mutex, holds_one_after_another_are_valid)
{
	json_t *r = check(HISTORY(
		ACQ_INV(0, 0, "L", 1000), ACQ_OK(0, 1, "L", "a"),
		ACQ_INV(1, 2, "L", 1000), ACQ_FAIL(1, 3),
		REL_INV(0, 10, "L"),
		ACQ_INV(1, 11, "L", 1000), /* after the release's invoke: */
		REL_OK(0, 12, "L"),        /* its effect may come first  */
		ACQ_OK(1, 12, "L", "b"),
		REL_INV(1, 20, "L"), REL_OK(1, 21, "L")));

	expect(r, true, 2, 0, 0);
	cr_expect_eq(num(r, "released"), 2);
	json_decref(r);
}

Test(mutex, an_overlap_names_both_holders_and_the_interval)
{
	json_t *r = check(HISTORY(
		ACQ_INV(3, 0, "L", 5000), ACQ_OK(3, 2, "L", "w3-1"),
		NEMESIS(5),
		ACQ_INV(4, 6, "L", 5000), ACQ_OK(4, 8, "L", "w4-2"),
		REL_INV(3, 30, "L"), REL_LOST(3, 31),
		REL_INV(4, 40, "L"), REL_OK(4, 41, "L")));
	const json_t *e, *a, *b, *iv;

	expect(r, false, 2, 1, 1);
	e = json_array_get(json_object_get(r, "errors"), 0);
	cr_assert_not_null(e);
	a = json_object_get(e, "first");
	b = json_object_get(e, "second");
	cr_expect_eq(num(a, "process"), 3);
	cr_expect_str_eq(json_string_value(json_object_get(a, "token")), "w3-1");
	cr_expect_str_eq(json_string_value(json_object_get(a, "node")), "n1");
	cr_expect_eq(num(a, "acquire_index"), 1);
	cr_expect_eq(num(a, "release_index"), 5);
	cr_expect_eq(num(b, "process"), 4);
	cr_expect_str_eq(json_string_value(json_object_get(b, "token")), "w4-2");
	cr_expect(real(a, "acquired_ms") == 2 && real(a, "until_ms") == 30);
	iv = json_object_get(e, "overlap_ms");
	cr_expect(json_number_value(json_array_get(iv, 0)) == 8 &&
		  json_number_value(json_array_get(iv, 1)) == 30);
	cr_expect(strstr(json_string_value(json_object_get(r, "summary")),
			 "process 3 (token w3-1, from n1) and process 4 (token "
			 "w4-2, from n1) both held L from 8.0 to 30.0 ms") != NULL,
		  "%s", json_string_value(json_object_get(r, "summary")));
	cr_expect_str_eq(json_string_value(json_array_get(
		json_object_get(r, "anomaly-types"), 0)), "mutex-overlap");
	json_decref(r);
}

/* Process 0's lease of 100 ms from its invoke at 0 ends at 100: a lock
 * granted at 101 is no violation, though 0 released only at 500; one
 * granted at 99 is. */
Test(mutex, a_hold_ends_with_its_lease)
{
	json_t *r = check(HISTORY(
		ACQ_INV(0, 0, "L", 100), ACQ_OK(0, 10, "L", "a"),
		ACQ_INV(1, 100, "L", 100), ACQ_OK(1, 101, "L", "b"),
		REL_INV(1, 150, "L"), REL_OK(1, 151, "L"),
		REL_INV(0, 500, "L"), REL_LOST(0, 501)));

	expect(r, true, 2, 0, 1);
	json_decref(r);
	r = check(HISTORY(
		ACQ_INV(0, 0, "L", 100), ACQ_OK(0, 10, "L", "a"),
		ACQ_INV(1, 98, "L", 100), ACQ_OK(1, 99, "L", "b"),
		REL_INV(1, 150, "L"), REL_OK(1, 151, "L"),
		REL_INV(0, 500, "L"), REL_LOST(0, 501)));
	expect(r, false, 2, 1, 1);
	json_decref(r);
}

Test(mutex, failed_and_unknown_acquires_hold_nothing)
{
	json_t *r = check(HISTORY(
		ACQ_INV(0, 0, "L", 1000), ACQ_INFO(0, 5),
		ACQ_INV(1, 1, "L", 1000), ACQ_FAIL(1, 2),
		ACQ_INV(2, 6, "L", 1000), ACQ_OK(2, 7, "L", "c"),
		REL_INV(2, 20, "L"), REL_OK(2, 21, "L")));

	expect(r, true, 1, 0, 0);
	json_decref(r);
}

Test(mutex, different_keys_never_clash)
{
	json_t *r = check(HISTORY(
		ACQ_INV(0, 0, "A", 1000), ACQ_OK(0, 1, "A", "a"),
		ACQ_INV(1, 2, "B", 1000), ACQ_OK(1, 3, "B", "b"),
		REL_INV(0, 10, "A"), REL_OK(0, 11, "A"),
		REL_INV(1, 12, "B"), REL_OK(1, 13, "B")));

	expect(r, true, 2, 0, 0);
	json_decref(r);
}

/* A hold never released lasts until the history ends (or its lease):
 * a second holder inside it is a violation, even two after it. */
Test(mutex, an_open_hold_counts_until_the_end)
{
	json_t *r = check(HISTORY(
		ACQ_INV(0, 0, "L", 10000), ACQ_OK(0, 1, "L", "a"),
		ACQ_INV(1, 5, "L", 10000), ACQ_OK(1, 6, "L", "b"),
		REL_INV(1, 7, "L"), REL_OK(1, 8, "L"),
		ACQ_INV(2, 9, "L", 10000), ACQ_OK(2, 10, "L", "c"),
		REL_INV(2, 11, "L"), REL_OK(2, 12, "L")));

	expect(r, false, 3, 2, 0);
	json_decref(r);
}

Test(mutex, other_workloads_are_refused)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, "mutex", err);
	dt_validate_env env = { .kind = DT_KIND_CHECKER, .name = "mutex",
				.workload = "register" };
	const dt_checker_type *ct;

	cr_assert_not_null(c, "%s", err);
	ct = c->type;
	cr_assert_eq(ct->info.validate(&env, err), -1);
	cr_expect(strstr(err, "lock workload") != NULL, "%s", err);
}
