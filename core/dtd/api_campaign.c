/* SPDX-License-Identifier: MIT */
/*
 * api_campaign.c: campaigns in dtd (the matrix is campaign.c's, in the
 * core, shared with `dt-run campaign`).
 *
 *   GET  /api/campaigns            every campaign, with its counts
 *   POST /api/campaigns            (token) the campaign as JSON (the keys
 *                                  of a campaign file): its runs queued
 *   GET  /api/campaigns/ID         the campaign and its runs (cells)
 *   POST /api/campaigns/ID/cancel  (token) its queued and running runs
 *
 * Every cell is checked as POST /api/runs checks a run before any is
 * queued; the cells and the runs already queued must fit max-queued.
 * Stopping at the first invalid run is service.c's (the end hook).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "dtd.h"

/* A cell as the fields of POST /api/runs. */
static json_t *cell_request(const dt_campaign *c, const dt_campaign_cell *cell)
{
	json_t *req = json_pack("{ss}", "suite", cell->suite);
	dt_run_opts o = { .time_limit = -1, .concurrency = -1, .rate = -1 };

	dt_campaign_cell_opts(c, cell, &o);
	if (o.time_limit > 0)
		json_object_set_new(req, "time_limit", json_real(o.time_limit));
	if (o.concurrency > 0)
		json_object_set_new(req, "concurrency", json_integer(o.concurrency));
	if (o.rate >= 0)
		json_object_set_new(req, "rate", json_real(o.rate));
	if (o.has_seed)
		json_object_set_new(req, "seed", json_integer((json_int_t)o.seed));
	if (cell->nemesis != NULL) {
		json_t *list = json_array();
		const char *p = cell->nemesis;

		while (*p != '\0') {
			size_t n = strcspn(p, ",");

			if (n > 0)
				json_array_append_new(list, json_stringn(p, n));
			p += n;
			if (*p == ',')
				p++;
		}
		json_object_set_new(req, "nemesis", list);
	}
	return req;
}

/* Counts by state, and the campaign's own state. */
static json_t *campaign_json(dtd_ctx *ctx, const json_t *row, bool with_runs)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	json_t *o = json_deep_copy(row);
	json_t *spec = json_loads(json_string_value(json_object_get(row, "spec")), 0, NULL);
	json_t *rows = dtd_db_rows(ctx->db, "SELECT status, verdict, count(*) AS n "
				   "FROM runs WHERE campaign_id=? GROUP BY status, "
				   "verdict", "i", id);
	json_t *counts = json_pack("{sisisisisisi}", "queued", 0, "running", 0,
				   "valid", 0, "invalid", 0, "unknown", 0, "other", 0);
	json_int_t total = 0;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));
		const char *v = json_string_value(json_object_get(r, "verdict"));
		const char *k = strcmp(st, "queued") == 0 || strcmp(st, "running") == 0 ?
				st : strcmp(st, "done") == 0 && v ? v : "other";
		json_int_t n = json_integer_value(json_object_get(r, "n"));

		json_object_set_new(counts, k, json_integer(
			json_integer_value(json_object_get(counts, k)) + n));
		total += n;
	}
	json_decref(rows);
	json_object_del(o, "spec");
	json_object_set_new(o, "spec", spec ? spec : json_object());
	json_object_set_new(o, "stop_at_first_invalid", json_boolean(
		json_integer_value(json_object_get(row, "stop_at_first_invalid"))));
	json_object_set_new(o, "state", json_string(
		json_integer_value(json_object_get(counts, "queued")) +
		json_integer_value(json_object_get(counts, "running")) > 0 ? "running" :
		!json_is_null(json_object_get(row, "stopped")) ? "stopped" : "done"));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "total", json_integer(total));
	if (with_runs) {
		long n;
		json_t *runs = dtd_db_list(ctx->db, NULL, NULL, NULL, 0, id,
					   DT_CAMPAIGN_MAX_CELLS, 0, &n);

		json_object_set_new(o, "runs", runs ? runs : json_array());
	}
	return o;
}

void dtd_h_campaigns(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM campaigns ORDER BY id "
				   "DESC LIMIT 200", "");
	json_t *list = json_array(), *row;
	size_t i;

	(void)rq;
	if (rows == NULL) {
		json_decref(list);
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	json_array_foreach(rows, i, row)
		json_array_append_new(list, campaign_json(ctx, row, false));
	json_decref(rows);
	dtd_reply_json(out, 200, json_pack("{so}", "campaigns", list));
}

