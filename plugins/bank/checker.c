/* SPDX-License-Identifier: MIT */
/*
 * The bank invariant checker: every successful read must show balances
 * that sum to accounts * balance, none of them negative.  Cheaper and
 * weaker than linearizability: it catches money created or destroyed
 * (a transfer applied in part, a torn read that sees one half of it),
 * overdrafts and malformed reads.  It cannot see a transfer that was
 * acknowledged and never applied (lost), one applied twice, or a stale
 * read: each leaves a consistent set of balances.  For those, use the
 * linearizable checker with the bank model (tests/checker/test_bank.c
 * shows both on the same histories).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"

#define MAX_REPORTED 10

/* What is wrong with one read's balances, or NULL when nothing is.  The
 * sum never overflows: it is taken once every balance is known to be
 * non-negative, and stops as soon as it would pass the total (balances
 * near INT64_MAX must not wrap around onto it). */
static const char *read_problem(const json_t *balances, long long accounts,
				long long total)
{
	long long sum = 0;
	size_t k;
	json_t *b;

	if (!json_is_array(balances) || json_array_size(balances) != (size_t)accounts)
		return "malformed read";
	json_array_foreach(balances, k, b)
		if (!json_is_integer(b))
			return "malformed read";
	json_array_foreach(balances, k, b)
		if (json_integer_value(b) < 0)
			return "negative balance";
	json_array_foreach(balances, k, b) {
		if (json_integer_value(b) > total - sum)
			return "wrong total";
		sum += json_integer_value(b);
	}
	return sum == total ? NULL : "wrong total";
}

static int bank_check(const dt_checker_env *env, const dt_history *h,
		      json_t **result, char *err)
{
	bank_params p;
	long long total;
	size_t reads = 0, bad = 0;
	json_t *errors = json_array();

	if (bank_params_read(env->workload_config, &p, err) != 0) {
		json_decref(errors);
		return -1;
	}
	total = p.accounts * p.balance;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		const char *problem;

		if (op->type != DT_OP_OK || op->process == DT_PROCESS_NEMESIS ||
		    op->f == NULL || strcmp(op->f, "read") != 0)
			continue;
		reads++;
		problem = read_problem(op->value, p.accounts, total);
		if (problem == NULL)
			continue;
		/* O?: a history built by a program may hold no value */
		if (bad++ < MAX_REPORTED)
			json_array_append_new(errors, json_pack("{sIsO?ss}",
				"index", (json_int_t)op->index, "balances", op->value,
				"problem", problem));
	}
	*result = json_pack("{sbsIsIsIso}", "valid", bad == 0,
			    "reads", (json_int_t)reads, "bad-reads", (json_int_t)bad,
			    "total", (json_int_t)total, "errors", errors);
	if (bad > 0) {
		char s[128];

		snprintf(s, sizeof(s), "%zu of %zu reads break the invariant "
			 "(total %lld)", bad, reads, total);
		json_object_set_new(*result, "summary", json_string(s));
	}
	return 0;
}

/* The bank's parameters come from the workload's section: the checker
 * takes no options of its own, but is only for the bank workload. */
static int bank_validate(const dt_validate_env *env, char *err)
{
	if (env->workload == NULL || strcmp(env->workload, "bank") == 0)
		return 0;
	return dt_fail(err, "checks the bank workload's invariant, and this "
		       "suite's workload is %s", env->workload);
}

const dt_checker_type bank_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "bank", .version = "1.0",
		  .description = "bank invariant: every read sums to the total, "
				 "no negative balance",
		  .validate = bank_validate },
	.check = bank_check,
};
