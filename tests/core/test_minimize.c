/* SPDX-License-Identifier: MIT */
/*
 * The shortest failing history the core finds for checkers that do not
 * make their own: failed operations go, the cut is the earliest event
 * with which the checker (the real linearizable one, or checkers
 * written here to pin the rules) still fails for the same reason, and
 * nothing is claimed past the budget.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "minimize.h"
#include "registry.h"

static dt_op ev(int64_t t, int64_t p, dt_op_type type, const char *f,
		const char *value)
{
	dt_op op = { .time = t, .process = p, .type = type, .f = strdup(f),
		     .value = value ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL };
	return op;
}

static void number(dt_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ops[i].index = (int64_t)i;
}

static void clear(dt_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dt_op_clear(&ops[i]);
}

#define MS 1000000

/* A stale read of r0 at 6 ms (it read 1 after the write of 2 ended),
 * with a failed write before it and more ops after. */
static size_t stale_history(dt_op *ops)
{
	size_t n = 0;

	ops[n++] = ev(0 * MS, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":1}");
	ops[n++] = ev(1 * MS, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":1}");
	ops[n++] = ev(1 * MS, 1, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":7}");
	ops[n++] = ev(2 * MS, 1, DT_OP_FAIL, "write", "{\"key\":\"r0\",\"value\":7}");
	ops[n++] = ev(2 * MS, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":2}");
	ops[n++] = ev(3 * MS, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":2}");
	ops[n++] = ev(3 * MS, 2, DT_OP_INVOKE, "read", "{\"key\":\"r1\"}");
	ops[n++] = ev(4 * MS, 1, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}");
	ops[n++] = ev(5 * MS, 2, DT_OP_OK, "read", "{\"key\":\"r1\",\"value\":null}");
	ops[n++] = ev(6 * MS, 1, DT_OP_OK, "read", "{\"key\":\"r0\",\"value\":1}");
	for (int i = 0; i < 5; i++) {
		ops[n++] = ev((7 + 2 * i) * MS, 0, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}");
		ops[n++] = ev((8 + 2 * i) * MS, 0, DT_OP_OK, "read",
			      "{\"key\":\"r0\",\"value\":2}");
	}
	number(ops, n);
	return n;
}

static const dt_checker_type *linearizable(dt_registry **reg)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c;

	*reg = dt_registry_new(TEST_BUILDDIR "/plugins/linearizable/.libs:"
			       TEST_BUILDDIR "/plugins/models/.libs");
	cr_assert_not_null(*reg);
	c = dt_registry_get(*reg, DT_KIND_CHECKER, "linearizable", err);
	cr_assert_not_null(c, "%s", err);
	return c->type;
}

static json_t *check(const dt_checker_type *ct, const dt_checker_env *env,
		     const dt_history *h)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *res = NULL;

	cr_assert_eq(ct->check(env, h, &res, err), 0, "%s", err);
	return res;
}

Test(minimize, a_stale_read_is_cut_after_it_without_the_failed_write)
{
	dt_op ops[32];
	dt_history h = { .ops = ops, .count = stale_history(ops) };
	dt_registry *reg;
	const dt_checker_type *ct = linearizable(&reg);
	json_t *conf = json_pack("{ss}", "model", "cas-register");
	dt_checker_env env = { .config = conf, .registry = reg, .default_model = "cas-register" };
	json_t *res = check(ct, &env, &h), *rep;
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *m = NULL;

	cr_assert(json_is_false(json_object_get(res, "valid")));
	rep = dt_minimize(ct, &env, res, &h, 10, &m, err);
	cr_assert_not_null(rep, "%s", err);
	cr_assert_not_null(m);
	/* write 1, write 2, the stale read: r1's read went with its key */
	cr_expect_eq(json_integer_value(json_object_get(rep, "operations")), 3);
	cr_expect_eq(json_integer_value(json_object_get(rep, "from")), 10);
	cr_expect_eq(json_integer_value(json_object_get(rep, "events")), 6);
	cr_expect_str_eq(json_string_value(json_object_get(rep, "key")), "r0");
	cr_expect_eq(json_integer_value(json_object_get(rep, "last-index")), 9);
	cr_expect_float_eq(json_number_value(json_object_get(rep, "until")), 0.006, 1e-12);
	cr_expect(json_is_true(json_object_get(rep, "complete")));
	cr_assert_eq(m->count, 6);
	for (size_t i = 0; i < m->count; i++) {
		cr_expect_eq(m->ops[i].index, (int64_t)i, "renumbered");
		cr_expect_neq(m->ops[i].type, DT_OP_FAIL, "the failed write is gone");
	}
	cr_expect_eq(m->ops[5].time, 6 * MS, "times are kept");
	/* it fails, and one event fewer does not */
	json_decref(res);
	res = check(ct, &env, m);
	cr_expect(json_is_false(json_object_get(res, "valid")));
	json_decref(res);
	m->count--;
	res = check(ct, &env, m);
	cr_expect(json_is_true(json_object_get(res, "valid")));
	json_decref(res);
	json_decref(rep);
	dt_minimal_free(m);
	json_decref(conf);
	clear(ops, h.count);
	dt_registry_free(reg);
}

