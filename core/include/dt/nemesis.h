/* SPDX-License-Identifier: MIT */
/*
 * dt/nemesis.h: a nemesis injects one kind of fault and heals exactly
 * what it did.  The core chooses when (probability, interval, duration)
 * and which nodes (target selection); the nemesis does the rest through
 * its platform.
 *
 * Threads: every callback runs on the nemesis thread.
 *
 * Lifecycle: create once per run before the workers start; then start
 * and heal alternate (the core never starts a nemesis that is active);
 * heal is called only after a start that succeeded, and for every such
 * start before destroy, also when the run is cancelled.  A failed start
 * must leave nothing behind.  start and heal may block on the platform
 * (a restart waits for the node to be ready) but should end within a
 * few seconds: the next fault waits for them.
 *
 * The env is borrowed for create's call only; nodes and platform_data
 * stay valid until destroy.
 */
#ifndef DT_NEMESIS_H
#define DT_NEMESIS_H

#include <dt/types.h>
#include <dt/platform.h>
#include <dt/options.h>

typedef struct dt_nemesis_env {
	const dt_platform_type *platform; /* NULL when the run has no nodes */
	void *platform_data;
	dt_node *nodes;
	size_t nnodes;
	const json_t *config; /* the suite's nemesis entry (with its params) */
	const char *run_id;
} dt_nemesis_env;

typedef struct dt_nemesis_type {
	size_t size;            /* sizeof(dt_nemesis_type) */
	/* options: the keys of its suite entry (the core itself reads name,
	 * probability, interval, duration and target). */
	dt_component_info info;

	void *(*create)(const dt_nemesis_env *env, char *err);

	/* Start the fault on the chosen nodes.  *what gets a JSON
	 * description of exactly what was done (recorded in the history).
	 * On failure, undo what was done before returning -1. */
	int (*start)(void *nemesis, const size_t *targets, size_t ntargets,
		     dt_rng *rng, json_t **what, char *err);

	/* Undo exactly what start did, nothing more. */
	int (*heal)(void *nemesis, json_t **what, char *err);

	void (*destroy)(void *nemesis);
} dt_nemesis_type;

#endif /* DT_NEMESIS_H */
