/* SPDX-License-Identifier: MIT */
/*
 * minimize.c: the shortest part of an invalid history that its checker
 * still finds invalid (see minimize.h for the steps and why they are
 * the only ones).
 */
#include "config.h"

#include <stdint.h>
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
	size_t *pair;           /* each client event's other half, or SIZE_MAX */
	bool *keep;             /* the events of the candidate kept so far */
	bool *trial;            /* keep, less what a candidate leaves out */
	dt_deadline deadline;
	bool expired;
	size_t checks;
	dt_op *ops;             /* a candidate's events */
} mz;

static bool is_client(const dt_op *op)
{
	return op->process != DT_PROCESS_NEMESIS && op->process >= 0;
}

/* Pair each invocation with its completion (by process). */
static int pair_events(mz *m)
{
	const dt_history *h = m->h;
	size_t *open = NULL, nopen = 0;

	for (size_t i = 0; i < h->count; i++)
		m->pair[i] = SIZE_MAX;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (!is_client(op))
			continue;
		if ((size_t)op->process >= nopen &&
		    dt_grow(&open, &nopen, (size_t)op->process + 1, sizeof(*open)) != 0) {
			free(open);
			return -1;
		}
		if (op->type == DT_OP_INVOKE) {
			open[op->process] = i + 1;
		} else if (open[op->process] != 0) {
			m->pair[i] = open[op->process] - 1;
			m->pair[open[op->process] - 1] = i;
			open[op->process] = 0;
		}
	}
	free(open);
	return 0;
}

/* Leave operation i (an invocation or completion) out of mask. */
static void leave_out(mz *m, bool *mask, size_t i)
{
	mask[i] = false;
	if (m->pair[i] != SIZE_MAX)
		mask[m->pair[i]] = false;
}

/* The first `upto` events that mask keeps, renumbered into m->ops;
 * their count. */
