/* SPDX-License-Identifier: MIT */
/*
 * api.c: dtd's JSON API.  Routes a request (method, path, query, body)
 * to its handler and fills a reply; http.c does the HTTP around it.
 * Every error is a 4xx/5xx with {"error": why, "field": which}.
 *
 *   GET  /api/suites /api/charts /api/plugins /api/schema
 *   GET  /api/runs?suite=&status=&verdict=&limit=&offset=
 *   POST /api/runs                     (token)
 *   GET  /api/runs/ID   DELETE /api/runs/ID (token; finished runs)
 *   POST /api/runs/ID/cancel           (token)
 *   POST /api/runs/cancel              (token; {"ids": [...]} or
 *                                       {"status": "queued"|"running"})
 *   POST /api/runs/ID/check            (token; re-check the history)
 *   GET  /api/runs/ID/history?from=&limit=
 *   GET  /api/runs/ID/metrics?series=&from=&to=
 *   GET  /api/runs/ID/results
 *   GET  /api/runs/ID/events           (server-sent events)
 *   GET  /api/runs/ID/files/NAME       (a file of the run's folder)
 *   GET  /metrics                      (Prometheus text)
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtd.h"
#include "history.h"
#include "options_doc.h"
#include "paths.h"
#include "registry.h"
#include "run.h"
#include "store.h"
#include "suite.h"

#define MAX_FILE (1u << 20) /* YAML shown in the dashboard */

void dtd_reply_json(dtd_reply *out, unsigned status, json_t *j)
{
	out->status = status;
	out->body = json_dumps(j, JSON_COMPACT);
	out->len = out->body ? strlen(out->body) : 0;
	out->type = "application/json";
	json_decref(j);
}

void dtd_reply_error(dtd_reply *out, unsigned status, const char *field,
		     const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* "field" is always there: null when no single field is at fault. */
	dtd_reply_json(out, status, json_pack("{ssso}", "error", msg, "field",
					      field ? json_string(field) : json_null()));
}

static void reply_text(dtd_reply *out, unsigned status, char *text, const char *type)
{
	out->status = status;
	out->body = text;
	out->len = text ? strlen(text) : 0;
	out->type = type;
}

/* A whole file (up to max bytes) as a string; NULL when unreadable. */
static char *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;
	size_t n, size;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return NULL;
	}
	size = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	buf = malloc(size + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, size, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- suites, charts, plugins ------------------------------------------- */

static void suite_details(const dtd_config *cfg, const char *file, json_t *o)
{
	char err[DT_ERRBUF_SIZE];
	dt_suite *s = dt_suite_load(file, cfg->suite_path, cfg->chart_path, err);
	json_t *nem, *chk;

	if (s == NULL) {
		json_object_set_new(o, "error", json_string(err));
		return;
	}
	nem = json_array();
	for (size_t i = 0; i < s->nnemeses; i++)
		json_array_append_new(nem, json_string(s->nemeses[i].name));
	chk = json_array();
	for (size_t i = 0; i < s->ncheckers; i++)
		json_array_append_new(chk, json_string(s->checkers[i].name));
	json_object_set_new(o, "chart", json_string(s->chart));
	json_object_set_new(o, "platform", json_string(s->platform));
	json_object_set_new(o, "client", json_string(s->client));
	json_object_set_new(o, "workload", json_string(s->workload));
	json_object_set_new(o, "time_limit", json_real(s->time_limit));
	json_object_set_new(o, "concurrency", json_integer(s->concurrency));
	json_object_set_new(o, "rate", json_real(s->rate));
	json_object_set_new(o, "nemesis", nem);
	json_object_set_new(o, "checkers", chk);
	dt_suite_free(s);
}

/* Every NAME.yaml along the kind's path, first one of a name wins. */
static json_t *list_yaml(const dtd_config *cfg, const char *kind)
{
	const char *extra = strcmp(kind, "suites") == 0 ? cfg->suite_path : cfg->chart_path;
	char **path = dt_yaml_path(kind, extra);
	json_t *byname = json_object(), *list = json_array();
	const char *k;
	json_t *v;

	for (size_t i = 0; path != NULL && path[i] != NULL; i++) {
		DIR *d = opendir(path[i]);
		struct dirent *e;

		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			size_t len = strlen(e->d_name);
			char name[256], file[PATH_MAX];
			json_t *o;
			char *text;
			dt_doc *doc;
			char err[DT_ERRBUF_SIZE];

			if (len < 6 || len - 5 >= sizeof(name) || e->d_name[0] == '.' ||
			    strcmp(e->d_name + len - 5, ".yaml") != 0)
				continue;
			memcpy(name, e->d_name, len - 5);
			name[len - 5] = '\0';
			if (json_object_get(byname, name) != NULL)
				continue;
			snprintf(file, sizeof(file), "%s/%s", path[i], e->d_name);
			text = read_file(file, MAX_FILE);
			o = json_pack("{ssssss*}", "name", name, "file", file, "yaml", text);
			free(text);
			doc = dt_doc_load(file, err);
			if (doc != NULL) {
				json_t *desc = json_object_get(doc->root, "description");

				if (json_is_string(desc))
					json_object_set(o, "description", desc);
				dt_doc_free(doc);
			}
			if (strcmp(kind, "suites") == 0)
				suite_details(cfg, file, o);
			json_object_set_new(byname, name, o);
		}
		closedir(d);
	}
	dt_path_free(path);
	json_object_foreach(byname, k, v)
		json_array_append(list, v);
	json_decref(byname);
	return list;
}

