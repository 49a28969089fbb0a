/* SPDX-License-Identifier: MIT */
/*
 * results.c: the checkers over a history, and what results.json says:
 * each checker's verdict, the counts, and whether the run was whole (a
 * cancelled or killed run is unknown unless an anomaly was found in
 * what it recorded: an anomaly in a prefix is an anomaly).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "log.h"
#include "minimize.h"
#include "run.h"
#include "store.h"
#include "timeline.h"

void dt_results_cut_short(json_t *results, const char *why)
{
	json_object_set_new(results, "complete", json_false());
	if (json_is_false(json_object_get(results, "valid")))
		return;
	json_object_set_new(results, "valid", json_string("unknown"));
	json_object_set_new(results, "reason", json_string(why));
}

/* The results.json a run wrote, or NULL when it wrote none. */
static json_t *read_old_results(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/results.json", dir);
	return json_load_file(path, 0, NULL);
}

int dt_verdict_code(const json_t *valid)
{
	if (json_is_true(valid))
		return DT_EXIT_VALID;
	if (json_is_false(valid))
		return DT_EXIT_INVALID;
	return DT_EXIT_UNKNOWN;
}

/* The checker environment of the suite's checker i. */
static dt_checker_env checker_env(dt_registry *reg, const dt_suite *s, size_t i,
				  const char *store_dir)
{
	const dt_workload_type *wl = s->workload_type;

	return (dt_checker_env){
		.config = s->checkers[i].config,
		.workload = s->workload,
		.workload_config = s->workload_config,
		.default_model = s->checkers[i].model ? s->checkers[i].model :
				 wl ? wl->model : NULL,
		.registry = reg,
		.store_dir = store_dir,
		.timeout = dt_opt_number(s->checkers[i].config, "timeout"),
	};
}

/*
 * The first checker that found the history invalid gets the shortest
 * failing part of the history (within its `minimize` budget; 0: none)
 * unless it made its own: the report goes in its result as "minimal",
 * the history in minimal.jsonl (its "minimal-file"), and results
 * "minimal" says which checker's it is.
 */
static void minimal(dt_registry *reg, const dt_suite *s, size_t i,
		    json_t *res, const dt_history *h, const char *store_dir,
		    json_t *results)
{
	const dt_checker_type *ct = s->checkers[i].type;
	double budget = dt_opt_number(s->checkers[i].config, "minimize");
	dt_checker_env env = checker_env(reg, s, i, store_dir);
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *mh = NULL;
	json_t *rep;

	/* a checker that made its own (linearizable's certificate) says so */
	if (budget <= 0 || json_object_get(res, "minimal-file") != NULL)
		return;
	rep = dt_minimize(ct, &env, res, h, budget, &mh, err);
	if (rep == NULL) {
		dt_log(DT_LOG_WARN, "checker %s: no minimal history: %s",
		       s->checkers[i].name, err);
		return;
	}
	if (store_dir != NULL && mh != NULL &&
	    dt_minimal_write(store_dir, "minimal.jsonl", mh, err) == 0)
		json_object_set_new(res, "minimal-file", json_string("minimal.jsonl"));
	else if (store_dir != NULL)
		dt_log(DT_LOG_WARN, "checker %s: %s", s->checkers[i].name,
		       err[0] ? err : "minimal history: out of memory");
	dt_log(DT_LOG_INFO, "checker %s: shortest failing history: %lld of %lld "
	       "operations (%lld checks, %.1f s%s)", s->checkers[i].name,
	       (long long)json_integer_value(json_object_get(rep, "operations")),
	       (long long)json_integer_value(json_object_get(rep, "from")),
	       (long long)json_integer_value(json_object_get(rep, "checks")),
	       json_real_value(json_object_get(rep, "seconds")),
	       json_is_true(json_object_get(rep, "complete")) ? "" :
	       ", budget spent: not the shortest");
	json_object_set_new(results, "minimal", json_pack("{s:s, s:O, s:O}",
			    "checker", s->checkers[i].name, "operations",
			    json_object_get(rep, "operations"), "from",
			    json_object_get(rep, "from")));
	json_object_set_new(res, "minimal", rep);
	dt_minimal_free(mh);
}

