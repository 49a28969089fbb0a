/*
 * test_isolation: the isolation checker on small hand-written histories,
 * one for each anomaly type (the cases of Adya's thesis and the Elle
 * paper, rebuilt on list-append and rw-register), each with exactly the
 * anomaly types expected and the weakest models it rules out; the
 * consistency model asked for decides the verdict; histories it cannot
 * check are refused with the reason.
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
static const dt_checker_type *iso;

static void setup(void)
{
	char err[DT_ERRBUF_SIZE];

	reg = dt_registry_new(TEST_BUILDDIR "/plugins/isolation/.libs");
	cr_assert_not_null(reg);
	iso = dt_registry_find(reg, DT_KIND_CHECKER, "isolation", err);
	cr_assert_not_null(iso, "%s", err);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(isolation, .init = setup, .fini = teardown);

/* Events as JSON without index (given in order); "time" optional. */
static dt_history *history(const char *const *events, size_t n)
{
	dt_history *h = calloc(1, sizeof(*h));
	char err[DT_ERRBUF_SIZE];

	cr_assert_not_null(h);
	h->ops = calloc(n, sizeof(dt_op));
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		json_t *o = json_loads(events[i], 0, &je);
		char *line;

		cr_assert_not_null(o, "event %zu: %s", i, je.text);
		json_object_set_new(o, "index", json_integer((json_int_t)i));
		json_object_set_new(o, "time", json_integer((json_int_t)i * 1000));
		json_object_set_new(o, "f", json_string("txn"));
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

/* A committed txn of process p: invoke (reads null) and ok. */
#define OK(p, inv, done) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"value\":" inv "}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"value\":" done "}"
/* A completion only: a transaction of its own, no process or time order */
#define DONE(p, v) "{\"process\":" #p ",\"type\":\"ok\",\"value\":" v "}"

static json_t *check(dt_history *h, const char *model, const char *consistency)
{
	json_t *conf = json_pack("{ssss}", "model", model, "consistency", consistency);
	dt_checker_env env = { .config = conf };
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(iso->check(&env, h, &res, err), 0, "%s", err);
	json_decref(conf);
	dt_history_free(h);
	return res;
}

/* types: the anomaly types, comma separated, in any order; not_: the
 * weakest models ruled out, likewise ("" for none). */
static void expect(json_t *res, bool valid, const char *types, const char *not_)
{
	char buf[512], *save, *tok;
	json_t *got = json_object_get(res, "anomaly-types");
	json_t *nots = json_object_get(res, "not");
	size_t n = 0;
	char *dump = json_dumps(res, JSON_INDENT(1));

	cr_expect_eq(json_is_true(json_object_get(res, "valid")), valid,
		     "valid should be %d: %s", valid, dump);
	snprintf(buf, sizeof(buf), "%s", types);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;
		size_t i;
		json_t *v;

		json_array_foreach(got, i, v)
			if (strcmp(json_string_value(v), tok) == 0)
				found = true;
		cr_expect(found, "%s not found: %s", tok, dump);
		n++;
	}
	cr_expect_eq(json_array_size(got), n, "expected exactly %s: %s", types, dump);
	n = 0;
	snprintf(buf, sizeof(buf), "%s", not_);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;
		size_t i;
		json_t *v;

		json_array_foreach(nots, i, v)
			if (strcmp(json_string_value(v), tok) == 0)
				found = true;
		cr_expect(found, "model %s not ruled out: %s", tok, dump);
		n++;
	}
	cr_expect_eq(json_array_size(nots), n, "expected not: %s: %s", not_, dump);
	free(dump);
}

/* The text of the first example of type. */
static const char *example(json_t *res, const char *type)
{
	json_t *a = json_object_get(json_object_get(res, "anomalies"), type);

	return json_string_value(json_object_get(
		json_array_get(json_object_get(a, "examples"), 0), "text"));
}

/* ---- list-append --------------------------------------------------------- */

Test(isolation, serial_history_is_valid)
{
	json_t *r = check(HISTORY(
		OK(0, "[[\"append\",1,1],[\"r\",1,null]]", "[[\"append\",1,1],[\"r\",1,[1]]]"),
		OK(1, "[[\"r\",1,null],[\"append\",1,2]]", "[[\"r\",1,[1]],[\"append\",1,2]]"),
		OK(0, "[[\"r\",1,null]]", "[[\"r\",1,[1,2]]]")),
		"list-append", "strict-serializable");

	expect(r, true, "", "");
	json_decref(r);
}

