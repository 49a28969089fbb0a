/* SPDX-License-Identifier: MIT */
/*
 * data.c: what dtd reads back from a run's store folder for the API:
 * pages of history.jsonl, and metrics over time (metrics.jsonl when the
 * run wrote one, else the driver's figures per second derived from the
 * history), with the nemesis intervals to shade.
 *
 * Memory: these are read by anyone who can reach dtd (no token), on
 * histories of any size, by every viewer of a live run every few
 * seconds.  So nothing is read whole: files are streamed line by line,
 * what is derived from a history is kept compact (one record a second
 * and operation) and cached per run, keyed by the files' size and
 * mtime, and at most HEAVY_READS requests read files at once
 * (dtd_heavy_enter).  The memory of a request is then its reply.
 */
#include "config.h" /* _GNU_SOURCE: memmem */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dt/map.h>

#include "dtd.h"
#include "history.h"

#define HEAVY_READS 2          /* requests reading run files at once */
#define CACHE_RUNS 4           /* runs whose derived series are kept */
#define MAX_SECONDS 864000     /* 10 days: a later event is not charted */
#define MAX_NAMES 64           /* operation names charted */

/*
 * Call fn on each complete line of a JSON-lines file of the run folder.
 * Stops at a torn last line and at the first NUL byte: a history or
 * metrics file being written (or left by a killed run) is padded with
 * zeros after its last line.  Returns 0, -1 with errno when the file
 * cannot be read, or what fn returned when not 0.
 */
static int each_line_fd(int fd, int (*fn)(const char *line, size_t len, void *arg),
			void *arg)
{
	char *buf;
	size_t cap = 1 << 16, len = 0;
	int rc = 0;

	buf = malloc(cap);
	if (buf == NULL)
		return -1;
	for (;;) {
		ssize_t n;
		size_t start = 0;
		char *nul;

		if (len == cap) {
			char *b = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (b == NULL)
				break; /* a line over 64 MiB: stop there */
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		nul = memchr(buf + len, '\0', (size_t)n);
		len += nul ? (size_t)(nul - (buf + len)) : (size_t)n;
		for (char *nl; (nl = memchr(buf + start, '\n', len - start)) != NULL;
		     start = (size_t)(nl - buf) + 1) {
			rc = fn(buf + start, (size_t)(nl - (buf + start)), arg);
			if (rc != 0)
				goto out;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		if (nul != NULL)
			break;
	}
out:
	free(buf);
	return rc;
}

/* The file NAME of the run folder: opened safely (files.c), with its
 * stat; -1 with errno (ENOENT when there is none). */
static int open_run_file(const char *dir, const char *name, struct stat *st)
{
	return dtd_open_under(dir, name, false, st);
}

/* ---- the bound on heavy reads ------------------------------------------ */

static pthread_mutex_t heavy_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t heavy_free = PTHREAD_COND_INITIALIZER;
static int heavy_busy;

bool dtd_heavy_enter(double wait_s)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)wait_s;
	until.tv_nsec += (long)((wait_s - floor(wait_s)) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&heavy_lock);
	while (heavy_busy >= HEAVY_READS && ok)
		ok = pthread_cond_timedwait(&heavy_free, &heavy_lock, &until) == 0 ||
		     heavy_busy < HEAVY_READS;
	if (ok)
		heavy_busy++;
	pthread_mutex_unlock(&heavy_lock);
	return ok;
}

void dtd_heavy_leave(void)
{
	pthread_mutex_lock(&heavy_lock);
	heavy_busy--;
	pthread_cond_signal(&heavy_free);
	pthread_mutex_unlock(&heavy_lock);
}

/* ---- history pages ------------------------------------------------------ */

typedef struct page {
	long from, limit, n;
	json_t *ops;
} page;

static int page_line(const char *line, size_t len, void *arg)
{
	page *p = arg;

	if (p->n >= p->from && p->n < p->from + p->limit) {
		json_t *op = json_loadb(line, len, 0, NULL);

		if (op != NULL)
			json_array_append_new(p->ops, op);
	}
	p->n++;
	return 0;
}

