/* SPDX-License-Identifier: MIT */
/*
 * dtd.h: what the parts of dtd share.  dtd is the long-running service:
 * an HTTP API and dashboard (http.c, api.c), a queue of runs executed
 * through the same core API as dt-run (runner.c) and an SQLite index of
 * runs (db.c).  Histories and results stay in each run's store folder.
 */
#ifndef DT_DTD_H
#define DT_DTD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include <dt/plugin.h>

/* Settings from the config file and the command line (config.c). */
typedef struct dtd_config {
	char *listen;        /* "127.0.0.1:8080" */
	char *state_dir;     /* database, token */
	char *store;         /* store root (its real path); STATE/store by default */
	char *token;         /* bearer token; generated when NULL */
	char *dashboard;     /* static files folder */
	char *suite_path, *chart_path, *plugin_path; /* colon lists or NULL */
	char **allowed_hosts; /* Host names besides loopback's; NULL-ended or NULL */
	bool auth_reads;     /* every API call needs the token */
	long parallel;       /* runs at once; 1 by default */
	long max_body;       /* bytes of a request body */
	double max_time_limit; /* seconds a run may ask for */
	double request_timeout; /* seconds to deliver a whole request */
	long max_concurrency; /* workers a run may ask for */
	long max_queued;     /* runs waiting at most */
	long max_run_ops;    /* operations a run may complete */
	uint64_t max_run_disk; /* bytes a run's folder may take */
	long max_streams;    /* event streams at once, and from one address */
	long max_streams_per_address;
	double stream_lifetime; /* seconds an event stream lasts (the
				   browser reconnects with Last-Event-ID) */
	long keep_runs;      /* finished runs kept per suite; 0: all */
	uint64_t max_store;  /* bytes of run folders at most; 0: no limit */
	bool prune_invalid;  /* retention may remove invalid runs too */
	char *webhook_url;   /* called on an invalid run, a failed schedule */
	char **webhook_hosts; /* the hosts webhook_url may name; NULL-ended */
	long webhook_retries; /* attempts of a delivery */
	char *const *args;   /* dtd import's archives (argv's) */
	int nargs;
	/* Every plugin, loaded once at start and sealed: runs, checks and
	 * the API share it, reading only (no lock needed).  Owned. */
	struct dt_registry *registry;
} dtd_config;

#define DTD_REQUEST_TIMEOUT 10.0 /* request_timeout's default */

typedef enum { DTD_SERVE, DTD_REBUILD_INDEX, DTD_IMPORT } dtd_command;

/* Every setting at its default. */
void dtd_config_defaults(dtd_config *c);
void dtd_config_free(dtd_config *c);
/* The config file (--config), then the flags; the command asked for.
 * 0, or a DT_EXIT_* status with err. */
int dtd_config_parse(int argc, char **argv, dtd_config *c, dtd_command *cmd,
		     char *err);
/* Fill what was not given; check (make) the state folder and the store,
 * which must be the user's own (owned.h); read or make the token when
 * need_token.  0, or -1 with err saying what to fix. */
int dtd_config_complete(dtd_config *c, bool need_token, char *err);
/* flock DIR/NAME for the life of the process: an fd, or -1 with err
 * ("another dtd uses the WHAT DIR"). */
int dtd_lock(const char *dir, const char *name, const char *what, char *err);

typedef struct dtd_db dtd_db;

/* ---- rebuild.c: the index made anew from the store ------------------------- */

/* dtd rebuild-index: keep a dtd.db aside (dtd.db.bad-TIME), make a new
 * one holding every run folder of the store.  A DT_EXIT_* status. */
int dtd_rebuild_index(const dtd_config *cfg, char *err);
/* One run folder of the store (STORE/SUITE/NAME) into the index as
 * rebuild-index adds it; its new id, or -1. */
int64_t dtd_index_folder(dtd_db *db, const char *suite, const char *dir);

/* ---- archive.c: a run folder as a tar.gz, and back ------------------------- */

/* An unlinked temporary file (in tmpdir) holding DIR as NAME/... in a
 * tar.gz: an fd at its start with its size, or -1 with err. */
int dtd_archive_make(const char *dir, const char *name, const char *tmpdir,
		     off_t *size, char *err);
/* dtd import ARCHIVE...: each run into the store and the index (dtd
 * stopped: the state folder is locked).  A DT_EXIT_* status. */
int dtd_import(const dtd_config *cfg, char *const *archives, int n, char *err);

/* ---- files.c: safe access to run folders and the dashboard -------------- */

/* The real path of a run folder the index names, into out: 0 when it
 * is a folder of dtd's user under the store; -1 with errno ENOENT when
 * it is gone, EPERM when it lies elsewhere (never served or deleted). */
