/* SPDX-License-Identifier: MIT */
/*
 * rules.c: the `disk-error`, `disk-slow` and `disk-full` nemeses.  start
 * adds one fault rule to each target's dt-faultfs (an error, a delay, a
 * full disk), seeded from the run's stream; heal clears exactly the
 * rules start added.  `what` records each node's rule as dt-faultfs took
 * it (its id, operations, pattern, probability, errno or delay or
 * budget, seed), and at heal how many operations each matched and
 * struck.
 */
#include <string.h>

#include "disk.h"

json_t *dk_rule_request(const char *name, const json_t *config, char *err)
{
	const json_t *ops = dt_opt(config, "ops");
	json_t *req;

	if (strcmp(name, "disk-error") == 0) {
		req = json_pack("{s:s, s:s, s:s, s:f, s:s, s:b}", "cmd", "fault",
				"kind", "error", "path", dt_opt_string(config, "path"),
				"probability", dt_opt_number(config, "fraction"),
				"errno", dt_opt_string(config, "errno"),
				"lose", dt_opt_bool(config, "lose"));
	} else if (strcmp(name, "disk-slow") == 0) {
		req = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "cmd", "fault",
				"kind", "delay", "path", dt_opt_string(config, "path"),
				"probability", dt_opt_number(config, "fraction"),
				"delay", dt_opt_number(config, "delay"),
				"jitter", dt_opt_number(config, "jitter"));
	} else {
		req = json_pack("{s:s, s:s, s:s, s:I}", "cmd", "fault", "kind", "full",
				"path", dt_opt_string(config, "path"),
				"budget", (json_int_t)dt_opt_int(config, "budget"));
	}
	if (req == NULL) {
		dt_fail(err, "%s: out of memory", name);
		return NULL;
	}
	if (ops != NULL)
		json_object_set(req, "ops", (json_t *)ops);
	return req;
}

int dk_rules_validate(const dt_validate_env *env, char *err)
{
	json_t *req;
	int rc;

	if (dk_validate_disk(env, err) != 0)
		return -1;
	req = dk_rule_request(env->name, env->config, err);
	if (req == NULL)
		return -1;
	rc = dk_check_request(env->config, req, err);
	json_decref(req);
	return rc;
}

/* Clear node i's rule; appends {node, rule} or {node, error}. */
static int clear_one(dk_nemesis *k, size_t i, json_t *out, char *err)
{
	json_t *req = json_pack("{s:s, s:I}", "cmd", "clear", "id",
				(json_int_t)k->rule_ids[i]);
	json_t *reply = NULL;
	int rc = dk_call(k, i, req, &reply, err);

	json_decref(req);
	if (rc != 0) {
		json_array_append_new(out, json_pack("{s:s, s:I, s:s}", "node",
			k->nodes[i].name, "id", (json_int_t)k->rule_ids[i],
			"error", err));
	} else {
		json_array_append_new(out, json_pack("{s:s, s:O}", "node",
			k->nodes[i].name, "rule",
			json_array_get(json_object_get(reply, "cleared"), 0)));
		k->rule_ids[i] = 0;
	}
	json_decref(reply);
	return rc;
}

int dk_rules_start(void *n, const size_t *targets, size_t ntargets,
		   dt_rng *rng, json_t **what, char *err)
{
	dk_nemesis *k = n;
	json_t *base = dk_rule_request(k->name, k->config, err);
	json_t *added = json_array();
	char e[DT_ERRBUF_SIZE];

	if (base == NULL) {
		json_decref(added);
		return -1;
	}
	for (size_t t = 0; t < ntargets; t++) {
		size_t i = targets[t];
		json_t *req = json_deep_copy(base), *reply = NULL;
		int rc;

		json_object_set_new(req, "seed", json_integer(dk_seed(rng)));
		rc = dk_call(k, i, req, &reply, err);
		json_decref(req);
		if (rc != 0) {
			json_t *undo = json_array();

			/* A failed start leaves nothing behind. */
			for (size_t j = 0; j < k->n; j++)
				if (k->rule_ids[j] != 0)
					clear_one(k, j, undo, e);
			json_decref(undo);
			json_decref(added);
			json_decref(base);
			return -1;
		}
		k->rule_ids[i] = (uint64_t)json_integer_value(json_object_get(reply, "id"));
		json_array_append_new(added, json_pack("{s:s, s:O}", "node",
			k->nodes[i].name, "rule", json_object_get(reply, "rule")));
		json_decref(reply);
	}
	json_decref(base);
	*what = json_pack("{s:o}", "rules", added);
	return 0;
}

int dk_rules_heal(void *n, json_t **what, char *err)
{
	dk_nemesis *k = n;
	json_t *cleared = json_array();
	int failed = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->rule_ids[i] != 0 && clear_one(k, i, cleared, err) != 0)
			failed++;
	*what = json_pack("{s:o}", "cleared", cleared);
	return failed ? -1 : 0;
}
