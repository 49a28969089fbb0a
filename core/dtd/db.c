/* SPDX-License-Identifier: MIT */
/*
 * db.c: dtd's index of runs in SQLite (WAL mode).  One row a run: its
 * suite, the parameters asked for, status, verdict, counts, times and
 * store folder.  The histories themselves stay in the store folders.
 *
 * One connection, guarded by a mutex: calls come from the HTTP threads
 * and the run workers.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dtd.h"

struct dtd_db {
	sqlite3 *h;
	pthread_mutex_t lock;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" suite TEXT NOT NULL,"
	" params TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" verdict TEXT,"
	" ops_ok INTEGER, ops_fail INTEGER, ops_info INTEGER,"
	" checker_seconds REAL,"
	" created REAL NOT NULL, started REAL, finished REAL,"
	" dir TEXT, error TEXT);"
	"CREATE INDEX IF NOT EXISTS runs_status ON runs(status);"
	/* Schedules (schedule.c): what to run and when; `slot` is the
	 * next time due, `next` that time plus its jitter. */
	"CREATE TABLE IF NOT EXISTS schedules ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL, suite TEXT NOT NULL, params TEXT NOT NULL,"
	" kind TEXT NOT NULL, every REAL, at TEXT, jitter REAL NOT NULL,"
	" missed TEXT NOT NULL, paused INTEGER NOT NULL DEFAULT 0,"
	" start REAL, slot REAL, next REAL, fired INTEGER NOT NULL DEFAULT 0,"
	" last_run INTEGER, last_error TEXT, created REAL NOT NULL);"
	/* Campaigns (campaign.c): a matrix of runs queued at once. */
	"CREATE TABLE IF NOT EXISTS campaigns ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL, spec TEXT NOT NULL, stop_at_first_invalid INTEGER,"
	" stopped TEXT, created REAL NOT NULL);"
	/* Webhook deliveries (notify.c), the log kept with them. */
	"CREATE TABLE IF NOT EXISTS deliveries ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" url TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,"
	" state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" next REAL, http_status INTEGER, error TEXT, created REAL NOT NULL,"
	" delivered REAL);";

/* Columns added to runs after the first release: an older dtd.db gets
 * them at open (ALTER TABLE), NULL in its old rows. */
static const char *const added_columns[] = {
	"schedule_id INTEGER", "campaign_id INTEGER", "cell TEXT",
	"pruned REAL", "throughput REAL", "p50 REAL", "p95 REAL", "p99 REAL",
	"nemesis TEXT", "version TEXT", "bytes INTEGER",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define REBUILD_HINT " (if the index is damaged: stop dtd, then `dtd " \
	"rebuild-index` with the same --state-dir/--store or --config makes it " \
	"anew from the store, keeping this file aside)"

/* PRAGMA quick_check: 0 when it says "ok", else -1 with its first
 * complaint. */
static int check(dtd_db *db, const char *path, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(db->h, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK) {
		dt_fail(err, "%s is damaged: %s%s", path, sqlite3_errmsg(db->h),
			REBUILD_HINT);
		goto out;
	}
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		dt_fail(err, "%s is damaged: %s%s", path, sqlite3_errmsg(db->h),
			REBUILD_HINT);
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		dt_fail(err, "%s is damaged (quick_check: %s)%s", path,
			(const char *)sqlite3_column_text(st, 0), REBUILD_HINT);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

dtd_db *dtd_db_open(const char *path, char *err)
{
	dtd_db *db = calloc(1, sizeof(*db));
	char *msg = NULL;

	if (db == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&db->lock, NULL);
	if (sqlite3_open(path, &db->h) != SQLITE_OK) {
		dt_fail(err, "%s: %s", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 5000);
	/* A damaged index must not look like an empty one: check it whole
	 * before anything (quick_check reads every page). */
	if (check(db, path, err) != 0)
		goto fail;
	if (sqlite3_exec(db->h, "PRAGMA journal_mode=WAL;", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		dt_fail(err, "%s: %s%s", path, msg ? msg : sqlite3_errmsg(db->h),
			REBUILD_HINT);
		sqlite3_free(msg);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		char sql[128], name[64];
		sqlite3_stmt *st = NULL;
		bool have;

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(added_columns[i], " "),
			 added_columns[i]);
		snprintf(sql, sizeof(sql), "SELECT %s FROM runs LIMIT 0", name);
		have = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK;
		sqlite3_finalize(st);
		if (have)
			continue;
		snprintf(sql, sizeof(sql), "ALTER TABLE runs ADD COLUMN %s", added_columns[i]);
		if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
			dt_fail(err, "%s: %s%s", path, msg ? msg : sqlite3_errmsg(db->h),
				REBUILD_HINT);
			sqlite3_free(msg);
			goto fail;
		}
	}
	return db;
fail:
	dtd_db_close(db);
	return NULL;
}

void dtd_db_close(dtd_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

/* A failed query is logged once here, and the caller says 500. */
static void log_failure(dtd_db *db, const char *what)
{
	dt_log(DT_LOG_ERROR, "dtd: database: %s: %s", what, sqlite3_errmsg(db->h));
}

/* Run one statement with bound text/real/int64 arguments ("t", "r", "i",
 * "n" for NULL); returns sqlite3_changes or -1. */
static void bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i]; i++) {
		switch (types[i]) {
		case 't': {
			const char *s = va_arg(ap, const char *);

			if (s == NULL)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			break;
		}
		case 'r':
			sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		default:
			sqlite3_bind_null(st, i + 1);
		}
	}
}