int dtd_run_dir(const char *store, const char *dir, char *out, size_t size);
/* Open REL ("a/b.js", no "." or ".." parts) under the folder BASE, one
 * part at a time without following links or blocking; only a regular
 * file (and folders on the way) of dtd's user, or of root when root_ok.
 * An fd with its stat, or -1 with errno. */
int dtd_open_under(const char *base, const char *rel, bool root_ok,
		   struct stat *st);

/* ---- db.c: the run index ------------------------------------------------ */

/* Open (create) STATE/dtd.db in WAL mode and check it (PRAGMA
 * quick_check); NULL with err, saying how to rebuild a damaged one. */
dtd_db *dtd_db_open(const char *path, char *err);
void dtd_db_close(dtd_db *db);

/* Runs left `running` by a dtd that died become `aborted`; returns how
 * many, -1 when the database fails. */
int dtd_db_abort_running(dtd_db *db);

/* Insert a queued run; returns its id (> 0) or -1. */
int64_t dtd_db_insert(dtd_db *db, const char *suite, const json_t *params);
/* A row as rebuild-index finds it in the store (the verdict then with
 * dtd_db_set_verdict): id 0 takes the next one.  The id, or -1. */
int64_t dtd_db_insert_row(dtd_db *db, int64_t id, const char *suite,
			  const json_t *params, const char *status,
			  double created, double started, double finished,
			  const char *dir, const char *error);
/* The oldest queued run, marked running with its store folder: a
 * folder that does not exist yet (STORE/SUITE/run-ID, else run-ID-2...).
 * 0 when there is none, -1 when the database fails. */
int64_t dtd_db_claim(dtd_db *db, const char *store_root, char *suite,
		     size_t suite_size, json_t **params, char *dir, size_t dir_size);
/* Final state: status, verdict (NULL), counts, checker seconds, error. */
int dtd_db_finish(dtd_db *db, int64_t id, const char *status,
		  const char *verdict, const json_t *counts,
		  double checker_seconds, const char *error);
/* A new verdict for a finished run checked again (status and times
 * stay). */
int dtd_db_set_verdict(dtd_db *db, int64_t id, const char *verdict,
		       const json_t *counts, double checker_seconds);
/* queued -> cancelled (1), or 0 when the run is not queued. */
int dtd_db_cancel_queued(dtd_db *db, int64_t id);
/* A run as a JSON object (new reference) in *run: 1; 0 when there is
 * none; -1 when the database fails. */
int dtd_db_get(dtd_db *db, int64_t id, json_t **run);
/* Runs, newest first, filtered; sets *total.  NULL when the database
 * fails (never an empty list for a failure). */
json_t *dtd_db_list(dtd_db *db, const char *suite, const char *status,
		    const char *verdict, int64_t schedule, int64_t campaign,
		    long limit, long offset, long *total);
/* A queued run that came from a schedule or a campaign (0: none), with
 * its campaign cell (NULL: none). */
int64_t dtd_db_insert_from(dtd_db *db, const char *suite, const json_t *params,
			   int64_t schedule, int64_t campaign, const json_t *cell);
/* One statement with bound arguments: types is a string of 't' (text,
 * NULL for NULL), 'r' (double), 'i' (int64_t), one a '?'.  Returns the
 * rows changed (the last insert's id in *rowid when not NULL), or -1. */
int dtd_db_exec(dtd_db *db, int64_t *rowid, const char *sql, const char *types, ...);
/* A query's rows as [{column: value}] (new reference); NULL when the
 * database fails (logged). */
json_t *dtd_db_rows(dtd_db *db, const char *sql, const char *types, ...);
/* The ids of the runs with a status, oldest first (new reference), or
 * NULL when the database fails. */
json_t *dtd_db_ids(dtd_db *db, const char *status);
/* How many runs have a status; -1 when the database fails. */
long dtd_db_count(dtd_db *db, const char *status);
int dtd_db_delete(dtd_db *db, int64_t id);
/* status -> count, and the sum of checker seconds; NULL on failure. */
json_t *dtd_db_stats(dtd_db *db, double *checker_seconds);

/* ---- runner.c: the queue and the running runs ----------------------------- */

typedef struct dtd_runner dtd_runner;

/* Called by a worker when a run has ended and its row says how (its
 * status, verdict and figures written): schedules, campaigns, webhooks
 * and retention follow from here (service.c). */
typedef void (*dtd_run_end_fn)(void *arg, int64_t id);
void dtd_runner_on_end(dtd_runner *r, dtd_run_end_fn fn, void *arg);

dtd_runner *dtd_runner_start(const dtd_config *cfg, dtd_db *db, char *err);
/* Take no new run and cancel the running ones. */
void dtd_runner_shutdown(dtd_runner *r);
/* Shut down, wait for the runs to end (their last events are sent),
 * then end every SSE stream.  Readers may still call in until stop. */
