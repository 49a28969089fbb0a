/* SPDX-License-Identifier: MIT */
/*
 * test_bank: the bank invariant checker on hand-written histories.  Each
 * of its anomalies (malformed read, negative balance, wrong total) is
 * reported with exactly its fields; what it must not look at (failed and
 * unknown reads, nemesis events, transfers) is ignored; and what it
 * cannot see, an acknowledged transfer that never took effect or took
 * effect twice, is shown here too, with the linearizable checker and the
 * bank model catching it instead.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

#include "history.h"
#include "registry.h"

static dt_registry *reg;

static void setup(void)
{
	reg = dt_registry_new(TEST_BUILDDIR "/plugins/bank/.libs:"
			      TEST_BUILDDIR "/plugins/linearizable/.libs:"
			      TEST_BUILDDIR "/plugins/models/.libs");
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(bank, .init = setup, .fini = teardown);

/*
 * A history from events written as JSON without index and time, e.g.
 * {"process":0,"type":"ok","f":"read","value":[10,10]}: event i gets
 * index i and time i microseconds, in the order given.
 */
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

/* A read by process p that returned balances (JSON text). */
#define READ(p, balances) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"read\",\"value\":null}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"read\",\"value\":" balances "}"

/* A transfer by process p that was acknowledged. */
#define TRANSFER(p, from, to, amount) \
	"{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"transfer\",\"value\":" \
	"{\"from\":" #from ",\"to\":" #to ",\"amount\":" #amount "}}", \
	"{\"process\":" #p ",\"type\":\"ok\",\"f\":\"transfer\",\"value\":" \
	"{\"from\":" #from ",\"to\":" #to ",\"amount\":" #amount "}}"

/* Run a checker on h with the workload's options (JSON text, or NULL)
 * and the checker's entry; the result, or NULL with err. */
static json_t *check_with(const char *checker, const dt_history *h,
			  const char *workload, json_t *conf, char *err)
{
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, checker, err);
	json_t *wl = workload ? json_loads(workload, 0, NULL) : NULL;
	dt_checker_env env = { .config = conf, .workload = "bank",
			       .workload_config = wl, .default_model = "bank",
			       .registry = reg };
	json_t *result = NULL;
	int rc;

	cr_assert_not_null(c, "%s", err);
	cr_assert(workload == NULL || wl != NULL, "bad JSON: %s", workload);
	err[0] = '\0';
	rc = ((const dt_checker_type *)c->type)->check(&env, h, &result, err);
	json_decref(wl);
	if (rc != 0) {
		cr_assert_null(result);
		return NULL;
	}
	cr_assert_not_null(result);
	return result;
}

static json_t *bank_check(const dt_history *h, const char *workload)
{
	char err[DT_ERRBUF_SIZE];
	json_t *r = check_with("bank", h, workload, NULL, err);

	cr_assert_not_null(r, "bank: %s", err);
	return r;
}

static const char two[] = "{\"accounts\":2,\"balance\":10}";

static long long field(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);

	cr_assert(json_is_integer(v), "no integer %s", key);
	return (long long)json_integer_value(v);
}

/* The result's counts, the exact summary (NULL: none) and the number of
 * errors listed. */
static void expect_counts(const json_t *r, bool valid, long long reads,
			  long long bad, long long total, const char *summary,
			  size_t listed)
{
	const json_t *s = json_object_get(r, "summary");

	cr_expect_eq(json_is_true(json_object_get(r, "valid")), valid);
	cr_expect(json_is_boolean(json_object_get(r, "valid")));
	cr_expect_eq(field(r, "reads"), reads);
	cr_expect_eq(field(r, "bad-reads"), bad);
	cr_expect_eq(field(r, "total"), total);
	if (summary == NULL)
		cr_expect_null(s, "summary: %s", json_string_value(s));
	else
		cr_expect_str_eq(json_string_value(s), summary);
	cr_expect_eq(json_array_size(json_object_get(r, "errors")), listed);
}

/* Error i is exactly {index, balances, problem}. */
static void expect_error(const json_t *r, size_t i, long long index,
			 const char *balances, const char *problem)
{
	const json_t *e = json_array_get(json_object_get(r, "errors"), i);
	json_t *want = json_loads(balances, JSON_DECODE_ANY, NULL);

	cr_assert_not_null(e, "no error %zu", i);
	cr_assert_not_null(want);
	cr_expect_eq(json_object_size(e), 3, "error %zu has other fields", i);
	cr_expect_eq(field(e, "index"), index);
	cr_expect(json_equal(json_object_get(e, "balances"), want),
		  "error %zu: balances are not %s", i, balances);
	cr_expect_str_eq(json_string_value(json_object_get(e, "problem")), problem);
	json_decref(want);
}