/* Adya's G0: T1 and T2 both append to x and y, in opposite orders. */
Test(isolation, g0_write_cycle)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",\"x\",1],[\"append\",\"y\",2]]"),
		DONE(1, "[[\"append\",\"x\",2],[\"append\",\"y\",1]]"),
		DONE(2, "[[\"r\",\"x\",[1,2]],[\"r\",\"y\",[1,2]]]")),
		"list-append", "read-uncommitted");

	/* G0 implies G1c and everything above: read uncommitted is out */
	expect(r, false, "G0", "read-uncommitted");
	cr_expect(strstr(example(r, "G0"), "appended 2 after it") != NULL, "%s",
		  example(r, "G0"));
	json_decref(r);
}

/* G1a: a read shows what an aborted transaction appended. */
Test(isolation, g1a_aborted_read)
{
	json_t *r = check(HISTORY(
		"{\"process\":0,\"type\":\"invoke\",\"value\":[[\"append\",1,1]]}",
		"{\"process\":0,\"type\":\"fail\",\"value\":[[\"append\",1,1]]}",
		OK(1, "[[\"r\",1,null]]", "[[\"r\",1,[1]]]")),
		"list-append", "read-committed");

	expect(r, false, "G1a", "read-committed");
	cr_expect(strstr(example(r, "G1a"), "aborted T1 appended 1") != NULL, "%s",
		  example(r, "G1a"));
	json_decref(r);
}

/* G1b: a read sees T1 between its two appends. */
Test(isolation, g1b_intermediate_read)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1],[\"append\",1,2]]"),
		DONE(1, "[[\"r\",1,[1]]]"),
		DONE(2, "[[\"r\",1,[1,2]]]")),
		"list-append", "serializable");

	/* T2 -rw-> T1 -wr-> T2 as well */
	expect(r, false, "G1b,G-single", "read-committed");
	json_decref(r);
}

/* G1c: each transaction reads the other's append (circular information
 * flow, Adya's G1c). */
Test(isolation, g1c_circular_information_flow)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1],[\"r\",2,[1]]]"),
		DONE(1, "[[\"append\",2,1],[\"r\",1,[1]]]")),
		"list-append", "strict-serializable");

	expect(r, false, "G1c", "read-committed");
	json_decref(r);
}

/* G-single (read skew): T2 sees T1's append to x but not to y. */
Test(isolation, g_single_read_skew)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",\"x\",1],[\"append\",\"y\",1]]"),
		DONE(1, "[[\"append\",\"x\",2],[\"append\",\"y\",2]]"),
		DONE(2, "[[\"r\",\"x\",[1,2]],[\"r\",\"y\",[1]]]"),
		DONE(3, "[[\"r\",\"y\",[1,2]]]")),
		"list-append", "snapshot-isolation");
	const char *text = example(r, "G-single");

	expect(r, false, "G-single", "consistent-view");
	cr_assert_not_null(text);
	cr_expect(strstr(text, "(rw): T2 read key y = [1] and T1 appended 2 after 1") != NULL,
		  "%s", text);
	cr_expect(strstr(text, "(wr): T2 read key x = [1 2] and T1 appended its last "
			 "element, 2") != NULL, "%s", text);
	json_decref(r);
}

/* Write skew (G2-item): allowed by snapshot isolation, not serializable. */
Test(isolation, g2_item_write_skew)
{
	const char *const ev[] = {
		DONE(0, "[[\"r\",\"x\",[]],[\"append\",\"y\",1]]"),
		DONE(1, "[[\"r\",\"y\",[]],[\"append\",\"x\",1]]"),
		DONE(2, "[[\"r\",\"x\",[1]],[\"r\",\"y\",[1]]]")
	};
	json_t *r = check(history(ev, 3), "list-append", "snapshot-isolation");

	expect(r, true, "G2-item", "repeatable-read");
	json_decref(r);
	r = check(history(ev, 3), "list-append", "serializable");
	expect(r, false, "G2-item", "repeatable-read");
	json_decref(r);
}

/* G-nonadjacent: T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1, no G-single:
 * snapshot isolation forbids it (Cerone and Gotsman), consistent view
 * does not. */
