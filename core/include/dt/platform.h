/* SPDX-License-Identifier: MIT */
/*
 * dt/platform.h: a platform brings a chart up as a set of nodes and
 * gives nemeses the means to hurt them.  `local` (network namespaces on
 * this machine) and `k8s` (Helm on a cluster) are platforms.
 *
 * Threads: create, nodes and destroy are called from the run's thread;
 * signal, restart, restart_nodes, exec and disk from the nemesis thread, never concurrently
 * with each other for one platform instance; cleanup from whichever
 * thread runs `dt-run cleanup` (or a platform's own next create), with no
 * instance.  Workers read a node's name, address and info (fixed after
 * setup) while the nemesis thread changes its pids; nothing else in a
 * node changes during a run.
 *
 * Blocking: create and restart block until the nodes are ready or their
 * recipe's timeout passes (and should poll env->cancelled); exec blocks
 * until its command ends, which the platform bounds (a command that
 * hangs is killed after a timeout of the platform's choosing, and exec
 * fails saying so); signal and destroy should not block for long.
 *
 * The env and everything in it is borrowed for create's call only: keep
 * copies of what is needed later.
 */
#ifndef DT_PLATFORM_H
#define DT_PLATFORM_H

#include <dt/types.h>
#include <dt/options.h>

typedef struct dt_platform_env {
	const char *run_id;      /* short id unique on this machine */
	const char *store_dir;   /* the run's store folder (logs go here);
				    NULL on a dry run */
	const char *state_dir;   /* where to record what was made, for cleanup */
	const json_t *chart;     /* the resolved chart document */
	const char *chart_file;  /* the chart's file (to resolve relative
				    manifests and sub charts) */
	const json_t *suite;     /* the resolved suite document */
	const json_t *config;    /* the suite's `platform` options, or NULL */
	bool keep;               /* keep data directories at teardown */
	bool dry_run;            /* print (stdout) every command and API call
				    it would make, do nothing; destroy
				    follows at once */
	/* Optional, NULL when the core does not offer it: returns true once
	 * the run is cancelled (SIGINT, SIGTERM), so that a long create (a
	 * node slow to get ready) can give up early; create then undoes
	 * what it made and fails as usual. */
	bool (*cancelled)(void *arg);
	void *cancelled_arg;
} dt_platform_env;

typedef struct dt_platform_type {
	size_t size;            /* sizeof(dt_platform_type) */
	/* options: the suite's `platform:` section.  validate also sees the
	 * chart (its section checked against chart_options). */
	dt_component_info info;

	/* The chart's section this platform reads ("local"), and its keys,
	 * which the core checks before anything starts; NULL: none. */
	const char *chart_section;
	const dt_option *chart_options;

	/* Bring the cluster up and wait until every node is ready.  On
	 * failure undo everything it made, fill err and return NULL. */
	void *(*create)(const dt_platform_env *env, char *err);

	/* The nodes, owned by the platform and borrowed until teardown
	 * (node->info included); the platform keeps pids current. */
	size_t (*nodes)(void *platform, dt_node **nodes);

	/* Send a signal to every process of a node. */
	int (*signal)(void *platform, dt_node *node, int sig, char *err);

	/* Start a killed node again (same argv, same data) and wait until
	 * it is ready. */
	int (*restart)(void *platform, dt_node *node, char *err);

	/* Run argv (no shell) in the node's network context; output (stdout
	 * and stderr, truncated to outlen) goes to out when not NULL.
	 * Returns the exit status, or -1 with err when it could not run. */
	int (*exec)(void *platform, const dt_node *node,
		    const char *const *argv, char *out, size_t outlen,
		    char *err);

	/* Remove everything create made (stopping each node the way its
	 * system is meant to be stopped).  Must succeed after any partial
	 * failure and be safe to call once per successful create. */
	void (*destroy)(void *platform);

	/* Optional: remove what crashed runs left behind, from the state
	 * files under state_dir.  Returns how many runs were cleaned, or -1. */
	int (*cleanup)(const char *state_dir, char *err);

	/* Optional: send one request to the fault filesystem under a
	 * node's data (dt-faultfs(8): its control protocol, a JSON object
	 * with "cmd"), from the nemesis thread; blocks until the answer (a
	 * power loss, a corruption: seconds at most).  0 with *reply (the
	 * answer, the caller's; may be NULL when not wanted), or -1 with
	 * err (the node has no fault filesystem, or dt-faultfs refused the
	 * request, saying why).  NULL: the platform has none (k8s). */
	int (*disk)(void *platform, dt_node *node, const json_t *request,
		    json_t **reply, char *err);

	/* Optional: start several killed nodes again together and wait
	 * until every one is ready: each process on every node first, then
	 * the waits, so that a cluster whose members are ready only with a
	 * quorum (etcd) comes back when all of it was down.  NULL: restart
	 * them one at a time. */
	int (*restart_nodes)(void *platform, dt_node *const *nodes, size_t n,
			     char *err);
} dt_platform_type;

#endif /* DT_PLATFORM_H */