json_t *dtd_data_history(const char *dir, long from, long limit, char *err)
{
	page p = { from, limit, 0, json_array() };
	struct stat st;
	int fd = open_run_file(dir, "history.jsonl", &st), rc;

	if (fd < 0 && errno != ENOENT) {
		dt_fail(err, "%s/history.jsonl: %s", dir, strerror(errno));
		json_decref(p.ops);
		return NULL;
	}
	if (fd >= 0) {
		rc = each_line_fd(fd, page_line, &p);
		close(fd);
		if (rc != 0) {
			dt_fail(err, "%s/history.jsonl: out of memory", dir);
			json_decref(p.ops);
			return NULL;
		}
	}
	return json_pack("{sosIsI}", "ops", p.ops, "from", (json_int_t)from,
			 "total", (json_int_t)p.n);
}

/* ---- driver figures derived from the history ------------------------------ */

/* One operation name in one second: counts, then percentiles. */
typedef struct cell {
	uint64_t ok, fail, info;
	double p50, p95, p99;
} cell;

/* What a history gives the charts: cells[f * nsec + sec]. */
typedef struct derived {
	char **names;
	size_t nnames, nsec;
	cell *cells;
	int64_t last;      /* time of the last event */
	json_t *nemesis;   /* [{nemesis, start, end}] */
} derived;

static void derived_free(derived *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->cells);
	json_decref(d->nemesis);
	free(d);
}

/* The latencies of a cell while the history is read. */
typedef struct lats {
	double *v;
	size_t n, cap;
} lats;

/* The pass over a history. */
typedef struct deriver {
	bool nemesis_only;  /* metrics.jsonl has the driver's figures */
	dt_map *invoked;    /* process -> invoke time + 1 */
	char *names[MAX_NAMES];
	size_t nnames;
	cell *cells[MAX_NAMES];   /* per name, per second */
	lats *lat[MAX_NAMES];
	size_t nsec[MAX_NAMES], nsec_all;
	int64_t last;
	json_t *nemesis, *open;   /* intervals; name -> open interval */
	bool oom;
} deriver;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)ceil(p * (double)n) - 1;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static void on_nemesis(deriver *dv, const dt_op *op)
{
	const char *name = json_string_value(json_object_get(op->value, "nemesis"));

	if (name == NULL || op->f == NULL)
		return;
	if (strcmp(op->f, "start") == 0 && op->type == DT_OP_INVOKE) {
		json_t *iv = json_pack("{sssfsn}", "nemesis", name, "start",
				       op->time / 1e9, "end");

		json_array_append_new(dv->nemesis, iv);
		json_object_set(dv->open, name, iv);
	} else if (strcmp(op->f, "start") == 0 && op->type == DT_OP_FAIL) {
		/* It did not start: nothing to shade. */
		json_t *iv = json_object_get(dv->open, name);

		for (size_t k = 0; iv != NULL && k < json_array_size(dv->nemesis); k++)
			if (json_array_get(dv->nemesis, k) == iv)
				json_array_remove(dv->nemesis, k);
		json_object_del(dv->open, name);
	} else if (strcmp(op->f, "heal") == 0 && op->type != DT_OP_INVOKE) {
		json_t *iv = json_object_get(dv->open, name);

		if (iv != NULL) {
			json_object_set_new(iv, "end", json_real(op->time / 1e9));
			json_object_del(dv->open, name);
		}
	}
}

/* The index of an operation name (added when new), or -1. */
static int name_index(deriver *dv, const char *f)
{
	for (size_t i = 0; i < dv->nnames; i++)
		if (strcmp(dv->names[i], f) == 0)
			return (int)i;
	if (dv->nnames == MAX_NAMES)
		return -1;
	dv->names[dv->nnames] = strdup(f);
	if (dv->names[dv->nnames] == NULL)
		return -1;
	return (int)dv->nnames++;
}