static int exec_va(dtd_db *db, int64_t *rowid, const char *sql,
		   const char *types, va_list ap)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	bind_args(st, types, ap);
	if (sqlite3_step(st) == SQLITE_DONE) {
		rc = sqlite3_changes(db->h);
		if (rowid != NULL)
			*rowid = sqlite3_last_insert_rowid(db->h);
	}
out:
	if (rc < 0)
		dt_log(DT_LOG_ERROR, "dtd: database: %s", sqlite3_errmsg(db->h));
	sqlite3_finalize(st);
	return rc;
}

static int exec_args(dtd_db *db, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = exec_va(db, NULL, sql, types, ap);
	va_end(ap);
	return rc;
}

int dtd_db_exec(dtd_db *db, int64_t *rowid, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	pthread_mutex_lock(&db->lock);
	rc = exec_va(db, rowid, sql, types, ap);
	pthread_mutex_unlock(&db->lock);
	va_end(ap);
	return rc;
}

static json_t *column_json(sqlite3_stmt *st, int i);

json_t *dtd_db_rows(dtd_db *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	json_t *rows = json_array();
	va_list ap;
	int step = SQLITE_ERROR;

	va_start(ap, types);
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK) {
		bind_args(st, types, ap);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *o = json_object();

			for (int i = 0; i < sqlite3_column_count(st); i++)
				json_object_set_new(o, sqlite3_column_name(st, i),
						    column_json(st, i));
			json_array_append_new(rows, o);
		}
	}
	if (step != SQLITE_DONE) {
		log_failure(db, sql);
		json_decref(rows);
		rows = NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	va_end(ap);
	return rows;
}

int dtd_db_abort_running(dtd_db *db)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = exec_args(db, "UPDATE runs SET status='aborted', finished=?, "
		      "error='dtd stopped during the run' WHERE status='running'",
		      "r", now_s());
	pthread_mutex_unlock(&db->lock);
	return n;
}

int64_t dtd_db_insert(dtd_db *db, const char *suite, const json_t *params)
{
	return dtd_db_insert_from(db, suite, params, 0, 0, NULL);
}

