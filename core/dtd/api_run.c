/* SPDX-License-Identifier: MIT */
/*
 * api_run.c: the API calls on one run (api.c routes them here): what is
 * read from its store folder (history, metrics, results, files), delete,
 * check again, and cancelling many runs at once.
 *
 * Every folder comes from the index, which someone may have changed: it
 * is used only through dtd_run_dir (files.c), which takes it when its
 * real path lies under the store and is dtd's user's.  A run whose folder
 * has gone answers 410, never an empty 200 that looks like a run that
 * recorded nothing.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtd.h"
#include "run.h"

#define HEAVY_WAIT_S 20    /* a request waits this long for a turn */
#define HISTORY_PAGE 10000 /* most history events a page */

static bool finished(const char *status)
{
	return strcmp(status, "queued") != 0 && strcmp(status, "running") != 0;
}

/*
 * The run's folder into dir.  true when it can be read.  false when
 * there is nothing to read yet (*none; a queued run, or a running one
 * whose folder is being made), or after an error reply: 410 when the
 * folder is gone, 403 when it lies outside the store.
 */
static bool folder(dtd_ctx *ctx, const json_t *run, char *dir, size_t size,
		   bool *none, dtd_reply *out)
{
	const char *path = json_string_value(json_object_get(run, "store"));
	const char *status = json_string_value(json_object_get(run, "status"));

	int e;

	*none = false;
	if (!json_is_null(json_object_get(run, "pruned")) &&
	    json_object_get(run, "pruned") != NULL) {
		dtd_reply_error(out, 410, "store", "the run was pruned (retention): "
				"its folder is gone, its index row (verdict, "
				"figures) is kept");
		return false;
	}
	if (path != NULL && dtd_run_dir(ctx->cfg->store, path, dir, size) == 0)
		return true;
	e = errno;
	if (path == NULL || (e == ENOENT && !finished(status))) {
		*none = true;
		return false;
	}
	if (e == ENOENT)
		dtd_reply_error(out, 410, "store", "the run's store folder %s is "
				"missing (deleted?): its history and results are gone",
				path);
	else
		dtd_reply_error(out, 403, "store", "the run's folder %s is not a "
				"folder of dtd's under the store %s: not served "
				"(was the index changed?)", path, ctx->cfg->store);
	return false;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void dtd_remove_tree(const char *dir)
{
	/* The real path: no link on the way; FTW_PHYS: none followed
	 * inside; FTW_MOUNT: no other file system entered. */
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void dtd_api_delete(dtd_ctx *ctx, int64_t id, json_t *run, dtd_reply *out)
{
	const char *status = json_string_value(json_object_get(run, "status"));
	char dir[PATH_MAX];
	bool none;

	if (!finished(status)) {
		dtd_reply_error(out, 409, "status", "run %lld is %s: cancel it "
				"first, only finished runs can be deleted",
				(long long)id, status);
		return;
	}
	if (folder(ctx, run, dir, sizeof(dir), &none, out)) {
		dtd_remove_tree(dir);
	} else if (!none && out->status != 410) {
		return; /* outside the store: neither removed nor forgotten */
	}
	free(out->body);
	memset(out, 0, sizeof(*out));
	if (dtd_db_delete(ctx->db, id) != 0) {
		dtd_reply_error(out, 500, NULL, "cannot delete run %lld", (long long)id);
		return;
	}
	dtd_reply_json(out, 200, json_pack("{sI}", "deleted", (json_int_t)id));
}

/* Check a finished run's history again (an aborted run has none), with
 * the checkers of the suite as it ran. */
void dtd_api_check(dtd_ctx *ctx, json_t *run, dtd_reply *out)
{
	const char *status = json_string_value(json_object_get(run, "status"));
	char err[DT_ERRBUF_SIZE], dir[PATH_MAX];
	json_t *res;
	double secs = 0;
	const char *k;
	json_t *c;
	int code;
	bool none;

	if (!finished(status)) {
		dtd_reply_error(out, 409, "status", "run is %s: only a finished "
				"run's history can be checked", status);
		return;
	}
	if (!folder(ctx, run, dir, sizeof(dir), &none, out)) {
		if (none)
			dtd_reply_error(out, 409, "status", "the run has no store "
					"folder: nothing to check");
		return;
	}
	res = dt_run_recheck(ctx->cfg->registry, dir, err);
	if (res == NULL) {
		dtd_reply_error(out, 409, NULL, "cannot check the run again: %s", err);
		return;
	}
	code = dt_verdict_code(json_object_get(res, "valid"));
	json_object_foreach(json_object_get(res, "checkers"), k, c)
		secs += json_number_value(json_object_get(c, "seconds"));
	if (dtd_db_set_verdict(ctx->db, json_integer_value(json_object_get(run, "id")),
			       code == DT_EXIT_VALID ? "valid" :
			       code == DT_EXIT_INVALID ? "invalid" : "unknown",
			       json_object_get(res, "counts"), secs) != 0) {
		json_decref(res);
		dtd_reply_error(out, 500, NULL, "checked, but the index could not "
				"record the verdict");
		return;
	}
	dtd_reply_json(out, 200, res);
}

/* A regular file of the run's folder, to be streamed (never read whole
 * into memory); false when there is none (or it is not dtd's own). */
static bool reply_file(dtd_reply *out, const char *dir, const char *name,
		       const char *type)
{
	struct stat st;
	int fd = dtd_open_under(dir, name, false, &st);

	if (fd < 0)
		return false;
	out->status = 200;
	out->body = NULL;
	out->len = (size_t)st.st_size;
	out->type = type;
	out->file = true;
	out->fd = fd;
	return true;
}

/* A file of the run's folder by its plain name (no folders). */
static void any_file(const char *dir, const char *name, dtd_reply *out)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".jsonl", "application/x-ndjson" },
		{ ".log", "text/plain; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".edn", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');

	for (const char *p = name; *p; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' && *p != '.') {
			dtd_reply_error(out, 404, "name", "no file '%s' in the run", name);
			return;
		}
	}
	if (name[0] == '.' || name[0] == '\0' || dot == NULL) {
		dtd_reply_error(out, 404, "name", "no file '%s' in the run", name);
		return;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(dot, types[i].ext) != 0)
			continue;
		if (!reply_file(out, dir, name, types[i].type))
			break;
		out->sandbox = true;
		return;
	}
	dtd_reply_error(out, 404, "name", "no file '%s' in the run", name);
}

