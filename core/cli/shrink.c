/* SPDX-License-Identifier: MIT */
/*
 * shrink.c: `dt-run shrink RUN-FOLDER`: the smallest fault schedule that
 * still makes the run's failure appear.
 *
 * The run's faults are read from its history (each nemesis start: when,
 * which nemesis, on which nodes, until its heal) and replayed as an
 * explicit schedule (the suite's `schedule:`), with the run's suite and
 * seed.  Delta debugging (Zeller's ddmin) removes faults while the same
 * checkers still find the run invalid; a distributed failure is not
 * deterministic, so each candidate gets up to `tries` runs and counts as
 * reproducing at the first invalid one.  Then the run is shortened to
 * just after the last fault.  The result is written as a suite
 * (FOLDER/shrunk.json: JSON is YAML), with how often it reproduced.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "run.h"
#include "store.h"

typedef struct fault {
	double at, duration;
	json_t *entry;        /* {at, nemesis, duration, nodes} (owned) */
} fault;

typedef struct shrink {
	const char *dir;
	json_t *suite;        /* the run's suite.json (owned) */
	json_t *failing;      /* names of the checkers that found it invalid */
	const dt_run_opts *opts;
	int tries;
	int runs;             /* runs made so far */
	char store[PATH_MAX];
} shrink;

/* Whether two nemesis events are of one entry (histories before
 * "entry" was recorded: by name alone). */
static bool same_entry(const json_t *a, const json_t *b)
{
	const json_t *x = json_object_get(a, "entry"), *y = json_object_get(b, "entry");

	return (x == NULL && y == NULL) || (x != NULL && y != NULL && json_equal(x, y));
}

/* The run's faults, in order of start: each start's time and nodes, and
 * its heal (or the run's end) for its duration. */
static fault *read_faults(const dt_history *h, const json_t *suite, size_t *n)
{
	fault *f = calloc(h->count + 1, sizeof(*f));
	double end = 0;

	*n = 0;
	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < h->count; i++)
		if ((double)h->ops[i].time / 1e9 > end)
			end = (double)h->ops[i].time / 1e9;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		const char *name;
		double until = end;

		if (op->process != DT_PROCESS_NEMESIS || op->type != DT_OP_INFO ||
		    strcmp(op->f, "start") != 0)
			continue;
		name = json_string_value(json_object_get(op->value, "nemesis"));
		if (name == NULL)
			continue;
		for (size_t j = i + 1; j < h->count; j++) {
			const dt_op *o = &h->ops[j];

			if (o->process == DT_PROCESS_NEMESIS && strcmp(o->f, "heal") == 0 &&
			    o->type == DT_OP_INVOKE &&
			    same_entry(o->value, op->value) &&
			    strcmp(json_string_value(json_object_get(o->value, "nemesis")) ?
				   json_string_value(json_object_get(o->value, "nemesis")) : "",
				   name) == 0) {
				until = (double)o->time / 1e9;
				break;
			}
		}
		f[*n].at = (double)op->time / 1e9;
		f[*n].duration = until - f[*n].at;
		/* the entry's index when the history names it (two entries
		 * may share a name), else its name */
		f[*n].entry = json_pack("{s:f, s:O, s:f, s:O}", "at", f[*n].at,
					"nemesis", json_is_integer(json_object_get(op->value, "entry")) ?
					json_object_get(op->value, "entry") : json_object_get(op->value, "nemesis"),
					"duration", f[*n].duration,
					"nodes", json_object_get(op->value, "nodes") ?
					json_object_get(op->value, "nodes") : json_array());
		(*n)++;
	}
	(void)suite;
	return f;
}

/* Whether a run of the suite with these faults (and time limit) fails
 * as the original did: invalid, by one of the same checkers. */
