/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: the once-a-second sampler behind metrics.jsonl.
 *
 * Workers count completions into per-operation buckets under one lock
 * (a few nanoseconds of work each); the sampler swaps the buckets out
 * every second, turns them into percentiles and writes a line, then
 * asks the client for the system's own figures.  Latencies beyond
 * DT_METRICS_SAMPLES a second are sampled uniformly (reservoir), which
 * keeps memory flat at any rate.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

#define DT_METRICS_SAMPLES 2048
#define DT_METRICS_MAX_OPS 32

typedef struct bucket {
	char f[48];
	uint64_t counts[4];
	uint64_t seen;            /* latencies offered this second */
	size_t nlat;
	int64_t lat[DT_METRICS_SAMPLES];
} bucket;

/* One worker's figures: its own lock, taken by the worker on each op
 * (never contended but once a second, by the sampler). */
typedef struct worker_figures {
	pthread_mutex_t lock;
	bucket *ops;     /* DT_METRICS_MAX_OPS */
	size_t nops;
	uint64_t rng;
} worker_figures;

struct dt_metrics {
	pthread_mutex_t lock;     /* stop and wake */
	pthread_cond_t wake;
	bool stop;
	pthread_t thread;
	FILE *out;
	dt_history_writer *clock;
	const dt_client_type *client;
	void *client_data;
	worker_figures *workers;
	size_t nworkers;
	bucket *merged;           /* the sampler's, DT_METRICS_MAX_OPS */
	dt_log_sink *log;         /* the starting thread's log */
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	return (double)v[(size_t)(p * (double)(n - 1) + 0.5)] / 1e6;
}

static bucket *bucket_for(bucket *set, size_t *n, const char *f)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(set[i].f, f) == 0)
			return &set[i];
	if (*n == DT_METRICS_MAX_OPS)
		return NULL;
	memset(&set[*n], 0, offsetof(bucket, lat));
	snprintf(set[*n].f, sizeof(set[*n].f), "%s", f);
	return &set[(*n)++];
}

/* Keep a latency: all of the first DT_METRICS_SAMPLES, then each with
 * probability SAMPLES/seen (a uniform reservoir). */
static void bucket_add_latency(bucket *b, int64_t ns, uint64_t *rng)
{
	b->seen++;
	if (b->nlat < DT_METRICS_SAMPLES) {
		b->lat[b->nlat++] = ns;
	} else {
		uint64_t j;

		*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (*rng >> 33) % b->seen;
		if (j < DT_METRICS_SAMPLES)
			b->lat[j] = ns;
	}
}

void dt_metrics_record(dt_metrics *m, int worker, const char *f,
		       dt_op_type type, int64_t latency_ns)
{
	worker_figures *w;
	bucket *b;

	if (m == NULL || worker < 0 || (size_t)worker >= m->nworkers)
		return;
	w = &m->workers[worker];
	pthread_mutex_lock(&w->lock);
	b = bucket_for(w->ops, &w->nops, f);
	if (b != NULL) {
		b->counts[type]++;
		if (type == DT_OP_OK)
			bucket_add_latency(b, latency_ns, &w->rng);
	}
	pthread_mutex_unlock(&w->lock);
}

/* Fold every worker's second into m->merged and zero theirs. */
static size_t merge_workers(dt_metrics *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nworkers; i++) {
		worker_figures *w = &m->workers[i];

		pthread_mutex_lock(&w->lock);
		for (size_t k = 0; k < w->nops; k++) {
			bucket *src = &w->ops[k];
			bucket *dst = bucket_for(m->merged, &n, src->f);

			if (dst != NULL) {
				for (int t = 0; t < 4; t++)
					dst->counts[t] += src->counts[t];
				for (size_t j = 0; j < src->nlat &&
				     dst->nlat < DT_METRICS_SAMPLES; j++)
					dst->lat[dst->nlat++] = src->lat[j];
			}
			memset(src->counts, 0, sizeof(src->counts));
			src->seen = 0;
			src->nlat = 0;
		}
		pthread_mutex_unlock(&w->lock);
	}
	return n;
}