/* history and metrics: read under the bound on heavy reads. */
static void heavy(dtd_ctx *ctx, const char *dir, const char *sub,
		  const char *(*query)(void *, const char *), void *qarg,
		  dtd_reply *out)
{
	char err[DT_ERRBUF_SIZE];
	double a, b;
	json_t *j;

	if (strcmp(sub, "history") == 0) {
		if (!dtd_query_num(query, qarg, "from", 0, 0, 1e15, &a, out) ||
		    !dtd_query_num(query, qarg, "limit", 1000, 1, HISTORY_PAGE, &b, out))
			return;
	} else if (!dtd_query_num(query, qarg, "from", 0, 0, 1e9, &a, out) ||
		   !dtd_query_num(query, qarg, "to", -1, -1, 1e9, &b, out)) {
		return;
	}
	if (dir == NULL) { /* nothing recorded yet */
		dtd_reply_json(out, 200, strcmp(sub, "history") == 0 ?
			json_pack("{s[]sIsI}", "ops", "from", (json_int_t)a, "total",
				  (json_int_t)0) :
			json_pack("{s[]s[]}", "series", "nemesis"));
		return;
	}
	if (!dtd_heavy_enter(HEAVY_WAIT_S)) {
		out->retry_after = 2;
		dtd_reply_error(out, 503, NULL, "too many history and metrics reads "
				"at once: try again");
		return;
	}
	if (strcmp(sub, "history") == 0) {
		j = dtd_data_history(dir, (long)a, (long)b, err);
	} else {
		const char *series = query(qarg, "series");

		j = dtd_data_metrics(dir, series && series[0] ? series : NULL, a, b, err);
	}
	dtd_heavy_leave();
	if (j == NULL)
		dtd_reply_error(out, 500, NULL, "%s", err);
	else
		dtd_reply_json(out, 200, j);
	(void)ctx;
}