void dtd_runner_join(dtd_runner *r);
bool dtd_runner_closed(dtd_runner *r);
/* Join if not yet done, free. */
void dtd_runner_stop(dtd_runner *r);
/* Wake a worker: a run was queued. */
void dtd_runner_kick(dtd_runner *r);
/* Cancel a queued or running run: 0, or -1 when it is not either. */
int dtd_runner_cancel(dtd_runner *r, int64_t id);
/* Live figures of a running run (new object), or NULL. */
json_t *dtd_runner_live(dtd_runner *r, int64_t id);
/* Sum of the completion rates of the running runs. */
double dtd_runner_rate(dtd_runner *r);

/*
 * Events of a run for the SSE stream.  dtd_runner_events waits up to
 * `wait_ms` for events after *seq and returns them as an array (new
 * reference) of {"seq","event","data"}; *done is set once the run has
 * ended and every event was returned.  NULL when the run is not active.
 */
json_t *dtd_runner_events(dtd_runner *r, int64_t id, uint64_t *seq,
			  int wait_ms, bool *done);

/* ---- api.c: the JSON API ----------------------------------------------------- */

typedef struct dtd_service dtd_service;

typedef struct dtd_ctx {
	const dtd_config *cfg;
	dtd_db *db;
	dtd_runner *runner;
	json_t *plugins;       /* loaded at start */
	dtd_service *service;  /* schedules, webhooks, retention */
} dtd_ctx;

typedef struct dtd_reply {
	unsigned status;
	char *body;            /* malloc'd */
	size_t len;
	const char *type;      /* content type */
	int64_t sse_run;       /* > 0: stream this run's events instead */
	bool sandbox;          /* a run's own file: no access to the
				  dashboard's origin (token) */
	unsigned retry_after;  /* seconds, for a 429 or 503; 0: none */
	bool close;            /* close the connection after it */
	bool file;             /* stream fd (len bytes) instead of body */
	int fd;                /* open file when `file`; the reply owns it */
	char attachment[300];  /* a file's download name, or "" */
} dtd_reply;

/* A request as the route table's handlers see it (api.c). */
typedef struct dtd_request {
	const char *method, *url;
	const char *(*query)(void *qarg, const char *name);
	void *qarg;
	const char *auth;
	const char *body;
	size_t body_len;
	int64_t id;            /* what {id} matched, or 0 */
	const char *rest;      /* what * matched, or NULL */
	json_t *run;           /* R_RUN routes: the run's row (borrowed) */
} dtd_request;

typedef void dtd_handler(dtd_ctx *ctx, const dtd_request *rq, dtd_reply *out);

/* api_schedule.c */
dtd_handler dtd_h_schedules, dtd_h_post_schedule, dtd_h_get_schedule,
	dtd_h_edit_schedule, dtd_h_delete_schedule, dtd_h_pause_schedule,
	dtd_h_resume_schedule;
/* api_campaign.c */
dtd_handler dtd_h_campaigns, dtd_h_post_campaign, dtd_h_get_campaign,
	dtd_h_cancel_campaign;
/* api_store.c: trends, compare, retention, deliveries, archives */
dtd_handler dtd_h_trend, dtd_h_compare, dtd_h_prune, dtd_h_retention,
	dtd_h_deliveries, dtd_h_archive;

/* A JSON body as an object (new reference), or NULL after a 400. */
json_t *dtd_body_object(const dtd_request *rq, dtd_reply *out);
/* Check a run's fields as POST /api/runs does (suite, time_limit,
 * concurrency, rate, nemesis, seed), keeping them in params; -1 after
 * a 400 reply naming the field. */
int dtd_check_run_request(const dtd_config *cfg, json_t *req, json_t *params,
			  dtd_reply *out);

/* Handle one API request.  query(name) reads a query parameter. */
void dtd_api_handle(dtd_ctx *ctx, const char *method, const char *url,
		    const char *(*query)(void *qarg, const char *name), void *qarg,
		    const char *auth, const char *body, size_t body_len,
		    bool body_too_big, dtd_reply *out);

/* A query parameter as a number in [min, max] (def when absent); false
 * after a 400 reply naming it. */
bool dtd_query_num(const char *(*query)(void *qarg, const char *name), void *qarg,
		   const char *name, double def, double min, double max,
		   double *out, dtd_reply *reply);

/* api_run.c: the calls on one run (run: its row, borrowed). */
void dtd_api_delete(dtd_ctx *ctx, int64_t id, json_t *run, dtd_reply *out);
void dtd_api_check(dtd_ctx *ctx, json_t *run, dtd_reply *out);
/* GET history, metrics, results, files/NAME. */
void dtd_api_read(dtd_ctx *ctx, json_t *run, const char *sub,
		  const char *(*query)(void *qarg, const char *name), void *qarg,
		  dtd_reply *out);
