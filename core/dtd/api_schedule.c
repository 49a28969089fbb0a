/* SPDX-License-Identifier: MIT */
/*
 * api_schedule.c: the API of schedules (schedule.c has their rules).
 *
 *   GET    /api/schedules              every schedule
 *   POST   /api/schedules              (token) a new one: the fields of
 *          POST /api/runs, and one of every/at/soak, jitter, missed,
 *          paused, start, name
 *   GET    /api/schedules/ID           one, with its last runs
 *   PATCH  /api/schedules/ID           (token) change fields (its times
 *                                      start again from now)
 *   DELETE /api/schedules/ID           (token) its runs stay
 *   POST   /api/schedules/ID/pause     (token)
 *   POST   /api/schedules/ID/resume    (token)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtd.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The row of schedule id into *row: 1, 0 after a 404, -1 after a 500. */
static int get_row(dtd_ctx *ctx, int64_t id, json_t **row, dtd_reply *out)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM schedules WHERE id=?",
				   "i", id);

	*row = NULL;
	if (rows == NULL) {
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return -1;
	}
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		dtd_reply_error(out, 404, "id", "no schedule %lld", (long long)id);
		return 0;
	}
	*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 1;
}

static void reply_schedule(dtd_ctx *ctx, int64_t id, unsigned status, dtd_reply *out)
{
	json_t *row;

	if (get_row(ctx, id, &row, out) != 1)
		return;
	dtd_reply_json(out, status, dtd_schedule_json(ctx->db, row));
	json_decref(row);
}

void dtd_h_schedules(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM schedules ORDER BY id", "");
	json_t *list = json_array(), *row;
	size_t i;

	(void)rq;
	if (rows == NULL) {
		json_decref(list);
		dtd_reply_error(out, 500, NULL, "the index cannot be read");
		return;
	}
	json_array_foreach(rows, i, row)
		json_array_append_new(list, dtd_schedule_json(ctx->db, row));
	json_decref(rows);
	dtd_reply_json(out, 200, json_pack("{so}", "schedules", list));
}

/* Write a checked schedule (sched) as row id (0: a new row); its id. */
static int64_t store(dtd_ctx *ctx, int64_t id, const json_t *sched)
{
	char *params = json_dumps(json_object_get(sched, "parameters"),
				  JSON_COMPACT | JSON_SORT_KEYS);
	double now = now_s(), slot, next, start;
	json_t *s = json_deep_copy(sched);
	int64_t rowid = -1;
	int n;

	/* The first time: start's when given, else from now. */
	start = json_number_value(json_object_get(s, "start"));
	json_object_set_new(s, "start", json_real(start > 0 ? start : now));
	dtd_schedule_times(s, now, &slot, &next);
	if (id == 0)
		n = dtd_db_exec(ctx->db, &rowid, "INSERT INTO schedules(name, suite, "
				"params, kind, every, at, jitter, missed, paused, "
				"start, slot, next, created) VALUES(?, ?, ?, ?, "
				"nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)", "ttttrtrtirrrr",
				json_string_value(json_object_get(s, "name")),
				json_string_value(json_object_get(s, "suite")), params,
				json_string_value(json_object_get(s, "kind")),
				json_number_value(json_object_get(s, "every")),
				json_string_value(json_object_get(s, "at")),
				json_number_value(json_object_get(s, "jitter")),
				json_string_value(json_object_get(s, "missed")),
				(int64_t)json_is_true(json_object_get(s, "paused")),
				json_number_value(json_object_get(s, "start")), slot,
				next, now);
	else
		n = dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET name=?, suite=?, "
				"params=?, kind=?, every=nullif(?, 0), at=?, jitter=?, missed=?, "
				"paused=?, start=?, slot=?, next=?, last_error=NULL "
				"WHERE id=?", "ttttrtrtirrri",
				json_string_value(json_object_get(s, "name")),
				json_string_value(json_object_get(s, "suite")), params,
				json_string_value(json_object_get(s, "kind")),
				json_number_value(json_object_get(s, "every")),
				json_string_value(json_object_get(s, "at")),
				json_number_value(json_object_get(s, "jitter")),
				json_string_value(json_object_get(s, "missed")),
				(int64_t)json_is_true(json_object_get(s, "paused")),
				json_number_value(json_object_get(s, "start")), slot,
				next, id);
	json_decref(s);
	free(params);
	if (n != 1)
		return -1;
	return id ? id : rowid;
}

