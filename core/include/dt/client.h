/* SPDX-License-Identifier: MIT */
/*
 * dt/client.h: a client performs workload operations against the
 * system under test.
 *
 * Threads: create, prepare and destroy run on the main thread; connect,
 * invoke and disconnect run on one worker thread per connection, so a
 * connection needs no locking; metrics runs on the metrics thread at the
 * same time as the workers' invokes, so what it shares with connections
 * (the client object) must be thread-safe.
 *
 * Lifecycle: create, prepare, then per worker connect ... disconnect (a
 * worker reconnects after an info op, and retries a failed connect every
 * 200 ms until the run ends), and destroy once every connection is gone.
 *
 * Blocking: connect and invoke may block on the network, but each must
 * return within the env's timeout; setup may take as long as the system
 * needs to accept the data; metrics should return within a second.
 *
 * The env and everything in it is borrowed for create's call only, except
 * nodes, which stay valid until destroy (the platform updates their pids).
 */
#ifndef DT_CLIENT_H
#define DT_CLIENT_H

#include <dt/types.h>
#include <dt/options.h>

typedef struct dt_client_env {
	const json_t *config;          /* the suite's `client` options, or NULL */
	const char *workload;          /* the workload's name */
	const json_t *workload_config; /* the workload's options, or NULL */
	dt_node *nodes;                /* borrowed from the platform */
	size_t nnodes;
	const char *store_dir;
	double timeout;                /* seconds allowed to one operation */
} dt_client_env;

/*
 * What an invoke gives back besides its outcome.  The core zeroes it
 * before each call and takes over what it holds afterwards; new members
 * are only ever added at the end.
 */
typedef struct dt_reply {
	/* OK: the value read or written (a new reference); left NULL, the
	 * invoke's value is recorded.  FAIL and INFO: leave it NULL. */
	json_t *value;
	/* Why it failed (malloc'd; dt_op_error(&reply->error, ...) sets it
	 * and the outcome in one line), or NULL. */
	char *error;
	/* The name of the node that served it (a dt_node's name, or a
	 * string that lives until destroy), or NULL when none or unknown. */
	const char *node;
} dt_reply;

typedef struct dt_client_type {
	size_t size;            /* sizeof(dt_client_type) */
	dt_component_info info; /* options: the suite's `client:` section */

	/* The operations it performs, NULL-ended: the core refuses a suite
	 * whose workload issues another.  NULL: any (validate decides). */
	const char *const *operations;

	void *(*create)(const dt_client_env *env, char *err);

	/* Optional: prepare the data the workload starts from (accounts of
	 * a bank, ...).  Called once, before any worker connects. */
	int (*prepare)(void *client, char *err);

	/* One connection per worker; may block up to the op timeout. */
	void *(*connect)(void *client, int worker, char *err);

	/*
	 * Perform f with the workload's value (borrowed).  Returns DT_OP_OK
	 * (took effect), DT_OP_FAIL (certainly not applied) or DT_OP_INFO
	 * (outcome unknown: a timeout, a connection lost mid-request), with
	 * the rest in *reply.  Must return within the env's timeout.
	 */
	dt_op_type (*invoke)(void *conn, const char *f, const json_t *value,
			     dt_reply *reply);

	void (*disconnect)(void *conn);
	void (*destroy)(void *client);

	/* Optional: one sample of the system's metrics, an object keyed by
	 * node name (a new reference the core takes over); NULL when nothing
	 * could be read.  Called once a second on the metrics thread. */
	json_t *(*metrics)(void *client);

	/* Optional: each node's role as the system sees it now, an object
	 * keyed by node name with a string each: "primary" (or "leader"),
	 * "replica" (or "follower"), "down" when it cannot be asked (a new
	 * reference the core takes over); NULL when nothing could be read.
	 * The core calls it when a fault aimed at a role (`target:
	 * primary`) starts, on the nemesis thread, at the same time as the
	 * workers' invokes and the metrics: it must be thread-safe and
	 * return within about a second. */
	json_t *(*roles)(void *client);

	/* Optional: the version of the system under test as its servers
	 * report it ("7.0.15"; "3.5.9" from etcd's /version), malloc'd, or
	 * NULL when it cannot be read.  Called once on the main thread
	 * after prepare; results.json keeps it as "server-version" and
	 * dtd's trends show it per run. */
	char *(*version)(void *client);
} dt_client_type;

#endif /* DT_CLIENT_H */