/* Make second sec of name k exist (zeroed); false when out of memory.
 * nsec[k] is the room of both arrays, which grow alike. */
static bool grow_seconds(deriver *dv, size_t k, size_t sec)
{
	size_t n = dv->nsec[k];

	if (sec < n)
		return true;
	if (dt_grow(&dv->lat[k], &n, sec + 1, sizeof(lats)) != 0)
		return false;
	n = dv->nsec[k];
	if (dt_grow(&dv->cells[k], &n, sec + 1, sizeof(cell)) != 0)
		return false;
	dv->nsec[k] = n;
	return true;
}

static void on_client_op(deriver *dv, const dt_op *op)
{
	int64_t key = op->process;
	size_t sec;
	int k;
	void *inv;

	if (op->type == DT_OP_INVOKE) {
		if (dt_map_put(dv->invoked, &key, sizeof(key),
			       (void *)(uintptr_t)(op->time + 1)) != 0)
			dv->oom = true;
		return;
	}
	inv = dt_map_del(dv->invoked, &key, sizeof(key));
	if (op->f == NULL || (sec = (size_t)(op->time / 1000000000LL)) >= MAX_SECONDS)
		return;
	k = name_index(dv, op->f);
	if (k < 0)
		return;
	if (!grow_seconds(dv, (size_t)k, sec)) {
		dv->oom = true;
		return;
	}
	if (sec + 1 > dv->nsec_all)
		dv->nsec_all = sec + 1;
	if (op->type == DT_OP_OK)
		dv->cells[k][sec].ok++;
	else if (op->type == DT_OP_FAIL)
		dv->cells[k][sec].fail++;
	else
		dv->cells[k][sec].info++;
	if (inv != NULL && op->type != DT_OP_INFO) {
		lats *l = &dv->lat[k][sec];

		if (dt_grow(&l->v, &l->cap, l->n + 1, sizeof(double)) != 0) {
			dv->oom = true;
			return;
		}
		l->v[l->n++] = (double)(op->time - ((int64_t)(uintptr_t)inv - 1)) / 1e6;
	}
}

static int derive_line(const char *line, size_t len, void *arg)
{
	deriver *dv = arg;
	char e[DT_ERRBUF_SIZE];
	dt_op op;

	/* With the driver's figures in metrics.jsonl only the nemesis
	 * events matter: the other lines are not even parsed. */
	if (dv->nemesis_only && memmem(line, len, "nemesis", 7) == NULL)
		return 0;
	if (dt_op_from_json(line, len, &op, e) != 0)
		return 0; /* a line that is not an event charts nothing */
	if (op.time > dv->last)
		dv->last = op.time;
	if (op.process == DT_PROCESS_NEMESIS)
		on_nemesis(dv, &op);
	else if (op.process >= 0 && op.time >= 0 && !dv->nemesis_only)
		on_client_op(dv, &op);
	dt_op_clear(&op);
	return dv->oom ? -1 : 0;
}

static void deriver_free(deriver *dv)
{
	for (size_t k = 0; k < dv->nnames; k++) {
		for (size_t s = 0; s < dv->nsec[k]; s++)
			free(dv->lat[k][s].v);
		free(dv->lat[k]);
		free(dv->cells[k]);
		free(dv->names[k]);
	}
	dt_map_free(dv->invoked, NULL);
	json_decref(dv->nemesis);
	json_decref(dv->open);
}

/* One pass over the history (an open fd): the derived series, or NULL
 * when out of memory. */
