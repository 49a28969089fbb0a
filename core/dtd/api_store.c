/* SPDX-License-Identifier: MIT */
/*
 * api_store.c: the API over the whole store rather than one run.
 *
 *   GET  /api/trends[?suite=S&limit=N]  a suite's runs over time (oldest
 *        first): verdict, throughput, latency percentiles, nemesis set,
 *        version, pruned or not; without suite: each suite's summary
 *   GET  /api/compare?a=ID&b=ID  two runs, and a line diff of their
 *        suites as resolved (suite.json)
 *   GET  /api/retention          the retention settings and the store's size
 *   POST /api/prune              (token) retention now; the body may set
 *        {"keep_runs", "max_store", "prune_invalid"} for this once
 *   GET  /api/deliveries         the webhook delivery log, newest first
 *   GET  /api/runs/ID/archive    the run folder as a tar.gz
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtd.h"

void dtd_h_trend(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	const char *suite = rq->query(rq->qarg, "suite");
	double limit;
	json_t *rows;

	if (!dtd_query_num(rq->query, rq->qarg, "limit", 200, 1, 5000, &limit, out))
		return;
	if (suite == NULL || suite[0] == '\0') {
		rows = dtd_db_rows(ctx->db, "SELECT suite, count(*) AS runs, "
				   "sum(verdict='valid') AS valid, sum(verdict="
				   "'invalid') AS invalid, sum(pruned IS NOT NULL) AS "
				   "pruned, max(created) AS last FROM runs GROUP BY "
				   "suite ORDER BY suite", "");
		if (rows == NULL)
			dtd_reply_error(out, 500, NULL, "the index cannot be read");
		else
			dtd_reply_json(out, 200, json_pack("{so}", "suites", rows));
		return;
	}
	rows = dtd_db_rows(ctx->db, "SELECT * FROM (SELECT id, status, verdict, "
			   "created, started, finished, throughput, p50, p95, p99, "
			   "nemesis, version, pruned IS NOT NULL AS pruned, "
			   "schedule_id AS schedule, campaign_id AS campaign, ops_ok, "
			   "ops_fail, ops_info FROM runs WHERE suite=? ORDER BY id "
			   "DESC LIMIT ?) ORDER BY id", "ti", suite, (int64_t)limit);
	if (rows == NULL) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	{
		size_t i;
		json_t *r;

		json_array_foreach(rows, i, r)
			json_object_set_new(r, "pruned", json_boolean(
				json_integer_value(json_object_get(r, "pruned"))));
	}
	dtd_reply_json(out, 200, json_pack("{ssso}", "suite", suite, "runs", rows));
}

/* The lines of a run's suite.json, pretty (new array), or NULL. */
static json_t *suite_lines(dtd_ctx *ctx, const json_t *run)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	json_t *s, *lines;
	char *text, *p;

	if (dtd_run_dir(ctx->cfg->store, json_string_value(json_object_get(run,
			"store")), dir, sizeof(dir)) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/suite.json", dir);
	s = json_load_file(path, 0, NULL);
	if (s == NULL)
		return NULL;
	text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(s);
	if (text == NULL)
		return NULL;
	lines = json_array();
	for (p = text; *p != '\0';) {
		size_t n = strcspn(p, "\n");

		json_array_append_new(lines, json_stringn(p, n));
		p += n;
		if (*p == '\n')
			p++;
	}
	free(text);
	return lines;
}

#define MAX_DIFF_LINES 4000

/* A line diff (longest common subsequence): [{"op": " "|"-"|"+", "text"}]. */
static json_t *diff(const json_t *a, const json_t *b)
{
	size_t n = json_array_size(a), m = json_array_size(b);
	unsigned *t;
	json_t *out = json_array();
	size_t i = 0, j = 0;

	if (n > MAX_DIFF_LINES || m > MAX_DIFF_LINES ||
	    (t = calloc((n + 1) * (m + 1), sizeof(*t))) == NULL) {
		json_decref(out);
		return json_null();
	}
#define T(x, y) t[(x) * (m + 1) + (y)]
	for (size_t x = n; x-- > 0;)
		for (size_t y = m; y-- > 0;)
			T(x, y) = strcmp(json_string_value(json_array_get(a, x)),
					 json_string_value(json_array_get(b, y))) == 0 ?
				  T(x + 1, y + 1) + 1 :
				  T(x + 1, y) > T(x, y + 1) ? T(x + 1, y) : T(x, y + 1);
	while (i < n || j < m) {
		const char *sa = i < n ? json_string_value(json_array_get(a, i)) : NULL;
		const char *sb = j < m ? json_string_value(json_array_get(b, j)) : NULL;

		if (sa && sb && strcmp(sa, sb) == 0) {
			json_array_append_new(out, json_pack("{ssss}", "op", " ", "text", sa));
			i++;
			j++;
		} else if (sb && (!sa || T(i, j + 1) >= T(i + 1, j))) {
			json_array_append_new(out, json_pack("{ssss}", "op", "+", "text", sb));
			j++;
		} else {
			json_array_append_new(out, json_pack("{ssss}", "op", "-", "text", sa));
			i++;
		}
	}
#undef T
	free(t);
	return out;
}