Test(bank, consistent_reads_are_valid)
{
	dt_history *h = HISTORY(READ(0, "[10,10]"), TRANSFER(1, 0, 1, 5),
				READ(0, "[5,15]"), READ(1, "[5,15]"));
	json_t *r = bank_check(h, two);

	expect_counts(r, true, 3, 0, 20, NULL, 0);
	json_decref(r);
	dt_history_free(h);
}

/* One read's balances (JSON text) and the problem it must be reported
 * with, or NULL when it is fine. */
typedef struct read_case {
	const char *balances;
	const char *problem;
} read_case;

/* Reads by process 0, one after the other (read k is event 2k + 1),
 * checked with the workload's options: each bad one listed in order with
 * its index, balances and problem, the counts and summary to match. */
static void expect_reads(const char *workload, long long total,
			 const read_case *reads, size_t n)
{
	const char **events = calloc(2 * n, sizeof(*events));
	char (*text)[256] = calloc(n, sizeof(*text)), summary[128];
	size_t bad = 0;
	dt_history *h;
	json_t *r;

	cr_assert(events != NULL && text != NULL);
	for (size_t k = 0; k < n; k++) {
		snprintf(text[k], sizeof(text[k]), "{\"process\":0,\"type\":\"ok\","
			 "\"f\":\"read\",\"value\":%s}", reads[k].balances);
		events[2 * k] = "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}";
		events[2 * k + 1] = text[k];
		bad += reads[k].problem != NULL;
	}
	h = history(events, 2 * n);
	r = bank_check(h, workload);
	snprintf(summary, sizeof(summary), "%zu of %zu reads break the invariant "
		 "(total %lld)", bad, n, total);
	expect_counts(r, bad == 0, (long long)n, (long long)bad, total,
		      bad ? summary : NULL, bad);
	for (size_t k = 0, listed = 0; k < n; k++)
		if (reads[k].problem != NULL)
			expect_error(r, listed++, 2 * (long long)k + 1,
				     reads[k].balances, reads[k].problem);
	json_decref(r);
	dt_history_free(h);
	free(events);
	free(text);
}

/* Money destroyed (a debit without its credit) and created (a credit
 * without its debit), as a non-atomic transfer or a torn read shows. */
Test(bank, a_wrong_total_is_reported)
{
	static const read_case reads[] = {
		{ "[10,10]", NULL }, { "[5,10]", "wrong total" },
		{ "[15,10]", "wrong total" },
	};

	expect_reads(two, 20, reads, 3);
}

/* An overdraft: the total holds, an account is below zero.  A read that
 * is both short and negative is reported as negative. */
Test(bank, a_negative_balance_is_reported)
{
	static const read_case reads[] = {
		{ "[25,-5]", "negative balance" }, { "[-1,10]", "negative balance" },
	};

	expect_reads(two, 20, reads, 2);
}

/* Not a list of as many integers as there are accounts: malformed, even
 * when the numbers that are there add up. */
Test(bank, a_malformed_read_is_reported)
{
	static const read_case reads[] = {
		{ "null", "malformed read" }, { "20", "malformed read" },
		{ "{\"0\":10,\"1\":10}", "malformed read" }, { "[]", "malformed read" },
		{ "[20]", "malformed read" }, { "[10,10,0]", "malformed read" },
		{ "[10,\"10\"]", "malformed read" }, { "[10.0,10]", "malformed read" },
		{ "[10,null]", "malformed read" }, { "[[10],10]", "malformed read" },
		{ "[10,10]", NULL },
	};

	expect_reads(two, 20, reads, 11);
}

/* A history built by a program may leave a read's value NULL (dt_op
 * allows it): reported as malformed, with null balances, not dropped. */
Test(bank, a_read_without_value_is_malformed)
{
	dt_history *h = HISTORY(READ(0, "[10,10]"));
	json_t *r;

	json_decref(h->ops[1].value);
	h->ops[1].value = NULL;
	r = bank_check(h, two);
	expect_counts(r, false, 1, 1, 20,
		      "1 of 1 reads break the invariant (total 20)", 1);
	expect_error(r, 0, 1, "null", "malformed read");
	json_decref(r);
	dt_history_free(h);
}

/* Balances so large that their sum wraps around a 64-bit integer onto
 * the total: 2 * INT64_MAX + 32 is 30 modulo 2^64.  Wrong, not valid. */
Test(bank, a_sum_that_overflows_is_a_wrong_total)
{
	static const read_case reads[] = {
		{ "[9223372036854775807,9223372036854775807,32]", "wrong total" },
		{ "[-9223372036854775807,-9223372036854775807,30]", "negative balance" },
	};

	expect_reads("{\"accounts\":3,\"balance\":10}", 30, reads, 2);
}