int64_t dtd_db_insert_from(dtd_db *db, const char *suite, const json_t *params,
			   int64_t schedule, int64_t campaign, const json_t *cell)
{
	char *p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	char *c = cell ? json_dumps(cell, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int64_t id = -1;

	if (p == NULL)
		return -1;
	pthread_mutex_lock(&db->lock);
	if (exec_args(db, "INSERT INTO runs(suite, params, status, created, "
		      "schedule_id, campaign_id, cell) VALUES(?, ?, 'queued', ?, "
		      "nullif(?, 0), nullif(?, 0), ?)", "ttriit", suite, p, now_s(),
		      schedule, campaign, c) == 1)
		id = sqlite3_last_insert_rowid(db->h);
	pthread_mutex_unlock(&db->lock);
	free(c);
	free(p);
	return id;
}

/* Bind a real, or NULL for 0 (a time not known). */
static void bind_time(sqlite3_stmt *st, int i, double t)
{
	if (t > 0)
		sqlite3_bind_double(st, i, t);
	else
		sqlite3_bind_null(st, i);
}

int64_t dtd_db_insert_row(dtd_db *db, int64_t id, const char *suite,
			  const json_t *params, const char *status,
			  double created, double started, double finished,
			  const char *dir, const char *error)
{
	char *p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = NULL;
	int64_t got = -1;

	if (p == NULL)
		return -1;
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "INSERT INTO runs(id, suite, params, status, "
			       "created, started, finished, dir, error) VALUES(?, ?, "
			       "?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, suite, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, p, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 5, created);
	bind_time(st, 6, started);
	bind_time(st, 7, finished);
	sqlite3_bind_text(st, 8, dir, -1, SQLITE_TRANSIENT);
	if (error != NULL)
		sqlite3_bind_text(st, 9, error, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		got = sqlite3_last_insert_rowid(db->h);
out:
	if (got < 0)
		log_failure(db, "inserting a run");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	free(p);
	return got;
}

int64_t dtd_db_claim(dtd_db *db, const char *store_root, char *suite,
		     size_t suite_size, json_t **params, char *dir, size_t dir_size)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	struct stat sb;
	int step;

	*params = NULL;
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "SELECT id, suite, params FROM runs WHERE "
			       "status='queued' ORDER BY id LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK) {
		id = -1;
		goto out;
	}
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		if (step != SQLITE_DONE)
			id = -1;
		goto out;
	}
	id = sqlite3_column_int64(st, 0);
	snprintf(suite, suite_size, "%s", (const char *)sqlite3_column_text(st, 1));
	*params = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	/* A folder of that name may hold an older run (an index rebuilt or
	 * made anew over the same store): take the next free name; the run
	 * makes it exclusively (mkdir), so two takers never share one. */
	snprintf(dir, dir_size, "%s/%s/run-%lld", store_root, suite, (long long)id);
	for (int i = 2; lstat(dir, &sb) == 0 && i < 1000; i++)
		snprintf(dir, dir_size, "%s/%s/run-%lld-%d", store_root, suite,
			 (long long)id, i);
	if (exec_args(db, "UPDATE runs SET status='running', started=?, dir=? "
		      "WHERE id=?", "rti", now_s(), dir, id) != 1) {
		json_decref(*params);
		*params = NULL;
		id = 0;
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return id;
}

int dtd_db_finish(dtd_db *db, int64_t id, const char *status,
		  const char *verdict, const json_t *counts,
		  double checker_seconds, const char *error)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = exec_args(db, "UPDATE runs SET status=?, verdict=?, ops_ok=?, "
		      "ops_fail=?, ops_info=?, checker_seconds=?, finished=?, "
		      "error=? WHERE id=?", "ttiiirrti", status, verdict,
		      (int64_t)json_integer_value(json_object_get(counts, "ok")),
		      (int64_t)json_integer_value(json_object_get(counts, "fail")),
		      (int64_t)json_integer_value(json_object_get(counts, "info")),
		      checker_seconds, now_s(), error, id);
	pthread_mutex_unlock(&db->lock);
	return n == 1 ? 0 : -1;
}