void dtd_h_post_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *req = dtd_body_object(rq, out), *sched;
	int64_t id;

	if (req == NULL)
		return;
	sched = json_object();
	if (dtd_schedule_check(ctx->cfg, req, sched, out) == 0) {
		id = store(ctx, 0, sched);
		if (id <= 0)
			dtd_reply_error(out, 500, NULL, "cannot record the schedule");
		else
			reply_schedule(ctx, id, 201, out);
		dtd_service_kick(ctx->service);
	}
	json_decref(sched);
	json_decref(req);
}

void dtd_h_get_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *row, *o, *runs;
	long total;

	if (get_row(ctx, rq->id, &row, out) != 1)
		return;
	o = dtd_schedule_json(ctx->db, row);
	runs = dtd_db_list(ctx->db, NULL, NULL, NULL, rq->id, 0, 50, 0, &total);
	json_object_set_new(o, "runs", runs ? runs : json_array());
	json_object_set_new(o, "runs_total", json_integer(total));
	json_decref(row);
	dtd_reply_json(out, 200, o);
}

void dtd_h_edit_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	json_t *req, *row, *merged, *sched;
	const char *key;
	json_t *v;

	if (get_row(ctx, rq->id, &row, out) != 1)
		return;
	req = dtd_body_object(rq, out);
	if (req == NULL) {
		json_decref(row);
		return;
	}
	merged = dtd_schedule_request(row);
	/* A new kind of time replaces the old one. */
	if (json_object_get(req, "every") || json_object_get(req, "at") ||
	    json_object_get(req, "soak")) {
		json_object_del(merged, "every");
		json_object_del(merged, "at");
		json_object_del(merged, "soak");
	}
	json_object_foreach(req, key, v) {
		if (json_is_null(v))
			json_object_del(merged, key);
		else
			json_object_set(merged, key, v);
	}
	sched = json_object();
	if (dtd_schedule_check(ctx->cfg, merged, sched, out) == 0) {
		if (store(ctx, rq->id, sched) != rq->id)
			dtd_reply_error(out, 500, NULL, "cannot record the schedule");
		else
			reply_schedule(ctx, rq->id, 200, out);
		dtd_service_kick(ctx->service);
	}
	json_decref(sched);
	json_decref(merged);
	json_decref(req);
	json_decref(row);
}

void dtd_h_delete_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	int n = dtd_db_exec(ctx->db, NULL, "DELETE FROM schedules WHERE id=?", "i",
			    rq->id);

	if (n < 0)
		dtd_reply_error(out, 500, NULL, "the index cannot be written");
	else if (n == 0)
		dtd_reply_error(out, 404, "id", "no schedule %lld", (long long)rq->id);
	else
		dtd_reply_json(out, 200, json_pack("{sI}", "deleted", (json_int_t)rq->id));
}

static void set_paused(dtd_ctx *ctx, const dtd_request *rq, bool paused,
		       dtd_reply *out)
{
	json_t *row;

	if (get_row(ctx, rq->id, &row, out) != 1)
		return;
	if (!paused) {
		/* Resumed: the next time from now, nothing made up for. */
		double slot, next;

		dtd_schedule_times(row, now_s(), &slot, &next);
		if (strcmp(json_string_value(json_object_get(row, "kind")), "soak") == 0)
			dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET paused=0, "
				    "next=NULL WHERE id=?", "i", rq->id);
		else
			dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET paused=0, "
				    "slot=?, next=? WHERE id=?", "rri", slot, next, rq->id);
	} else {
		dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET paused=1 WHERE id=?",
			    "i", rq->id);
	}
	json_decref(row);
	dtd_service_kick(ctx->service);
	reply_schedule(ctx, rq->id, 200, out);
}

void dtd_h_pause_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	set_paused(ctx, rq, true, out);
}

void dtd_h_resume_schedule(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out)
{
	set_paused(ctx, rq, false, out);
}