void dtd_h_post_campaign(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	char err[DT_ERRBUF_SIZE];
	json_t *body = dtd_body_object(rq, out);
	dt_campaign *c;
	json_t *params = NULL, *reqs = NULL;
	char *spec = NULL;
	int64_t cid = -1;
	long queued;
	struct timespec ts;

	/* JSON only (the check is the YAML reader's: same messages, keys
	 * and table as a campaign file). */
	if (body == NULL)
		return;
	json_decref(body);
	c = dt_campaign_parse("campaign", rq->body, rq->body_len, err);
	if (c == NULL) {
		dtd_reply_error(out, 400, NULL, "%s", err);
		return;
	}
	queued = dtd_db_count(ctx->db, "queued");
	if (queued < 0) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		goto out;
	}
	if (queued + (long)c->ncells > ctx->cfg->max_queued) {
		out->retry_after = 60;
		dtd_reply_error(out, 429, NULL, "%zu runs and the %ld queued already "
				"are over max-queued (%ld)", c->ncells, queued,
				ctx->cfg->max_queued);
		goto out;
	}
	/* Every cell checked before any is queued. */
	params = json_array();
	reqs = json_array();
	for (size_t i = 0; i < c->ncells; i++) {
		json_t *req = cell_request(c, &c->cells[i]), *p = json_object();

		if (dtd_check_run_request(ctx->cfg, req, p, out) != 0) {
			json_t *e = json_loadb(out->body, out->len, 0, NULL);
			char msg[DT_ERRBUF_SIZE + 64];

			snprintf(msg, sizeof(msg), "run %zu (%s): %s", i + 1,
				 c->cells[i].suite, json_string_value(json_object_get(e,
				 "error")));
			json_decref(e);
			free(out->body);
			memset(out, 0, sizeof(*out));
			dtd_reply_error(out, 400, NULL, "%s", msg);
			json_decref(req);
			json_decref(p);
			goto out;
		}
		json_decref(req);
		json_array_append_new(params, p);
	}
	spec = json_dumps(c->spec, JSON_COMPACT | JSON_SORT_KEYS);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (spec == NULL ||
	    dtd_db_exec(ctx->db, &cid, "INSERT INTO campaigns(name, spec, "
			"stop_at_first_invalid, created) VALUES(?, ?, ?, ?)", "ttir",
			c->name, spec, (int64_t)c->stop_at_first_invalid,
			(double)ts.tv_sec + ts.tv_nsec / 1e9) != 1) {
		dtd_reply_error(out, 500, NULL, "cannot record the campaign");
		goto out;
	}
	for (size_t i = 0; i < c->ncells; i++) {
		json_t *cell = dt_campaign_cell_json(&c->cells[i]);

		json_object_set_new(cell, "index", json_integer((json_int_t)i));
		if (dtd_db_insert_from(ctx->db, c->cells[i].suite,
				       json_array_get(params, i), 0, cid, cell) <= 0) {
			json_decref(cell);
			dtd_reply_error(out, 500, NULL, "cannot record the runs");
			goto out;
		}
		json_decref(cell);
	}
	dtd_runner_kick(ctx->runner);
	{
		json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM campaigns WHERE id=?",
					   "i", cid);

		dtd_reply_json(out, 201, campaign_json(ctx, json_array_get(rows, 0), true));
		json_decref(rows);
	}
out:
	free(spec);
	json_decref(reqs);
	json_decref(params);
	dt_campaign_free(c);
}

void dtd_h_get_campaign(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM campaigns WHERE id=?",
				   "i", rq->id);

	if (rows == NULL)
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
	else if (json_array_size(rows) == 0)
		dtd_reply_error(out, 404, "id", "no campaign %lld", (long long)rq->id);
	else
		dtd_reply_json(out, 200, campaign_json(ctx, json_array_get(rows, 0), true));
	json_decref(rows);
}

void dtd_h_cancel_campaign(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *ids = dtd_db_rows(ctx->db, "SELECT id FROM runs WHERE campaign_id=? "
				  "AND status IN ('queued', 'running') ORDER BY id",
				  "i", rq->id);
	json_t *done = json_array(), *v;
	json_t *c = dtd_db_rows(ctx->db, "SELECT id FROM campaigns WHERE id=?",
				"i", rq->id);
	size_t i;

	if (c != NULL && json_array_size(c) == 0) {
		json_decref(c);
		json_decref(ids);
		json_decref(done);
		dtd_reply_error(out, 404, "id", "no campaign %lld", (long long)rq->id);
		return;
	}
	json_decref(c);
	if (ids == NULL) {
		json_decref(done);
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	json_array_foreach(ids, i, v) {
		int64_t id = json_integer_value(json_object_get(v, "id"));

		if (dtd_runner_cancel(ctx->runner, id) == 0)
			json_array_append_new(done, json_integer(id));
	}
	json_decref(ids);
	dtd_db_exec(ctx->db, NULL, "UPDATE campaigns SET stopped='cancelled' "
		    "WHERE id=? AND stopped IS NULL", "i", rq->id);
	dtd_reply_json(out, 202, json_pack("{so}", "cancelled", done));
}
