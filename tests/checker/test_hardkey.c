/*
 * test_hardkey.c: partitions do not starve each other.  A kv history
 * whose hot key k0 no search decides in seconds (its last get returns a
 * value never written, past thousands of overlapping orders) plus one
 * easy violation on another key: the checker must say "not
 * linearizable" from the easy key, well within the time bound, where a
 * search that finishes k0 first says "unknown".
 */
#include <criterion/criterion.h>
#include <string.h>

#include "common.h"
#include "gen.h"

/* Check with the checker's own time bound (seconds). */
static int check_within(const dt_history *h, double timeout, json_t **res,
			char *err)
{
	const dt_component *c = dt_registry_get(tc_registry(), DT_KIND_CHECKER,
						"linearizable", err);
	json_t *conf = json_pack("{sssi}", "model", "kv", "threads", 1);
	dt_checker_env env = { .config = conf, .registry = tc_registry(),
			       .timeout = timeout };
	const dt_checker_type *ct;
	json_t *v;
	int rc;

	cr_assert_not_null(c, "%s", err);
	ct = c->type;
	rc = ct->check(&env, h, res, err);
	json_decref(conf);
	if (rc != 0)
		return -2;
	v = json_object_get(*res, "valid");
	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

/* 50 clients, 10 keys, k0 carrying 90% of the ops; bad keys made not
 * linearizable (gen.h). */
static dt_history *c50(int bad)
{
	gen_opts o = { .model = GEN_KV, .ops = 2000, .processes = 50,
		       .keys = 10, .values = 4, .spread = 50, .seed = 7,
		       .hot = 0.9, .bad = bad };

	return gen_history(&o);
}

Test(partitions, hard_key_alone_is_undecided_in_a_second, .timeout = 60)
{
	dt_history *h = c50(1);
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE];

	cr_assert_not_null(h);
	/* the premise of the next test: k0 is hard */
	cr_expect_eq(check_within(h, 1, &res, err), -1, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(res, "reason")),
			 "time budget spent");
	json_decref(res);
	dt_history_free(h);
}

Test(partitions, hard_key_plus_easy_violation_is_invalid, .timeout = 60)
{
	dt_history *h = c50(2);
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE];
	const char *sum;

	cr_assert_not_null(h);
	cr_assert_eq(check_within(h, 5, &res, err), 0, "%s: %s", err,
		     res ? json_string_value(json_object_get(res, "summary")) : "");
	sum = json_string_value(json_object_get(res, "summary"));
	cr_expect(strstr(sum, "key k1:") != NULL, "%s", sum);
	json_decref(res);
	dt_history_free(h);
}