static size_t build(mz *m, const bool *mask, size_t upto)
{
	size_t n = 0;

	for (size_t i = 0; i < upto; i++) {
		if (!mask[i])
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

/* Whether the candidate (the first upto events mask keeps) still
 * fails. */
static bool fails(mz *m, const bool *mask, size_t upto)
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
	cand.count = build(m, mask, upto);
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

/* Whether the trial mask (keep with what it leaves out) fails: then it
 * becomes keep. */
static bool try_trial(mz *m, size_t upto)
{
	if (!fails(m, m->trial, upto)) {
		memcpy(m->trial, m->keep, m->h->count * sizeof(*m->keep));
		return false;
	}
	memcpy(m->keep, m->trial, m->h->count * sizeof(*m->keep));
	return true;
}

/* An operation's key as the models find it: its key, else its value's
 * "key" when that is a string; NULL when it has none. */
static const char *op_key(const dt_op *op)
{
	const json_t *k;

	if (op->key != NULL)
		return op->key;
	k = json_is_object(op->value) ? json_object_get(op->value, "key") : NULL;
	return json_is_string(k) ? json_string_value(k) : NULL;
}

/* DT_MINIMIZE_PER_KEY: keep only the operations of the first key with
 * which the history still fails, the key the result names first.
 * Every client operation needs a key for the step to apply. */
static const char *one_key(mz *m, const json_t *result)
{
	const dt_history *h = m->h;
	const char *named = json_string_value(json_object_get(
		json_array_get(json_object_get(result, "failures"), 0), "key"));
	const char **keys = NULL;
	size_t nkeys = 0, cap = 0;
	const char *found = NULL;

	for (size_t i = 0; i < h->count; i++) {
		const char *k;
		size_t j;

		if (!is_client(&h->ops[i]) || h->ops[i].type != DT_OP_INVOKE)
			continue;
		if ((k = op_key(&h->ops[i])) == NULL)
			goto out;
		for (j = 0; j < nkeys && strcmp(keys[j], k) != 0; j++)
			;
		if (j < nkeys)
			continue;
		if (nkeys == cap && dt_grow(&keys, &cap, nkeys + 1, sizeof(*keys)) != 0)
			goto out;
		keys[nkeys++] = k;
	}
	if (nkeys < 2)
		goto out;
	for (size_t t = 0; t <= nkeys && found == NULL && !m->expired; t++) {
		/* t == 0: the key the result names, then each in turn */
		const char *k = t == 0 ? named : keys[t - 1];

		if (k == NULL || (t > 0 && named != NULL && strcmp(k, named) == 0))
			continue;
		for (size_t i = 0; i < h->count; i++) {
			const char *ik;

			if (!is_client(&h->ops[i]) || h->ops[i].type != DT_OP_INVOKE)
				continue;
			ik = op_key(&h->ops[i]);
			if (ik != NULL && strcmp(ik, k) != 0)
				leave_out(m, m->trial, i);
		}
		if (try_trial(m, h->count))
			found = k;
	}
out:
	free(keys);
	return found;
}

/* DT_MINIMIZE_READS: leave out the reads the failure does not need, in
 * chunks halved until single reads (delta debugging's complements). */
static void drop_reads(mz *m, size_t upto)
{
	size_t *reads = NULL, nreads = 0, cap = 0, chunk;

	for (size_t i = 0; i < upto; i++) {
		const dt_op *op = &m->h->ops[i];

		if (m->keep[i] && is_client(op) && op->type == DT_OP_INVOKE &&
		    op->f != NULL && (strcmp(op->f, "read") == 0 ||
				      strcmp(op->f, "get") == 0)) {
			if (nreads == cap && dt_grow(&reads, &cap, nreads + 1, sizeof(*reads)) != 0)
				break;
			reads[nreads++] = i;
		}
	}
	for (chunk = nreads / 2 ? nreads / 2 : 1; nreads > 0 && !m->expired;) {
		bool gone = false;

		for (size_t at = 0; at < nreads && !m->expired; at += chunk) {
			size_t end = at + chunk < nreads ? at + chunk : nreads;
			bool any = false;

			for (size_t r = at; r < end; r++)
				if (m->keep[reads[r]]) {
					leave_out(m, m->trial, reads[r]);
					any = true;
				}
			if (any && try_trial(m, upto))
				gone = true;
		}
		if (!gone && chunk == 1)
			break;
		if (!gone)
			chunk /= 2;
	}
	free(reads);
}

json_t *dt_minimize(const dt_checker_type *ct, const dt_checker_env *env,
		    const json_t *result, const dt_history *h, double budget,
		    dt_history **out, char *err)
{
	mz m = { .ct = ct, .env = *env, .check_timeout = env->timeout, .h = h };
	const json_t *types = json_object_get(result, "anomaly-types");
	size_t lo = 0, hi = h->count, ops = 0, from = 0, n, bytes;
	const char *key = NULL;
	double t0 = dt_now();
	json_t *r = NULL;

	if (out != NULL)
		*out = NULL;
	m.env.store_dir = NULL;   /* candidates write no pages */
	if (json_is_string(json_array_get(types, 0)))
		m.why = json_string_value(json_array_get(types, 0));
	dt_deadline_set(&m.deadline, budget);
	bytes = (h->count ? h->count : 1) * sizeof(bool);
	m.pair = malloc((h->count ? h->count : 1) * sizeof(*m.pair));
	m.keep = malloc(bytes);
	m.trial = malloc(bytes);
	m.ops = malloc((h->count ? h->count : 1) * sizeof(*m.ops));
	if (m.pair == NULL || m.keep == NULL || m.trial == NULL || m.ops == NULL ||
	    pair_events(&m) != 0) {
		dt_fail(err, "out of memory");
		goto out;
	}
	memset(m.keep, 1, bytes);
	memset(m.trial, 1, bytes);
	/* the whole history without its failed operations, else with them */
	for (size_t i = 0; i < h->count; i++)
		if (is_client(&h->ops[i]) && h->ops[i].type == DT_OP_FAIL)
			leave_out(&m, m.trial, i);
	if (!try_trial(&m, h->count) && !m.expired &&
	    !fails(&m, m.keep, h->count) && !m.expired) {
		dt_fail(err, "the checker finds the history valid "
			"(or cannot decide it) when it checks it again");
		goto out;
	}
	if (ct->minimize & DT_MINIMIZE_PER_KEY)
		key = one_key(&m, result);
	/* the earliest cut that fails: hi fails, lo (0: nothing) does not */
	while (hi - lo > 1 && !m.expired) {
		size_t mid = lo + (hi - lo) / 2;

		if (fails(&m, m.keep, mid))
			hi = mid;
		else if (!m.expired)
			lo = mid;
	}
	if (ct->minimize & DT_MINIMIZE_READS)
		drop_reads(&m, hi);
	n = build(&m, m.keep, hi);
	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].type == DT_OP_INVOKE && is_client(&h->ops[i])) {
			from++;
			if (i < hi && m.keep[i])
				ops++;
		}
	r = json_pack("{s:I, s:I, s:I, s:f, s:I, s:I, s:f, s:b}",
		      "operations", (json_int_t)ops, "from", (json_int_t)from,
		      "events", (json_int_t)n,
		      "until", hi ? (double)h->ops[hi - 1].time / 1e9 : 0.0,
		      "last-index", (json_int_t)(hi ? hi - 1 : 0),
		      "checks", (json_int_t)m.checks, "seconds", dt_now() - t0,
		      "complete", !m.expired);
	if (r != NULL && key != NULL)
		json_object_set_new(r, "key", json_string(key));
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
	free(m.pair);
	free(m.keep);
	free(m.trial);
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
