/*
 * The bank invariant checker: every successful read must show balances
 * that sum to accounts * balance, none of them negative.  Cheaper and
 * weaker than linearizability: it catches lost and duplicated transfers
 * and torn reads, not stale ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank.h"

#define MAX_REPORTED 10

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
		long long sum = 0;
		bool negative = false, malformed;
		size_t k;
		json_t *b;

		if (op->type != DT_OP_OK || op->process == DT_PROCESS_NEMESIS ||
		    op->f == NULL || strcmp(op->f, "read") != 0)
			continue;
		reads++;
		malformed = !json_is_array(op->value) ||
			    json_array_size(op->value) != (size_t)p.accounts;
		json_array_foreach(op->value, k, b) {
			if (!json_is_integer(b))
				malformed = true;
			sum += json_integer_value(b);
			negative |= json_integer_value(b) < 0;
		}
		if (!malformed && sum == total && !negative)
			continue;
		if (bad++ < MAX_REPORTED)
			json_array_append_new(errors, json_pack("{sIsOss}",
				"index", (json_int_t)op->index, "balances", op->value,
				"problem", malformed ? "malformed read" :
				negative ? "negative balance" : "wrong total"));
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
