/* SPDX-License-Identifier: MIT */
/*
 * schedule.c: dtd's schedules.  A schedule runs a suite (with the same
 * overrides as POST /api/runs) every so long ("every": "6h"), every day
 * at a local time ("at": "02:00") or again whenever its previous run
 * has ended ("soak": true), each time a random jitter (0 to "jitter")
 * later.  They are rows of dtd.db, so they survive restarts: a time
 * missed while dtd was down runs once at start ("missed": "run-once",
 * the default) or not ("skip").  A schedule whose previous run is still
 * queued or running skips its time (logged in last_error).  Each run
 * records its schedule (runs.schedule_id).
 *
 * The checks of a request and the times are here; the service thread
 * (service.c) calls dtd_schedule_tick once a second; api_schedule.c
 * answers the API.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtd.h"

#define MAX_EVERY (366.0 * 86400)
#define MIN_EVERY 1.0

static const char *const run_keys[] = {
	"suite", "time_limit", "concurrency", "rate", "nemesis", "seed", NULL
};
static const char *const own_keys[] = {
	"name", "every", "at", "soak", "jitter", "missed", "paused", "start", NULL
};

static bool in(const char *k, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(k, list[i]) == 0)
			return true;
	return false;
}

/* "HH:MM" (00:00 to 23:59) into minutes of the day; -1 when it is not. */
int dtd_schedule_at(const char *at)
{
	int h, m;
	char extra;

	if (at == NULL || strlen(at) != 5 || at[2] != ':' ||
	    sscanf(at, "%2d:%2d%c", &h, &m, &extra) != 2 ||
	    at[0] < '0' || at[0] > '2' || at[3] < '0' || at[3] > '5' ||
	    h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

double dtd_schedule_slot(const char *kind, double every, const char *at,
			 double anchor, double after)
{
	if (strcmp(kind, "every") == 0) {
		double k = floor((after - anchor) / every) + 1;

		return anchor + (k < 0 ? 0 : k) * every;
	}
	if (strcmp(kind, "at") == 0) {
		int min = dtd_schedule_at(at);
		time_t t = (time_t)after;
		struct tm tm;
		time_t slot;

		localtime_r(&t, &tm);
		tm.tm_hour = min / 60;
		tm.tm_min = min % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		slot = mktime(&tm);
		if ((double)slot <= after) {
			tm.tm_mday++;
			tm.tm_hour = min / 60;
			tm.tm_min = min % 60;
			tm.tm_isdst = -1;
			slot = mktime(&tm);
		}
		return (double)slot;
	}
	return after; /* soak: whenever the previous run has ended */
}

static double jitter_of(double jitter)
{
	return jitter > 0 ? jitter * ((double)random() / RAND_MAX) : 0;
}

/* A duration field (a number of seconds or "6h") in [lo, hi]; absent:
 * def.  false after a 400 naming it. */
static bool duration_field(const json_t *req, const char *key, double def,
			   double lo, double hi, double *out, dtd_reply *reply)
{
	const json_t *v = json_object_get(req, key);

	*out = def;
	if (v == NULL || json_is_null(v))
		return true;
	if (dt_json_duration(v, out) != 0 || *out < lo || *out > hi) {
		dtd_reply_error(reply, 400, key, "%s must be a duration from %gs "
				"to %gs (\"30s\", \"6h\", or seconds)", key, lo, hi);
		return false;
	}
	return true;
}

int dtd_schedule_check(const dtd_config *cfg, const json_t *req, json_t *sched,
		       dtd_reply *out)
{
	json_t *run_req = json_object(), *params = json_object();
	const char *key, *kind = NULL, *at = NULL, *missed = "run-once", *name;
	json_t *v;
	double every = 0, jitter = 0, start = 0;
	int nkind = 0, rc = -1;

	json_object_foreach((json_t *)req, key, v) {
		if (in(key, run_keys)) {
			json_object_set(run_req, key, v);
		} else if (!in(key, own_keys)) {
			dtd_reply_error(out, 400, key, "unknown field '%s' (known: "
					"name, suite, time_limit, concurrency, rate, "
					"nemesis, seed, every, at, soak, jitter, missed, "
					"paused, start)", key);
			goto out;
		}
	}
	if ((v = json_object_get(req, "every")) != NULL && !json_is_null(v)) {
		kind = "every";
		nkind++;
		if (!duration_field(req, "every", 0, MIN_EVERY, MAX_EVERY, &every, out))
			goto out;
	}
	if ((v = json_object_get(req, "at")) != NULL && !json_is_null(v)) {
		kind = "at";
		nkind++;
		at = json_string_value(v);
		if (dtd_schedule_at(at) < 0) {
			dtd_reply_error(out, 400, "at", "at must be a local time of "
					"day as HH:MM (\"02:00\")");
			goto out;
		}
	}
	if ((v = json_object_get(req, "soak")) != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			dtd_reply_error(out, 400, "soak", "soak must be true or false");
			goto out;
		}
		if (json_is_true(v)) {
			kind = "soak";
			nkind++;
		}
	}
	if (nkind != 1) {
		dtd_reply_error(out, 400, nkind ? NULL : "every", "a schedule needs "
				"exactly one of every (\"6h\"), at (\"02:00\") and "
				"soak (true)");
		goto out;
	}
	if (!duration_field(req, "jitter", 0, 0, strcmp(kind, "every") == 0 ?
			    every : 86400, &jitter, out))
		goto out;
	if ((v = json_object_get(req, "missed")) != NULL && !json_is_null(v)) {
		missed = json_string_value(v);
		if (missed == NULL || (strcmp(missed, "run-once") != 0 &&
				       strcmp(missed, "skip") != 0)) {
			dtd_reply_error(out, 400, "missed", "missed must be run-once "
					"(a time missed while dtd was down runs once "
					"at start) or skip");
			goto out;
		}
	}
	if ((v = json_object_get(req, "paused")) != NULL && !json_is_null(v) &&
	    !json_is_boolean(v)) {
		dtd_reply_error(out, 400, "paused", "paused must be true or false");
		goto out;
	}
	if ((v = json_object_get(req, "start")) != NULL && !json_is_null(v)) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1e11 || strcmp(kind, "every") != 0) {
			dtd_reply_error(out, 400, "start", "start must be the time "
					"(seconds since 1970) of an every schedule's "
					"first run");
			goto out;
		}
		start = json_number_value(v);
	}
	name = json_string_value(json_object_get(req, "name"));
	if (json_object_get(req, "name") != NULL &&
	    (name == NULL || strlen(name) > 200)) {
		dtd_reply_error(out, 400, "name", "name must be a string of at "
				"most 200 characters");
		goto out;
	}
	if (dtd_check_run_request(cfg, run_req, params, out) != 0)
		goto out;
	json_object_set_new(sched, "name", json_string(name ? name :
		json_string_value(json_object_get(run_req, "suite"))));
	json_object_set(sched, "suite", json_object_get(run_req, "suite"));
	json_object_set(sched, "parameters", params);
	json_object_set_new(sched, "kind", json_string(kind));
	json_object_set_new(sched, "every", every > 0 ? json_real(every) : json_null());
	json_object_set_new(sched, "at", at ? json_string(at) : json_null());
	json_object_set_new(sched, "jitter", json_real(jitter));
	json_object_set_new(sched, "missed", json_string(missed));
	json_object_set_new(sched, "paused", json_boolean(json_is_true(
		json_object_get(req, "paused"))));
	json_object_set_new(sched, "start", json_real(start));
	rc = 0;