/* POST /api/runs/cancel: {"ids": [...]} or {"status": "queued"}. */
void dtd_api_cancel_many(dtd_ctx *ctx, const char *body, size_t len,
			 dtd_reply *out);

/* Fill a reply with {"error": msg, "field": field}. */
void dtd_reply_error(dtd_reply *out, unsigned status, const char *field,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void dtd_reply_json(dtd_reply *out, unsigned status, json_t *j /* stolen */);

/* The plugins of cfg->registry, as a JSON list with their declared
 * options (new reference). */
json_t *dtd_api_plugins(const dtd_config *cfg);

/* ---- schedule.c, service.c, notify.c, retention.c, campaign ------------- */

/* "HH:MM" as minutes of the day, or -1. */
int dtd_schedule_at(const char *at);
/* The next time due after `after`: kind "every" (anchor + k * every),
 * "at" (the next local HH:MM), "soak" (after itself). */
double dtd_schedule_slot(const char *kind, double every, const char *at,
			 double anchor, double after);
/* Check a schedule request into sched (name, suite, parameters, kind,
 * every, at, jitter, missed, paused, start); -1 after a 400. */
int dtd_schedule_check(const dtd_config *cfg, const json_t *req, json_t *sched,
		       dtd_reply *out);
/* A schedule's next slot after now, and that plus a jitter. */
void dtd_schedule_times(const json_t *sched, double now, double *slot,
			double *next);
/* A schedules row back as a request (for PATCH), and as the API shows
 * it (new references). */
json_t *dtd_schedule_request(const json_t *row);
json_t *dtd_schedule_json(dtd_db *db, const json_t *row);
/* Queue the runs of the schedules due (the service thread, each second). */
void dtd_schedule_tick(dtd_ctx *ctx, double now);
/* At start: times missed while dtd was down run once or are skipped,
 * as each schedule says.  -1 when the index cannot be read. */
int dtd_schedule_startup(dtd_ctx *ctx, double now);

/* The service thread and the end-of-run hook (after dtd_runner_start). */
dtd_service *dtd_service_start(dtd_ctx *ctx, char *err);
void dtd_service_stop(dtd_service *s);
void dtd_service_kick(dtd_service *s);
/* Retention now, one pruning at a time: {"pruned": [ids], "freed",
 * "store_bytes"} (new reference). */
json_t *dtd_service_prune(dtd_service *s, long keep, uint64_t max_bytes,
			  bool invalid_too);
json_t *dtd_retention_prune(dtd_ctx *ctx, long keep, uint64_t max_bytes,
			    bool invalid_too);
/* Remove a folder (a real path under the store) and what it holds. */
void dtd_remove_tree(const char *dir);

/* A webhook call for event with data's fields (stolen), recorded to
 * be delivered; nothing without webhook-url. */
void dtd_notify(dtd_ctx *ctx, const char *event, json_t *data);
/* Deliver the pending calls that are due (the service thread). */
void dtd_notify_deliver(dtd_ctx *ctx, double now);

/* ---- figures.c: what a trend shows of a run ------------------------------ */

/* Bytes a folder takes on disk (blocks: sparse files count as little). */
uint64_t dtd_disk_use(const char *dir);
/* Throughput, latency percentiles, nemesis set, version and bytes of a
 * run into its row, from results (NULL: DIR/results.json) and DIR. */
void dtd_record_figures(dtd_db *db, int64_t id, const char *dir,
			const json_t *results);

/* ---- host.c -------------------------------------------------------------- */

/* Whether dtd answers a request with this Host header (NULL: none):
 * localhost, *.localhost, an IP address literal, or a name of allowed
 * (NULL-ended, may be NULL); an optional :port after it. */
bool dtd_host_allowed(const char *host, const char *const *allowed);

/* ---- http.c: the HTTP server ---------------------------------------------------- */

typedef struct dtd_http dtd_http;

/* Listen on ADDRESS:PORT (port 0: any free one); NULL with err. */
dtd_http *dtd_http_start(dtd_ctx *ctx, const char *listen, char *err);
unsigned dtd_http_port(const dtd_http *h);
/* Close the socket and wait for every connection thread. */
void dtd_http_stop(dtd_http *h);

/* ---- data.c: reading a run's store folder ------------------------------------ */

/* At most a few requests read run files at once (their memory is their
 * reply): wait up to wait_s for a turn; false when none came. */
bool dtd_heavy_enter(double wait_s);
void dtd_heavy_leave(void);
/* Lines [from, from+limit) of history.jsonl as {"ops","from","total"}. */
json_t *dtd_data_history(const char *dir, long from, long limit, char *err);
/* metrics.jsonl when there is one, else driver figures per second
 * derived from the history; plus nemesis intervals. */
json_t *dtd_data_metrics(const char *dir, const char *series, double from,
			 double to, char *err);

#endif
