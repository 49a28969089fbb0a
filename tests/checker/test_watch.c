/*
 * test_watch: the watch checker on hand-written histories.  A valid
 * history of two watchers is valid; then each guarantee is broken in
 * turn (ordered, unique, atomic, bookmarkable, resumable, reliable, and
 * invented or inconsistent events), and the checker must report exactly
 * that anomaly, naming the watcher, its revisions and the events.  The
 * shape etcd-io/etcd#15271 produced (a watch replaying revisions it had
 * delivered, after its member restored a snapshot) is caught as ordered
 * and unique.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handwritten.h"

static dt_registry *reg;

static void setup(void)
{
	reg = dt_registry_new(TEST_BUILDDIR "/plugins/etcdrev/.libs");
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(watch, .init = setup, .fini = teardown);

/* An acknowledged put by process p of key = value at revision rev. */
#define PUT(p, key, value, rev) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"put\",\"value\":" \
	"{\"key\":\"" key "\",\"value\":\"" value "\"}}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"put\",\"value\":" \
	"{\"key\":\"" key "\",\"value\":\"" value "\",\"rev\":" #rev "}}"

/* A put of unknown outcome. */
#define PUT_INFO(p, key, value) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"put\",\"value\":" \
	"{\"key\":\"" key "\",\"value\":\"" value "\"}}", \
	"{\"process\":" #p ",\"type\":\"info\",\"f\":\"put\",\"value\":" \
	"{\"key\":\"" key "\",\"value\":\"" value "\"},\"error\":\"timed out\"}"

/* A watch session by process p on key (prefix when pre is true) from
 * start (0: the current revision, which was created), with responses
 * (JSON text of the list). */
#define WATCH(p, key, pre, start, created, responses) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"watch\",\"value\":" \
	"{\"key\":\"" key "\",\"prefix\":" #pre ",\"from\":\"resume\",\"for\":1}}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"watch\",\"node\":\"n2\"," \
	"\"value\":{\"key\":\"" key "\",\"prefix\":" #pre ",\"from\":\"resume\"," \
	"\"for\":1,\"start\":" #start ",\"created\":" #created ",\"end\":\"time\"," \
	"\"responses\":" responses "}}"

/* A put event of key = value at revision rev. */
#define EV(rev, key, value) \
	"{\"type\":\"put\",\"key\":\"" key "\",\"value\":\"" value "\",\"rev\":" #rev "}"
/* A response of events (header revision rev; events joined by ","). */
#define R(rev, evs) "{\"rev\":" #rev ",\"events\":[" evs "]}"
#define PROGRESS(rev) "{\"rev\":" #rev ",\"progress\":true}"

/* Check h; expect exactly the anomaly types listed (comma separated,
 * "" for none: valid), and return the result. */
static json_t *expect_types(const dt_history *h, const char *types)
{
	json_t *r = hw_check(reg, "watch", NULL, h);
	const json_t *t = json_object_get(r, "anomaly-types"), *one;
	char got[256] = "";
	size_t i;

	json_array_foreach(t, i, one) {
		if (i)
			strcat(got, ",");
		strncat(got, json_string_value(one), sizeof(got) - strlen(got) - 2);
	}
	cr_expect_str_eq(got, types, "anomaly types: %s", json_dumps(r, JSON_COMPACT));
	cr_expect_eq(json_is_true(json_object_get(r, "valid")), types[0] == '\0');
	if (getenv("WATCH_DEBUG")) fprintf(stderr, "%s\n", json_dumps(r, JSON_COMPACT));
	return r;
}

/* The first example of an anomaly type. */
static const json_t *example(const json_t *r, const char *type)
{
	const json_t *e = json_array_get(json_object_get(json_object_get(
		json_object_get(r, "anomalies"), type), "examples"), 0);

	cr_assert_not_null(e, "no %s example", type);
	return e;
}

static long long num(const json_t *o, const char *key)
{
	cr_assert(json_is_integer(json_object_get(o, key)), "no %s", key);
	return (long long)json_integer_value(json_object_get(o, key));
}

