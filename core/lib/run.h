/* SPDX-License-Identifier: MIT */
/*
 * run.h: one test run, from suite to verdict.  dt-run and dtd both run
 * suites through this API; there is no second code path.
 *
 *   dt_run_new      load the suite, its chart and every plugin it names,
 *                   and check them; nothing is started yet
 *   dt_run_execute  make the store folder, bring the cluster up, run the
 *                   workers and nemeses, heal, tear down, check, and
 *                   write results.json; returns the exit status
 *   dt_run_cancel   ask a running execute to stop early (any thread,
 *                   signal handlers included); the history is kept and
 *                   checked as far as it goes
 */
#ifndef DT_CORE_RUN_H
#define DT_CORE_RUN_H

#include <dt/plugin.h>
#include "registry.h"
#include "suite.h"

typedef struct dt_run_opts {
	const char *suite;        /* name or path */
	const char *suite_path;   /* colon lists, or NULL */
	const char *chart_path;
	const char *plugin_path;
	const char *store;        /* store root; "store" when NULL */
	const char *run_dir;      /* exact run folder (dtd), or NULL */
	const char *platform;     /* override, or NULL */
	const char *nemesis;      /* comma list override, or NULL */
	double time_limit;        /* < 0: the suite's */
	long long concurrency;    /* < 0: the suite's */
	double rate;              /* < 0: the suite's */
	bool has_seed;
	uint64_t seed;
	bool dry_run;
	bool keep;
	dt_registry *registry;    /* shared registry, or NULL for a new one */
} dt_run_opts;

typedef enum dt_run_event_kind {
	DT_RUN_PROGRESS = 0, /* about once a second */
	DT_RUN_NEMESIS,      /* a nemesis started or healed */
	DT_RUN_PHASE,        /* setup, running, checking, done */
	DT_RUN_VERDICT
} dt_run_event_kind;

typedef struct dt_run_event {
	dt_run_event_kind kind;
	double elapsed, limit;    /* seconds */
	uint64_t ok, fail, info;  /* completions so far */
	double rate;              /* completions a second, last second */
	const char *active;       /* active nemeses, comma separated */
	const char *phase;        /* DT_RUN_PHASE */
	const json_t *detail;     /* nemesis record or results (borrowed) */
} dt_run_event;

typedef void (*dt_run_observer)(const dt_run_event *ev, void *arg);

typedef struct dt_run dt_run;

dt_run *dt_run_new(const dt_run_opts *opts, char *err);
void dt_run_set_observer(dt_run *run, dt_run_observer fn, void *arg);
/* Returns DT_EXIT_*; err says why for statuses >= DT_EXIT_USAGE. */
int dt_run_execute(dt_run *run, char *err);
void dt_run_cancel(dt_run *run);
void dt_run_free(dt_run *run);

/* The run's store folder, once execute has made it (else NULL). */
const char *dt_run_dir(const dt_run *run);
/* results.json's content after execute, borrowed; NULL before. */
const json_t *dt_run_results(const dt_run *run);

/* Check a finished run's history again with the checkers of the suite
 * as it ran (DIR/suite.json), and write DIR/results.json anew with
 * "rechecked": true.  Returns the results (new reference), or NULL with
 * err: DIR is not a run folder, its history can not be read, or a
 * component can not be loaded. */
json_t *dt_run_recheck(dt_registry *reg, const char *dir, char *err);

/* A run cut short (cancelled, killed): "complete": false and, unless a
 * checker found an anomaly in what it recorded, "valid": "unknown" with
 * "reason": why. */
void dt_results_cut_short(json_t *results, const char *why);

/* Where platforms record what they made, for `dt-run cleanup`. */
const char *dt_state_dir(void);

/* Verdict of a results object: DT_EXIT_VALID, _INVALID or _UNKNOWN. */
int dt_verdict_code(const json_t *valid);

/* Run every checker of a suite on a history (as at the end of a run).
 * Returns the results object (new reference). */
json_t *dt_run_checkers(dt_registry *reg, const dt_suite *suite,
			const dt_history *history, const char *store_dir);

#endif
