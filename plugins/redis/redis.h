/* SPDX-License-Identifier: MIT */
/*
 * redis.h: what the files of the redis client share: the client (one per
 * run), the connection (one per worker), and the functions each file
 * offers the others.  Private to plugins/redis.
 *
 * Files: client.c (the configuration and the client callbacks), setup.c
 * (the data a run starts from), conn.c (connecting, following the
 * primary, sending commands), ops.c (register and kv), bank.c (bank),
 * metrics.c (INFO of every node), info.c (the INFO parser), set.c (the
 * set workload), lock.c (the lock workload), roles.c (which node is the
 * primary now).
 */
#ifndef DT_REDIS_H
#define DT_REDIS_H

#include <stdbool.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <dt/plugin.h>

#define REDIS_BANK_KEY "dt:bank"
#define REDIS_SET_KEY "dt:set"
#define REDIS_MAX_ACCOUNTS 1000

typedef enum {
	REDIS_WL_REGISTER, REDIS_WL_KV, REDIS_WL_BANK, REDIS_WL_SET, REDIS_WL_LOCK
} redis_workload;
typedef enum { REDIS_READ_PRIMARY, REDIS_READ_REPLICA, REDIS_READ_NODE } redis_read_mode;

/* The client: read-only once open returns, except metrics_ctx, which
 * only the metrics thread touches.  Owns eps and metrics_ctx. */
typedef struct redis_client {
	dt_endpoint *eps;
	size_t neps;
	size_t primary;           /* index into eps */
	redis_read_mode read_mode;
	size_t read_node;         /* REDIS_READ_NODE: index into eps */
	double timeout;           /* seconds a call */
	redis_workload workload;
	long long accounts, balance;
	bool flush;
	bool sentinel;            /* find the primary through sentinels */
	long long sentinel_port;
	const char *master_name;  /* borrowed from the config */
	redisContext **metrics_ctx; /* one per endpoint, metrics thread only */
	unsigned long long lock_tokens; /* lock: tokens handed out (atomic) */
} redis_client;

/* A worker's connection; owns its two contexts. */
typedef struct redis_conn {
	redis_client *c;
	int worker;
	redisContext *primary;    /* NULL until connected */
	redisContext *reader;     /* NULL when reads use the primary's */
	double primary_to;        /* socket timeout set on primary, or -1 */
	double reader_to;         /* the same for reader */
	size_t primary_ep;        /* the primary as last known */
	size_t reader_ep;
	long served_ep;           /* the endpoint the op under way went to,
				     or -1: the op's reply->node */
	dt_deadline deadline;     /* of the operation under way */
	bool lock_held;           /* lock: this connection holds lock_key */
	char lock_key[128];
	char lock_token[64];
} redis_conn;

typedef enum {
	REDIS_SENT_NOTHING = 0, /* failed before anything reached the server */
	REDIS_SENT_MAYBE        /* the request may have reached the server */
} redis_sent;

/* ---- conn.c ---- */

/* seconds (at least 1 ms) as a socket timeout. */
struct timeval redis_timeval(double seconds);
/* Connect to ep within `seconds`.  NULL with *error (malloc'd). */
redisContext *redis_connect_ep(const dt_endpoint *ep, double seconds, char **error);
/* Make sure *ctxp (k's primary or reader) is connected to endpoint ep,
 * with the time left as socket timeout; -1 with *error otherwise (nothing
 * was sent). */
int redis_ensure(redis_conn *k, redisContext **ctxp, size_t ep, char **error);
/* An I/O failure on *ctxp: *error says what (replacing any), and the
 * connection is dropped. */
void redis_lost(redisContext **ctxp, const dt_endpoint *ep, char **error);
/* One command on the reader (reads) or the primary, argv form, within
 * k's deadline.  Returns the reply (an error reply too: the caller
 * decides), or NULL with *error and *sent. */
redisReply *redis_command(redis_conn *k, bool reader, redis_sent *sent,
			  char **error, int argc, const char **argv,
			  const size_t *argvlen);
/* The same from a format, as redisCommand takes it. */
redisReply *redis_commandf(redis_conn *k, bool reader, redis_sent *sent,
			   char **error, const char *fmt, ...);
/* The outcome of a command that got no reply: reads change nothing. */
dt_op_type redis_no_reply(bool write, redis_sent sent);
/* An error reply (redis executed nothing): a fail; frees r. */
dt_op_type redis_error_reply(redisReply *r, char **error);
/* A reply of an unexpected type to a write: info; frees r. */
dt_op_type redis_unexpected(redisReply *r, char **error, const char *what);

/* ---- ops.c, bank.c, setup.c, metrics.c ---- */

dt_op_type redis_keyed_invoke(redis_conn *k, const char *f, const json_t *value,
			      json_t **result, char **error);
dt_op_type redis_lock_invoke(redis_conn *k, const char *f, const json_t *value,
			     json_t **result, char **error);
dt_op_type redis_bank_read(redis_conn *k, json_t **result, char **error);
dt_op_type redis_bank_transfer(redis_conn *k, const json_t *value, char **error);
dt_op_type redis_set_invoke(redis_conn *k, const char *f, const json_t *value,
			    json_t **result, char **error);
int redis_setup(void *data, char *err);
json_t *redis_roles(void *data);
json_t *redis_metrics(void *data);
/* dt_client_type.version: INFO server's redis_version of the nodes. */
char *redis_version(void *data);

#endif /* DT_REDIS_H */