static void write_line(dt_metrics *m, int64_t t, const char *source, json_t *values)
{
	json_t *line = json_pack("{sIsssO}", "time", (json_int_t)t, "source",
				 source, "values", values);
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text != NULL) {
		fprintf(m->out, "%s\n", text);
		free(text);
	}
	json_decref(line);
}

static void sample(dt_metrics *m)
{
	json_t *driver = json_object();
	int64_t t = dt_history_now(m->clock);
	size_t n = merge_workers(m);

	for (size_t i = 0; i < n; i++) {
		bucket *b = &m->merged[i];

		qsort(b->lat, b->nlat, sizeof(int64_t), cmp_i64);
		json_object_set_new(driver, b->f, json_pack(
			"{sIsIsIsIsfsfsfsf}",
			"ops", (json_int_t)(b->counts[1] + b->counts[2] + b->counts[3]),
			"ok", (json_int_t)b->counts[DT_OP_OK],
			"fail", (json_int_t)b->counts[DT_OP_FAIL],
			"info", (json_int_t)b->counts[DT_OP_INFO],
			"p50", pct_ms(b->lat, b->nlat, 0.50),
			"p95", pct_ms(b->lat, b->nlat, 0.95),
			"p99", pct_ms(b->lat, b->nlat, 0.99),
			"max", pct_ms(b->lat, b->nlat, 1.0)));
	}
	write_line(m, t, "driver", driver);
	json_decref(driver);

	if (m->client != NULL && m->client->metrics != NULL) {
		json_t *nodes = m->client->metrics(m->client_data);
		const char *name;
		json_t *v;

		if (json_is_object(nodes))
			json_object_foreach(nodes, name, v)
				write_line(m, t, name, v);
		json_decref(nodes);
	}
	fflush(m->out);
}

static void *sampler_main(void *arg)
{
	dt_metrics *m = arg;
	struct timespec next;

	dt_log_thread_set(m->log);
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		next.tv_sec++;
		while (!m->stop &&
		       pthread_cond_timedwait(&m->wake, &m->lock, &next) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&m->lock);
		sample(m);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	dt_log_thread_set(NULL);
	return NULL;
}

static void free_figures(dt_metrics *m)
{
	for (size_t i = 0; m->workers != NULL && i < m->nworkers; i++) {
		pthread_mutex_destroy(&m->workers[i].lock);
		free(m->workers[i].ops);
	}
	free(m->workers);
	free(m->merged);
}

dt_metrics *dt_metrics_start(const char *path, dt_history_writer *clock,
			     size_t nworkers, const dt_client_type *client,
			     void *client_data, char *err)
{
	dt_metrics *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;

	if (m == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	m->workers = calloc(nworkers + 1, sizeof(*m->workers));
	m->merged = calloc(DT_METRICS_MAX_OPS, sizeof(bucket));
	if (m->workers == NULL || m->merged == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < nworkers; i++) {
		m->workers[i].ops = calloc(DT_METRICS_MAX_OPS, sizeof(bucket));
		if (m->workers[i].ops == NULL) {
			dt_fail(err, "out of memory");
			goto fail;
		}
		pthread_mutex_init(&m->workers[i].lock, NULL);
		m->workers[i].rng = 0x853c49e6748fea9bULL + i;
		m->nworkers++;
	}
	m->out = fopen(path, "we");
	if (m->out == NULL) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	m->clock = clock;
	m->client = client;
	m->client_data = client_data;
	m->log = dt_log_thread_get();
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&m->thread, NULL, sampler_main, m) != 0) {
		dt_fail(err, "cannot start the metrics thread");
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->wake);
		dt_log_thread_set(m->log); /* hand the reference back */
		goto fail;
	}
	return m;
fail:
	if (m->out != NULL)
		fclose(m->out);
	free_figures(m);
	free(m);
	return NULL;
}

void dt_metrics_stop(dt_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	fclose(m->out);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
	free_figures(m);
	free(m);
}