/* Only a client's successful reads are evidence: a failed or unknown
 * read, a nemesis event named read, an invoke and a transfer's values
 * are not balances. */
Test(bank, only_successful_client_reads_count)
{
	dt_history *h = HISTORY(
		"{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":[1,2,3]}",
		"{\"process\":0,\"type\":\"fail\",\"f\":\"read\",\"value\":[-1]}",
		"{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}",
		"{\"process\":1,\"type\":\"info\",\"f\":\"read\",\"value\":\"x\"}",
		"{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"read\",\"value\":[0,0]}",
		TRANSFER(2, 0, 1, 50),
		READ(3, "[10,10]"));
	json_t *r = bank_check(h, two);

	expect_counts(r, true, 1, 0, 20, NULL, 0);
	json_decref(r);
	dt_history_free(h);
}

/* Every bad read is counted; the first ten are listed. */
Test(bank, ten_errors_are_listed_all_are_counted)
{
	const char *events[24];
	dt_history *h;
	json_t *r;

	for (size_t i = 0; i < 12; i++) {
		events[2 * i] = "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}";
		events[2 * i + 1] = "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1,1]}";
	}
	h = history(events, 24);
	r = bank_check(h, two);
	expect_counts(r, false, 12, 12, 20,
		      "12 of 12 reads break the invariant (total 20)", 10);
	for (size_t i = 0; i < 10; i++)
		expect_error(r, i, 2 * (long long)i + 1, "[1,1]", "wrong total");
	json_decref(r);
	dt_history_free(h);
}

/* No workload options: the workload's defaults, 5 accounts of 10000. */
Test(bank, the_workload_defaults_apply)
{
	static const read_case reads[] = {
		{ "[10000,10000,10000,10000,10000]", NULL }, { "[10,10]", "malformed read" },
	};

	expect_reads(NULL, 50000, reads, 2);
}

Test(bank, bad_workload_options_are_an_error)
{
	dt_history *h = HISTORY(READ(0, "[10,10]"));
	char err[DT_ERRBUF_SIZE];

	cr_expect_null(check_with("bank", h, "{\"accounts\":1}", NULL, err));
	cr_expect_str_eq(err, "accounts: expected an integer between 2 and 1000, not 1");
	cr_expect_null(check_with("bank", h, "{\"balance\":\"lots\"}", NULL, err));
	cr_expect_str_eq(err, "balance: expected an integer between 0 and 1000000000000");
	dt_history_free(h);
}

/* What the invariant cannot see: a transfer acknowledged and never
 * applied (lost), or applied twice, leaves every read summing to the
 * total.  Linearizability against the bank model sees both. */
static void invisible_to_the_invariant(const char *after)
{
	char read[128];
	dt_history *h;
	json_t *conf = json_pack("{ss}", "model", "bank");
	json_t *r, *l;
	char err[DT_ERRBUF_SIZE];

	snprintf(read, sizeof(read), "{\"process\":0,\"type\":\"ok\",\"f\":\"read\","
		 "\"value\":%s}", after);
	h = HISTORY(READ(0, "[10,10]"), TRANSFER(1, 0, 1, 5),
		    "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}", read);
	r = bank_check(h, two);
	expect_counts(r, true, 2, 0, 20, NULL, 0);
	l = check_with("linearizable", h, two, conf, err);
	cr_assert_not_null(l, "linearizable: %s", err);
	cr_expect(json_is_false(json_object_get(l, "valid")),
		  "linearizable did not catch a read of %s", after);
	json_decref(l);
	json_decref(r);
	json_decref(conf);
	dt_history_free(h);
}

Test(bank, a_lost_transfer_keeps_the_total)
{
	invisible_to_the_invariant("[10,10]");
}

Test(bank, a_transfer_applied_twice_keeps_the_total)
{
	invisible_to_the_invariant("[0,20]");
}

/* The control for the two above: the read the transfer implies is
 * linearizable too, so the verdicts above are about the reads. */
Test(bank, the_transfer_applied_once_is_linearizable)
{
	dt_history *h = HISTORY(READ(0, "[10,10]"), TRANSFER(1, 0, 1, 5),
				READ(0, "[5,15]"));
	json_t *conf = json_pack("{ss}", "model", "bank");
	char err[DT_ERRBUF_SIZE];
	json_t *l = check_with("linearizable", h, two, conf, err);

	cr_assert_not_null(l, "linearizable: %s", err);
	cr_expect(json_is_true(json_object_get(l, "valid")));
	json_decref(l);
	json_decref(conf);
	dt_history_free(h);
}