/* Reads the failure does not need go, one by one if need be; the
 * writes stay, even those nothing read (leaving out a write could make
 * a valid history invalid). */
Test(minimize, reads_it_does_not_need_go_writes_stay)
{
	dt_op ops[64];
	size_t n = 0;
	dt_history h = { .ops = ops };
	dt_registry *reg;
	const dt_checker_type *ct = linearizable(&reg);
	json_t *conf = json_pack("{ss}", "model", "cas-register");
	dt_checker_env env = { .config = conf, .registry = reg, .default_model = "cas-register" };
	json_t *res, *rep;
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *m = NULL;
	int64_t t = 0;

	ops[n++] = ev(t++ * MS, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":1}");
	ops[n++] = ev(t++ * MS, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":1}");
	for (int i = 0; i < 6; i++) {   /* reads of 1, legal */
		ops[n++] = ev(t++ * MS, 1, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}");
		ops[n++] = ev(t++ * MS, 1, DT_OP_OK, "read", "{\"key\":\"r0\",\"value\":1}");
	}
	ops[n++] = ev(t++ * MS, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":2}");
	ops[n++] = ev(t++ * MS, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":2}");
	for (int i = 0; i < 6; i++) {   /* reads of 2, legal */
		ops[n++] = ev(t++ * MS, 1, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}");
		ops[n++] = ev(t++ * MS, 1, DT_OP_OK, "read", "{\"key\":\"r0\",\"value\":2}");
	}
	ops[n++] = ev(t++ * MS, 0, DT_OP_INVOKE, "write", "{\"key\":\"r0\",\"value\":3}");
	ops[n++] = ev(t++ * MS, 0, DT_OP_OK, "write", "{\"key\":\"r0\",\"value\":3}");
	ops[n++] = ev(t++ * MS, 2, DT_OP_INVOKE, "read", "{\"key\":\"r0\"}");
	ops[n++] = ev(t++ * MS, 2, DT_OP_OK, "read", "{\"key\":\"r0\",\"value\":1}");
	h.count = n;
	number(ops, n);
	res = check(ct, &env, &h);
	cr_assert(json_is_false(json_object_get(res, "valid")));
	rep = dt_minimize(ct, &env, res, &h, 10, &m, err);
	cr_assert_not_null(rep, "%s", err);
	cr_assert_not_null(m);
	/* the three writes and the stale read */
	cr_expect_eq(json_integer_value(json_object_get(rep, "operations")), 4);
	cr_expect_eq(json_integer_value(json_object_get(rep, "from")), 16);
	cr_assert_eq(m->count, 8);
	for (size_t i = 0; i + 2 < m->count; i += 2)
		cr_expect_str_eq(m->ops[i].f, "write", "event %zu", i);
	cr_expect_str_eq(m->ops[6].f, "read");
	json_decref(res);
	res = check(ct, &env, m);
	cr_expect(json_is_false(json_object_get(res, "valid")));
	json_decref(res);
	json_decref(rep);
	dt_minimal_free(m);
	json_decref(conf);
	clear(ops, h.count);
	dt_registry_free(reg);
}

