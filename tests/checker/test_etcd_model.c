/*
 * test_etcd_model: the etcd model (revisions, leases) under the
 * linearizable checker, on hand-written histories: a sequential history
 * using every operation is linearizable, each wrong revision, version,
 * count, txn outcome or lease effect makes it not, concurrent writes
 * are ordered by the revisions they report, and a write of unknown
 * outcome may take effect or not.
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
	reg = dt_registry_new(TEST_BUILDDIR "/plugins/linearizable/.libs:"
			      TEST_BUILDDIR "/plugins/etcdrev/.libs");
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(etcd_model, .init = setup, .fini = teardown);

/* An op by process p: f, the invoke's value and the completion's (JSON
 * object texts). */
#define OP(p, f, in, out) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"" f "\",\"value\":" in "}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"" f "\",\"value\":" out "}"
#define INVOKE(p, f, in) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"" f "\",\"value\":" in "}"
#define OK(p, f, out) \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"" f "\",\"value\":" out "}"
#define INFO(p, f, in) \
	"{\"process\":" #p ",\"type\":\"info\",\"f\":\"" f "\",\"value\":" in "}"

#define KV(key, value, c, m, v, l) \
	"{\"key\":\"" key "\",\"value\":\"" value "\",\"create\":" #c ",\"mod\":" #m \
	",\"version\":" #v ",\"lease\":" #l "}"

/* Is h linearizable under the etcd model?  1, 0; the test fails on
 * unknown. */
static int linearizable(const dt_history *h)
{
	json_t *r = hw_check(reg, "linearizable", "{\"model\":\"etcd\"}", h);
	const json_t *v = json_object_get(r, "valid");
	int rc;

	cr_assert(json_is_boolean(v), "not decided: %s", json_dumps(r, 0));
	rc = json_is_true(v);
	json_decref(r);
	return rc;
}

/* Every operation once, in a row. */
#define SEQUENTIAL(GET_R1, TXN_FAIL, REVOKE_REV) \
	OP(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}", \
	   "{\"key\":\"r1\",\"value\":\"a\",\"rev\":2}"), \
	OP(0, "get", "{\"key\":\"r1\"}", GET_R1), \
	OP(0, "put", "{\"key\":\"r1\",\"value\":\"b\"}", \
	   "{\"key\":\"r1\",\"value\":\"b\",\"rev\":3}"), \
	OP(0, "txn", "{\"key\":\"r2\",\"cmp\":\"create\",\"value\":\"c\"}", \
	   "{\"key\":\"r2\",\"cmp\":\"create\",\"value\":\"c\",\"expect\":0," \
	   "\"succeeded\":true,\"rev\":4}"), \
	OP(0, "txn", "{\"key\":\"r2\",\"cmp\":\"version\",\"value\":\"d\"}", TXN_FAIL), \
	OP(0, "range", "{\"key\":\"r\",\"prefix\":true,\"limit\":1}", \
	   "{\"key\":\"r\",\"prefix\":true,\"limit\":1,\"rev\":4,\"count\":2," \
	   "\"more\":true,\"kvs\":[" KV("r1", "b", 2, 3, 2, 0) "]}"), \
	OP(0, "delete", "{\"key\":\"r2\"}", "{\"key\":\"r2\",\"rev\":5,\"deleted\":1}"), \
	OP(0, "delete", "{\"key\":\"r2\"}", "{\"key\":\"r2\",\"rev\":5,\"deleted\":0}"), \
	OP(0, "grant", "{\"lease\":7,\"ttl\":3600}", "{\"lease\":7,\"ttl\":3600,\"rev\":5}"), \
	OP(0, "put", "{\"key\":\"r3\",\"value\":\"e\",\"lease\":7}", \
	   "{\"key\":\"r3\",\"value\":\"e\",\"lease\":7,\"rev\":6}"), \
	OP(0, "get", "{\"key\":\"r3\"}", "{\"key\":\"r3\",\"rev\":6,\"kvs\":[" \
	   KV("r3", "e", 6, 6, 1, 7) "]}"), \
	OP(0, "revoke", "{\"lease\":7}", "{\"lease\":7,\"rev\":" REVOKE_REV "}"), \
	OP(0, "get", "{\"key\":\"r3\"}", "{\"key\":\"r3\",\"rev\":7,\"kvs\":[]}"), \
	OP(0, "range", "{\"key\":\"r\",\"prefix\":true,\"limit\":0}", \
	   "{\"key\":\"r\",\"prefix\":true,\"limit\":0,\"rev\":7,\"count\":1," \
	   "\"more\":false,\"kvs\":[" KV("r1", "b", 2, 3, 2, 0) "]}")