/* A NULL-ended list of names as JSON. */
static json_t *names_json(const char *const *names)
{
	json_t *a = json_array();

	for (size_t i = 0; names != NULL && names[i] != NULL; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

json_t *dtd_api_plugins(const dtd_config *cfg)
{
	json_t *list = json_array();

	for (size_t i = 0; cfg->registry && i < dt_registry_count(cfg->registry); i++) {
		const dt_component *c = dt_registry_at(cfg->registry, i);
		json_t *o = json_pack("{ssssssss*ss}",
			"kind", dt_kind_name(c->kind), "name", c->info->name,
			"version", c->info->version ? c->info->version : "",
			"description", c->info->description, "file", c->file);

		/* The options it declares, and the core's keys of its kind:
		 * the dashboard's start form is made from these. */
		json_object_set_new(o, "options", options_json(c->info->options));
		json_object_set_new(o, "core-options",
				    options_json(dt_core_options[c->kind]));
		if (c->kind == DT_KIND_PLATFORM) {
			const dt_platform_type *p = c->type;

			if (p->chart_section != NULL) {
				json_object_set_new(o, "chart-section",
						    json_string(p->chart_section));
				json_object_set_new(o, "chart-options",
						    options_json(p->chart_options));
			}
		} else if (c->kind == DT_KIND_CLIENT) {
			const dt_client_type *t = c->type;

			json_object_set_new(o, "operations", t->operations ?
					    names_json(t->operations) : json_null());
		} else if (c->kind == DT_KIND_WORKLOAD) {
			const dt_workload_type *t = c->type;
			json_t *ops = json_object();

			for (size_t k = 0; t->ops[k].f != NULL; k++)
				json_object_set_new(ops, t->ops[k].f, json_real(t->ops[k].weight));
			json_object_set_new(o, "operations", ops);
			json_object_set_new(o, "model", t->model ? json_string(t->model) :
					    json_null());
		}
		json_array_append_new(list, o);
	}
	return list;
}

/* ---- runs ------------------------------------------------------------------ */

static bool valid_status(const char *s)
{
	static const char *const all[] = { "queued", "running", "done", "failed",
					   "cancelled", "aborted" };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, all[i]) == 0)
			return true;
	return false;
}

bool dtd_query_num(const char *(*query)(void *, const char *), void *qarg,
		      const char *name, double def, double min, double max,
		      double *out, dtd_reply *reply)
{
	const char *v = query(qarg, name);
	char *end;

	*out = def;
	if (v == NULL || v[0] == '\0')
		return true;
	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*out) || *out < min || *out > max) {
		dtd_reply_error(reply, 400, name, "%s must be a number from %g to %g",
				name, min, max);
		return false;
	}
	return true;
}

