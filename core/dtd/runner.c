/* SPDX-License-Identifier: MIT */
/*
 * runner.c: dtd's queue of runs.  Worker threads (one by default, more
 * when `parallel` says) take the oldest queued run from the database and
 * execute it with dt_run_execute(), the same core dt-run uses.  The run's
 * observer events are kept per run so that SSE readers can follow them,
 * and the last progress figures answer GET /api/runs/ID while it runs.
 *
 * Quotas: a run that completes more than max-run-ops operations or whose
 * folder takes more than max-run-disk bytes is cancelled (its history
 * checked as far as it goes, the reason in its error): one request must
 * not fill the disk, nor give the checkers a history they cannot hold.
 *
 * One mutex (r->lock) guards the job list, every job, and the claim of a
 * queued run, so that a cancel never falls between claim and start.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtd.h"
#include "run.h"

#define MAX_EVENTS 20000  /* per run, oldest dropped first */
#define KEEP_ENDED 32     /* ended jobs kept for late SSE readers */
#define DISK_EVERY 5      /* progress events between two sizes of the folder */

typedef struct job {
	int64_t id;
	dt_run *run;          /* while it exists */
	bool cancel;          /* asked for */
	bool ended;
	json_t *events;       /* [{"seq","event","data"}] */
	uint64_t base_seq;    /* seq of events[0] */
	json_t *live;         /* last progress, with the phase */
	const char *dir;      /* its store folder (the worker's buffer) */
	unsigned progress;    /* progress events seen */
	char over[256];       /* why a quota stopped it, or "" */
	struct job *next;
} job;

struct dtd_runner {
	const dtd_config *cfg;
	dtd_db *db;
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* a run was queued, or stop */
	pthread_cond_t event; /* a job got an event or ended */
	bool stopping;        /* no new runs; running ones cancelled */
	bool closed;          /* workers joined: SSE readers end */
	job *jobs;            /* newest first */
	pthread_t *threads;
	long nthreads;
	dtd_run_end_fn on_end; /* set before the first run */
	void *on_end_arg;
};

static void job_free(job *j)
{
	json_decref(j->events);
	json_decref(j->live);
	free(j);
}

/* Append an event to a job; caller holds the lock. */
static void push_event(dtd_runner *r, job *j, const char *name, json_t *data)
{
	uint64_t seq = j->base_seq + json_array_size(j->events);

	json_array_append_new(j->events, json_pack("{sIsssO}", "seq", (json_int_t)seq,
						   "event", name, "data", data));
	json_decref(data);
	if (json_array_size(j->events) > MAX_EVENTS) {
		json_array_remove(j->events, 0);
		j->base_seq++;
	}
	pthread_cond_broadcast(&r->event);
}

typedef struct observer_arg {
	dtd_runner *r;
	job *j;
} observer_arg;

/* A run past a quota is cancelled, once, saying why; called on its
 * progress events (its own thread). */
static void check_quota(dtd_runner *r, job *j, const dt_run_event *ev)
{
	uint64_t ops = ev->ok + ev->fail + ev->info, disk = 0;
	char why[sizeof(j->over)] = "";

	if (j->over[0] != '\0')
		return;
	if ((long)ops > r->cfg->max_run_ops)
		snprintf(why, sizeof(why), "stopped: %llu operations, over max-run-ops "
			 "(%ld)", (unsigned long long)ops, r->cfg->max_run_ops);
	else if (++j->progress % DISK_EVERY == 0 && j->dir != NULL &&
		 (disk = dtd_disk_use(j->dir)) > r->cfg->max_run_disk)
		snprintf(why, sizeof(why), "stopped: its folder takes %llu bytes, "
			 "over max-run-disk (%llu)", (unsigned long long)disk,
			 (unsigned long long)r->cfg->max_run_disk);
	if (why[0] == '\0')
		return;
	dt_log(DT_LOG_WARN, "dtd: run %lld %s", (long long)j->id, why);
	pthread_mutex_lock(&r->lock);
	snprintf(j->over, sizeof(j->over), "%s", why);
	j->cancel = true;
	if (j->run != NULL)
		dt_run_cancel(j->run);
	pthread_mutex_unlock(&r->lock);
}