#define GOOD_GET "{\"key\":\"r1\",\"rev\":2,\"kvs\":[" KV("r1", "a", 2, 2, 1, 0) "]}"
#define GOOD_TXN "{\"key\":\"r2\",\"cmp\":\"version\",\"value\":\"d\",\"expect\":5," \
	"\"succeeded\":false,\"rev\":4,\"kvs\":[" KV("r2", "c", 4, 4, 1, 0) "]}"

Test(etcd_model, every_operation_in_sequence_is_linearizable)
{
	dt_history *h = HW_HISTORY(SEQUENTIAL(GOOD_GET, GOOD_TXN, "7"));

	cr_expect_eq(linearizable(h), 1);
	dt_history_free(h);
}

/* Each wrong detail alone. */
Test(etcd_model, a_wrong_read_header_revision)
{
	dt_history *h = HW_HISTORY(SEQUENTIAL(
		"{\"key\":\"r1\",\"rev\":3,\"kvs\":[" KV("r1", "a", 2, 2, 1, 0) "]}",
		GOOD_TXN, "7"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_wrong_mod_revision)
{
	dt_history *h = HW_HISTORY(SEQUENTIAL(
		"{\"key\":\"r1\",\"rev\":2,\"kvs\":[" KV("r1", "a", 2, 1, 1, 0) "]}",
		GOOD_TXN, "7"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_wrong_version)
{
	dt_history *h = HW_HISTORY(SEQUENTIAL(
		"{\"key\":\"r1\",\"rev\":2,\"kvs\":[" KV("r1", "a", 2, 2, 2, 0) "]}",
		GOOD_TXN, "7"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_txn_that_failed_on_a_holding_compare)
{
	dt_history *h = HW_HISTORY(SEQUENTIAL(GOOD_GET,
		"{\"key\":\"r2\",\"cmp\":\"version\",\"value\":\"d\",\"expect\":1,"
		"\"succeeded\":false,\"rev\":4,\"kvs\":[" KV("r2", "c", 4, 4, 1, 0) "]}",
		"7"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_revoke_that_deleted_nothing_new)
{
	/* revoking lease 7 deletes r3: a new revision, 7, not 6 */
	dt_history *h = HW_HISTORY(SEQUENTIAL(GOOD_GET, GOOD_TXN, "6"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_put_with_a_lease_never_granted)
{
	dt_history *h = HW_HISTORY(
		OP(0, "put", "{\"key\":\"r1\",\"value\":\"a\",\"lease\":3}",
		   "{\"key\":\"r1\",\"value\":\"a\",\"lease\":3,\"rev\":2}"));

	cr_expect_eq(linearizable(h), 0);
	dt_history_free(h);
}

Test(etcd_model, a_value_compare_on_a_missing_key_fails)
{
	dt_history *ok = HW_HISTORY(
		OP(0, "txn", "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"a\",\"expect\":\"\"}",
		   "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"a\",\"expect\":\"\","
		   "\"succeeded\":false,\"rev\":1,\"kvs\":[]}"));
	dt_history *bad = HW_HISTORY(
		OP(0, "txn", "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"a\",\"expect\":\"\"}",
		   "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"a\",\"expect\":\"\","
		   "\"succeeded\":true,\"rev\":2}"));

	cr_expect_eq(linearizable(ok), 1);
	cr_expect_eq(linearizable(bad), 0);
	dt_history_free(ok);
	dt_history_free(bad);
}

Test(etcd_model, a_range_count_or_limit_wrong)
{
	dt_history *count = HW_HISTORY(
		OP(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}",
		   "{\"key\":\"r1\",\"value\":\"a\",\"rev\":2}"),
		OP(0, "range", "{\"key\":\"r\",\"prefix\":true,\"limit\":0}",
		   "{\"key\":\"r\",\"rev\":2,\"count\":2,\"more\":false,\"kvs\":["
		   KV("r1", "a", 2, 2, 1, 0) "]}"));
	dt_history *more = HW_HISTORY(
		OP(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}",
		   "{\"key\":\"r1\",\"value\":\"a\",\"rev\":2}"),
		OP(0, "range", "{\"key\":\"r\",\"prefix\":true,\"limit\":1}",
		   "{\"key\":\"r\",\"rev\":2,\"count\":1,\"more\":true,\"kvs\":["
		   KV("r1", "a", 2, 2, 1, 0) "]}"));

	cr_expect_eq(linearizable(count), 0);
	cr_expect_eq(linearizable(more), 0);
	dt_history_free(count);
	dt_history_free(more);
}

/* Two concurrent puts: their revisions say which came first, and a read
 * must agree. */
Test(etcd_model, concurrent_puts_ordered_by_their_revisions)
{
	dt_history *ok = HW_HISTORY(
		INVOKE(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		INVOKE(1, "put", "{\"key\":\"r1\",\"value\":\"b\"}"),
		OK(0, "put", "{\"key\":\"r1\",\"value\":\"a\",\"rev\":3}"),
		OK(1, "put", "{\"key\":\"r1\",\"value\":\"b\",\"rev\":2}"),
		OP(2, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":3,\"kvs\":["
		   KV("r1", "a", 2, 3, 2, 0) "]}"));
	dt_history *bad = HW_HISTORY(
		INVOKE(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		INVOKE(1, "put", "{\"key\":\"r1\",\"value\":\"b\"}"),
		OK(0, "put", "{\"key\":\"r1\",\"value\":\"a\",\"rev\":3}"),
		OK(1, "put", "{\"key\":\"r1\",\"value\":\"b\",\"rev\":2}"),
		OP(2, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":3,\"kvs\":["
		   KV("r1", "b", 2, 3, 2, 0) "]}"));

	cr_expect_eq(linearizable(ok), 1);
	cr_expect_eq(linearizable(bad), 0);
	dt_history_free(ok);
	dt_history_free(bad);
}

/* A put of unknown outcome may have made revision 2, or nothing. */
Test(etcd_model, a_write_of_unknown_outcome)
{
	dt_history *took = HW_HISTORY(
		INVOKE(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		INFO(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		OP(1, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":2,\"kvs\":["
		   KV("r1", "a", 2, 2, 1, 0) "]}"));
	dt_history *not = HW_HISTORY(
		INVOKE(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		INFO(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}"),
		OP(1, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":1,\"kvs\":[]}"));
	dt_history *never = HW_HISTORY(
		OP(1, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":2,\"kvs\":["
		   KV("r1", "a", 2, 2, 1, 0) "]}"));

	cr_expect_eq(linearizable(took), 1);
	cr_expect_eq(linearizable(not), 1);
	cr_expect_eq(linearizable(never), 0);
	dt_history_free(took);
	dt_history_free(not);
	dt_history_free(never);
}

Test(etcd_model, an_unknown_operation_is_refused)
{
	dt_history *h = HW_HISTORY(OP(0, "append", "{\"key\":\"r1\",\"value\":\"a\"}",
				      "{\"key\":\"r1\",\"value\":\"a\"}"));
	json_t *r = NULL;
	const dt_component *c;
	char err[DT_ERRBUF_SIZE];
	json_t *conf = json_pack("{ss}", "model", "etcd");
	dt_checker_env env = { .config = conf, .registry = reg, .timeout = 10 };

	c = dt_registry_get(reg, DT_KIND_CHECKER, "linearizable", err);
	cr_assert_not_null(c, "%s", err);
	cr_expect_eq(((const dt_checker_type *)c->type)->check(&env, h, &r, err), -1);
	cr_expect(strstr(err, "append") != NULL, "%s", err);
	json_decref(r);
	json_decref(conf);
	dt_history_free(h);
}

/* A txn of unknown outcome says in its invoke what it compared: where
 * that holds it may have put, where it does not it did nothing (a get
 * that sees its value then is not linearizable). */
Test(etcd_model, a_txn_of_unknown_outcome_puts_only_where_it_holds)
{
#define PUT_A OP(0, "put", "{\"key\":\"r1\",\"value\":\"a\"}", \
		 "{\"key\":\"r1\",\"value\":\"a\",\"rev\":2}")
#define TXN(e) "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"b\",\"expect\":\"" e "\"}"
#define GET_B OP(2, "get", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"rev\":3,\"kvs\":[" \
		 KV("r1", "b", 2, 3, 2, 0) "]}")
	dt_history *held = HW_HISTORY(PUT_A, INVOKE(1, "txn", TXN("a")),
				      INFO(1, "txn", TXN("a")), GET_B);
	dt_history *failed = HW_HISTORY(PUT_A, INVOKE(1, "txn", TXN("z")),
					INFO(1, "txn", TXN("z")), GET_B);
	dt_history *version = HW_HISTORY(PUT_A,
		INVOKE(1, "txn", "{\"key\":\"r1\",\"cmp\":\"version\",\"value\":\"b\",\"expect\":2}"),
		INFO(1, "txn", "{\"key\":\"r1\",\"cmp\":\"version\",\"value\":\"b\",\"expect\":2}"),
		GET_B);

	cr_expect_eq(linearizable(held), 1);
	cr_expect_eq(linearizable(failed), 0);
	cr_expect_eq(linearizable(version), 0);
	dt_history_free(held);
	dt_history_free(failed);
	dt_history_free(version);
#undef PUT_A
#undef TXN
#undef GET_B
}

/* The revisions workload puts in every txn the expect its worker last
 * saw of the key (read or written), kept per worker: another worker's
 * reads do not change it. */
Test(etcd_model, the_workload_chooses_txn_expects_from_what_its_worker_saw)
{
	const dt_workload_type *wt = dt_registry_find(reg, DT_KIND_WORKLOAD,
						      "revisions", NULL);
	json_t *conf = json_pack("{sisiss}", "keys", 1, "values", 1000000,
				 "prefix", "r");
	json_t *got = json_pack("{sis[{sssssisisisi}]}", "rev", 9, "kvs", "key",
				"r0", "value", "v7", "create", 3, "mod", 8,
				"version", 4, "lease", 0);
	json_t *in = json_pack("{ss}", "key", "r0");
	json_t *put = json_pack("{ssss}", "key", "r0", "value", "w");
	json_t *wrote = json_pack("{sssssi}", "key", "r0", "value", "w", "rev", 10);
	char err[DT_ERRBUF_SIZE] = "";
	dt_rng a, b;
	void *w;
	bool seen[4] = { false };

	cr_assert_not_null(wt);
	cr_assert_not_null(wt->completed);
	w = wt->create(conf, err);
	cr_assert_not_null(w, "%s", err);
	dt_rng_seed(&a, 1);
	dt_rng_seed(&b, 2);
	wt->completed(w, &a, "get", in, DT_OP_OK, got);
	for (int i = 0; i < 200; i++) {
		json_t *v = wt->generate(w, "txn", &a);
		const char *cmp = json_string_value(json_object_get(v, "cmp"));
		const json_t *e = json_object_get(v, "expect");

		cr_assert_not_null(e, "a txn without expect");
		if (strcmp(cmp, "value") == 0) {
			cr_expect_str_eq(json_string_value(e), "v7");
			seen[0] = true;
		} else if (strcmp(cmp, "version") == 0) {
			cr_expect_eq(json_integer_value(e), 4);
			seen[1] = true;
		} else if (strcmp(cmp, "create") == 0) {
			cr_expect_eq(json_integer_value(e), 3);
			seen[2] = true;
		} else {
			cr_expect_eq(json_integer_value(e), 8);
			seen[3] = true;
		}
		json_decref(v);
		/* worker b never saw r0: revisions 0, a random value */
		v = wt->generate(w, "txn", &b);
		cmp = json_string_value(json_object_get(v, "cmp"));
		e = json_object_get(v, "expect");
		cr_assert_not_null(e);
		if (strcmp(cmp, "value") != 0)
			cr_expect_eq(json_integer_value(e), 0);
		json_decref(v);
	}
	cr_expect(seen[0] && seen[1] && seen[2] && seen[3]);
	/* a's own put: value w, version 5, create 3, mod 10 */
	wt->completed(w, &a, "put", put, DT_OP_OK, wrote);
	for (int i = 0; i < 50; i++) {
		json_t *v = wt->generate(w, "txn", &a);
		const char *cmp = json_string_value(json_object_get(v, "cmp"));
		const json_t *e = json_object_get(v, "expect");

		if (strcmp(cmp, "value") == 0)
			cr_expect_str_eq(json_string_value(e), "w");
		else
			cr_expect_eq(json_integer_value(e), strcmp(cmp, "version") == 0 ? 5 :
				     strcmp(cmp, "create") == 0 ? 3 : 10);
		json_decref(v);
	}
	wt->destroy(w);
	json_decref(conf);
	json_decref(got);
	json_decref(in);
	json_decref(put);
	json_decref(wrote);
}