/* Puts of r1 at 2 and 3, r2 at 4, seen in full by a prefix watcher
 * and, for r1, by a key watcher resumed at 3. */
#define WRITES PUT(0, "r1", "a", 2), PUT(0, "r1", "b", 3), PUT(1, "r2", "c", 4)

Test(watch, complete_sessions_are_valid)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(3, "r1", "b") "," EV(4, "r2", "c")) "]"),
		WATCH(3, "r1", false, 3, 4, "[" R(4, EV(3, "r1", "b")) ","
		      PROGRESS(4) "]"));
	json_t *r = expect_types(h, "");

	cr_expect_eq(num(r, "sessions"), 2);
	cr_expect_eq(num(r, "watchers"), 2);
	cr_expect_eq(num(r, "events"), 4);
	cr_expect_eq(num(r, "distinct-events"), 3);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, no_session_is_unknown)
{
	dt_history *h = HW_HISTORY(WRITES);
	json_t *r = hw_check(reg, "watch", NULL, h);

	cr_expect_str_eq(json_string_value(json_object_get(r, "valid")), "unknown");
	json_decref(r);
	dt_history_free(h);
}

Test(watch, malformed_session_is_an_error)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, "{\"type\":\"put\",\"rev\":2}") "]"));
	char *e = hw_check_error(reg, "watch", NULL, h);

	cr_expect(strstr(e, "line 8") != NULL, "%s", e);
	free(e);
	dt_history_free(h);
}

Test(watch, ordered)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(4, "r2", "c")) "," R(4, EV(3, "r1", "b")) "]"));
	json_t *r = expect_types(h, "ordered");
	const json_t *e = example(r, "ordered");

	cr_expect_eq(num(e, "revision"), 3);
	cr_expect_eq(num(e, "after"), 4);
	cr_expect_eq(num(e, "process"), 2);
	cr_expect_eq(num(e, "response"), 2);
	cr_expect_str_eq(json_string_value(json_object_get(e, "node")), "n2");
	cr_expect_str_eq(json_string_value(json_object_get(e, "watch")), "r*");
	json_decref(r);
	dt_history_free(h);
}

Test(watch, unique)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(4, EV(2, "r1", "a") "," EV(2, "r1", "a") ","
		      EV(3, "r1", "b") "," EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "unique");

	cr_expect_eq(num(json_object_get(example(r, "unique"), "event"), "revision"), 2);
	json_decref(r);
	dt_history_free(h);
}

/* What etcd-io/etcd#15271 looked like: after its member restored a
 * snapshot, a watch delivered again from a revision it had passed. */
Test(watch, travel_back_in_time_is_ordered_and_unique)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(3, EV(3, "r1", "b")) "," R(4, EV(4, "r2", "c")) ","
		      R(4, EV(2, "r1", "a")) "," R(4, EV(3, "r1", "b")) ","
		      R(4, EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "ordered,unique");
	const json_t *e = example(r, "ordered");

	cr_expect_eq(num(e, "revision"), 2);
	cr_expect_eq(num(e, "after"), 4);
	cr_expect_eq(num(json_object_get(json_object_get(r, "anomalies"), "unique"),
			 "count"), 3);
	json_decref(r);
	dt_history_free(h);
}

/* A revoke deletes r1 and r2 in one revision, 6. */
#define REVOKED \
	PUT(0, "r1", "a", 2), PUT(0, "r2", "b", 3), \
	"{\"process\":1,\"type\":\"invoke\",\"f\":\"put\",\"value\":{\"key\":\"r1\"," \
	"\"value\":\"x\",\"lease\":1}}", \
	"{\"process\":1,\"type\":\"ok\",\"f\":\"put\",\"value\":{\"key\":\"r1\"," \
	"\"value\":\"x\",\"lease\":1,\"rev\":4}}", \
	"{\"process\":1,\"type\":\"invoke\",\"f\":\"put\",\"value\":{\"key\":\"r2\"," \
	"\"value\":\"y\",\"lease\":1}}", \
	"{\"process\":1,\"type\":\"ok\",\"f\":\"put\",\"value\":{\"key\":\"r2\"," \
	"\"value\":\"y\",\"lease\":1,\"rev\":5}}", \
	"{\"process\":1,\"type\":\"invoke\",\"f\":\"revoke\",\"value\":{\"lease\":1}}", \
	"{\"process\":1,\"type\":\"ok\",\"f\":\"revoke\",\"value\":{\"lease\":1,\"rev\":6}}"