int dtd_db_set_verdict(dtd_db *db, int64_t id, const char *verdict,
		       const json_t *counts, double checker_seconds)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = exec_args(db, "UPDATE runs SET verdict=?, ops_ok=?, ops_fail=?, "
		      "ops_info=?, checker_seconds=? WHERE id=?", "tiiiri", verdict,
		      (int64_t)json_integer_value(json_object_get(counts, "ok")),
		      (int64_t)json_integer_value(json_object_get(counts, "fail")),
		      (int64_t)json_integer_value(json_object_get(counts, "info")),
		      checker_seconds, id);
	pthread_mutex_unlock(&db->lock);
	return n == 1 ? 0 : -1;
}

int dtd_db_cancel_queued(dtd_db *db, int64_t id)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = exec_args(db, "UPDATE runs SET status='cancelled', finished=? "
		      "WHERE id=? AND status='queued'", "ri", now_s(), id);
	pthread_mutex_unlock(&db->lock);
	return n == 1 ? 1 : 0;
}

#define RUN_COLUMNS "id, suite, params, status, verdict, ops_ok, ops_fail, " \
	"ops_info, checker_seconds, created, started, finished, dir, error, " \
	"schedule_id, campaign_id, cell, pruned, throughput, p50, p95, p99, " \
	"nemesis, version, bytes"

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(st, i));
	default:
		return json_null();
	}
}

static json_t *row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	json_t *params;
	const char *p = (const char *)sqlite3_column_text(st, 2);
	double started = sqlite3_column_double(st, 10);
	double finished = sqlite3_column_double(st, 11);

	json_object_set_new(o, "id", column_json(st, 0));
	json_object_set_new(o, "suite", column_json(st, 1));
	params = p ? json_loads(p, 0, NULL) : NULL;
	json_object_set_new(o, "parameters", params ? params : json_object());
	json_object_set_new(o, "status", column_json(st, 3));
	json_object_set_new(o, "verdict", column_json(st, 4));
	if (sqlite3_column_type(st, 5) == SQLITE_NULL)
		json_object_set_new(o, "counts", json_null());
	else
		json_object_set_new(o, "counts", json_pack("{sIsIsI}",
			"ok", (json_int_t)sqlite3_column_int64(st, 5),
			"fail", (json_int_t)sqlite3_column_int64(st, 6),
			"info", (json_int_t)sqlite3_column_int64(st, 7)));
	json_object_set_new(o, "checker_seconds", column_json(st, 8));
	json_object_set_new(o, "created", column_json(st, 9));
	json_object_set_new(o, "started", column_json(st, 10));
	json_object_set_new(o, "finished", column_json(st, 11));
	if (started > 0)
		json_object_set_new(o, "duration", json_real((finished > 0 ?
			finished : now_s()) - started));
	else
		json_object_set_new(o, "duration", json_null());
	json_object_set_new(o, "store", column_json(st, 12));
	json_object_set_new(o, "error", column_json(st, 13));
	json_object_set_new(o, "schedule", column_json(st, 14));
	json_object_set_new(o, "campaign", column_json(st, 15));
	{
		const char *c = (const char *)sqlite3_column_text(st, 16);
		json_t *cell = c ? json_loads(c, 0, NULL) : NULL;

		json_object_set_new(o, "cell", cell ? cell : json_null());
	}
	json_object_set_new(o, "pruned", column_json(st, 17));
	json_object_set_new(o, "throughput", column_json(st, 18));
	if (sqlite3_column_type(st, 19) == SQLITE_NULL)
		json_object_set_new(o, "latency_ms", json_null());
	else
		json_object_set_new(o, "latency_ms", json_pack("{sososo}",
			"p50", column_json(st, 19), "p95", column_json(st, 20),
			"p99", column_json(st, 21)));
	json_object_set_new(o, "nemesis", column_json(st, 22));
	json_object_set_new(o, "version", column_json(st, 23));
	json_object_set_new(o, "bytes", column_json(st, 24));
	return o;
}