json_t *dt_run_checkers(dt_registry *reg, const dt_suite *s,
			const dt_history *h, const char *store_dir)
{
	json_t *results = json_object();
	json_t *per = json_object();
	bool any_false = false, any_unknown = false;
	json_t *first_bad = NULL;   /* the first invalid verdict */
	size_t first_bad_i = 0;

	for (size_t i = 0; i < s->ncheckers; i++) {
		const dt_checker_type *ct = s->checkers[i].type;
		dt_checker_env env = checker_env(reg, s, i, store_dir);
		char err[DT_ERRBUF_SIZE] = "";
		json_t *res = NULL;
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ct == NULL || ct->check(&env, h, &res, err) != 0 || res == NULL) {
			json_decref(res);
			res = json_pack("{ssss}", "valid", "unknown", "error",
					ct == NULL ? "checker not loaded" : err);
			dt_log(DT_LOG_ERROR, "checker %s: %s", s->checkers[i].name,
			       ct == NULL ? "not loaded" : err);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		json_object_set_new(res, "seconds",
				    json_real((double)(t1.tv_sec - t0.tv_sec) +
					      (t1.tv_nsec - t0.tv_nsec) / 1e9));
		{
			json_t *v = json_object_get(res, "valid");

			if (json_is_false(v) && !any_false && ct != NULL) {
				first_bad = res;
				first_bad_i = i;
			}
			if (json_is_false(v))
				any_false = true;
			else if (!json_is_true(v))
				any_unknown = true;
		}
		/* Two checkers of one name (two models) get #2, #3... */
		if (json_object_get(per, s->checkers[i].name) != NULL) {
			char key[128];

			snprintf(key, sizeof(key), "%s#%zu", s->checkers[i].name, i + 1);
			json_object_set_new(per, key, res);
		} else {
			json_object_set_new(per, s->checkers[i].name, res);
		}
	}
	if (first_bad != NULL)
		minimal(reg, s, first_bad_i, first_bad, h, store_dir, results);
	json_object_set_new(results, "valid", any_false ? json_false() :
			    any_unknown || s->ncheckers == 0 ? json_string("unknown") :
			    json_true());
	json_object_set_new(results, "checkers", per);
	{
		uint64_t c[4] = { 0 };

		for (size_t i = 0; i < h->count; i++)
			if (h->ops[i].process != DT_PROCESS_NEMESIS)
				c[h->ops[i].type]++;
		json_object_set_new(results, "counts",
			json_pack("{sIsIsIsI}", "invoke", (json_int_t)c[0],
				  "ok", (json_int_t)c[1], "fail", (json_int_t)c[2],
				  "info", (json_int_t)c[3]));
	}
	return results;
}

json_t *dt_run_recheck(dt_registry *reg, const char *dir, char *err)
{
	char path[PATH_MAX];
	dt_suite *s = NULL;
	dt_history *h = NULL;
	json_t *res = NULL, *old = NULL;
	bool cut = false;
	int64_t last = -1;

	/* suite.json is the suite as it ran (overrides applied, chart
	 * inlined): the checkers and their models as they were. */
	if (snprintf(path, sizeof(path), "%s/suite.json", dir) >= (int)sizeof(path)) {
		dt_fail(err, "%s: path too long", dir);
		return NULL;
	}
	if (access(path, R_OK) != 0) {
		dt_fail(err, "%s: not a run folder (no suite.json: %s)", dir,
			strerror(errno));
		return NULL;
	}
	s = dt_suite_load(path, NULL, NULL, err);
	if (s == NULL || dt_suite_check(s, reg, err) != 0)
		goto out;
	old = read_old_results(dir);
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (dt_history_trim(path, &cut, &last, err) != 0)
		goto out;
	h = dt_history_read_jsonl(path, err);
	if (h == NULL)
		goto out;
	res = dt_run_checkers(reg, s, h, dir);
	json_object_set_new(res, "suite", json_string(s->name));
	json_object_set_new(res, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(res, "rechecked", json_true());
	if (json_is_string(json_object_get(old, "server-version")))
		json_object_set(res, "server-version", json_object_get(old, "server-version"));
	/* A run that did not end well: killed (no results, or a history
	 * its writer never closed) or cancelled. */
	if (cut || old == NULL || json_is_false(json_object_get(old, "complete")) ||
	    json_is_true(json_object_get(old, "cancelled"))) {
		char why[160];

		if (json_is_true(json_object_get(old, "cancelled")) && !cut)
			snprintf(why, sizeof(why), "%s",
				 json_is_string(json_object_get(old, "reason")) ?
				 json_string_value(json_object_get(old, "reason")) :
				 "cancelled");
		else
			snprintf(why, sizeof(why), "incomplete: the history stops "
				 "at %.1f s of %.0f s (the run was killed)",
				 last >= 0 ? (double)last / 1e9 : 0, s->time_limit);
		if (json_is_true(json_object_get(old, "cancelled")))
			json_object_set_new(res, "cancelled", json_true());
		json_object_set_new(res, "last-event-seconds",
				    json_real(last >= 0 ? (double)last / 1e9 : 0));
		dt_results_cut_short(res, why);
	} else {
		json_object_set_new(res, "complete", json_true());
	}
	if (dt_store_write_json(dir, "results.json", res, err) != 0) {
		json_decref(res);
		res = NULL;
	} else {
		json_t *sj = dt_suite_to_json(s);
		char e[DT_ERRBUF_SIZE];

		if (dt_timeline_write(dir, h, res, sj, e) != 0)
			dt_log(DT_LOG_WARN, "%s", e);
		json_decref(sj);
	}
out:
	json_decref(old);
	dt_history_free(h);
	dt_suite_free(s);
	return res;
}