#define DEL(rev, key, lease) \
	"{\"type\":\"delete\",\"key\":\"" key "\",\"rev\":" #rev ",\"prev\":" \
	"{\"key\":\"" key "\",\"lease\":" #lease "}}"
#define WHOLE R(5, EV(4, "r1", "x") "," EV(5, "r2", "y")) "," \
	R(6, DEL(6, "r1", 1) "," DEL(6, "r2", 1))

Test(watch, revoke_deletes_in_one_revision_are_valid)
{
	dt_history *h = HW_HISTORY(REVOKED,
		WATCH(2, "r", true, 4, 5, "[" WHOLE "]"),
		WATCH(3, "r2", false, 0, 4, "[" R(5, EV(5, "r2", "y")) ","
		      R(6, DEL(6, "r2", 1)) "]"));
	json_t *r = expect_types(h, "");

	json_decref(r);
	dt_history_free(h);
}

Test(watch, atomic_split_revision)
{
	dt_history *h = HW_HISTORY(REVOKED,
		WATCH(2, "r", true, 4, 5, "[" R(5, EV(4, "r1", "x") "," EV(5, "r2", "y"))
		      "," R(6, DEL(6, "r1", 1)) "," R(6, DEL(6, "r2", 1)) "]"));
	json_t *r = expect_types(h, "atomic");
	const json_t *e = example(r, "atomic");

	cr_expect_eq(num(e, "revision"), 6);
	cr_expect_eq(num(e, "response"), 2);
	cr_expect_eq(num(e, "also-in"), 1);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, atomic_revision_in_part)
{
	dt_history *h = HW_HISTORY(REVOKED,
		WATCH(2, "r", true, 4, 5, "[" WHOLE "]"),
		WATCH(3, "r", true, 4, 5, "[" R(5, EV(4, "r1", "x") "," EV(5, "r2", "y"))
		      "," R(6, DEL(6, "r1", 1)) "]"));
	json_t *r = expect_types(h, "atomic");
	const json_t *e = example(r, "atomic");

	cr_expect_eq(num(e, "process"), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e,
			 "missing"), "key")), "r2");
	json_decref(r);
	dt_history_free(h);
}

Test(watch, bookmarkable_event_after_its_bookmark)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r1", false, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      PROGRESS(3) "," R(3, EV(3, "r1", "b")) "]"));
	json_t *r = expect_types(h, "bookmarkable");

	cr_expect_eq(num(example(r, "bookmarkable"), "bookmark"), 3);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, bookmarkable_bookmark_past_undelivered_events)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      PROGRESS(4) "]"));
	json_t *r = expect_types(h, "bookmarkable");
	const json_t *e = example(r, "bookmarkable");

	cr_expect_eq(num(json_object_get(e, "missing"), "revision"), 3);
	cr_expect_eq(num(json_object_get(json_object_get(r, "anomalies"),
			 "bookmarkable"), "count"), 2);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, resumable_first_event_is_not_the_first_after_the_start)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 3, 4, "[" R(4, EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "resumable");
	const json_t *e = example(r, "resumable");

	cr_expect_eq(num(e, "start"), 3);
	cr_expect_eq(num(json_object_get(e, "missing"), "revision"), 3);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, resumable_event_before_the_start)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 3, 4, "[" R(4, EV(2, "r1", "a") "," EV(3, "r1", "b") ","
		      EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "resumable");

	cr_expect_eq(num(json_object_get(example(r, "resumable"), "event"),
			 "revision"), 2);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, reliable_gap)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "reliable");
	const json_t *e = example(r, "reliable");

	cr_expect_eq(num(json_object_get(e, "missing"), "revision"), 3);
	cr_expect_eq(num(json_object_get(e, "saw"), "first"), 2);
	cr_expect_eq(num(json_object_get(e, "saw"), "last"), 4);
	json_decref(r);
	dt_history_free(h);
}

