/* SPDX-License-Identifier: MIT */
/*
 * bench_recorder.c: where the driver's time per operation goes when the
 * system costs nothing (the mem client), piece by piece, on 1 and 2
 * threads:
 *
 *   values     make an op's value (json_pack) and free it: the
 *              workload's generate and the client's result
 *   encode     that plus json_dumps of the value: what the recorder does
 *              to each event outside its lock
 *   record     dt_history_append of an invoke and its completion (two
 *              events per op) into a real history file: the recorder
 *   record+metrics  the same plus one dt_metrics_record per op, as the
 *              scheduler does
 *
 * Each figure is operations a second (one op = invoke + completion) and
 * the CPU time per op, which a loaded machine does not distort: 1M ops/s
 * on 2 threads needs at most 2us of CPU per op and no serialisation.
 * Before timing, it checks that the recorder's own encoder writes each
 * line byte for byte as jansson would (dt_op_to_json), on values of
 * every kind, and fails if not.
 * Usage: dt-bench-recorder [-s SECONDS_EACH]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "metrics.h"

typedef enum { B_VALUES, B_ENCODE, B_RECORD, B_RECORD_METRICS } bench_kind;

static const char *const NAMES[] = { "values", "encode", "record", "record+metrics" };

typedef struct shared {
	bench_kind kind;
	double seconds;
	dt_history_writer *w;
	dt_metrics *m;
	atomic_bool stop;
} shared;

typedef struct thread_arg {
	shared *s;
	int index;
	uint64_t ops;
	double cpu;     /* seconds of CPU the thread used */
	pthread_t t;
} thread_arg;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *p)
{
	thread_arg *a = p;
	shared *s = a->s;
	uint64_t n = 0;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		/* A batch between looks at the clock flag. */
		for (int i = 0; i < 256; i++, n++) {
			json_t *v = json_pack("{sssI}", "key", "r1", "value",
					      (json_int_t)(n % 1000));
			json_t *r = json_pack("{sssI}", "key", "r1", "value",
					      (json_int_t)(n % 1000));

			if (s->kind == B_ENCODE) {
				char *t1 = json_dumps(v, JSON_COMPACT);
				char *t2 = json_dumps(r, JSON_COMPACT);

				free(t1);
				free(t2);
			} else if (s->kind >= B_RECORD) {
				dt_op inv = { .process = a->index, .type = DT_OP_INVOKE,
					      .f = "read", .value = v };
				dt_op ok = { .process = a->index, .type = DT_OP_OK,
					     .f = "read", .value = r };

				dt_history_append(s->w, &inv);
				dt_history_append(s->w, &ok);
				if (s->kind == B_RECORD_METRICS)
					dt_metrics_record(s->m, a->index, "read", DT_OP_OK, 1000);
			}
			json_decref(v);
			json_decref(r);
		}
	}
	a->ops = n;
	{
		struct timespec t;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		a->cpu = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
	}
	return NULL;
}

/* ops/s by the wall clock; *cpu_us gets microseconds of CPU per op
 * (robust against a loaded machine, unlike the rate). */
static double measure(bench_kind kind, int threads, double seconds, const char *dir,
		      double *cpu_us)
{
	double cpu = 0;
	shared s = { .kind = kind, .seconds = seconds };
	thread_arg a[2];
	char path[512], err[DT_ERRBUF_SIZE];
	double t0, t1;
	uint64_t total = 0;

	atomic_init(&s.stop, false);
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (kind >= B_RECORD) {
		s.w = dt_history_writer_open(path, err);
		if (s.w == NULL) {
			fprintf(stderr, "dt-bench-recorder: %s\n", err);
			exit(1);
		}
	}
	if (kind == B_RECORD_METRICS) {
		snprintf(path, sizeof(path), "%s/metrics.jsonl", dir);
		s.m = dt_metrics_start(path, s.w, (size_t)threads, NULL, NULL, err);
		if (s.m == NULL) {
			fprintf(stderr, "dt-bench-recorder: %s\n", err);
			exit(1);
		}
	}
	t0 = now();
	for (int i = 0; i < threads; i++) {
		a[i].s = &s;
		a[i].index = i;
		pthread_create(&a[i].t, NULL, run, &a[i]);
	}
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&s.stop, true);
	for (int i = 0; i < threads; i++) {
		pthread_join(a[i].t, NULL);
		total += a[i].ops;
		cpu += a[i].cpu;
	}
	t1 = now();
	if (s.m != NULL)
		dt_metrics_stop(s.m);
	if (s.w != NULL)
		dt_history_writer_close(s.w, err);
	*cpu_us = total ? cpu * 1e6 / (double)total : 0;
	return (double)total / (t1 - t0);
}