static derived *derive(int fd, bool nemesis_only)
{
	deriver dv = { .nemesis_only = nemesis_only };
	derived *d = calloc(1, sizeof(*d));

	dv.invoked = dt_map_new();
	dv.nemesis = json_array();
	dv.open = json_object();
	if (d == NULL || dv.invoked == NULL || dv.nemesis == NULL || dv.open == NULL ||
	    each_line_fd(fd, derive_line, &dv) != 0 || dv.oom)
		goto fail;
	d->nsec = dv.nsec_all;
	d->nnames = dv.nnames;
	d->last = dv.last;
	d->names = calloc(dv.nnames ? dv.nnames : 1, sizeof(char *));
	d->cells = calloc(dv.nnames * d->nsec > 0 ? dv.nnames * d->nsec : 1, sizeof(cell));
	if (d->names == NULL || d->cells == NULL)
		goto fail;
	for (size_t k = 0; k < dv.nnames; k++) {
		d->names[k] = dv.names[k];
		dv.names[k] = NULL;
		for (size_t s = 0; s < dv.nsec[k] && s < d->nsec; s++) {
			cell *c = &d->cells[k * d->nsec + s];
			lats *l = &dv.lat[k][s];

			*c = dv.cells[k][s];
			qsort(l->v, l->n, sizeof(double), cmp_double);
			c->p50 = percentile(l->v, l->n, 0.50);
			c->p95 = percentile(l->v, l->n, 0.95);
			c->p99 = percentile(l->v, l->n, 0.99);
		}
	}
	d->nemesis = json_incref(dv.nemesis);
	deriver_free(&dv);
	return d;
fail:
	deriver_free(&dv);
	derived_free(d);
	return NULL;
}

/* The derived figures as metrics.jsonl lines, kept when from <= t <= to
 * (to < 0: no end), appended to out. */
static void derived_lines(const derived *d, double from, double to, json_t *out)
{
	for (size_t sec = 0; sec < d->nsec; sec++) {
		/* A second still going (a live run) ends at the last event. */
		int64_t end = (int64_t)(sec + 1) * 1000000000LL;
		json_t *values;

		if (sec + 1 == d->nsec && d->last < end)
			end = d->last;
		if ((double)end / 1e9 < from || (to >= 0 && (double)end / 1e9 > to))
			continue;
		values = json_object();
		for (size_t k = 0; k < d->nnames; k++) {
			const cell *c = &d->cells[k * d->nsec + sec];

			json_object_set_new(values, d->names[k], json_pack(
				"{sIsIsIsIsfsfsf}", "ops",
				(json_int_t)(c->ok + c->fail + c->info),
				"ok", (json_int_t)c->ok, "fail", (json_int_t)c->fail,
				"info", (json_int_t)c->info, "p50", c->p50,
				"p95", c->p95, "p99", c->p99));
		}
		json_array_append_new(out, json_pack("{sIssso}", "time", (json_int_t)end,
						     "source", "driver", "values", values));
	}
}

/* ---- the cache of derived series ----------------------------------------- */

typedef struct entry {
	char *dir;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool nemesis_only;
	derived *d;
	int refs;              /* the table's, and each reader's */
	uint64_t used;         /* for LRU */
} entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static entry *cache[CACHE_RUNS];
static uint64_t cache_clock;

static void entry_unref(entry *e)
{
	bool last;

	pthread_mutex_lock(&cache_lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&cache_lock);
	if (last) {
		derived_free(e->d);
		free(e->dir);
		free(e);
	}
}

static bool same(const entry *e, const char *dir, const struct stat *st,
		 bool nemesis_only)
{
	return strcmp(e->dir, dir) == 0 && e->dev == st->st_dev &&
	       e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       e->nemesis_only == nemesis_only;
}