/*
 * A number field of POST /api/runs.  Absent or null: nothing to do.
 * Else it must be a number (an integer when `integer`) from lo (not lo
 * itself when lo_open) to hi, and is copied to params; or the reply is
 * a 400 naming the field and saying why.
 */
static int take_number(const json_t *req, json_t *params, const char *key,
		       bool integer, double lo, bool lo_open, double hi,
		       const char *why, dtd_reply *out)
{
	json_t *v = json_object_get(req, key);
	double x = json_number_value(v);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!(integer ? json_is_integer(v) : json_is_number(v)) || x < lo ||
	    (lo_open && x <= lo) || x > hi) {
		dtd_reply_error(out, 400, key, "%s", why);
		return -1;
	}
	json_object_set(params, key, v);
	return 0;
}

/* Check POST /api/runs and keep what it asks for in params. */
int dtd_check_run_request(const dtd_config *cfg, json_t *req, json_t *params,
			  dtd_reply *out)
{
	const char *key;
	json_t *v;
	const char *suite;
	char err[DT_ERRBUF_SIZE], why[128], why_conc[128];
	dt_suite *s;

	json_object_foreach(req, key, v) {
		if (strcmp(key, "suite") != 0 && strcmp(key, "time_limit") != 0 &&
		    strcmp(key, "concurrency") != 0 && strcmp(key, "rate") != 0 &&
		    strcmp(key, "nemesis") != 0 && strcmp(key, "seed") != 0) {
			dtd_reply_error(out, 400, key, "unknown field '%s' (known: suite, "
					"time_limit, concurrency, rate, nemesis, seed)", key);
			return -1;
		}
	}
	v = json_object_get(req, "suite");
	suite = json_string_value(v);
	if (suite == NULL || suite[0] == '\0') {
		dtd_reply_error(out, 400, "suite", "suite is required: the name of a suite");
		return -1;
	}
	if (strchr(suite, '/') != NULL || suite[0] == '.' || strlen(suite) > 200) {
		dtd_reply_error(out, 400, "suite", "'%s' is not a suite name", suite);
		return -1;
	}
	/* A name only, looked up along the suite path: a name ending in
	 * .yaml would be taken for a file of dtd's working folder. */
	if (strlen(suite) > 5 && strcmp(suite + strlen(suite) - 5, ".yaml") == 0) {
		dtd_reply_error(out, 400, "suite", "'%s' is a file name: give the "
				"suite's name (without .yaml), found along the suite "
				"path", suite);
		return -1;
	}
	snprintf(why, sizeof(why), "time_limit must be seconds, more than 0 and "
		 "at most %g", cfg->max_time_limit);
	snprintf(why_conc, sizeof(why_conc), "concurrency must be an integer "
		 "from 1 to %ld (max-concurrency)", cfg->max_concurrency);
	if (take_number(req, params, "time_limit", false, 0, true,
			cfg->max_time_limit, why, out) != 0 ||
	    take_number(req, params, "concurrency", true, 1, false,
			(double)cfg->max_concurrency, why_conc, out) != 0 ||
	    take_number(req, params, "rate", false, 0, false, 1e7, "rate must be "
			"operations per second from 0 (no limit) to 1e7", out) != 0 ||
	    take_number(req, params, "seed", true, 0, false, HUGE_VAL,
			"seed must be an integer >= 0", out) != 0)
		return -1;
	s = dt_suite_load(suite, cfg->suite_path, cfg->chart_path, err);
	if (s == NULL) {
		dtd_reply_error(out, 400, "suite", "%s", err);
		return -1;
	}
	if ((v = json_object_get(req, "nemesis")) != NULL && !json_is_null(v)) {
		char list[1024];
		size_t i, len = 0;
		json_t *n;

		if (!json_is_array(v)) {
			dt_suite_free(s);
			dtd_reply_error(out, 400, "nemesis", "nemesis must be an array "
					"of nemesis names of the suite");
			return -1;
		}
		list[0] = '\0';
		json_array_foreach(v, i, n) {
			if (!json_is_string(n) || strchr(json_string_value(n), ',') ||
			    len >= sizeof(list) - 1) {
				dt_suite_free(s);
				dtd_reply_error(out, 400, "nemesis", "nemesis[%zu] must "
						"be a nemesis name", i);
				return -1;
			}
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? "," : "", json_string_value(n));
		}
		if (dt_suite_select_nemeses(s, list, err) != 0) {
			dt_suite_free(s);
			dtd_reply_error(out, 400, "nemesis", "%s", err);
			return -1;
		}
		json_object_set(params, "nemesis", v);
	}
	dt_suite_free(s);
	/* Every plugin the suite names must load, as the run will need. */
	{
		dt_run_opts o = {
			.suite = suite, .suite_path = cfg->suite_path,
			.chart_path = cfg->chart_path, .plugin_path = cfg->plugin_path,
			.time_limit = -1, .concurrency = -1, .rate = -1,
			.registry = cfg->registry,
		};
		dt_run *r = dt_run_new(&o, err);

		if (r == NULL) {
			dtd_reply_error(out, 400, "suite", "%s", err);
			return -1;
		}
		dt_run_free(r);
	}
	return 0;
}

