/* SPDX-License-Identifier: MIT */
/*
 * rebuild.c: `dtd rebuild-index`, the index made anew from the store.
 * dtd.db only indexes what the store keeps: every run folder
 * (STORE/SUITE/NAME) holds suite.json from its start and results.json
 * once checked.  So a damaged or lost dtd.db is set aside
 * (dtd.db.bad-TIME, with its -wal and -shm) and a new one lists every
 * folder: `done` (or `cancelled`) with the verdict and counts of
 * results.json, `aborted` without one.  A folder named run-N keeps id N,
 * so links to runs stay right; the others (dt-run's timestamped
 * folders, run-N-2) get the next ids, oldest first.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dtd.h"
#include "log.h"
#include "run.h"

/* One run folder found in the store. */
typedef struct found {
	char dir[PATH_MAX];
	char suite[256];
	int64_t want;      /* id from run-N, or 0 */
	double created;    /* suite.json's mtime */
} found;

static double mtime_of(const struct stat *st)
{
	return (double)st->st_mtim.tv_sec + (double)st->st_mtim.tv_nsec / 1e9;
}

/* A regular file of dtd's user in dir, with its stat. */
static bool own_file(const char *dir, const char *name, struct stat *st)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, st) == 0 && S_ISREG(st->st_mode) &&
	       st->st_uid == geteuid();
}

/* N of "run-N" exactly, else 0. */
static int64_t id_of(const char *name)
{
	char *end;
	long long n;

	if (strncmp(name, "run-", 4) != 0 || name[4] < '1' || name[4] > '9')
		return 0;
	n = strtoll(name + 4, &end, 10);
	return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

static int cmp_created(const void *a, const void *b)
{
	const found *x = a, *y = b;

	return x->created < y->created ? -1 : x->created > y->created;
}

/* Every run folder of the store, into *list (malloc'd), oldest first. */
static int scan(const char *store, found **list, size_t *n, char *err)
{
	DIR *top = opendir(store);
	struct dirent *s;
	size_t cap = 0;

	*list = NULL;
	*n = 0;
	if (top == NULL)
		return dt_fail(err, "store %s: %s", store, strerror(errno));
	while ((s = readdir(top)) != NULL) {
		char sdir[PATH_MAX];
		struct stat st;
		DIR *d;
		struct dirent *r;

		if (s->d_name[0] == '.' || strlen(s->d_name) >= sizeof((*list)->suite))
			continue;
		snprintf(sdir, sizeof(sdir), "%s/%s", store, s->d_name);
		if (lstat(sdir, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid() || (d = opendir(sdir)) == NULL)
			continue;
		while ((r = readdir(d)) != NULL) {
			found *f;

			if (r->d_name[0] == '.' || strcmp(r->d_name, "latest") == 0)
				continue;
			if (dt_grow(list, &cap, *n + 1, sizeof(**list)) != 0) {
				closedir(d);
				closedir(top);
				return dt_fail(err, "out of memory");
			}
			f = &(*list)[*n];
			if (snprintf(f->dir, sizeof(f->dir), "%s/%s", sdir, r->d_name) >=
			    (int)sizeof(f->dir) || lstat(f->dir, &st) != 0 ||
			    !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
			    !own_file(f->dir, "suite.json", &st))
				continue; /* not a run folder of dtd's user */
			snprintf(f->suite, sizeof(f->suite), "%s", s->d_name);
			f->want = id_of(r->d_name);
			f->created = mtime_of(&st);
			(*n)++;
		}
		closedir(d);
	}
	closedir(top);
	if (*n > 0)
		qsort(*list, *n, sizeof(**list), cmp_created);
	return 0;
}

/* Set dtd.db (and its -wal, -shm) aside; the name it now has, or "". */
static int set_aside(const char *state, char *kept, size_t size, char *err)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char stamp[32], from[PATH_MAX], to[PATH_MAX + 64];
	time_t now = time(NULL);
	struct tm tm;

	kept[0] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(from, sizeof(from), "%s/dtd.db%s", state, ext[i]);
		snprintf(to, sizeof(to), "%s/dtd.db.bad-%s%s", state, stamp, ext[i]);
		if (rename(from, to) != 0) {
			if (errno == ENOENT)
				continue;
			return dt_fail(err, "%s: %s", from, strerror(errno));
		}
		if (i == 0)
			snprintf(kept, size, "%s", to);
	}
	return 0;
}