Test(minimize, a_valid_history_is_refused)
{
	dt_op ops[32];
	size_t all = stale_history(ops);
	dt_history h = { .ops = ops, .count = 9 };   /* before the stale read returns */
	dt_registry *reg;
	const dt_checker_type *ct = linearizable(&reg);
	json_t *conf = json_pack("{ss}", "model", "cas-register");
	dt_checker_env env = { .config = conf, .registry = reg, .default_model = "cas-register" };
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *m = (dt_history *)1;

	cr_assert_null(dt_minimize(ct, &env, NULL, &h, 10, &m, err));
	cr_expect_null(m);
	cr_expect_str_eq(err, "the checker finds the history valid (or cannot "
			 "decide it) when it checks it again");
	json_decref(conf);
	clear(ops, all);
	dt_registry_free(reg);
}

/* A checker that names anomalies: "a" once an op named a has been
 * invoked, "b" for b; slow sleeps 20 ms a check. */
static int typed_check(const dt_checker_env *env, const dt_history *h,
		       json_t **result, char *err)
{
	json_t *types = json_array();

	(void)err;
	if (env->config != NULL && json_is_true(json_object_get(env->config, "slow")))
		usleep(20000);
	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].type == DT_OP_INVOKE &&
		    (strcmp(h->ops[i].f, "a") == 0 || strcmp(h->ops[i].f, "b") == 0))
			json_array_append_new(types, json_string(h->ops[i].f));
	*result = json_pack("{s:b, s:o}", "valid", json_array_size(types) == 0,
			    "anomaly-types", types);
	return 0;
}

static const dt_checker_type typed = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "typed" },
	.check = typed_check,
};

static size_t ab_history(dt_op *ops)
{
	size_t n = 0;

	for (int i = 0; i < 40; i++) {
		const char *f = i == 10 ? "b" : i == 30 ? "a" : "x";

		ops[n++] = ev(2 * i * MS, 0, DT_OP_INVOKE, f, NULL);
		ops[n++] = ev((2 * i + 1) * MS, 0, DT_OP_OK, f, NULL);
	}
	number(ops, n);
	return n;
}

Test(minimize, the_same_anomaly_not_the_first_one)
{
	dt_op ops[80];
	dt_history h = { .ops = ops, .count = ab_history(ops) };
	dt_checker_env env = { 0 };
	json_t *res = json_pack("{s:b, s:[s]}", "valid", 0, "anomaly-types", "a");
	json_t *rep;
	char err[DT_ERRBUF_SIZE] = "";

	/* the b at op 10 fails too, but for another reason */
	rep = dt_minimize(&typed, &env, res, &h, 10, NULL, err);
	cr_assert_not_null(rep, "%s", err);
	cr_expect_eq(json_integer_value(json_object_get(rep, "last-index")), 60,
		     "cut right after the invoke of a");
	cr_expect_eq(json_integer_value(json_object_get(rep, "operations")), 31);
	json_decref(rep);
	json_decref(res);
	/* without types, the first failure is enough */
	res = json_pack("{s:b}", "valid", 0);
	rep = dt_minimize(&typed, &env, res, &h, 10, NULL, err);
	cr_assert_not_null(rep, "%s", err);
	cr_expect_eq(json_integer_value(json_object_get(rep, "last-index")), 20);
	json_decref(rep);
	json_decref(res);
	clear(ops, h.count);
}

Test(minimize, past_the_budget_it_says_so)
{
	dt_op ops[80];
	dt_history h = { .ops = ops, .count = ab_history(ops) };
	json_t *conf = json_pack("{sb}", "slow", 1);
	dt_checker_env env = { .config = conf };
	json_t *res = json_pack("{s:b, s:[s]}", "valid", 0, "anomaly-types", "a");
	json_t *rep;
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *m = NULL;

	rep = dt_minimize(&typed, &env, res, &h, 0.05, &m, err);
	cr_assert_not_null(rep, "%s", err);
	cr_expect(json_is_false(json_object_get(rep, "complete")));
	cr_expect_lt(json_integer_value(json_object_get(rep, "checks")), 5);
	/* what it gives still fails: the cut only moves to failing points */
	cr_assert_not_null(m);
	{
		json_t *r2 = NULL;

		cr_assert_eq(typed_check(&(dt_checker_env){ 0 }, m, &r2, err), 0);
		cr_expect(json_is_false(json_object_get(r2, "valid")));
		json_decref(r2);
	}
	dt_minimal_free(m);
	json_decref(rep);
	json_decref(res);
	json_decref(conf);
	clear(ops, h.count);
}