json_t *dtd_body_object(const dtd_request *rq, dtd_reply *out)
{
	json_error_t je;
	json_t *req = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);

	if (req == NULL) {
		dtd_reply_error(out, 400, NULL, "bad JSON at line %d column %d: %s",
				je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(req)) {
		json_decref(req);
		dtd_reply_error(out, 400, NULL, "the body must be a JSON object");
		return NULL;
	}
	return req;
}

static void post_run(dtd_ctx *ctx, const char *body, size_t len, dtd_reply *out)
{
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	json_t *params = json_object(), *run = NULL;
	int64_t id;
	long queued;

	if (req == NULL) {
		dtd_reply_error(out, 400, NULL, "bad JSON at line %d column %d: %s",
				je.line, je.column, je.text);
		goto out;
	}
	if (!json_is_object(req)) {
		dtd_reply_error(out, 400, NULL, "the body must be a JSON object");
		goto out;
	}
	if (dtd_check_run_request(ctx->cfg, req, params, out) != 0)
		goto out;
	/* A bounded queue: a script cannot queue days of runs. */
	queued = dtd_db_count(ctx->db, "queued");
	if (queued < 0) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		goto out;
	}
	if (queued >= ctx->cfg->max_queued) {
		out->retry_after = 60;
		dtd_reply_error(out, 429, NULL, "%ld runs are queued already "
				"(max-queued): wait, or cancel some (POST "
				"/api/runs/cancel)", queued);
		goto out;
	}
	id = dtd_db_insert(ctx->db, json_string_value(json_object_get(req, "suite")), params);
	if (id <= 0 || dtd_db_get(ctx->db, id, &run) != 1) {
		dtd_reply_error(out, 500, NULL, "cannot record the run");
		goto out;
	}
	dtd_runner_kick(ctx->runner);
	dtd_reply_json(out, 201, run);
out:
	json_decref(params);
	json_decref(req);
}

static void list_runs(dtd_ctx *ctx, const char *(*query)(void *, const char *),
		      void *qarg, dtd_reply *out)
{
	const char *status = query(qarg, "status");
	const char *verdict = query(qarg, "verdict");
	const char *suite = query(qarg, "suite");
	double limit, offset, schedule, campaign;
	long total;
	json_t *runs;
	size_t i;
	json_t *r;

	if (status != NULL && status[0] == '\0')
		status = NULL;
	if (verdict != NULL && verdict[0] == '\0')
		verdict = NULL;
	if (suite != NULL && suite[0] == '\0')
		suite = NULL;
	if (status != NULL && !valid_status(status)) {
		dtd_reply_error(out, 400, "status", "status must be one of queued, "
				"running, done, failed, cancelled, aborted");
		return;
	}
	if (verdict != NULL && strcmp(verdict, "valid") != 0 &&
	    strcmp(verdict, "invalid") != 0 && strcmp(verdict, "unknown") != 0) {
		dtd_reply_error(out, 400, "verdict", "verdict must be valid, invalid or unknown");
		return;
	}
	if (!dtd_query_num(query, qarg, "limit", 50, 1, 1000, &limit, out) ||
	    !dtd_query_num(query, qarg, "offset", 0, 0, 1e12, &offset, out) ||
	    !dtd_query_num(query, qarg, "schedule", 0, 0, 1e15, &schedule, out) ||
	    !dtd_query_num(query, qarg, "campaign", 0, 0, 1e15, &campaign, out))
		return;
	runs = dtd_db_list(ctx->db, suite, status, verdict, (int64_t)schedule,
			   (int64_t)campaign, (long)limit, (long)offset, &total);
	if (runs == NULL) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read (dtd.db "
				"damaged?): see dtd's log");
		return;
	}
	json_array_foreach(runs, i, r) {
		json_t *live = dtd_runner_live(ctx->runner, json_integer_value(json_object_get(r, "id")));

		if (live != NULL)
			json_object_set_new(r, "live", live);
	}
	dtd_reply_json(out, 200, json_pack("{sosIsIsI}", "runs", runs, "total",
					   (json_int_t)total, "limit", (json_int_t)limit,
					   "offset", (json_int_t)offset));
}

