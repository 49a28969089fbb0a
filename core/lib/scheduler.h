/* SPDX-License-Identifier: MIT */
/*
 * scheduler.h: the client workers and the nemesis thread of a run.
 *
 * Workers (one thread each, as Jepsen's processes) choose the next
 * operation by weight, wait for their turn under the rate limit, record
 * the invoke, perform it through the client and record the completion.
 * An operation whose outcome is unknown (info) retires the worker's
 * process number: the worker reconnects and goes on as process
 * p + concurrency, since the old operation may still take effect.
 *
 * The nemesis thread gives each configured nemesis a chance every
 * interval, starts it with its probability on the chosen targets, and
 * heals it after its duration; or, given a schedule, starts exactly the
 * faults it lists, at their times, on their nodes.  dt_sched_stop() heals every active
 * nemesis before it returns.
 */
#ifndef DT_CORE_SCHEDULER_H
#define DT_CORE_SCHEDULER_H

#include <dt/plugin.h>
#include "history.h"
#include "metrics.h"
#include "suite.h"

typedef struct dt_sched dt_sched;

typedef struct dt_sched_nemesis {
	const dt_nemesis_conf *conf;
	const dt_nemesis_type *type;
	void *data;            /* from type->create */
} dt_sched_nemesis;

/* Called (from the nemesis thread) for each start and heal, after it is
 * recorded; `what` is the recorded value. */
typedef void (*dt_sched_event_fn)(const char *nemesis, bool start,
				  const json_t *what, void *arg);

typedef struct dt_sched_config {
	const dt_client_type *client;
	void *client_data;
	const dt_workload_type *workload;
	void *workload_data;
	const json_t *weights;   /* f -> weight overrides, or NULL */
	dt_history_writer *history;
	dt_metrics *metrics;     /* per-second driver figures, or NULL */
	long long concurrency;
	double rate;             /* ops/s over all workers, 0: unlimited */
	double time_limit;       /* seconds; no nemesis starts at or after
				    it (the run stops then); 0: none */
	uint64_t seed;
	dt_sched_nemesis *nemeses;
	size_t nnemeses;
	dt_node *nodes;
	size_t nnodes;
	dt_sched_event_fn on_nemesis;
	void *on_nemesis_arg;
	/* An explicit fault schedule (the suite's `schedule:`, as
	 * `dt-run shrink` replays a run): only these faults, at these
	 * times, instead of the nemeses' chances.  NULL: chances. */
	const dt_schedule_entry *schedule;
	size_t nschedule;
	bool has_schedule;       /* follow schedule (even empty: no fault) */
} dt_sched_config;

/* Start the threads.  NULL with err (nothing left running). */
dt_sched *dt_sched_start(const dt_sched_config *cfg, char *err);

/* Stop: workers finish their current operation, every active nemesis
 * is healed, threads are joined.  Then free. */
void dt_sched_stop(dt_sched *s);

/* End the faults alone: the nemesis thread heals every active nemesis
 * (returns once it has) and idles until dt_sched_stop, keeping alive the
 * processes its heals started; the workers go on (a recovery with the
 * workload running). */
void dt_sched_stop_nemeses(dt_sched *s);

/* End the workers alone (they finish their operation); *next_process
 * (may be NULL) gets a process number no worker has used. */
void dt_sched_stop_workers(dt_sched *s, int64_t *next_process);

/* dt_sched_stop, and *next_process (may be NULL) gets a process number
 * no worker has used (for the final reads). */
void dt_sched_finish(dt_sched *s, int64_t *next_process);

/* Names of the active nemeses, comma separated, into buf. */
void dt_sched_active(dt_sched *s, char *buf, size_t size);

/* Pick targets for a nemesis (exposed for tests).  Writes node indexes
 * into out (nnodes entries of room); returns how many. */
size_t dt_sched_targets(const dt_nemesis_conf *conf, const dt_node *nodes,
			size_t nnodes, dt_rng *rng, size_t *out);

/* Targets of a role (conf->target a DT_TARGET_IS_ROLE mode) from the
 * client's roles (node name -> "primary"/"leader", "replica"/"follower",
 * other), into out (nnodes entries of room), in node order; how many.
 * 0 when no node is the primary. */
size_t dt_sched_role_targets(const dt_nemesis_conf *conf, const dt_node *nodes,
			     size_t nnodes, const json_t *roles, dt_rng *rng,
			     size_t *out);

#endif
