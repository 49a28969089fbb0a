/* SPDX-License-Identifier: MIT */
/*
 * pg.h: what the files of the postgres client share: the client (one per
 * run), the connection (one per worker), and the functions each file
 * offers the others.  Private to plugins/postgres.
 *
 * Files: client.c (the configuration and the client callbacks), conn.c
 * (connecting and running statements within the operation's deadline,
 * and the outcome of each error: SQLSTATE -> ok, fail or info), setup.c
 * (the schema and the data a run starts from), ops.c (register), bank.c
 * (bank), txn.c (transactions of micro-ops: list-append, rw-register),
 * metrics.c (pg_stat_replication and pg_stat_database of every node).
 * What does not depend on postgres is in plugins/sql (sql.h).
 */
#ifndef DT_PG_H
#define DT_PG_H

#include <stdbool.h>

#include <libpq-fe.h>

#include <dt/plugin.h>

#include "sql.h"

#define PG_MAX_ACCOUNTS 1000

typedef enum { PG_READ_PRIMARY, PG_READ_REPLICA, PG_READ_NODE } pg_read_mode;

/* The client: read-only once create returns, except metrics_conn, which
 * only the metrics thread touches.  Owns s and metrics_conn. */
typedef struct pg_client {
	sql_config s;              /* what any SQL client reads */
	size_t primary;            /* index into eps */
	pg_read_mode read_mode;
	size_t read_node;          /* PG_READ_NODE: index into eps */
	PGconn **metrics_conn;     /* one per endpoint, metrics thread only */
} pg_client;

/* A worker's connection: owns its two libpq connections. */
typedef struct pg_conn {
	pg_client *c;
	int worker;
	PGconn *primary;           /* NULL until connected */
	PGconn *reader;            /* NULL when reads use the primary's */
	size_t reader_ep;
	long served_ep;            /* the endpoint the op went to, or -1 */
	char sqlstate[6];          /* of the last error reply, or "" */
	dt_deadline deadline;      /* of the operation under way */
} pg_conn;

/* What a statement came to. */
typedef enum {
	PG_DONE = 0,    /* the server answered with success: *res is it */
	PG_ERROR,       /* the server answered with an error (*error has
			   its SQLSTATE and message; the connection lives) */
	PG_LOST,        /* no answer: connection lost or deadline passed
			   (the connection is closed; *error says why) */
	PG_UNSENT       /* nothing reached the server (no connection) */
} pg_status;

/* ---- conn.c ---- */

/* A new connection to endpoint ep within the deadline d: NULL with
 * *error (malloc'd). */
PGconn *pg_connect_ep(const pg_client *c, const dt_endpoint *ep,
		      const dt_deadline *d, char **error);
/* Run sql with params (text, NULL for SQL NULL) on k's primary (reader
 * false) or reader, connecting first when needed, within k's deadline.
 * PG_DONE with *res (the caller's: PQclear), else *error (replacing any)
 * and *res NULL. */
pg_status pg_exec(pg_conn *k, bool reader, const char *sql, int nparams,
		  const char *const *params, PGresult **res, char **error);
/* The same on the connection *cp to endpoint ep (the set-up's and the
 * metrics' own connections). */
pg_status pg_exec_ep(pg_conn *k, PGconn **cp, size_t ep, const char *sql,
		     int nparams, const char *const *params, PGresult **res,
		     char **error);
/* The outcome of a failed COMMIT (or of a statement that commits on its
 * own): an error reply whose SQLSTATE says the transaction was rolled
 * back (class 40 but 40003, 23, 25, 42, 0A, 53, 22, 57014...) is a
 * fail; one that leaves it unknown (08, 40003, 57P0x, XX, ...), or no
 * reply, is info. */
dt_op_type pg_commit_outcome(pg_status st, const char *sqlstate);
/* BEGIN at the client's isolation level (read_only: READ ONLY, and on a
 * replica REPEATABLE READ, the most a hot standby has).  PG_DONE or
 * another status with *error. */
pg_status pg_begin(pg_conn *k, bool reader, bool read_only, char **error);
/* ROLLBACK after an error inside a transaction (the connection is
 * closed when even that fails). */
void pg_rollback(pg_conn *k, bool reader);
/* COMMIT: the outcome (ok, fail or info with *error). */
dt_op_type pg_commit(pg_conn *k, bool reader, char **error);
/* Whether the reader is another node than the primary. */
bool pg_reads_elsewhere(const pg_conn *k);

/* ---- setup.c, ops.c, bank.c, txn.c, metrics.c ---- */

int pg_setup(void *data, char *err);
dt_op_type pg_register_invoke(void *data, const char *f, const json_t *value,
			      json_t **result, char **error);
dt_op_type pg_bank_read(void *data, json_t **result, char **error);
dt_op_type pg_bank_transfer(void *data, const json_t *value, char **error);
extern const sql_txn_driver pg_txn_driver;
dt_op_type pg_set_invoke(void *data, const char *f, const json_t *value,
			 json_t **result, char **error);
json_t *pg_metrics(void *data);

#endif /* DT_PG_H */