static void metrics_text(dtd_ctx *ctx, dtd_reply *out)
{
	double checker = 0;
	json_t *stats = dtd_db_stats(ctx->db, &checker);
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	const char *k;
	json_t *v;

	if (stats == NULL) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	f = open_memstream(&buf, &size);
	if (f == NULL) {
		json_decref(stats);
		dtd_reply_error(out, 500, NULL, "out of memory");
		return;
	}
	fputs("# HELP dtd_runs Runs known to dtd, by status.\n"
	      "# TYPE dtd_runs gauge\n", f);
	json_object_foreach(stats, k, v)
		fprintf(f, "dtd_runs{status=\"%s\"} %lld\n", k,
			(long long)json_integer_value(v));
	fprintf(f, "# HELP dtd_active_ops_per_second Completed operations a "
		"second of the running runs.\n# TYPE dtd_active_ops_per_second gauge\n"
		"dtd_active_ops_per_second %.3f\n", dtd_runner_rate(ctx->runner));
	fprintf(f, "# HELP dtd_checker_seconds_total Seconds the checkers took "
		"over every recorded run.\n# TYPE dtd_checker_seconds_total counter\n"
		"dtd_checker_seconds_total %.6f\n", checker);
	fclose(f);
	json_decref(stats);
	reply_text(out, 200, buf, "text/plain; version=0.0.4");
}

/* ---- routing ------------------------------------------------------------------ */

static bool authorized(dtd_ctx *ctx, const char *auth, dtd_reply *out)
{
	const char *tok = ctx->cfg->token;
	size_t n = strlen(tok);
	unsigned diff = 0;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
		dtd_reply_error(out, 401, "Authorization", "this call needs "
				"'Authorization: Bearer TOKEN' (the token of dtd's "
				"config, or the one it made in STATE-DIR/token)");
		return false;
	}
	auth += 7;
	if (strlen(auth) != n) {
		diff = 1;
	} else {
		for (size_t i = 0; i < n; i++)
			diff |= (unsigned)(auth[i] ^ tok[i]);
	}
	if (diff != 0) {
		dtd_reply_error(out, 403, "Authorization", "wrong token");
		return false;
	}
	return true;
}

/* ---- the route table ---------------------------------------------------- */

static void h_metrics(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	(void)rq;
	metrics_text(ctx, out);
}

static void h_yaml(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	dtd_reply_json(out, 200, list_yaml(ctx->cfg, rq->url + 5 /* /api/ */));
}

static void h_schema(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	(void)ctx;
	(void)rq;
	/* The keys of a suite and of a chart, as the core declares them:
	 * the start form takes its bounds and help from here. */
	dtd_reply_json(out, 200, json_pack("{s:o, s:o}",
		"suite", options_json(dt_suite_options),
		"chart", options_json(dt_chart_options)));
}

static void h_plugins(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	(void)rq;
	dtd_reply_json(out, 200, json_incref(ctx->plugins));
}

static void h_list_runs(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	list_runs(ctx, rq->query, rq->qarg, out);
}

static void h_post_run(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	post_run(ctx, rq->body, rq->body_len, out);
}

static void h_cancel_many(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	dtd_api_cancel_many(ctx, rq->body, rq->body_len, out);
}