out:
	json_decref(params);
	json_decref(run_req);
	return rc;
}

void dtd_schedule_times(const json_t *sched, double now, double *slot,
			double *next)
{
	const char *kind = json_string_value(json_object_get(sched, "kind"));
	double every = json_number_value(json_object_get(sched, "every"));
	double start = json_number_value(json_object_get(sched, "start"));
	const char *at = json_string_value(json_object_get(sched, "at"));

	if (strcmp(kind, "every") == 0 && start > 0 && start > now)
		*slot = start;
	else if (strcmp(kind, "every") == 0)
		*slot = dtd_schedule_slot(kind, every, NULL, start > 0 ? start : now, now);
	else
		*slot = dtd_schedule_slot(kind, every, at, now, now);
	*next = *slot + (strcmp(kind, "soak") == 0 ? 0 :
			 jitter_of(json_number_value(json_object_get(sched, "jitter"))));
}

json_t *dtd_schedule_request(const json_t *row)
{
	json_t *req = json_object();
	json_t *params = json_loads(json_string_value(json_object_get(row, "params")),
				    0, NULL);
	const char *kind = json_string_value(json_object_get(row, "kind"));

	if (json_is_object(params))
		json_object_update(req, params);
	json_decref(params);
	json_object_set(req, "name", json_object_get(row, "name"));
	json_object_set(req, "suite", json_object_get(row, "suite"));
	if (strcmp(kind, "every") == 0)
		json_object_set(req, "every", json_object_get(row, "every"));
	else if (strcmp(kind, "at") == 0)
		json_object_set(req, "at", json_object_get(row, "at"));
	else
		json_object_set_new(req, "soak", json_true());
	json_object_set(req, "jitter", json_object_get(row, "jitter"));
	json_object_set(req, "missed", json_object_get(row, "missed"));
	json_object_set_new(req, "paused", json_boolean(json_integer_value(
		json_object_get(row, "paused")) != 0));
	return req;
}