/* The recorder's lines must be exactly dt_op_to_json's (jansson's). */
static int check_encoding(const char *dir)
{
	static const char *const values[] = {
		"null", "true", "false", "0", "-1", "9223372036854775807",
		"-9223372036854775808", "1.5", "-0.0", "1e300", "\"\"", "\"r1\"",
		"\"a\\\"b\\\\c\"", "\"tab\\there\\u0001\"", "\"caf\\u00e9 \\u2603\"",
		"\"a/b\"", "{}", "[]", "{\"key\":\"r1\"}", "{\"key\":\"r1\",\"value\":3}",
		"{\"key\":\"r1\",\"value\":[1,2]}", "{\"z\":1,\"a\":2,\"m\":{\"q\":null}}",
		"[1,\"x\",[2.25,{\"k\\n\":false}],{}]", "{\"\\u00e9\":\"\\u00e9\"}",
		"[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
		"{\"from\":0,\"to\":4,\"amount\":5}", "[100,200,300,-7]",
	};
	size_t n = sizeof(values) / sizeof(values[0]);
	char path[512], err[DT_ERRBUF_SIZE];
	char *expect[2 * (sizeof(values) / sizeof(values[0]))];
	dt_history_writer *w;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, i = 0, bad = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/check.jsonl", dir);
	w = dt_history_writer_open(path, err);
	if (w == NULL) {
		fprintf(stderr, "dt-bench-recorder: %s\n", err);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_loads(values[k], JSON_DECODE_ANY, NULL);
		dt_op inv = { .process = 3, .type = DT_OP_INVOKE, .f = "read", .value = v };
		dt_op done = { .process = 3, .type = DT_OP_FAIL, .f = "read", .value = v,
			       .key = k % 2 ? "k\"1" : "k1", .error = k % 3 ? "bad\n" : "e" };

		if (v == NULL) {
			fprintf(stderr, "dt-bench-recorder: bad test value %s\n", values[k]);
			exit(1);
		}
		dt_history_append(w, &inv);
		dt_history_append(w, &done);
		expect[2 * k] = dt_op_to_json(&inv);
		expect[2 * k + 1] = dt_op_to_json(&done);
		json_decref(v);
	}
	if (dt_history_writer_close(w, err) != 0 || (f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "dt-bench-recorder: %s\n", err);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0 && i < 2 * n) {
		line[len - 1] = '\0';
		if (strcmp(line, expect[i]) != 0) {
			fprintf(stderr, "encoding differs:\n  recorder %s\n  jansson  %s\n",
				line, expect[i]);
			bad++;
		}
		i++;
	}
	if (i != 2 * n)
		bad++;
	for (size_t k = 0; k < 2 * n; k++)
		free(expect[k]);
	free(line);
	fclose(f);
	unlink(path);
	printf("encoding check: %zu lines %s jansson's\n", i,
	       bad ? "DIFFER from" : "identical to");
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	double seconds = 2;
	char dir[256] = "/tmp/dt-bench-recorder-XXXXXX";
	char path[512];
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt == 's')
			seconds = atof(optarg);
		else {
			fprintf(stderr, "usage: dt-bench-recorder [-s SECONDS_EACH]\n");
			return 3;
		}
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (check_encoding(dir) != 0) {
		rmdir(dir);
		return 1;
	}
	printf("recorder benchmark: ops/s (op = invoke + completion), %.1fs each\n", seconds);
	printf("  %-16s %12s %10s %12s %10s\n", "", "1 thread", "CPU/op",
	       "2 threads", "CPU/op");
	for (int k = B_VALUES; k <= B_RECORD_METRICS; k++) {
		double c1, c2;
		double one = measure((bench_kind)k, 1, seconds, dir, &c1);
		double two = measure((bench_kind)k, 2, seconds, dir, &c2);

		printf("  %-16s %12.0f %8.2fus %12.0f %8.2fus\n", NAMES[k], one, c1, two, c2);
	}
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/metrics.jsonl", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