static void h_get_run(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *live = dtd_runner_live(ctx->runner, rq->id);

	if (live != NULL)
		json_object_set_new(rq->run, "live", live);
	dtd_reply_json(out, 200, json_incref(rq->run));
}

static void h_delete_run(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	dtd_api_delete(ctx, rq->id, rq->run, out);
}

static void h_cancel(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *now = NULL;

	if (dtd_runner_cancel(ctx->runner, rq->id) != 0)
		dtd_reply_error(out, 409, "status", "run %lld is %s: only a "
				"queued or running run can be cancelled",
				(long long)rq->id,
				json_string_value(json_object_get(rq->run, "status")));
	else if (dtd_db_get(ctx->db, rq->id, &now) < 0)
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
	else
		dtd_reply_json(out, 202, now ? now : json_object());
}

static void h_check(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	dtd_api_check(ctx, rq->run, out);
}

static void h_events(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	(void)ctx;
	out->status = 200;
	out->sse_run = rq->id;
}

/* history, metrics, results: the last part of the path names it. */
static void h_read(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	dtd_api_read(ctx, rq->run, strrchr(rq->url, '/') + 1, rq->query,
		     rq->qarg, out);
}

static void h_file(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "files/%s", rq->rest);
	dtd_api_read(ctx, rq->run, sub, rq->query, rq->qarg, out);
}

#define R_TOKEN 1u /* a change: the token, always */
#define R_RUN   2u /* {id} is a run: its row in rq->run, else 404 */

typedef struct route {
	const char *method;   /* "GET" answers HEAD too */
	const char *pattern;  /* parts; {id}: an id > 0; *: the rest */
	unsigned flags;
	void (*fn)(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out);
} route;

static const route routes[] = {
	{ "GET",    "/metrics",                      0, h_metrics },
	{ "GET",    "/api/suites",                   0, h_yaml },
	{ "GET",    "/api/charts",                   0, h_yaml },
	{ "GET",    "/api/schema",                   0, h_schema },
	{ "GET",    "/api/plugins",                  0, h_plugins },
	{ "GET",    "/api/runs",                     0, h_list_runs },
	{ "POST",   "/api/runs",                     R_TOKEN, h_post_run },
	{ "POST",   "/api/runs/cancel",              R_TOKEN, h_cancel_many },
	{ "GET",    "/api/runs/{id}",                R_RUN, h_get_run },
	{ "DELETE", "/api/runs/{id}",                R_TOKEN | R_RUN, h_delete_run },
	{ "POST",   "/api/runs/{id}/cancel",         R_TOKEN | R_RUN, h_cancel },
	{ "POST",   "/api/runs/{id}/check",          R_TOKEN | R_RUN, h_check },
	{ "GET",    "/api/runs/{id}/history",        R_RUN, h_read },
	{ "GET",    "/api/runs/{id}/metrics",        R_RUN, h_read },
	{ "GET",    "/api/runs/{id}/results",        R_RUN, h_read },
	{ "GET",    "/api/runs/{id}/events",         R_RUN, h_events },
	{ "GET",    "/api/runs/{id}/files/*",        R_RUN, h_file },
	{ "GET",    "/api/runs/{id}/archive",        R_RUN, dtd_h_archive },
	{ "GET",    "/api/schedules",                0, dtd_h_schedules },
	{ "POST",   "/api/schedules",                R_TOKEN, dtd_h_post_schedule },
	{ "GET",    "/api/schedules/{id}",           0, dtd_h_get_schedule },
	{ "PATCH",  "/api/schedules/{id}",           R_TOKEN, dtd_h_edit_schedule },
	{ "DELETE", "/api/schedules/{id}",           R_TOKEN, dtd_h_delete_schedule },
	{ "POST",   "/api/schedules/{id}/pause",     R_TOKEN, dtd_h_pause_schedule },
	{ "POST",   "/api/schedules/{id}/resume",    R_TOKEN, dtd_h_resume_schedule },
	{ "GET",    "/api/campaigns",                0, dtd_h_campaigns },
	{ "POST",   "/api/campaigns",                R_TOKEN, dtd_h_post_campaign },
	{ "GET",    "/api/campaigns/{id}",           0, dtd_h_get_campaign },
	{ "POST",   "/api/campaigns/{id}/cancel",    R_TOKEN, dtd_h_cancel_campaign },
	{ "GET",    "/api/trends",                   0, dtd_h_trend },
	{ "GET",    "/api/compare",                  0, dtd_h_compare },
	{ "GET",    "/api/retention",                0, dtd_h_retention },
	{ "POST",   "/api/prune",                    R_TOKEN, dtd_h_prune },
	{ "GET",    "/api/deliveries",               0, dtd_h_deliveries },
};

