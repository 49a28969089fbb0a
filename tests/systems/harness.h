/* SPDX-License-Identifier: MIT */
/*
 * harness.h: what the systems tests share: real servers (redis-server,
 * etcd) started on 127.0.0.1 with ephemeral ports in a temporary folder,
 * a fake server that answers garbage, and the client plugins loaded from
 * the build tree with a node list made by hand, connected, and invoked
 * with JSON text.
 */
#ifndef DT_TESTS_HARNESS_H
#define DT_TESTS_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <dt/plugin.h>

typedef struct sys_server {
	pid_t pid;
	int port;        /* the client port */
	int peer_port;   /* etcd's peer port */
	char dir[256];   /* temporary folder (data, log), removed by stop */
	char kind[16];   /* "redis" or "etcd" */
	char extra[128]; /* redis: "HOST PORT" of the primary to replicate */
} sys_server;

/* A port free on 127.0.0.1 right now. */
int sys_free_port(void);

/* Start redis-server (replicating primary when not NULL) and wait until
 * it answers; false when it could not (the test then fails). */
bool sys_redis_start(sys_server *s, const sys_server *primary);
/* A sentinel watching primary as "dt" (quorum 1, down after 500ms),
 * started once primary has `replicas` replicas connected: a sentinel
 * learns of them from the primary's INFO, which it asks for when it
 * connects and then only every 10 s. */
bool sys_sentinel_start(sys_server *s, const sys_server *primary, int replicas);
/* A single-node etcd with its v3 gateway on the client port. */
bool sys_etcd_start(sys_server *s);
/* Start the same server again (same ports, same data). */
bool sys_server_restart(sys_server *s);
/* SIGSTOP the server and wait (5 s at most) until every thread of it
 * has stopped: kill only asks, and a thread running on another core
 * may still answer a request meanwhile.  false when it did not stop. */
bool sys_server_pause(sys_server *s);
/* Kill (SIGKILL) and reap the process; the folder stays. */
void sys_server_kill(sys_server *s);
/* Kill if running and remove the folder. */
void sys_server_stop(sys_server *s);
/* Wait until the port accepts connections, up to seconds. */
bool sys_port_ready(int port, double seconds);

/* A fake server on 127.0.0.1 that reads each request and answers
 * `reply` to it; runs until sys_fake_stop. */
typedef struct sys_fake sys_fake;
sys_fake *sys_fake_start(const char *reply, int *port);
void sys_fake_stop(sys_fake *f);

/* The node list of servers, as a platform would give it. */
dt_node *sys_nodes(const sys_server *servers, size_t n);
void sys_nodes_free(dt_node *nodes, size_t n);

/* A client plugin's client, and the connection sys_client_connect
 * made (or NULL); sys_client_close ends both. */
typedef struct sys_client {
	dt_registry *reg;
	const dt_client_type *type;
	void *client;
	void *conn;
	dt_node *nodes;
	size_t nnodes;
	json_t *config, *wconfig;
} sys_client;

/* Open a client plugin's client: false with err. */
bool sys_client_open(sys_client *sc, const char *plugin, const char *workload,
		     const char *config_json, const char *workload_json,
		     const sys_server *servers, size_t n, double timeout, char *err);
/* sys_client_open, then the client's setup (when it has one) and its
 * connection 0 in sc->conn; the test fails (criterion) when one fails. */
void sys_client_connect(sys_client *sc, const char *plugin,
			const char *workload, const char *config_json,
			const char *workload_json, const sys_server *servers,
			size_t n, double timeout);
/* Disconnect sc->conn, close the client, free the nodes and configs. */
void sys_client_close(sys_client *sc);

/* Invoke f on sc->conn with value (JSON text): the outcome, with
 * *result and *error (malloc'd or NULL) the caller's. */
dt_op_type sys_op(sys_client *sc, const char *f, const char *value,
		  json_t **result, char **error);
/* The same, the result and error dropped. */
dt_op_type sys_op_simple(sys_client *sc, const char *f, const char *value);
/* A read of key that must succeed: its integer value, -1 for null. */
json_int_t sys_read_int(sys_client *sc, const char *key);

/* Seconds on the monotonic clock. */
double sys_now(void);

#endif
