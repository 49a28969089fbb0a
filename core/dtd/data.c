/*
 * data.c: what dtd reads back from a run's store folder for the API:
 * pages of history.jsonl, and metrics over time (metrics.jsonl when the
 * run wrote one, else the driver's figures per second derived from the
 * history), with the nemesis intervals to shade.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtd.h"
#include "history.h"

/*
 * Call fn on each complete line of a JSON-lines file.  Stops at a torn
 * last line and at the first NUL byte: a history or metrics file being
 * written (or left by a killed run) is padded with zeros after its last
 * line.  Returns 0, -1 with errno when the file cannot be read, or what
 * fn returned when not 0.
 */
static int each_line(const char *path, int (*fn)(const char *line, size_t len, void *arg),
		     void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t cap = 1 << 16, len = 0;
	int rc = 0;

	if (fd < 0)
		return -1;
	buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
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
	close(fd);
	return rc;
}

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
	char path[PATH_MAX];
	page p = { from, limit, 0, json_array() };

	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (each_line(path, page_line, &p) != 0 && errno != ENOENT) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		json_decref(p.ops);
		return NULL;
	}
	return json_pack("{sosIsI}", "ops", p.ops, "from", (json_int_t)from,
			 "total", (json_int_t)p.n);
}

/* ---- metrics ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)ceil(p * (double)n) - 1;
	if (i >= n)
		i = n - 1;
	return v[i];
}

/* Latencies of one operation name in one second. */
typedef struct bucket {
	double *lat;
	size_t n, cap;
	uint64_t ok, fail, info;
} bucket;

typedef struct fstats {
	char *f;
	bucket *b;     /* one a second */
	size_t nb;
} fstats;

static bucket *get_bucket(fstats **fs, size_t *nfs, const char *f, size_t sec)
{
	fstats *s = NULL;

	for (size_t i = 0; i < *nfs; i++)
		if (strcmp((*fs)[i].f, f) == 0)
			s = &(*fs)[i];
	if (s == NULL) {
		fstats *n = realloc(*fs, (*nfs + 1) * sizeof(**fs));

		if (n == NULL)
			return NULL;
		*fs = n;
		s = &n[(*nfs)++];
		memset(s, 0, sizeof(*s));
		s->f = strdup(f);
	}
	if (sec >= s->nb) {
		bucket *n = realloc(s->b, (sec + 1) * sizeof(*n));

		if (n == NULL)
			return NULL;
		memset(n + s->nb, 0, (sec + 1 - s->nb) * sizeof(*n));
		s->b = n;
		s->nb = sec + 1;
	}
	return &s->b[sec];
}

/* Driver figures per second from the history, as metrics.jsonl lines,
 * and nemesis intervals. */