static void observe(const dt_run_event *ev, void *arg)
{
	observer_arg *oa = arg;
	dtd_runner *r = oa->r;
	job *j = oa->j;
	json_t *d;
	const char *name;

	switch (ev->kind) {
	case DT_RUN_PROGRESS:
		check_quota(r, j, ev);
		name = "progress";
		d = json_pack("{sfsfsIsIsIsfss}", "elapsed", ev->elapsed,
			      "limit", ev->limit, "ok", (json_int_t)ev->ok,
			      "fail", (json_int_t)ev->fail, "info", (json_int_t)ev->info,
			      "rate", ev->rate, "active", ev->active ? ev->active : "");
		break;
	case DT_RUN_NEMESIS:
		name = "nemesis";
		d = json_pack("{ssssso*}", "nemesis", ev->active ? ev->active : "",
			      "action", ev->phase ? ev->phase : "",
			      "detail", json_deep_copy(ev->detail));
		break;
	case DT_RUN_PHASE:
		name = "phase";
		d = json_pack("{ss}", "phase", ev->phase ? ev->phase : "");
		break;
	case DT_RUN_VERDICT:
		name = "verdict";
		d = json_deep_copy(ev->detail);
		if (d == NULL)
			d = json_object();
		break;
	default:
		return;
	}
	if (d == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	if (ev->kind == DT_RUN_PROGRESS) {
		json_object_update(j->live, d);
	} else if (ev->kind == DT_RUN_PHASE) {
		json_object_set(j->live, "phase", json_object_get(d, "phase"));
	}
	push_event(r, j, name, d);
	pthread_mutex_unlock(&r->lock);
}

/* The run's options from the parameters stored with it. */
static void make_opts(const dtd_config *cfg, const char *suite,
		      const json_t *params, const char *dir, char *nemesis,
		      size_t nsize, dt_run_opts *o)
{
	const json_t *v;

	memset(o, 0, sizeof(*o));
	o->suite = suite;
	o->suite_path = cfg->suite_path;
	o->chart_path = cfg->chart_path;
	o->plugin_path = cfg->plugin_path;
	o->registry = cfg->registry;
	o->store = cfg->store;
	o->run_dir = dir;
	o->time_limit = -1;
	o->concurrency = -1;
	o->rate = -1;
	if ((v = json_object_get(params, "time_limit")) != NULL)
		o->time_limit = json_number_value(v);
	if ((v = json_object_get(params, "concurrency")) != NULL)
		o->concurrency = (long long)json_integer_value(v);
	if ((v = json_object_get(params, "rate")) != NULL)
		o->rate = json_number_value(v);
	if ((v = json_object_get(params, "seed")) != NULL) {
		o->has_seed = true;
		o->seed = (uint64_t)json_integer_value(v);
	}
	if (json_is_array(v = json_object_get(params, "nemesis"))) {
		size_t i, len = 0;
		json_t *n;

		nemesis[0] = '\0';
		json_array_foreach(v, i, n) {
			len += (size_t)snprintf(nemesis + len, len < nsize ? nsize - len : 0,
						"%s%s", i ? "," : "", json_string_value(n));
		}
		o->nemesis = nemesis;
	}
}

static double checker_seconds(const json_t *results)
{
	const char *k;
	json_t *c;
	double sum = 0;

	json_object_foreach(json_object_get(results, "checkers"), k, c)
		sum += json_number_value(json_object_get(c, "seconds"));
	return sum;
}

/* Execute one claimed run and record its end. */
static void execute(dtd_runner *r, job *j, const char *suite,
		    const json_t *params, const char *dir)
{
	char err[DT_ERRBUF_SIZE] = "";
	char nemesis[1024];
	dt_run_opts opts;
	dt_run *run;
	observer_arg oa = { r, j };
	const char *status = "failed", *verdict = NULL;
	const json_t *results = NULL;
	int rc = DT_EXIT_CONFIG;
	bool cancelled;
	dtd_run_end_fn on_end;
	void *on_end_arg;

	make_opts(r->cfg, suite, params, dir, nemesis, sizeof(nemesis), &opts);
	run = dt_run_new(&opts, err);
	pthread_mutex_lock(&r->lock);
	j->run = run;
	if (run != NULL && j->cancel)
		dt_run_cancel(run);
	pthread_mutex_unlock(&r->lock);
	if (run != NULL) {
		dt_run_set_observer(run, observe, &oa);
		dt_log(DT_LOG_INFO, "dtd: run %lld (%s) started in %s",
		       (long long)j->id, suite, dir);
		rc = dt_run_execute(run, err);
		results = dt_run_results(run);
	}
	pthread_mutex_lock(&r->lock);
	cancelled = j->cancel;
	pthread_mutex_unlock(&r->lock);
	if (rc <= DT_EXIT_UNKNOWN && results != NULL) {
		status = cancelled ? "cancelled" : "done";
		verdict = rc == DT_EXIT_VALID ? "valid" :
			  rc == DT_EXIT_INVALID ? "invalid" : "unknown";
		err[0] = '\0';
	} else if (cancelled) {
		status = "cancelled";
	}
	pthread_mutex_lock(&r->lock);
	if (j->over[0] != '\0')
		snprintf(err, sizeof(err), "%s", j->over);
	pthread_mutex_unlock(&r->lock);
	if (dtd_db_finish(r->db, j->id, status, verdict,
			  json_object_get(results, "counts"),
			  results ? checker_seconds(results) : 0,
			  err[0] ? err : NULL) != 0)
		dt_log(DT_LOG_ERROR, "dtd: run %lld: the index could not record its "
		       "end (%s)", (long long)j->id, status);
	if (run != NULL)
		dtd_record_figures(r->db, j->id, dir, results);
	dt_log(rc >= DT_EXIT_USAGE ? DT_LOG_WARN : DT_LOG_INFO,
	       "dtd: run %lld (%s) %s%s%s%s", (long long)j->id, suite, status,
	       verdict ? ": " : "", verdict ? verdict : "", err[0] ? err : "");

	pthread_mutex_lock(&r->lock);
	j->run = NULL;
	j->dir = NULL; /* the worker's buffer, reused for its next run */
	json_object_set_new(j->live, "phase", json_string("done"));
	{
		json_t *row = NULL;

		dtd_db_get(r->db, j->id, &row);
		push_event(r, j, "status", row ? row : json_object());
	}
	j->ended = true;
	pthread_cond_broadcast(&r->event);
	pthread_mutex_unlock(&r->lock);
	dt_run_free(run);
	pthread_mutex_lock(&r->lock);
	on_end = r->on_end;
	on_end_arg = r->on_end_arg;
	pthread_mutex_unlock(&r->lock);
	if (on_end != NULL)
		on_end(on_end_arg, j->id);
}

/* Forget the oldest ended jobs beyond KEEP_ENDED; caller holds the lock. */
static void prune(dtd_runner *r)
{
	int kept = 0;

	for (job **p = &r->jobs; *p != NULL;) {
		job *j = *p;

		if (j->ended && ++kept > KEEP_ENDED) {
			*p = j->next;
			job_free(j);
			continue;
		}
		p = &j->next;
	}
}

static void *worker_main(void *arg)
{
	dtd_runner *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		char suite[256], dir[PATH_MAX];
		json_t *params = NULL;
		int64_t id = dtd_db_claim(r->db, r->cfg->store, suite, sizeof(suite),
					  &params, dir, sizeof(dir));
		job *j;

		if (id < 0)
			dt_log(DT_LOG_ERROR, "dtd: the index cannot be read: no run "
			       "is started (dtd.db damaged? stop dtd, run `dtd "
			       "rebuild-index`)");
		if (id <= 0) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 2;
			pthread_cond_timedwait(&r->wake, &r->lock, &until);
			continue;
		}
		j = calloc(1, sizeof(*j));
		if (j == NULL) {
			json_decref(params);
			dtd_db_finish(r->db, id, "failed", NULL, NULL, 0, "out of memory");
			continue;
		}
		j->id = id;
		j->dir = dir;
		j->events = json_array();
		j->live = json_pack("{ss}", "phase", "starting");
		j->next = r->jobs;
		r->jobs = j;
		prune(r);
		pthread_mutex_unlock(&r->lock);
		execute(r, j, suite, params, dir);
		json_decref(params);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

dtd_runner *dtd_runner_start(const dtd_config *cfg, dtd_db *db, char *err)
{
	dtd_runner *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	r->cfg = cfg;
	r->db = db;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_cond_init(&r->event, NULL);
	r->threads = calloc((size_t)cfg->parallel, sizeof(pthread_t));
	if (r->threads == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	for (; r->nthreads < cfg->parallel; r->nthreads++) {
		int e = pthread_create(&r->threads[r->nthreads], NULL, worker_main, r);

		if (e != 0) {
			dt_fail(err, "thread: %s", strerror(e));
			goto fail;
		}
	}
	return r;
fail:
	dtd_runner_stop(r);
	return NULL;
}

void dtd_runner_shutdown(dtd_runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	for (job *j = r->jobs; j != NULL; j = j->next) {
		if (!j->ended) {
			j->cancel = true;
			if (j->run != NULL)
				dt_run_cancel(j->run);
		}
	}
	pthread_cond_broadcast(&r->wake);
	pthread_cond_broadcast(&r->event);
	pthread_mutex_unlock(&r->lock);
}

void dtd_runner_join(dtd_runner *r)
{
	dtd_runner_shutdown(r);
	for (long i = 0; i < r->nthreads; i++)
		pthread_join(r->threads[i], NULL);
	r->nthreads = 0;
	pthread_mutex_lock(&r->lock);
	r->closed = true;
	pthread_cond_broadcast(&r->event);
	pthread_mutex_unlock(&r->lock);
}

bool dtd_runner_closed(dtd_runner *r)
{
	bool c;

	pthread_mutex_lock(&r->lock);
	c = r->closed;
	pthread_mutex_unlock(&r->lock);
	return c;
}

void dtd_runner_stop(dtd_runner *r)
{
	if (r == NULL)
		return;
	dtd_runner_join(r);
	while (r->jobs != NULL) {
		job *j = r->jobs;

		r->jobs = j->next;
		job_free(j);
	}
	free(r->threads);
	pthread_cond_destroy(&r->event);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void dtd_runner_on_end(dtd_runner *r, dtd_run_end_fn fn, void *arg)
{
	pthread_mutex_lock(&r->lock);
	r->on_end = fn;
	r->on_end_arg = arg;
	pthread_mutex_unlock(&r->lock);
}

void dtd_runner_kick(dtd_runner *r)
{
	pthread_mutex_lock(&r->lock);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

static job *find(dtd_runner *r, int64_t id)
{
	for (job *j = r->jobs; j != NULL; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

int dtd_runner_cancel(dtd_runner *r, int64_t id)
{
	job *j;
	int rc = -1;

	pthread_mutex_lock(&r->lock);
	j = find(r, id);
	if (j != NULL && !j->ended) {
		j->cancel = true;
		if (j->run != NULL)
			dt_run_cancel(j->run);
		push_event(r, j, "phase", json_pack("{ss}", "phase", "cancelling"));
		rc = 0;
	} else if (j == NULL && dtd_db_cancel_queued(r->db, id) == 1) {
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

json_t *dtd_runner_live(dtd_runner *r, int64_t id)
{
	job *j;
	json_t *o = NULL;

	pthread_mutex_lock(&r->lock);
	j = find(r, id);
	if (j != NULL && !j->ended) {
		o = json_deep_copy(j->live);
		json_object_set_new(o, "cancelling", json_boolean(j->cancel));
	}
	pthread_mutex_unlock(&r->lock);
	return o;
}

double dtd_runner_rate(dtd_runner *r)
{
	double sum = 0;

	pthread_mutex_lock(&r->lock);
	for (job *j = r->jobs; j != NULL; j = j->next)
		if (!j->ended)
			sum += json_number_value(json_object_get(j->live, "rate"));
	pthread_mutex_unlock(&r->lock);
	return sum;
}

json_t *dtd_runner_events(dtd_runner *r, int64_t id, uint64_t *seq,
			  int wait_ms, bool *done)
{
	json_t *out = NULL;
	job *j;
	struct timespec until;

	*done = false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	for (;;) {
		j = find(r, id);
		if (j == NULL)
			goto out;
		if (*seq < j->base_seq)
			*seq = j->base_seq;
		if (*seq < j->base_seq + json_array_size(j->events) || j->ended ||
		    r->closed)
			break;
		if (pthread_cond_timedwait(&r->event, &r->lock, &until) == ETIMEDOUT)
			break;
	}
	out = json_array();
	for (size_t i = (size_t)(*seq - j->base_seq); i < json_array_size(j->events); i++)
		json_array_append(out, json_array_get(j->events, i));
	*seq = j->base_seq + json_array_size(j->events);
	*done = j->ended || r->closed;
out:
	pthread_mutex_unlock(&r->lock);
	return out;
}
