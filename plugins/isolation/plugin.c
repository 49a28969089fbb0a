/*
 * plugin.c: the isolation checker (dt_isolation.so), Elle's method for
 * transactional histories: infer the dependency graph (inference in
 * append.c or register.c, orders in order.c), search it for every cycle
 * type (search.c), and say which consistency models the anomalies rule
 * out (models.c).  The verdict is invalid when the model asked for
 * (`consistency:`, default strict-serializable) is among them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

static const char *const workload_models[] = { "list-append", "rw-register", NULL };

static const dt_option iso_options[] = {
	{ .name = "model", .type = DT_OPT_ENUM, .values = workload_models,
	  .doc = "what the history holds: list-append or rw-register (default: "
		 "the workload's)" },
	{ .name = "consistency", .type = DT_OPT_ENUM, .def = "strict-serializable",
	  .values = iso_model_names,
	  .doc = "the model the system must meet; the verdict is invalid when "
		 "the history rules it out" },
	{ .name = NULL }
};

static int iso_validate(const dt_validate_env *env, char *err)
{
	const char *m = dt_opt_string(env->config, "model");

	if (m != NULL || env->workload == NULL)
		return 0;
	if (strcmp(env->workload, "list-append") == 0 ||
	    strcmp(env->workload, "rw-register") == 0)
		return 0;
	return dt_conf_fail(env->config, NULL, err, "checks list-append and "
			    "rw-register histories, and this suite's workload is %s "
			    "(give model: to say which the history holds)",
			    env->workload);
}

static char *explain_append(const void *ctx, uint32_t from, uint32_t to, uint8_t t)
{
	return iso_append_explain(ctx, from, to, t);
}

static char *explain_register(const void *ctx, uint32_t from, uint32_t to, uint8_t t)
{
	return iso_register_explain(ctx, from, to, t);
}

/* "G-single (2), G1a (1)" */
static char *summary(const iso_report *r, bool invalid, const char *consistency,
		     json_t *not_)
{
	dt_buf b = { 0 };
	size_t i;
	json_t *v;

	if (r->nfound == 0) {
		dt_buf_printf(&b, "no anomaly: %s", consistency);
		return dt_buf_take(&b);
	}
	dt_buf_puts(&b, invalid ? "not " : "");
	dt_buf_puts(&b, invalid ? consistency : "anomalies that ");
	if (!invalid)
		dt_buf_printf(&b, "%s allows", consistency);
	dt_buf_puts(&b, ": ");
	for (i = 0; i < r->nfound; i++)
		dt_buf_printf(&b, "%s%s (%zu)", i ? ", " : "", r->found[i].name,
			      r->found[i].count);
	dt_buf_puts(&b, "; rules out ");
	json_array_foreach(not_, i, v)
		dt_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(v));
	return dt_buf_take(&b);
}

static int iso_check(const dt_checker_env *env, const dt_history *dh,
		     json_t **result, char *err)
{
	const char *mname = dt_opt_string(env->config, "model");
	const char *consistency = dt_opt_string(env->config, "consistency");
	iso_history h;
	iso_graph g = { 0 };
	iso_report r = { 0 };
	iso_append *app = NULL;
	iso_register *reg = NULL;
	dt_deadline deadline;
	json_t *not_ = NULL, *also = NULL, *anomalies, *types;
	size_t counts[3] = { 0 };
	bool invalid;
	int rc;
	char *sum;

	if (mname == NULL)
		mname = env->default_model;
	if (mname == NULL || (strcmp(mname, "list-append") != 0 &&
			      strcmp(mname, "rw-register") != 0))
		return dt_fail(err, "isolation: model must be list-append or "
			       "rw-register, not %s", mname ? mname : "(none)");
	if (consistency == NULL)
		consistency = "strict-serializable";
	if (!iso_model_known(consistency))
		return dt_fail(err, "isolation: unknown consistency model %s",
			       consistency);
	dt_deadline_set(&deadline, env->timeout > 0 ? env->timeout : 0);
	if (iso_history_read(dh, strcmp(mname, "list-append") == 0 ?
			     MODEL_LIST_APPEND : MODEL_RW_REGISTER, &h, err) != 0)
		return -1;
	r.h = &h;
	r.notes = json_array();
	g.n = h.ntxns;
	if (h.model == MODEL_LIST_APPEND)
		app = iso_append_infer(&h, &g, &r, err);
	else
		reg = iso_register_infer(&h, &g, &r, err);
	if (app == NULL && reg == NULL)
		goto fail;
	if (iso_order_edges(&h, &g) != 0 || iso_graph_build(&g) != 0) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	rc = iso_search(&h, &g, app ? explain_append : explain_register,
			app ? (const void *)app : (const void *)reg,
			env->timeout > 0 ? &deadline : NULL, &r);
	if (rc < 0) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	invalid = iso_models_ruled_out(&r, consistency, &not_, &also);
	anomalies = json_object();
	types = json_array();
	for (size_t i = 0; i < r.nfound; i++) {
		json_array_append_new(types, json_string(r.found[i].name));
		json_object_set_new(anomalies, r.found[i].name, json_pack("{sIsO}",
			"count", (json_int_t)r.found[i].count,
			"examples", r.found[i].examples));
	}
	for (size_t t = 0; t < h.ntxns; t++)
		counts[h.txns[t].status]++;
	sum = summary(&r, invalid, consistency, not_);
	*result = json_pack("{s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I},"
			    "s:O,s:s?}",
		"valid", invalid ? json_false() : rc == 1 ? json_string("unknown") :
			 json_true(),
		"model", mname, "consistency", consistency,
		"anomaly-types", types, "anomalies", anomalies,
		"not", not_, "also-not", also,
		"stats", "transactions", (json_int_t)h.ntxns,
			 "ok", (json_int_t)counts[TXN_OK], "info", (json_int_t)counts[TXN_INFO],
			 "fail", (json_int_t)counts[TXN_FAIL],
			 "edges", (json_int_t)g.nedges, "keys", (json_int_t)h.nkeys,
		"notes", r.notes, "summary", sum);
	free(sum);
	iso_append_free(app);
	iso_register_free(reg);
	iso_graph_free(&g);
	iso_report_free(&r);
	iso_history_free(&h);
	return *result ? 0 : dt_fail(err, "out of memory");
fail:
	iso_append_free(app);
	iso_register_free(reg);
	iso_graph_free(&g);
	iso_report_free(&r);
	iso_history_free(&h);
	return -1;
}

static const dt_checker_type isolation_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "isolation", .version = "1.0",
		  .description = "transactional isolation (Elle's method): Adya's "
				 "anomalies from list-append or rw-register histories, "
				 "and the consistency models they rule out",
		  .options = iso_options, .validate = iso_validate },
	.check = iso_check,
};

static int isolation_plugin(dt_registry *reg)
{
	return dt_register_checker(reg, &isolation_checker);
}

DT_PLUGIN_DEFINE(isolation_plugin)