static int derive(const dt_history *h, json_t *series, json_t *nemesis)
{
	int64_t *invoked = NULL; /* invoke time by process slot */
	size_t ninvoked = 0;
	fstats *fs = NULL;
	size_t nfs = 0, nsec = 0;
	int64_t last = 0;              /* time of the last event */
	json_t *open = json_object(); /* nemesis name -> interval */
	int rc = -1;

	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (op->time > last)
			last = op->time;
		if (op->process == DT_PROCESS_NEMESIS) {
			const char *name = json_string_value(json_object_get(op->value, "nemesis"));

			if (name == NULL || op->f == NULL)
				continue;
			if (strcmp(op->f, "start") == 0 && op->type == DT_OP_INVOKE) {
				json_t *iv = json_pack("{sssfsn}", "nemesis", name,
						       "start", op->time / 1e9, "end");

				json_array_append_new(nemesis, iv);
				json_object_set(open, name, iv);
			} else if (strcmp(op->f, "start") == 0 && op->type == DT_OP_FAIL) {
				/* It did not start: nothing to shade. */
				json_t *iv = json_object_get(open, name);

				for (size_t k = 0; iv != NULL && k < json_array_size(nemesis); k++)
					if (json_array_get(nemesis, k) == iv)
						json_array_remove(nemesis, k);
				json_object_del(open, name);
			} else if (strcmp(op->f, "heal") == 0 && op->type != DT_OP_INVOKE) {
				json_t *iv = json_object_get(open, name);

				if (iv != NULL) {
					json_object_set_new(iv, "end", json_real(op->time / 1e9));
					json_object_del(open, name);
				}
			}
			continue;
		}
		if (op->process < 0)
			continue;
		if ((size_t)op->process >= ninvoked) {
			size_t n = (size_t)op->process * 2 + 16;
			int64_t *p = realloc(invoked, n * sizeof(*p));

			if (p == NULL)
				goto out;
			for (size_t k = ninvoked; k < n; k++)
				p[k] = -1;
			invoked = p;
			ninvoked = n;
		}
		if (op->type == DT_OP_INVOKE) {
			invoked[op->process] = op->time;
		} else if (op->f != NULL) {
			size_t sec = (size_t)(op->time / 1000000000LL);
			bucket *b = get_bucket(&fs, &nfs, op->f, sec);

			if (b == NULL)
				goto out;
			if (sec + 1 > nsec)
				nsec = sec + 1;
			if (op->type == DT_OP_OK)
				b->ok++;
			else if (op->type == DT_OP_FAIL)
				b->fail++;
			else
				b->info++;
			if (invoked[op->process] >= 0 && op->type != DT_OP_INFO) {
				if (b->n == b->cap) {
					size_t c = b->cap ? b->cap * 2 : 64;
					double *l = realloc(b->lat, c * sizeof(*l));

					if (l == NULL)
						goto out;
					b->lat = l;
					b->cap = c;
				}
				b->lat[b->n++] = (double)(op->time - invoked[op->process]) / 1e6;
			}
			invoked[op->process] = -1;
		}
	}
	for (size_t sec = 0; sec < nsec; sec++) {
		json_t *values = json_object();

		for (size_t k = 0; k < nfs; k++) {
			bucket *b = sec < fs[k].nb ? &fs[k].b[sec] : NULL;
			uint64_t ok = b ? b->ok : 0, fail = b ? b->fail : 0, info = b ? b->info : 0;

			if (b != NULL && b->n > 0)
				qsort(b->lat, b->n, sizeof(double), cmp_double);
			json_object_set_new(values, fs[k].f, json_pack(
				"{sIsIsIsIsfsfsf}", "ops", (json_int_t)(ok + fail + info),
				"ok", (json_int_t)ok, "fail", (json_int_t)fail,
				"info", (json_int_t)info,
				"p50", b ? percentile(b->lat, b->n, 0.50) : 0.0,
				"p95", b ? percentile(b->lat, b->n, 0.95) : 0.0,
				"p99", b ? percentile(b->lat, b->n, 0.99) : 0.0));
		}
		/* A second still going (a live run) ends at the last event. */
		int64_t end = (int64_t)(sec + 1) * 1000000000LL;

		if (sec + 1 == nsec && last < end)
			end = last;
		json_array_append_new(series, json_pack("{sIsssO}", "time",
			(json_int_t)end, "source", "driver", "values", values));
		json_decref(values);
	}
	rc = 0;
out:
	for (size_t k = 0; k < nfs; k++) {
		for (size_t s = 0; s < fs[k].nb; s++)
			free(fs[k].b[s].lat);
		free(fs[k].b);
		free(fs[k].f);
	}
	free(fs);
	free(invoked);
	json_decref(open);
	return rc;
}

static int metrics_line(const char *line, size_t len, void *arg)
{
	json_t *m = json_loadb(line, len, 0, NULL);

	if (json_is_object(m))
		json_array_append(arg, m);
	json_decref(m);
	return 0;
}

/* Lines of metrics.jsonl; -1 when there is no such file. */
static int read_metrics(const char *dir, json_t *series)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/metrics.jsonl", dir);
	if (access(path, R_OK) != 0)
		return -1;
	each_line(path, metrics_line, series);
	return 0;
}

json_t *dtd_data_metrics(const char *dir, const char *series, double from,
			 double to, char *err)
{
	char path[PATH_MAX];
	json_t *all = json_array(), *nemesis = json_array(), *out, *kept;
	dt_history *h = NULL;
	bool have_file;
	size_t i;
	json_t *m;

	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (access(path, R_OK) == 0) {
		h = dt_history_read_live(path, err);
		if (h == NULL)
			goto fail;
	}
	have_file = read_metrics(dir, all) == 0;
	if (h != NULL) {
		json_t *derived = json_array();

		bool driver = false;

		if (derive(h, derived, nemesis) != 0) {
			json_decref(derived);
			dt_fail(err, "out of memory");
			goto fail;
		}
		/* The driver's figures come from the history unless
		 * metrics.jsonl has them. */
		json_array_foreach(all, i, m) {
			const char *src = json_string_value(json_object_get(m, "source"));

			if (src != NULL && strcmp(src, "driver") == 0)
				driver = true;
		}
		if (!have_file || !driver)
			json_array_extend(all, derived);
		json_decref(derived);
	}
	kept = json_array();
	json_array_foreach(all, i, m) {
		const char *src = json_string_value(json_object_get(m, "source"));
		double t = (double)json_integer_value(json_object_get(m, "time")) / 1e9;

		if (series != NULL && (src == NULL || strcmp(src, series) != 0))
			continue;
		if (t < from || (to >= 0 && t > to))
			continue;
		json_array_append(kept, m);
	}
	out = json_pack("{soso}", "series", kept, "nemesis", nemesis);
	json_decref(all);
	dt_history_free(h);
	return out;
fail:
	json_decref(all);
	json_decref(nemesis);
	dt_history_free(h);
	return NULL;
}
