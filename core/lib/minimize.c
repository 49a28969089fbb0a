/*
 * minimize.c: the shortest part of an invalid history that its checker
 * still finds invalid (see minimize.h for the steps and why they are
 * the only ones).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "history.h"
#include "minimize.h"
#include "store.h"

typedef struct mz {
	const dt_checker_type *ct;
	dt_checker_env env;
	double check_timeout;   /* the checker's own budget, 0: none */
	const dt_history *h;
	const char *why;        /* the anomaly type to keep, or NULL */
	bool *failed;           /* events of operations that failed */
	dt_deadline deadline;
	bool expired;
	size_t checks;
	dt_op *ops;             /* a candidate's events */
} mz;

/* Mark the invoke and completion of every operation that failed. */
static int mark_failed(mz *m)
{
	const dt_history *h = m->h;
	size_t *open = NULL, nopen = 0;

	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (op->process == DT_PROCESS_NEMESIS || op->process < 0)
			continue;
		if ((size_t)op->process >= nopen &&
		    dt_grow(&open, &nopen, (size_t)op->process + 1, sizeof(*open)) != 0) {
			free(open);
			return -1;
		}
		if (op->type == DT_OP_INVOKE) {
			open[op->process] = i + 1;
		} else if (open[op->process] != 0) {
			if (op->type == DT_OP_FAIL)
				m->failed[open[op->process] - 1] = m->failed[i] = true;
			open[op->process] = 0;
		}
	}
	free(open);
	return 0;
}

/* The first `upto` events, without the failed operations when
 * drop_failed, renumbered into m->ops; their count. */
static size_t build(mz *m, size_t upto, bool drop_failed)
{
	size_t n = 0;

	for (size_t i = 0; i < upto; i++) {
		if (drop_failed && m->failed[i])
			continue;
		m->ops[n] = m->h->ops[i];
		m->ops[n].index = (int64_t)n;
		n++;
	}
	return n;
}

static bool has_type(const json_t *res, const char *why)
{
	const json_t *types = json_object_get(res, "anomaly-types"), *t;
	size_t i;

	json_array_foreach(types, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), why) == 0)
			return true;
	return false;
}

/* Whether the candidate (upto, drop_failed) still fails. */
static bool fails(mz *m, size_t upto, bool drop_failed)
{
	dt_history cand = { .ops = m->ops };
	char err[DT_ERRBUF_SIZE] = "";
	json_t *res = NULL;
	double left = dt_deadline_left(&m->deadline);
	bool bad;

	if (left <= 0) {
		m->expired = true;
		return false;
	}
	cand.count = build(m, upto, drop_failed);
	m->env.timeout = m->check_timeout > 0 && m->check_timeout < left ?
			 m->check_timeout : left;
	m->checks++;
	if (m->ct->check(&m->env, &cand, &res, err) != 0 || res == NULL) {
		json_decref(res);
		return false;
	}
	bad = json_is_false(json_object_get(res, "valid")) &&
	      (m->why == NULL || has_type(res, m->why));
	json_decref(res);
	return bad;
}

json_t *dt_minimize(const dt_checker_type *ct, const dt_checker_env *env,
		    const json_t *result, const dt_history *h, double budget,
		    dt_history **out, char *err)
{
	mz m = { .ct = ct, .env = *env, .check_timeout = env->timeout, .h = h };
	const json_t *types = json_object_get(result, "anomaly-types");
	size_t lo = 0, hi = h->count, ops = 0, from = 0, n;
	bool drop = true;
	double t0 = dt_now();
	json_t *r = NULL;

	if (out != NULL)
		*out = NULL;
	m.env.store_dir = NULL;   /* candidates write no pages */
	if (json_is_string(json_array_get(types, 0)))
		m.why = json_string_value(json_array_get(types, 0));
	dt_deadline_set(&m.deadline, budget);
	m.failed = calloc(h->count ? h->count : 1, sizeof(*m.failed));
	m.ops = malloc((h->count ? h->count : 1) * sizeof(*m.ops));
	if (m.failed == NULL || m.ops == NULL || mark_failed(&m) != 0) {
		dt_fail(err, "out of memory");
		goto out;
	}
	/* the whole history without its failed operations, else with them */
	if (!fails(&m, h->count, true)) {
		drop = false;
		if (!m.expired && !fails(&m, h->count, false)) {
			if (!m.expired) {
				dt_fail(err, "the checker finds the history valid "
					"(or cannot decide it) when it checks it again");
				goto out;
			}
		}
	}
	/* the earliest cut that fails: hi fails, lo (0: nothing) does not */
	while (hi - lo > 1 && !m.expired) {
		size_t mid = lo + (hi - lo) / 2;

		if (fails(&m, mid, drop))
			hi = mid;
		else if (!m.expired)
			lo = mid;
	}
	n = build(&m, hi, drop);
	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].type == DT_OP_INVOKE && h->ops[i].process != DT_PROCESS_NEMESIS) {
			from++;
			if (i < hi && !(drop && m.failed[i]))
				ops++;
		}
	r = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I, s:f, s:b}",
		      "operations", (json_int_t)ops, "from", (json_int_t)from,
		      "events", (json_int_t)n,
		      "until", hi ? (double)h->ops[hi - 1].time / 1e9 : 0.0,
		      "last-index", (json_int_t)(hi ? hi - 1 : 0),
		      "checks", (json_int_t)m.checks, "seconds", dt_now() - t0,
		      "complete", !m.expired);
	if (r != NULL && out != NULL && (*out = calloc(1, sizeof(**out))) != NULL) {
		(*out)->ops = malloc((n ? n : 1) * sizeof(dt_op));
		if ((*out)->ops == NULL) {
			free(*out);
			*out = NULL;
		} else {
			memcpy((*out)->ops, m.ops, n * sizeof(dt_op));
			(*out)->count = n;
		}
	}
out:
	free(m.failed);
	free(m.ops);
	return r;
}

void dt_minimal_free(dt_history *m)
{
	if (m == NULL)
		return;
	free(m->ops);
	free(m);
}

int dt_minimal_write(const char *dir, const char *name, const dt_history *m,
		     char *err)
{
	dt_buf b = { 0 };
	int rc;

	for (size_t i = 0; i < m->count; i++) {
		char *line = dt_op_to_json(&m->ops[i]);

		if (line == NULL || dt_buf_printf(&b, "%s\n", line) != 0) {
			free(line);
			dt_buf_free(&b);
			return dt_fail(err, "%s/%s: out of memory", dir, name);
		}
		free(line);
	}
	rc = dt_store_write_file(dir, name, b.data ? (const char *)b.data : "",
				 b.len, err);
	dt_buf_free(&b);
	return rc;
}