/* The cached series of this history, with a reference; NULL when none. */
static entry *cache_get(const char *dir, const struct stat *st, bool nemesis_only)
{
	entry *found = NULL;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_RUNS && found == NULL; i++) {
		if (cache[i] != NULL && same(cache[i], dir, st, nemesis_only)) {
			found = cache[i];
			found->refs++;
			found->used = ++cache_clock;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return found;
}

/* Keep e (the caller's reference stays the caller's), in place of an
 * older entry of the same folder or else the least recently used. */
static void cache_put(entry *e)
{
	entry *old;
	size_t slot = 0;

	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_RUNS; i++) {
		if (cache[i] != NULL && strcmp(cache[i]->dir, e->dir) == 0) {
			slot = i;
			break;
		}
		if (cache[i] == NULL ||
		    (cache[slot] != NULL && cache[i]->used < cache[slot]->used))
			slot = i;
	}
	old = cache[slot];
	e->refs++;
	e->used = ++cache_clock;
	cache[slot] = e;
	pthread_mutex_unlock(&cache_lock);
	if (old != NULL)
		entry_unref(old);
}

/* The series derived from dir's history (an open fd and its stat), from
 * the cache or made now; with a reference.  NULL when out of memory. */
static entry *series_of(const char *dir, int fd, const struct stat *st,
			bool nemesis_only)
{
	entry *e = cache_get(dir, st, nemesis_only);

	if (e != NULL)
		return e;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->dir = strdup(dir);
	e->d = derive(fd, nemesis_only);
	if (e->dir == NULL || e->d == NULL) {
		derived_free(e->d);
		free(e->dir);
		free(e);
		return NULL;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->nemesis_only = nemesis_only;
	e->refs = 1;
	cache_put(e);
	return e;
}

/* ---- metrics ---------------------------------------------------------- */

typedef struct filter {
	const char *series;
	double from, to;
	json_t *kept;
	bool driver;    /* the file has driver lines (kept or not) */
} filter;

static int metrics_line(const char *line, size_t len, void *arg)
{
	filter *f = arg;
	json_t *m;
	const char *src;
	double t;

	/* Every line is looked at for "driver"; only kept ones stay. */
	m = json_loadb(line, len, 0, NULL);
	if (!json_is_object(m)) {
		json_decref(m);
		return 0;
	}
	src = json_string_value(json_object_get(m, "source"));
	t = (double)json_integer_value(json_object_get(m, "time")) / 1e9;
	if (src != NULL && strcmp(src, "driver") == 0)
		f->driver = true;
	if ((f->series == NULL || (src != NULL && strcmp(src, f->series) == 0)) &&
	    t >= f->from && (f->to < 0 || t <= f->to))
		json_array_append(f->kept, m);
	json_decref(m);
	return 0;
}

json_t *dtd_data_metrics(const char *dir, const char *series, double from,
			 double to, char *err)
{
	filter f = { series, from, to, json_array(), false };
	json_t *nemesis;
	struct stat st;
	int fd;

	/* metrics.jsonl: streamed, only the lines asked for kept. */
	fd = open_run_file(dir, "metrics.jsonl", &st);
	if (fd >= 0) {
		int rc = each_line_fd(fd, metrics_line, &f);

		close(fd);
		if (rc != 0)
			goto oom;
	} else if (errno != ENOENT) {
		dt_fail(err, "%s/metrics.jsonl: %s", dir, strerror(errno));
		json_decref(f.kept);
		return NULL;
	}
	/* The history: the driver's figures (unless the file had them) and
	 * the nemesis intervals, from the cache when it has not changed. */
	fd = open_run_file(dir, "history.jsonl", &st);
	if (fd >= 0) {
		entry *e = series_of(dir, fd, &st, f.driver);

		close(fd);
		if (e == NULL)
			goto oom;
		if (!f.driver && (series == NULL || strcmp(series, "driver") == 0))
			derived_lines(e->d, from, to, f.kept);
		nemesis = json_deep_copy(e->d->nemesis);
		entry_unref(e);
	} else if (errno == ENOENT) {
		nemesis = json_array();
	} else {
		dt_fail(err, "%s/history.jsonl: %s", dir, strerror(errno));
		json_decref(f.kept);
		return NULL;
	}
	return json_pack("{soso}", "series", f.kept, "nemesis", nemesis);
oom:
	dt_fail(err, "%s: out of memory reading the run's files", dir);
	json_decref(f.kept);
	return NULL;
}
