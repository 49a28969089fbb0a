/* SPDX-License-Identifier: MIT */
/*
 * stats: performance statistics of a history: per operation, counts of
 * ok/fail/info, latency percentiles of completed operations and the
 * throughput.  Always valid: it describes, it does not judge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef struct per_f {
	const char *f;
	uint64_t counts[4];
	int64_t *lat;   /* nanoseconds, ok completions */
	size_t nlat, cap;
} per_f;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double pct(const int64_t *sorted, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)sorted[i] / 1e6;
}

static per_f *find_f(per_f **list, size_t *n, const char *f)
{
	per_f *grown;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].f, f) == 0)
			return &(*list)[i];
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	*list = grown;
	memset(&grown[*n], 0, sizeof(*grown));
	grown[*n].f = f;
	return &grown[(*n)++];
}

static int stats_check(const dt_checker_env *env, const dt_history *h,
		       json_t **result, char *err)
{
	per_f *fs = NULL;
	size_t nf = 0;
	int64_t max_proc = -1, first = -1, last = 0;
	int64_t *invoke_time;
	json_t *ops = json_object();

	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].process > max_proc)
			max_proc = h->ops[i].process;
	invoke_time = calloc((size_t)(max_proc + 1) + 1, sizeof(int64_t));
	if (invoke_time == NULL) {
		json_decref(ops);
		return dt_fail(err, "out of memory");
	}
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		per_f *pf;

		if (op->process == DT_PROCESS_NEMESIS || op->f == NULL)
			continue;
		if (first < 0)
			first = op->time;
		last = op->time;
		if (op->type == DT_OP_INVOKE) {
			invoke_time[op->process] = op->time;
			continue;
		}
		pf = find_f(&fs, &nf, op->f);
		if (pf == NULL)
			break;
		pf->counts[op->type]++;
		if (op->type != DT_OP_OK)
			continue;
		if (dt_grow(&pf->lat, &pf->cap, pf->nlat + 1, sizeof(*pf->lat)) != 0)
			break;
		pf->lat[pf->nlat++] = op->time - invoke_time[op->process];
	}
	for (size_t i = 0; i < nf; i++) {
		per_f *pf = &fs[i];
		double secs = last > first ? (double)(last - first) / 1e9 : 0;

		qsort(pf->lat, pf->nlat, sizeof(int64_t), cmp_i64);
		json_object_set_new(ops, pf->f, json_pack(
			"{sIsIsIsfs{sfsfsfsfsf}}",
			"ok", (json_int_t)pf->counts[DT_OP_OK],
			"fail", (json_int_t)pf->counts[DT_OP_FAIL],
			"info", (json_int_t)pf->counts[DT_OP_INFO],
			"ok_per_second", secs > 0 ? (double)pf->counts[DT_OP_OK] / secs : 0.0,
			"latency_ms",
			"p50", pct(pf->lat, pf->nlat, 0.50),
			"p95", pct(pf->lat, pf->nlat, 0.95),
			"p99", pct(pf->lat, pf->nlat, 0.99),
			"max", pct(pf->lat, pf->nlat, 1.0),
			"mean", 0.0));
		{
			double sum = 0;

			for (size_t k = 0; k < pf->nlat; k++)
				sum += (double)pf->lat[k];
			json_object_set_new(json_object_get(json_object_get(ops, pf->f),
							    "latency_ms"), "mean",
					    json_real(pf->nlat ? sum / (double)pf->nlat / 1e6 : 0));
		}
		free(pf->lat);
	}
	free(fs);
	free(invoke_time);
	*result = json_pack("{sbsfso}", "valid", 1,
			    "seconds_of_history",
			    last > first ? (double)(last - first) / 1e9 : 0.0,
			    "operations", ops);
	return 0;
}

static const dt_checker_type stats_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "stats", .version = "1.0",
		  .description = "throughput, latency percentiles and outcome "
				 "counts per operation" },
	.check = stats_check,
};

static int stats_plugin(dt_registry *reg)
{
	return dt_register_checker(reg, &stats_checker);
}

DT_PLUGIN_DEFINE(stats_plugin)
