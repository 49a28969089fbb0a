/* SPDX-License-Identifier: MIT */
/*
 * dt/checker.h: a checker turns a history into a verdict.
 *
 * Threads: check runs on the thread that checks the run (several runs
 * may be checked at once in dtd); it may start its own threads and must
 * join them before returning.  The registry is read-only by then, so
 * dt_registry_find is safe from any thread.
 *
 * Time: env->timeout (0: none) is the checker's own budget to keep; past
 * it the verdict must be "unknown", never a guess.  The history and env
 * are borrowed for the call.
 */
#ifndef DT_CHECKER_H
#define DT_CHECKER_H

#include <dt/types.h>
#include <dt/options.h>

struct dt_registry;

typedef struct dt_checker_env {
	const json_t *config;          /* the suite's checker entry */
	const char *workload;          /* workload name, or NULL */
	const json_t *workload_config; /* its options, or NULL */
	const char *default_model;     /* the workload's model, or NULL */
	struct dt_registry *registry;  /* to find models */
	const char *store_dir;         /* to write extra files, or NULL */
	double timeout;                /* seconds allowed, 0 for none */
} dt_checker_env;

typedef struct dt_checker_type {
	size_t size;            /* sizeof(dt_checker_type) */
	/* options: the keys of its suite entry (the core itself reads name
	 * and timeout); a COMPONENT option of kind model brings the model's
	 * options into the entry. */
	dt_component_info info;

	/* *result gets an object with at least "valid": true, false or
	 * "unknown".  Return -1 with err only when the check could not be
	 * made (bad configuration, a model missing). */
	int (*check)(const dt_checker_env *env, const dt_history *history,
		     json_t **result, char *err);

	/* Optional, for minimal.jsonl, the core's reduction of an invalid
	 * history (dt-plugin(7)): DT_MINIMIZE_* flags naming what may go
	 * from it, besides failed operations and a suffix, without a valid
	 * history becoming invalid.  0: nothing more. */
	unsigned minimize;
} dt_checker_type;

/* The verdict is the conjunction of the verdicts on each key's
 * operations (linearizability is local): one failing key's operations
 * suffice.  An operation's key is its "key", else its value's "key", as
 * the models find it; the key the result's failures[0].key names is
 * tried first. */
#define DT_MINIMIZE_PER_KEY 0x1u
/* An operation named "read" or "get" changes nothing the checker
 * checks: leaving one out keeps a valid history valid. */
#define DT_MINIMIZE_READS 0x2u

#endif /* DT_CHECKER_H */