typedef enum { NO_MATCH, MATCH, BAD_ID } match_result;

/*
 * Whether url has the pattern's parts; {id} takes a number > 0 into
 * *id (BAD_ID when the part is there but no id: "/api/runs/abc"), *
 * takes the rest (at least one character) into *rest.
 */
static match_result match(const char *pattern, const char *url, int64_t *id,
			  const char **rest, const char **bad)
{
	const char *p = pattern, *u = url;

	while (*p != '\0') {
		if (strncmp(p, "{id}", 4) == 0) {
			char *end;

			errno = 0;
			*id = strtoll(u, &end, 10);
			if (errno != 0 || end == u || *id <= 0 ||
			    (*end != '\0' && *end != '/') || !(*u >= '0' && *u <= '9')) {
				/* A part where an id goes, not an id: 404 on
				 * it, unless another route takes the path. */
				const char *slash = strchr(u, '/');

				if (strcmp(p + 4, "") != 0 && slash == NULL)
					return NO_MATCH;
				*bad = u;
				return BAD_ID;
			}
			p += 4;
			u = end;
		} else if (*p == '*') {
			if (*u == '\0')
				return NO_MATCH;
			*rest = u;
			return MATCH;
		} else if (*p++ != *u++) {
			return NO_MATCH;
		}
	}
	return *u == '\0' ? MATCH : NO_MATCH;
}

static bool method_is(const char *want, const char *method)
{
	return strcmp(want, method) == 0 ||
	       (strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

void dtd_api_handle(dtd_ctx *ctx, const char *method, const char *url,
		    const char *(*query)(void *, const char *), void *qarg,
		    const char *auth, const char *body, size_t body_len,
		    bool body_too_big, dtd_reply *out)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	dtd_request rq = {
		.method = method, .url = url, .query = query, .qarg = qarg,
		.auth = auth, .body = body, .body_len = body_len,
	};
	const route *found = NULL;
	const char *bad = NULL;
	bool path_known = false;
	int got;

	if (body_too_big) {
		dtd_reply_error(out, 413, NULL, "request body over %ld bytes",
				ctx->cfg->max_body);
		return;
	}
	/* require-token-for-reads: every call, reads too. */
	if (ctx->cfg->auth_reads && get && !authorized(ctx, auth, out))
		return;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int64_t id = 0;
		const char *rest = NULL, *b = NULL;
		match_result m = match(routes[i].pattern, url, &id, &rest, &b);

		if (m == BAD_ID) {
			if (bad == NULL)
				bad = b;
			continue;
		}
		if (m != MATCH)
			continue;
		path_known = true;
		if (method_is(routes[i].method, method)) {
			found = &routes[i];
			rq.id = id;
			rq.rest = rest;
			break;
		}
	}
	if (found == NULL) {
		if (path_known)
			dtd_reply_error(out, 405, NULL, "%s is not allowed on %s",
					method, url);
		else if (bad != NULL)
			dtd_reply_error(out, 404, "id", "'%.*s' is not an id",
					(int)strcspn(bad, "/"), bad);
		else
			dtd_reply_error(out, 404, NULL, "no such endpoint: %s", url);
		return;
	}
	if ((found->flags & R_TOKEN) && !authorized(ctx, auth, out))
		return;
	if (found->flags & R_RUN) {
		got = dtd_db_get(ctx->db, rq.id, &rq.run);
		if (got < 0) {
			dtd_reply_error(out, 500, NULL, "the index cannot be read "
					"(dtd.db damaged?): see dtd's log");
			return;
		}
		if (got == 0) {
			dtd_reply_error(out, 404, "id", "no run %lld", (long long)rq.id);
			return;
		}
	}
	found->fn(ctx, &rq, out);
	json_decref(rq.run);
}