static bool fails(shrink *sh, const fault *f, const bool *keep, size_t n,
		  double limit)
{
	json_t *s = json_deep_copy(sh->suite), *sched = json_array();
	char path[PATH_MAX + 64], err[DT_ERRBUF_SIZE];
	bool reproduced = false;

	for (size_t i = 0; i < n; i++)
		if (keep[i])
			json_array_append(sched, f[i].entry);
	json_object_set_new(s, "schedule", sched);
	json_object_set_new(s, "time-limit", json_real(limit));
	snprintf(path, sizeof(path), "%s/candidate.json", sh->store);
	if (json_dump_file(s, path, JSON_INDENT(2)) != 0) {
		json_decref(s);
		return false;
	}
	json_decref(s);
	for (int t = 0; t < sh->tries && !reproduced; t++) {
		dt_run_opts o = *sh->opts;
		dt_run *r;
		int status;

		o.suite = path;
		o.store = sh->store;
		o.nemesis = NULL;
		o.time_limit = -1;
		o.has_seed = false;   /* suite.json keeps the run's seed */
		r = dt_run_new(&o, err);
		if (r == NULL) {
			fprintf(stderr, "dt-run: shrink: %s\n", err);
			return false;
		}
		status = dt_run_execute(r, err);
		sh->runs++;
		if (status == DT_EXIT_INVALID) {
			const char *k;
			json_t *c;

			json_object_foreach((json_t *)json_object_get(dt_run_results(r),
				"checkers"), k, c)
				if (json_is_false(json_object_get(c, "valid")) &&
				    json_object_get(sh->failing, k) != NULL)
					reproduced = true;
		} else if (status >= DT_EXIT_USAGE) {
			fprintf(stderr, "dt-run: shrink: %s\n", err);
		}
		dt_run_free(r);
	}
	return reproduced;
}

static size_t count(const bool *keep, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += keep[i];
	return c;
}

/*
 * ddmin over the kept faults: split them into `parts` chunks; keep a
 * chunk alone if it fails, else drop a chunk if the rest still fails,
 * else split finer.
 */
static void ddmin(shrink *sh, const fault *f, bool *keep, size_t n, double limit)
{
	size_t parts = 2;
	bool *trial = calloc(n + 1, sizeof(*trial));

	if (trial == NULL)
		return;
	while (count(keep, n) >= 2) {
		size_t kept = count(keep, n), *idx = calloc(kept, sizeof(*idx)), m = 0;
		bool progress = false;

		if (idx == NULL)
			break;
		for (size_t i = 0; i < n; i++)
			if (keep[i])
				idx[m++] = i;
		if (parts > kept)
			parts = kept;
		for (size_t c = 0; c < parts && !progress; c++) {
			size_t lo = c * kept / parts, hi = (c + 1) * kept / parts;

			/* the chunk alone */
			memset(trial, 0, n * sizeof(*trial));
			for (size_t j = lo; j < hi; j++)
				trial[idx[j]] = true;
			if (fails(sh, f, trial, n, limit)) {
				memcpy(keep, trial, n * sizeof(*keep));
				parts = 2;
				progress = true;
				break;
			}
			/* everything but the chunk */
			memcpy(trial, keep, n * sizeof(*trial));
			for (size_t j = lo; j < hi; j++)
				trial[idx[j]] = false;
			if (parts > 2 && fails(sh, f, trial, n, limit)) {
				memcpy(keep, trial, n * sizeof(*keep));
				parts = parts > 3 ? parts - 1 : 2;
				progress = true;
			}
		}
		free(idx);
		if (!progress) {
			if (parts >= kept)
				break;
			parts = parts * 2 < kept ? parts * 2 : kept;
		}
	}
	/* one fault left: none at all may do too (a failure of the system's
	 * own, without faults) */
	if (count(keep, n) == 1) {
		memset(trial, 0, n * sizeof(*trial));
		if (fails(sh, f, trial, n, limit))
			memset(keep, 0, n * sizeof(*keep));
	}
	free(trial);
}

/* The end of the last kept fault, and a second more (or 20 %). */
static double last_end(const fault *f, const bool *keep, size_t n)
{
	double end = 0;

	for (size_t i = 0; i < n; i++)
		if (keep[i] && f[i].at + f[i].duration > end)
			end = f[i].at + f[i].duration;
	return end + fmax(1, end * 0.2);
}