int dtd_db_get(dtd_db *db, int64_t id, json_t **run)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*run = NULL;
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "SELECT " RUN_COLUMNS " FROM runs WHERE id=?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			*run = row_json(st);
			rc = 1;
		} else if (step == SQLITE_DONE) {
			rc = 0;
		}
	}
	if (rc < 0)
		log_failure(db, "reading a run");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

json_t *dtd_db_ids(dtd_db *db, const char *status)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array();
	int step = SQLITE_ERROR;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "SELECT id FROM runs WHERE status=? ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(ids, json_integer(sqlite3_column_int64(st, 0)));
	}
	if (step != SQLITE_DONE) {
		log_failure(db, "listing runs");
		json_decref(ids);
		ids = NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return ids;
}

long dtd_db_count(dtd_db *db, const char *status)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM runs WHERE status=?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
	}
	if (n < 0)
		log_failure(db, "counting runs");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return n;
}

/* sql with the list's three filters bound as ?1..?3 (NULL: any). */
static sqlite3_stmt *prepare_filtered(dtd_db *db, const char *sql,
				      const char *const args[3])
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	for (int i = 0; i < 3; i++)
		if (args[i] != NULL)
			sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
	return st;
}

json_t *dtd_db_list(dtd_db *db, const char *suite, const char *status,
		    const char *verdict, int64_t schedule, int64_t campaign,
		    long limit, long offset, long *total)
{
	static const char where[] =
		" WHERE (?1 IS NULL OR suite=?1) AND (?2 IS NULL OR status=?2)"
		" AND (?3 IS NULL OR verdict=?3) AND (?6 = 0 OR schedule_id=?6)"
		" AND (?7 = 0 OR campaign_id=?7)";
	sqlite3_stmt *st = NULL;
	json_t *runs = json_array();
	const char *args[3] = { suite, status, verdict };
	bool ok = false;
	int step;

	*total = 0;
	pthread_mutex_lock(&db->lock);
	{
		char sql[1024];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM runs%s", where);
		st = prepare_filtered(db, sql, args);
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 6, schedule);
		sqlite3_bind_int64(st, 7, campaign);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		*total = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		snprintf(sql, sizeof(sql), "SELECT " RUN_COLUMNS " FROM runs%s "
			 "ORDER BY id DESC LIMIT ?4 OFFSET ?5", where);
		st = prepare_filtered(db, sql, args);
		if (st == NULL)
			goto out;
		sqlite3_bind_int64(st, 4, limit);
		sqlite3_bind_int64(st, 5, offset);
		sqlite3_bind_int64(st, 6, schedule);
		sqlite3_bind_int64(st, 7, campaign);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(runs, row_json(st));
		ok = step == SQLITE_DONE;
	}
out:
	if (!ok) {
		log_failure(db, "listing runs");
		json_decref(runs);
		runs = NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return runs;
}

int dtd_db_delete(dtd_db *db, int64_t id)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = exec_args(db, "DELETE FROM runs WHERE id=?", "i", id);
	pthread_mutex_unlock(&db->lock);
	return n == 1 ? 0 : -1;
}

json_t *dtd_db_stats(dtd_db *db, double *checker_seconds)
{
	sqlite3_stmt *st = NULL;
	json_t *o = json_pack("{sisisisisisi}", "queued", 0, "running", 0,
			      "done", 0, "failed", 0, "cancelled", 0, "aborted", 0);

	int step = SQLITE_ERROR;

	*checker_seconds = 0;
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->h, "SELECT status, count(*), "
			       "total(checker_seconds) FROM runs GROUP BY status",
			       -1, &st, NULL) == SQLITE_OK) {
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *status = (const char *)sqlite3_column_text(st, 0);

			if (status != NULL)
				json_object_set_new(o, status,
						    json_integer(sqlite3_column_int64(st, 1)));
			*checker_seconds += sqlite3_column_double(st, 2);
		}
	}
	if (step != SQLITE_DONE) {
		log_failure(db, "counting runs");
		json_decref(o);
		o = NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return o;
}