json_t *dtd_schedule_json(dtd_db *db, const json_t *row)
{
	json_t *o = json_deep_copy(row);
	json_t *params = json_loads(json_string_value(json_object_get(row, "params")),
				    0, NULL);
	json_t *active = dtd_db_rows(db, "SELECT count(*) AS n FROM runs WHERE "
				     "schedule_id=? AND status IN ('queued', "
				     "'running')", "i", (int64_t)json_integer_value(
					     json_object_get(row, "id")));

	json_object_del(o, "params");
	json_object_set_new(o, "parameters", params ? params : json_object());
	json_object_set_new(o, "paused", json_boolean(json_integer_value(
		json_object_get(row, "paused")) != 0));
	json_object_set_new(o, "active", json_boolean(json_integer_value(
		json_object_get(json_array_get(active, 0), "n")) > 0));
	json_decref(active);
	return o;
}

/* Queue a run of the schedule; its id, or 0 with why in err. */
static int64_t fire(dtd_ctx *ctx, const json_t *row, char *err, size_t size)
{
	json_t *req = dtd_schedule_request(row), *run_req = json_object();
	json_t *params = json_object();
	dtd_reply r = { 0 };
	int64_t sid = json_integer_value(json_object_get(row, "id")), id = 0;
	long queued = dtd_db_count(ctx->db, "queued");

	for (size_t i = 0; run_keys[i] != NULL; i++)
		if (json_object_get(req, run_keys[i]) != NULL)
			json_object_set(run_req, run_keys[i],
					json_object_get(req, run_keys[i]));
	if (queued >= ctx->cfg->max_queued) {
		snprintf(err, size, "the queue is full (%ld runs, max-queued)", queued);
	} else if (dtd_check_run_request(ctx->cfg, run_req, params, &r) != 0) {
		json_t *e = json_loadb(r.body, r.len, 0, NULL);

		snprintf(err, size, "cannot run: %s", json_string_value(
			json_object_get(e, "error")));
		json_decref(e);
	} else {
		id = dtd_db_insert_from(ctx->db, json_string_value(json_object_get(
			row, "suite")), params, sid, 0, NULL);
		if (id <= 0) {
			id = 0;
			snprintf(err, size, "the index cannot be written");
		}
	}
	free(r.body);
	json_decref(params);
	json_decref(run_req);
	json_decref(req);
	return id;
}

static void record_error(dtd_ctx *ctx, int64_t sid, const char *name,
			 const char *why, bool notify)
{
	char msg[DT_ERRBUF_SIZE + 64];
	time_t t = time(NULL);
	struct tm tm;
	char when[32];

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(msg, sizeof(msg), "%s: %s", when, why);
	dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET last_error=? WHERE id=?",
		    "ti", msg, sid);
	dt_log(DT_LOG_WARN, "dtd: schedule %lld (%s): %s", (long long)sid, name, why);
	if (notify)
		dtd_notify(ctx, "schedule-failed", json_pack("{sIssss}", "schedule",
			   (json_int_t)sid, "name", name, "error", why));
}