/* The write of revision 3 had an unknown outcome: only another watcher
 * shows it happened, and the gap is still found. */
Test(watch, reliable_gap_known_from_another_watcher)
{
	dt_history *h = HW_HISTORY(PUT(0, "r1", "a", 2), PUT_INFO(1, "r1", "b"),
		PUT(0, "r2", "c", 4),
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(3, EV(3, "r1", "b")) "," R(4, EV(4, "r2", "c")) "]"),
		WATCH(3, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "reliable");

	cr_expect_eq(num(example(r, "reliable"), "process"), 3);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, compacted_session_owes_nothing)
{
	dt_history *h = HW_HISTORY(WRITES,
		"{\"process\":2,\"type\":\"invoke\",\"f\":\"watch\",\"value\":{\"key\":"
		"\"r\",\"prefix\":true,\"from\":\"past\",\"for\":1}}",
		"{\"process\":2,\"type\":\"ok\",\"f\":\"watch\",\"value\":{\"key\":\"r\","
		"\"prefix\":true,\"from\":\"past\",\"for\":1,\"start\":2,\"created\":4,"
		"\"responses\":[],\"end\":\"compacted\",\"compact\":3}}");
	json_t *r = expect_types(h, "");

	cr_expect_eq(num(r, "compacted-sessions"), 1);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, invented_value)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(3, "r1", "z") "," EV(4, "r2", "c")) "]"));
	json_t *r = expect_types(h, "invented");
	const json_t *e = example(r, "invented");

	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e, "event"),
			 "value")), "z");
	cr_expect_eq(num(e, "write-index"), 2);
	json_decref(r);
	dt_history_free(h);
}

Test(watch, invented_with_no_write_at_all)
{
	dt_history *h = HW_HISTORY(WRITES,
		WATCH(2, "r", true, 0, 1, "[" R(2, EV(2, "r1", "a")) ","
		      R(4, EV(3, "r1", "b") "," EV(4, "r2", "c")) "," R(5, EV(5, "r3", "q")) "]"));
	json_t *r = expect_types(h, "invented");

	cr_expect_str_eq(json_string_value(json_object_get(example(r, "invented"),
			 "problem")), "no write could have made it");
	json_decref(r);
	dt_history_free(h);
}

Test(watch, invented_revoke_delete_of_another_lease)
{
	dt_history *h = HW_HISTORY(REVOKED,
		WATCH(2, "r", true, 4, 5, "[" R(5, EV(4, "r1", "x") "," EV(5, "r2", "y"))
		      "," R(6, DEL(6, "r1", 1) "," DEL(6, "r2", 2)) "]"));
	json_t *r = expect_types(h, "invented");

	json_decref(r);
	dt_history_free(h);
}

Test(watch, inconsistent_between_watchers)
{
	dt_history *h = HW_HISTORY(PUT(0, "r1", "a", 2), PUT_INFO(1, "r1", "b"),
		PUT_INFO(3, "r1", "x"),
		WATCH(2, "r1", false, 0, 1, "[" R(3, EV(2, "r1", "a") "," EV(3, "r1", "b")) "]"),
		WATCH(4, "r1", false, 0, 1, "[" R(3, EV(2, "r1", "a") "," EV(3, "r1", "x")) "]"));
	json_t *r = expect_types(h, "inconsistent");
	const json_t *e = example(r, "inconsistent");

	cr_expect_eq(num(e, "process"), 4);
	json_decref(r);
	dt_history_free(h);
}