/* One folder into the index: its id, or -1. */
static int64_t add_folder(dtd_db *db, const found *f, int64_t id, long *done)
{
	struct stat st;
	json_t *res = NULL, *params = json_object();
	const char *status = "aborted", *verdict = NULL, *error = NULL;
	double finished = 0, secs = 0;
	int64_t got;

	if (own_file(f->dir, "results.json", &st)) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/results.json", f->dir);
		res = json_load_file(path, 0, NULL);
		finished = mtime_of(&st);
	}
	if (json_is_object(res)) {
		int code = dt_verdict_code(json_object_get(res, "valid"));
		const char *k;
		json_t *c;

		status = json_is_true(json_object_get(res, "cancelled")) ?
			 "cancelled" : "done";
		verdict = code == DT_EXIT_VALID ? "valid" :
			  code == DT_EXIT_INVALID ? "invalid" : "unknown";
		json_object_foreach(json_object_get(res, "checkers"), k, c)
			secs += json_number_value(json_object_get(c, "seconds"));
		(*done)++;
	} else {
		error = "no results.json: the run did not end (index rebuilt "
			"from the store; POST /api/runs/ID/check checks its history)";
		if (own_file(f->dir, "history.jsonl", &st))
			finished = mtime_of(&st);
	}
	got = dtd_db_insert_row(db, id, f->suite, params, status, f->created,
				f->created, finished, f->dir, error);
	if (got > 0 && verdict != NULL &&
	    dtd_db_set_verdict(db, got, verdict, json_object_get(res, "counts"),
			       secs) != 0)
		got = -1;
	if (got > 0)
		dtd_record_figures(db, got, f->dir, res);
	json_decref(res);
	json_decref(params);
	return got > 0 ? got : -1;
}

static int add(dtd_db *db, const found *f, int64_t id, long *done)
{
	return add_folder(db, f, id, done) > 0 ? 0 : -1;
}

int64_t dtd_index_folder(dtd_db *db, const char *suite, const char *dir)
{
	found f;
	struct stat st;
	long done = 0;

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "%s", dir);
	snprintf(f.suite, sizeof(f.suite), "%s", suite);
	f.created = own_file(dir, "suite.json", &st) ? mtime_of(&st) : 0;
	return add_folder(db, &f, 0, &done);
}

int dtd_rebuild_index(const dtd_config *cfg, char *err)
{
	char path[PATH_MAX], kept[PATH_MAX + 64];
	found *list = NULL;
	size_t n = 0;
	bool *placed = NULL;
	long done = 0, failed = 0;
	dtd_db *db = NULL;
	int status = DT_EXIT_INFRA;

	if (scan(cfg->store, &list, &n, err) != 0)
		return DT_EXIT_INFRA;
	placed = calloc(n ? n : 1, sizeof(*placed));
	if (placed == NULL) {
		dt_fail(err, "out of memory");
		goto out;
	}
	if (set_aside(cfg->state_dir, kept, sizeof(kept), err) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/dtd.db", cfg->state_dir);
	db = dtd_db_open(path, err);
	if (db == NULL)
		goto out;
	/* run-N folders first, each keeping N (the oldest of a number
	 * wins), then every other folder with the next free ids. */
	for (size_t i = 0; i < n; i++) {
		json_t *row = NULL;

		if (list[i].want == 0 || dtd_db_get(db, list[i].want, &row) != 0) {
			json_decref(row);
			continue;
		}
		if (add(db, &list[i], list[i].want, &done) != 0)
			failed++;
		placed[i] = true;
	}
	for (size_t i = 0; i < n; i++)
		if (!placed[i] && add(db, &list[i], 0, &done) != 0)
			failed++;
	printf("dtd: rebuilt the index %s from the store %s: %zu run(s), %ld "
	       "with results, %ld without (aborted)%s%s\n", path, cfg->store,
	       n - (size_t)failed, done, (long)n - failed - done,
	       kept[0] ? "; the old index is kept as " : "", kept);
	if (failed) {
		dt_fail(err, "%ld run folder(s) could not be indexed (see the log)",
			failed);
		goto out;
	}
	status = 0;
out:
	dtd_db_close(db);
	free(placed);
	free(list);
	return status;
}