void dtd_schedule_tick(dtd_ctx *ctx, double now)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM schedules WHERE "
				   "paused=0 ORDER BY id", "");
	size_t i;
	json_t *row;
	bool kicked = false;

	json_array_foreach(rows, i, row) {
		int64_t sid = json_integer_value(json_object_get(row, "id"));
		const char *kind = json_string_value(json_object_get(row, "kind"));
		const char *name = json_string_value(json_object_get(row, "name"));
		json_t *next_v = json_object_get(row, "next");
		double next = json_number_value(next_v), slot, nnext;
		json_t *act = dtd_db_rows(ctx->db, "SELECT count(*) AS n FROM runs "
					  "WHERE schedule_id=? AND status IN "
					  "('queued', 'running')", "i", sid);
		bool active = json_integer_value(json_object_get(json_array_get(
			act, 0), "n")) > 0;
		char err[DT_ERRBUF_SIZE] = "";
		int64_t id;

		json_decref(act);
		if (strcmp(kind, "soak") == 0) {
			if (active)
				continue;
			if (json_is_null(next_v)) {
				/* The previous run has just ended: the next one
				 * after a jitter. */
				double at = now + jitter_of(json_number_value(
					json_object_get(row, "jitter")));

				dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET "
					    "next=? WHERE id=?", "ri", at, sid);
				if (at > now)
					continue;
			} else if (next > now) {
				continue;
			}
			id = fire(ctx, row, err, sizeof(err));
			if (id > 0)
				dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET "
					    "next=NULL, fired=fired+1, last_run=? "
					    "WHERE id=?", "ii", id, sid);
			else
				record_error(ctx, sid, name, err, true);
			kicked |= id > 0;
			continue;
		}
		if (next > now)
			continue;
		dtd_schedule_times(row, now, &slot, &nnext);
		dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET slot=?, next=? "
			    "WHERE id=?", "rri", slot, nnext, sid);
		if (active) {
			record_error(ctx, sid, name, "skipped a time: its previous "
				     "run is still queued or running", false);
			continue;
		}
		id = fire(ctx, row, err, sizeof(err));
		if (id > 0) {
			dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET "
				    "fired=fired+1, last_run=? WHERE id=?", "ii", id, sid);
			dt_log(DT_LOG_INFO, "dtd: schedule %lld (%s) queued run %lld",
			       (long long)sid, name, (long long)id);
			kicked = true;
		} else {
			record_error(ctx, sid, name, err, true);
		}
	}
	json_decref(rows);
	if (kicked)
		dtd_runner_kick(ctx->runner);
}

int dtd_schedule_startup(dtd_ctx *ctx, double now)
{
	json_t *rows = dtd_db_rows(ctx->db, "SELECT * FROM schedules WHERE "
				   "paused=0 AND kind != 'soak' AND next < ?",
				   "r", now - 1);
	size_t i;
	json_t *row;

	if (rows == NULL)
		return -1;
	json_array_foreach(rows, i, row) {
		int64_t sid = json_integer_value(json_object_get(row, "id"));
		const char *missed = json_string_value(json_object_get(row, "missed"));
		double slot, next;

		if (strcmp(missed, "run-once") == 0) {
			/* Due now: the first tick runs it once, then takes the
			 * next time after now. */
			dt_log(DT_LOG_WARN, "dtd: schedule %lld missed a time while "
			       "dtd was down: it runs once now (missed: run-once)",
			       (long long)sid);
			continue;
		}
		dtd_schedule_times(row, now, &slot, &next);
		dtd_db_exec(ctx->db, NULL, "UPDATE schedules SET slot=?, next=? "
			    "WHERE id=?", "rri", slot, next, sid);
		dt_log(DT_LOG_WARN, "dtd: schedule %lld missed a time while dtd "
		       "was down: skipped (missed: skip)", (long long)sid);
	}
	json_decref(rows);
	return 0;
}
