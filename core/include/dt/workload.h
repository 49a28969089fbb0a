/* SPDX-License-Identifier: MIT */
/*
 * dt/workload.h: a workload names the operations of a test and makes
 * their arguments.  The core chooses which operation comes next by the
 * suite's weights; the workload makes its value.
 */
#ifndef DT_WORKLOAD_H
#define DT_WORKLOAD_H

#include <dt/types.h>
#include <dt/options.h>

/* In arrays: frozen at ABI 2. */
typedef struct dt_workload_op {
	const char *f;
	double weight; /* default weight; the suite may override */
} dt_workload_op;

typedef struct dt_workload_type {
	size_t size;            /* sizeof(dt_workload_type) */
	/* options: the suite's `workload:` section (the core itself reads
	 * its `name` and `operations`). */
	dt_component_info info;

	/* Operations and default weights, ended by { NULL, 0 }. */
	const dt_workload_op *ops;

	/* Model the linearizable checker uses by default ("cas-register"). */
	const char *model;

	/* config: the suite's workload section, checked (borrowed for the
	 * call), or NULL.  Returns the workload's state, or NULL with err. */
	void *(*create)(const json_t *config, char *err);

	/* The value of a new invoke of f.  Called from every worker at
	 * once, each with its own rng: must be thread-safe.  Returns a new
	 * reference (json_null() when the op takes no argument). */
	json_t *(*generate)(void *workload, const char *f, dt_rng *rng);

	void (*destroy)(void *workload);

	/* Optional: the final reads, performed once the faults are healed
	 * and the recovery period is over: an array of {"f": F, "value": V}
	 * (a new reference), each performed until it succeeds or the
	 * suite's final-reads timeout passes, recorded with "final": true
	 * (DT_OP_FLAG_FINAL).  A set workload reads its set, a register
	 * workload each key.  NULL: the workload has none. */
	json_t *(*final_reads)(void *workload);

	/* Optional: told of each completion, from the worker that generated
	 * the op, right after it is recorded: f and value as invoked, type
	 * the outcome, result the completion's value (NULL unless ok).
	 * rng is that worker's, the one its generate calls get: a workload
	 * may key per-worker state on it (to choose, say, a txn's compare
	 * value from what the worker last read, into the invoke, where the
	 * history shows it).  Thread-safe, like generate. */
	void (*completed)(void *workload, dt_rng *rng, const char *f,
			  const json_t *value, dt_op_type type,
			  const json_t *result);
} dt_workload_type;

#endif /* DT_WORKLOAD_H */
