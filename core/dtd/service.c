/* SPDX-License-Identifier: MIT */
/*
 * service.c: what dtd does besides answering requests and running the
 * queue.  One thread wakes once a second (or when a run ends) to queue
 * the runs of due schedules (schedule.c) and deliver pending webhook
 * calls (notify.c).  When a run ends (the runner's end hook, in its
 * worker) the campaign it belongs to stops at its first invalid run
 * when asked, webhooks learn of an invalid run or a failed schedule,
 * and retention prunes the store (retention.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dtd.h"

struct dtd_service {
	dtd_ctx *ctx;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	pthread_mutex_t prune_lock; /* one pruning at a time */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *service_main(void *arg)
{
	dtd_service *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct timespec until;

		pthread_mutex_unlock(&s->lock);
		dtd_schedule_tick(s->ctx, now_s());
		dtd_notify_deliver(s->ctx, now_s());
		pthread_mutex_lock(&s->lock);
		if (s->stopping)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&s->wake, &s->lock, &until);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void dtd_service_kick(dtd_service *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* A campaign stopping at its first invalid run: its queued runs are
 * cancelled, and it says why. */
static void campaign_end(dtd_ctx *ctx, const json_t *run)
{
	int64_t cid = json_integer_value(json_object_get(run, "campaign"));
	const char *verdict = json_string_value(json_object_get(run, "verdict"));
	json_t *c, *ids;
	size_t i;
	json_t *v;
	char why[128];

	if (cid <= 0 || verdict == NULL || strcmp(verdict, "invalid") != 0)
		return;
	c = dtd_db_rows(ctx->db, "SELECT stop_at_first_invalid AS stop, stopped "
			"FROM campaigns WHERE id=?", "i", cid);
	if (json_integer_value(json_object_get(json_array_get(c, 0), "stop")) == 0 ||
	    !json_is_null(json_object_get(json_array_get(c, 0), "stopped"))) {
		json_decref(c);
		return;
	}
	json_decref(c);
	snprintf(why, sizeof(why), "stopped at its first invalid run, %lld",
		 (long long)json_integer_value(json_object_get(run, "id")));
	dtd_db_exec(ctx->db, NULL, "UPDATE campaigns SET stopped=? WHERE id=? "
		    "AND stopped IS NULL", "ti", why, cid);
	ids = dtd_db_rows(ctx->db, "SELECT id FROM runs WHERE campaign_id=? AND "
			  "status='queued' ORDER BY id", "i", cid);
	json_array_foreach(ids, i, v)
		dtd_runner_cancel(ctx->runner, json_integer_value(json_object_get(v, "id")));
	dt_log(DT_LOG_WARN, "dtd: campaign %lld %s: %zu queued runs cancelled",
	       (long long)cid, why, json_array_size(ids));
	json_decref(ids);
}

static void run_ended(void *arg, int64_t id)
{
	dtd_service *s = arg;
	dtd_ctx *ctx = s->ctx;
	json_t *run = NULL;
	const char *status, *verdict;

	if (dtd_db_get(ctx->db, id, &run) != 1)
		return;
	status = json_string_value(json_object_get(run, "status"));
	verdict = json_string_value(json_object_get(run, "verdict"));
	campaign_end(ctx, run);
	if (verdict != NULL && strcmp(verdict, "invalid") == 0)
		dtd_notify(ctx, "run-invalid", json_pack("{sO}", "run", run));
	if (json_integer_value(json_object_get(run, "schedule")) > 0 &&
	    strcmp(status, "failed") == 0)
		dtd_notify(ctx, "schedule-failed", json_pack("{sOsOsO}", "schedule",
			   json_object_get(run, "schedule"), "run", run, "error",
			   json_object_get(run, "error")));
	json_decref(run);
	if (ctx->cfg->keep_runs > 0 || ctx->cfg->max_store > 0) {
		json_t *report = dtd_service_prune(s, ctx->cfg->keep_runs,
						   ctx->cfg->max_store,
						   ctx->cfg->prune_invalid);

		json_decref(report);
	}
	/* A soak schedule starts its next run now, not in a second. */
	dtd_service_kick(s);
}

json_t *dtd_service_prune(dtd_service *s, long keep, uint64_t max_bytes,
			  bool invalid_too)
{
	json_t *report;

	pthread_mutex_lock(&s->prune_lock);
	report = dtd_retention_prune(s->ctx, keep, max_bytes, invalid_too);
	pthread_mutex_unlock(&s->prune_lock);
	return report;
}

dtd_service *dtd_service_start(dtd_ctx *ctx, char *err)
{
	dtd_service *s = calloc(1, sizeof(*s));
	int e;

	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	s->ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->prune_lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (dtd_schedule_startup(ctx, now_s()) != 0) {
		dt_fail(err, "the schedules cannot be read from the index (stop dtd, "
			"run `dtd rebuild-index`)");
		dtd_service_stop(s);
		return NULL;
	}
	dtd_runner_on_end(ctx->runner, run_ended, s);
	e = pthread_create(&s->thread, NULL, service_main, s);
	if (e != 0) {
		dt_fail(err, "thread: %s", strerror(e));
		dtd_service_stop(s);
		return NULL;
	}
	s->started = true;
	return s;
}

void dtd_service_stop(dtd_service *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->started)
		pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->prune_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