Test(isolation, g_nonadjacent)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"r\",\"a\",[]],[\"r\",\"d\",[1]]]"),
		DONE(1, "[[\"append\",\"a\",1],[\"append\",\"b\",1]]"),
		DONE(2, "[[\"r\",\"b\",[1]],[\"r\",\"c\",[]]]"),
		DONE(3, "[[\"append\",\"c\",1],[\"append\",\"d\",1]]"),
		DONE(4, "[[\"r\",\"a\",[1]],[\"r\",\"c\",[1]]]")),
		"list-append", "snapshot-isolation");

	expect(r, false, "G-nonadjacent", "snapshot-isolation");
	json_decref(r);
}

/* A stale read: T2 began after T1 committed, and did not see it. */
Test(isolation, g_single_realtime_stale_read)
{
	const char *const ev[] = {
		OK(0, "[[\"append\",1,1]]", "[[\"append\",1,1]]"),
		OK(1, "[[\"r\",1,null]]", "[[\"r\",1,[]]]"),
		OK(2, "[[\"r\",1,null]]", "[[\"r\",1,[1]]]")
	};
	json_t *r = check(history(ev, 6), "list-append", "serializable");

	expect(r, true, "G-single-realtime", "strong-snapshot-isolation");
	cr_expect(strstr(example(r, "G-single-realtime"),
			 "T1 completed (op 1) before T3 began (op 2)") != NULL, "%s",
		  example(r, "G-single-realtime"));
	json_decref(r);
	r = check(history(ev, 6), "list-append", "strict-serializable");
	expect(r, false, "G-single-realtime", "strong-snapshot-isolation");
	json_decref(r);
}

/* The same process does not see its own earlier append. */
Test(isolation, g_single_process)
{
	json_t *r = check(HISTORY(
		OK(0, "[[\"append\",1,1]]", "[[\"append\",1,1]]"),
		OK(0, "[[\"r\",1,null]]", "[[\"r\",1,[]]]"),
		OK(1, "[[\"r\",1,null]]", "[[\"r\",1,[1]]]")),
		"list-append", "strong-session-serializable");

	expect(r, false, "G-single-process", "strong-session-snapshot-isolation");
	json_decref(r);
}

Test(isolation, incompatible_order)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1]]"), DONE(1, "[[\"append\",1,2]]"),
		DONE(2, "[[\"append\",1,3]]"),
		DONE(3, "[[\"r\",1,[1,2]]]"), DONE(4, "[[\"r\",1,[1,3]]]")),
		"list-append", "read-uncommitted");

	expect(r, true, "incompatible-order", "read-committed");
	cr_expect(strstr(example(r, "incompatible-order"),
			 "neither is a prefix of the other") != NULL);
	json_decref(r);
}

Test(isolation, internal_inconsistency)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1]]"),
		DONE(1, "[[\"append\",1,2],[\"r\",1,[1]]]"),
		DONE(2, "[[\"r\",1,[1,2]]]")),
		"list-append", "serializable");

	expect(r, false, "internal", "read-atomic");
	json_decref(r);
}

Test(isolation, future_read)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"r\",1,[1]],[\"append\",1,1]]")),
		"list-append", "read-committed");

	expect(r, false, "future-read", "read-committed");
	json_decref(r);
}

Test(isolation, garbage_read)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1]]"), DONE(1, "[[\"r\",1,[1,9]]]")),
		"list-append", "read-uncommitted");

	expect(r, false, "garbage-read", "read-uncommitted");
	json_decref(r);
}

Test(isolation, duplicate_appends)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"append\",1,1]]"), DONE(1, "[[\"r\",1,[1,1]]]")),
		"list-append", "read-uncommitted");

	expect(r, false, "duplicate-appends", "read-uncommitted");
	json_decref(r);
}

Test(isolation, dirty_update)
{
	json_t *r = check(HISTORY(
		"{\"process\":0,\"type\":\"invoke\",\"value\":[[\"append\",1,1]]}",
		"{\"process\":0,\"type\":\"fail\",\"value\":[[\"append\",1,1]]}",
		DONE(1, "[[\"append\",1,2]]"), DONE(2, "[[\"r\",1,[1,2]]]")),
		"list-append", "read-committed");

	/* the read of 1 is an aborted read too */
	expect(r, false, "dirty-update,G1a", "read-committed");
	json_decref(r);
}

/* P4: both read the empty list and both append to it. */
Test(isolation, lost_update)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"r\",1,[]],[\"append\",1,1]]"),
		DONE(1, "[[\"r\",1,[]],[\"append\",1,2]]"),
		DONE(2, "[[\"r\",1,[1,2]]]")),
		"list-append", "snapshot-isolation");

	/* consistent view implies cursor stability: the weakest ruled out */
	expect(r, false, "lost-update,G-single", "cursor-stability");
	json_decref(r);
}

