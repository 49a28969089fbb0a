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

struct dt_metrics {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	pthread_t thread;
	FILE *out;
	dt_history_writer *clock;
	const dt_client_type *client;
	void *client_data;
	bucket *live;    /* DT_METRICS_MAX_OPS each */
	bucket *spare;
	size_t nlive;
	uint64_t rng;
	dt_log_sink *log; /* the starting thread's log */
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

void dt_metrics_record(dt_metrics *m, const char *f, dt_op_type type,
		       int64_t latency_ns)
{
	bucket *b = NULL;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nlive; i++)
		if (strcmp(m->live[i].f, f) == 0) {
			b = &m->live[i];
			break;
		}
	if (b == NULL && m->nlive < DT_METRICS_MAX_OPS) {
		b = &m->live[m->nlive++];
		snprintf(b->f, sizeof(b->f), "%s", f);
	}
	if (b != NULL) {
		b->counts[type]++;
		if (type == DT_OP_OK) {
			b->seen++;
			if (b->nlat < DT_METRICS_SAMPLES) {
				b->lat[b->nlat++] = latency_ns;
			} else {
				/* reservoir: keep each with probability k/seen */
				uint64_t j;

				m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
				j = (m->rng >> 33) % b->seen;
				if (j < DT_METRICS_SAMPLES)
					b->lat[j] = latency_ns;
			}
		}
	}
	pthread_mutex_unlock(&m->lock);
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
	bucket *mine;
	size_t n;
	json_t *driver = json_object();
	int64_t t = dt_history_now(m->clock);

	pthread_mutex_lock(&m->lock);
	mine = m->live;
	n = m->nlive;
	m->live = m->spare;
	m->spare = mine;
	/* the new live set starts with the same ops, zeroed */
	for (size_t i = 0; i < n; i++) {
		memset(&m->live[i], 0, offsetof(bucket, lat));
		memcpy(m->live[i].f, mine[i].f, sizeof(mine[i].f));
	}
	pthread_mutex_unlock(&m->lock);

	for (size_t i = 0; i < n; i++) {
		bucket *b = &mine[i];

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

dt_metrics *dt_metrics_start(const char *path, dt_history_writer *clock,
			     const dt_client_type *client, void *client_data,
			     char *err)
{
	dt_metrics *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;

	if (m == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	m->live = calloc(DT_METRICS_MAX_OPS, sizeof(bucket));
	m->spare = calloc(DT_METRICS_MAX_OPS, sizeof(bucket));
	m->out = fopen(path, "we");
	if (m->live == NULL || m->spare == NULL || m->out == NULL) {
		dt_fail(err, "%s: %s", path, m->out ? "out of memory" : strerror(errno));
		goto fail;
	}
	m->clock = clock;
	m->client = client;
	m->client_data = client_data;
	m->rng = 0x853c49e6748fea9bULL;
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
		goto fail;
	}
	return m;
fail:
	if (m->out != NULL)
		fclose(m->out);
	free(m->live);
	free(m->spare);
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
	free(m->live);
	free(m->spare);
	free(m);
}