int cli_shrink(const char *dir, int tries, const dt_run_opts *opts)
{
	char path[PATH_MAX + 64], err[DT_ERRBUF_SIZE];
	shrink sh = { .dir = dir, .opts = opts, .tries = tries > 0 ? tries : 3 };
	json_t *results;
	dt_history *h = NULL;
	fault *f = NULL;
	bool *keep = NULL;
	size_t n = 0;
	double limit, shorter;
	int rc = DT_EXIT_CONFIG, reproduced = 0;

	if (dir == NULL)
		return cli_usage_error("%s", "shrink: give a run folder");
	snprintf(path, sizeof(path), "%s/suite.json", dir);
	sh.suite = json_load_file(path, 0, NULL);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	results = json_load_file(path, 0, NULL);
	if (sh.suite == NULL || results == NULL) {
		fprintf(stderr, "dt-run: shrink: %s: not a checked run folder (suite.json, "
			"results.json)\n", dir);
		goto out;
	}
	sh.failing = json_object();
	{
		const char *k;
		json_t *c;

		json_object_foreach(json_object_get(results, "checkers"), k, c)
			if (json_is_false(json_object_get(c, "valid")))
				json_object_set_new(sh.failing, k, json_true());
	}
	if (json_object_size(sh.failing) == 0) {
		fprintf(stderr, "dt-run: shrink: %s is not invalid: nothing to shrink\n", dir);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	h = dt_history_read_jsonl(path, err);
	if (h == NULL) {
		fprintf(stderr, "dt-run: shrink: %s\n", err);
		goto out;
	}
	f = read_faults(h, sh.suite, &n);
	keep = calloc(n + 1, sizeof(*keep));
	if (f == NULL || keep == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		keep[i] = true;
	snprintf(sh.store, sizeof(sh.store), "%s/shrink", dir);
	if (dt_mkdirs(sh.store) != 0) {
		fprintf(stderr, "dt-run: shrink: cannot make %s\n", sh.store);
		goto out;
	}
	limit = json_number_value(json_object_get(sh.suite, "time-limit"));
	printf("shrink: %zu faults in %s; each candidate gets up to %d runs\n", n,
	       dir, sh.tries);
	/* Shorter first, so that every candidate runs shorter: stop just
	 * after the last fault (a second more, or 20 %). */
	shorter = last_end(f, keep, n);
	if (shorter < limit && fails(&sh, f, keep, n, shorter)) {
		limit = shorter;
	} else if (!fails(&sh, f, keep, n, limit)) {
		printf("shrink: the run's own schedule did not fail again in %d runs: "
		       "nothing to shrink from\n", sh.tries);
		rc = DT_EXIT_UNKNOWN;
		goto out;
	}
	ddmin(&sh, f, keep, n, limit);
	shorter = last_end(f, keep, n);
	if (shorter < limit && fails(&sh, f, keep, n, shorter))
		limit = shorter;
	/* How often the result reproduces, over `tries` runs alone. */
	{
		int saved = sh.tries;

		sh.tries = 1;
		for (int t = 0; t < saved; t++)
			reproduced += fails(&sh, f, keep, n, limit);
		sh.tries = saved;
	}
	{
		json_t *s = json_deep_copy(sh.suite), *sched = json_array();

		for (size_t i = 0; i < n; i++)
			if (keep[i])
				json_array_append(sched, f[i].entry);
		json_object_set_new(s, "schedule", sched);
		json_object_set_new(s, "time-limit", json_real(limit));
		json_object_set_new(s, "description", json_string(
			"shrunk by dt-run shrink: the smallest fault schedule found"));
		snprintf(path, sizeof(path), "%s/shrunk.json", dir);
		if (json_dump_file(s, path, JSON_INDENT(2)) != 0)
			fprintf(stderr, "dt-run: shrink: cannot write %s\n", path);
		json_decref(s);
	}
	printf("shrink: %zu of %zu faults, %.1f s: reproduced %d of %d runs; %d runs "
	       "in all\nshrink: the suite: %s (dt-run --suite %s)\n", count(keep, n), n,
	       limit, reproduced, sh.tries, sh.runs, path, path);
	for (size_t i = 0; i < n; i++)
		if (keep[i]) {
			char *e = json_dumps(f[i].entry, JSON_COMPACT);

			printf("  %s\n", e ? e : "?");
			free(e);
		}
	rc = reproduced > 0 ? DT_EXIT_INVALID : DT_EXIT_UNKNOWN;
out:
	for (size_t i = 0; f != NULL && i < n; i++)
		json_decref(f[i].entry);
	free(f);
	free(keep);
	dt_history_free(h);
	json_decref(results);
	json_decref(sh.failing);
	json_decref(sh.suite);
	return rc;
}