/* ---- rw-register ----------------------------------------------------------- */

Test(isolation, register_serial_is_valid)
{
	json_t *r = check(HISTORY(
		OK(0, "[[\"w\",1,1]]", "[[\"w\",1,1]]"),
		OK(1, "[[\"r\",1,null],[\"w\",1,2]]", "[[\"r\",1,1],[\"w\",1,2]]"),
		OK(0, "[[\"r\",1,null]]", "[[\"r\",1,2]]")),
		"rw-register", "strict-serializable");

	expect(r, true, "", "");
	json_decref(r);
}

Test(isolation, register_g1a_g1b)
{
	json_t *r = check(HISTORY(
		"{\"process\":0,\"type\":\"invoke\",\"value\":[[\"w\",1,1]]}",
		"{\"process\":0,\"type\":\"fail\",\"value\":[[\"w\",1,1]]}",
		DONE(1, "[[\"w\",2,1],[\"w\",2,2]]"),
		DONE(2, "[[\"r\",1,1],[\"r\",2,1]]")),
		"rw-register", "read-committed");

	expect(r, false, "G1a,G1b,G-single", "read-committed");
	json_decref(r);
}

/* Both read version 1 and both overwrote it: a lost update, and the two
 * rw edges between them make a G2-item cycle. */
Test(isolation, register_lost_update)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"w\",1,1]]"),
		DONE(1, "[[\"r\",1,1],[\"w\",1,2]]"),
		DONE(2, "[[\"r\",1,1],[\"w\",1,3]]")),
		"rw-register", "snapshot-isolation");

	expect(r, false, "lost-update,G2-item", "cursor-stability");
	json_decref(r);
}

/* Write skew on registers, from the initial state. */
Test(isolation, register_write_skew)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"r\",\"x\",null],[\"w\",\"y\",1]]"),
		DONE(1, "[[\"r\",\"y\",null],[\"w\",\"x\",1]]")),
		"rw-register", "serializable");

	expect(r, false, "G2-item", "repeatable-read");
	cr_expect(strstr(example(r, "G2-item"), "= null (never written)") != NULL,
		  "%s", example(r, "G2-item"));
	json_decref(r);
}

Test(isolation, register_cyclic_versions)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"r\",1,2],[\"w\",1,1]]"),
		DONE(1, "[[\"r\",1,1],[\"w\",1,2]]")),
		"rw-register", "read-uncommitted");

	expect(r, false, "cyclic-versions,G0,G1c", "read-uncommitted");
	json_decref(r);
}

Test(isolation, register_internal)
{
	json_t *r = check(HISTORY(
		DONE(0, "[[\"w\",1,5],[\"r\",1,6]]"), DONE(1, "[[\"w\",1,6]]")),
		"rw-register", "serializable");

	expect(r, false, "internal", "read-atomic");
	json_decref(r);
}

/* ---- what it refuses --------------------------------------------------------- */

static void refused(dt_history *h, const char *model, const char *want)
{
	json_t *conf = json_pack("{ss}", "model", model);
	dt_checker_env env = { .config = conf };
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE] = "";

	cr_expect_eq(iso->check(&env, h, &res, err), -1);
	cr_expect(strstr(err, want) != NULL, "%s", err);
	json_decref(conf);
	json_decref(res);
	dt_history_free(h);
}

Test(isolation, refuses_what_it_cannot_check)
{
	refused(HISTORY(DONE(0, "[[\"append\",1,1]]"), DONE(1, "[[\"append\",1,1]]")),
		"list-append", "unique");
	refused(HISTORY(DONE(0, "[[\"w\",1,1]]")), "list-append",
		"op 0: micro-op 1: f must be \"append\" or \"r\"");
	refused(HISTORY(DONE(0, "[[\"r\",1,[\"a\"]]]")), "list-append",
		"a list read must hold integers");
	refused(HISTORY(DONE(0, "[[\"w\",1]]")), "rw-register", "expected [f, key, value]");
	refused(HISTORY(DONE(0, "{\"x\":1}")), "rw-register", "list of micro-ops");
	refused(HISTORY(DONE(0, "[[\"w\",[1],1]]")), "rw-register",
		"key must be an integer or a string");
}
