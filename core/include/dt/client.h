/*
 * dt/client.h: a client performs workload operations against the
 * system under test.
 *
 * Threads: open, setup and close run on the main thread; connect,
 * invoke and disconnect run on one worker thread per connection, so a
 * connection needs no locking; metrics runs on the metrics thread at the
 * same time as the workers' invokes, so what it shares with connections
 * (the client object) must be thread-safe.
 *
 * Lifecycle: open, setup, then per worker connect ... disconnect (a
 * worker reconnects after an info op, and retries a failed connect every
 * 200 ms until the run ends), and close once every connection is gone.
 *
 * Blocking: connect and invoke may block on the network, but each must
 * return within the env's timeout; setup may take as long as the system
 * needs to accept the data; metrics should return within a second.
 *
 * The env and everything in it is borrowed for open's call only, except
 * nodes, which stay valid until close (the platform updates their pids).
 */
#ifndef DT_CLIENT_H
#define DT_CLIENT_H

#include <dt/types.h>

typedef struct dt_client_env {
	const json_t *config;          /* the suite's `client` options, or NULL */
	const char *workload;          /* the workload's name */
	const json_t *workload_config; /* the workload's options, or NULL */
	dt_node *nodes;                /* borrowed from the platform */
	size_t nnodes;
	const char *store_dir;
	double timeout;                /* seconds allowed to one operation */
} dt_client_env;

typedef struct dt_client_type {
	dt_component_info info;

	void *(*open)(const dt_client_env *env, char *err);

	/* Optional: prepare the data the workload starts from (accounts of
	 * a bank, ...).  Called once, before any worker connects. */
	int (*setup)(void *client, char *err);

	/* One connection per worker; may block up to the op timeout. */
	void *(*connect)(void *client, int worker, char *err);

	/*
	 * Perform f with the workload's value (borrowed).  Returns DT_OP_OK
	 * (with *result the value read or written, a new reference the core
	 * takes over; left NULL, the invoke's value is recorded), DT_OP_FAIL
	 * (certainly not applied) or DT_OP_INFO (outcome unknown: a
	 * timeout, a connection lost mid-request).  On FAIL and INFO leave
	 * *result NULL; *error may get a malloc'd reason, which the core
	 * records and frees.  Must return within the env's timeout.
	 */
	dt_op_type (*invoke)(void *conn, const char *f, const json_t *value,
			     json_t **result, char **error);

	void (*disconnect)(void *conn);
	void (*close)(void *client);

	/* Optional: one sample of the system's metrics, an object keyed by
	 * node name (a new reference the core takes over); NULL when nothing
	 * could be read.  Called once a second on the metrics thread. */
	json_t *(*metrics)(void *client);
} dt_client_type;

#endif /* DT_CLIENT_H */