void dtd_h_compare(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	double a, b;
	json_t *ra = NULL, *rb = NULL, *la, *lb;
	int ga, gb;

	if (!dtd_query_num(rq->query, rq->qarg, "a", 0, 1, 1e15, &a, out) ||
	    !dtd_query_num(rq->query, rq->qarg, "b", 0, 1, 1e15, &b, out))
		return;
	if (a == 0 || b == 0) {
		dtd_reply_error(out, 400, a == 0 ? "a" : "b", "compare needs two "
				"runs: ?a=ID&b=ID");
		return;
	}
	ga = dtd_db_get(ctx->db, (int64_t)a, &ra);
	gb = dtd_db_get(ctx->db, (int64_t)b, &rb);
	if (ga < 0 || gb < 0) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
	} else if (ga == 0 || gb == 0) {
		dtd_reply_error(out, 404, ga == 0 ? "a" : "b", "no run %lld",
				(long long)(ga == 0 ? a : b));
	} else {
		la = suite_lines(ctx, ra);
		lb = suite_lines(ctx, rb);
		dtd_reply_json(out, 200, json_pack("{sOsOso}", "a", ra, "b", rb,
			"suite_diff", la && lb ? diff(la, lb) : json_null()));
		json_decref(la);
		json_decref(lb);
	}
	json_decref(ra);
	json_decref(rb);
}

static json_t *store_figures(dtd_ctx *ctx)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT count(*) AS runs, "
				   "sum(pruned IS NOT NULL) AS pruned, "
				   "CAST(total(CASE WHEN pruned IS NULL THEN bytes END) AS "
				   "INTEGER) AS bytes FROM runs", "");
	json_t *o = json_incref(json_array_get(rows, 0));

	json_decref(rows);
	return o;
}

void dtd_h_retention(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *f = store_figures(ctx);

	(void)rq;
	if (f == NULL) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	json_object_set_new(f, "keep_runs", json_integer(ctx->cfg->keep_runs));
	json_object_set_new(f, "max_store", json_integer((json_int_t)ctx->cfg->max_store));
	json_object_set_new(f, "prune_invalid", json_boolean(ctx->cfg->prune_invalid));
	dtd_reply_json(out, 200, f);
}

void dtd_h_prune(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	long keep = ctx->cfg->keep_runs;
	uint64_t max = ctx->cfg->max_store;
	bool invalid = ctx->cfg->prune_invalid;
	json_t *req = NULL, *v, *report;
	const char *key;

	if (rq->body_len > 0) {
		req = dtd_body_object(rq, out);
		if (req == NULL)
			return;
		json_object_foreach(req, key, v) {
			if (strcmp(key, "keep_runs") == 0 && json_is_integer(v) &&
			    json_integer_value(v) >= 0) {
				keep = (long)json_integer_value(v);
			} else if (strcmp(key, "max_store") == 0 &&
				   dt_json_size(v, &max) == 0) {
				;
			} else if (strcmp(key, "prune_invalid") == 0 && json_is_boolean(v)) {
				invalid = json_is_true(v);
			} else {
				dtd_reply_error(out, 400, key, "%s", strcmp(key, "keep_runs") &&
						strcmp(key, "max_store") && strcmp(key,
						"prune_invalid") ? "unknown field (known: "
						"keep_runs, max_store, prune_invalid)" :
						"keep_runs must be an integer >= 0, max_store a "
						"size, prune_invalid true or false");
				json_decref(req);
				return;
			}
		}
		json_decref(req);
	}
	if (keep == 0 && max == 0) {
		dtd_reply_error(out, 400, "keep_runs", "nothing to prune to: no "
				"keep-runs or max-store configured or given");
		return;
	}
	report = ctx->service ? dtd_service_prune(ctx->service, keep, max, invalid) :
		 dtd_retention_prune(ctx, keep, max, invalid);
	json_object_set_new(report, "store", store_figures(ctx));
	dtd_reply_json(out, 200, report);
}

void dtd_h_deliveries(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	double limit;
	json_t *rows;

	if (!dtd_query_num(rq->query, rq->qarg, "limit", 100, 1, 1000, &limit, out))
		return;
	rows = dtd_db_rows(ctx->db, "SELECT id, url, event, body, state, attempts, "
			   "http_status, error, created, delivered FROM deliveries "
			   "ORDER BY id DESC LIMIT ?", "i", (int64_t)limit);
	if (rows == NULL)
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
	else
		dtd_reply_json(out, 200, json_pack("{so}", "deliveries", rows));
}

void dtd_h_archive(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	const char *status = json_string_value(json_object_get(rq->run, "status"));
	const char *path = json_string_value(json_object_get(rq->run, "store"));
	char dir[PATH_MAX], name[256], err[DT_ERRBUF_SIZE];
	off_t size;
	int fd;

	if (strcmp(status, "queued") == 0 || strcmp(status, "running") == 0) {
		dtd_reply_error(out, 409, "status", "run %lld is %s: archive it when "
				"it has ended", (long long)rq->id, status);
		return;
	}
	if (!json_is_null(json_object_get(rq->run, "pruned"))) {
		dtd_reply_error(out, 410, "store", "run %lld was pruned (retention): "
				"only its index row is left", (long long)rq->id);
		return;
	}
	if (path == NULL || dtd_run_dir(ctx->cfg->store, path, dir, sizeof(dir)) != 0) {
		dtd_reply_error(out, errno == EPERM ? 403 : 410, "store", "run %lld "
				"has no folder dtd may read", (long long)rq->id);
		return;
	}
	snprintf(name, sizeof(name), "%s-run-%lld", json_string_value(
		json_object_get(rq->run, "suite")), (long long)rq->id);
	for (char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	fd = dtd_archive_make(dir, name, ctx->cfg->state_dir, &size, err);
	if (fd < 0) {
		dtd_reply_error(out, 500, NULL, "%s", err);
		return;
	}
	out->status = 200;
	out->file = true;
	out->fd = fd;
	out->len = (size_t)size;
	out->type = "application/gzip";
	snprintf(out->attachment, sizeof(out->attachment), "%s.tar.gz", name);
}