void dtd_api_read(dtd_ctx *ctx, json_t *run, const char *sub,
		  const char *(*query)(void *, const char *), void *qarg,
		  dtd_reply *out)
{
	char dir[PATH_MAX];
	bool none;

	if (!folder(ctx, run, dir, sizeof(dir), &none, out) && !none)
		return;
	if (strcmp(sub, "history") == 0 || strcmp(sub, "metrics") == 0)
		heavy(ctx, none ? NULL : dir, sub, query, qarg, out);
	else if (none)
		dtd_reply_error(out, 404, NULL, "the run has no %s yet",
				strcmp(sub, "results") == 0 ? "results.json" : "files");
	else if (strcmp(sub, "results") == 0) {
		if (!reply_file(out, dir, "results.json", "application/json"))
			dtd_reply_error(out, 404, NULL, "the run has no results.json yet");
	} else {
		any_file(dir, sub + 6 /* files/ */, out);
	}
}

void dtd_api_cancel_many(dtd_ctx *ctx, const char *body, size_t len,
			 dtd_reply *out)
{
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	json_t *ids = NULL, *done = json_array(), *v;
	const char *key, *status = NULL;
	size_t i;

	if (!json_is_object(req)) {
		dtd_reply_error(out, 400, NULL, "the body must be a JSON object: "
				"{\"ids\": [1, 2]} or {\"status\": \"queued\"}");
		goto out;
	}
	json_object_foreach(req, key, v) {
		if (strcmp(key, "ids") != 0 && strcmp(key, "status") != 0) {
			dtd_reply_error(out, 400, key, "unknown field '%s' (known: ids, "
					"status)", key);
			goto out;
		}
	}
	v = json_object_get(req, "status");
	if (v != NULL) {
		status = json_string_value(v);
		if (status == NULL || (strcmp(status, "queued") != 0 &&
				       strcmp(status, "running") != 0)) {
			dtd_reply_error(out, 400, "status", "status must be queued or "
					"running");
			goto out;
		}
		ids = dtd_db_ids(ctx->db, status);
		if (ids == NULL) {
			dtd_reply_error(out, 500, NULL, "the index cannot be read");
			goto out;
		}
	}
	v = json_object_get(req, "ids");
	if (v != NULL) {
		if (ids != NULL || !json_is_array(v)) {
			dtd_reply_error(out, 400, "ids", "ids must be an array of run "
					"ids (and not given with status)");
			goto out;
		}
		json_t *id;

		json_array_foreach(v, i, id) {
			if (!json_is_integer(id) || json_integer_value(id) <= 0) {
				dtd_reply_error(out, 400, "ids", "ids[%zu] must be a run id", i);
				goto out;
			}
		}
		ids = json_incref(v);
	}
	if (ids == NULL) {
		dtd_reply_error(out, 400, NULL, "say which runs: {\"ids\": [...]} or "
				"{\"status\": \"queued\"}");
		goto out;
	}
	json_array_foreach(ids, i, v)
		if (dtd_runner_cancel(ctx->runner, json_integer_value(v)) == 0)
			json_array_append(done, v);
	dtd_reply_json(out, 202, json_pack("{sO}", "cancelled", done));
out:
	json_decref(done);
	json_decref(ids);
	json_decref(req);
}
