/* SPDX-License-Identifier: MIT */
/*
 * my.h: what the files of the mariadb client share: the client (one per
 * run), the connection (one per worker), and the functions each file
 * offers the others.  Private to plugins/mariadb.
 *
 * Files: client.c (the configuration and the client callbacks), conn.c
 * (connecting and running statements within the operation's deadline,
 * on libmariadb's non-blocking calls, and what each error means for the
 * outcome), setup.c (the schema and the starting data), ops.c
 * (register), bank.c (bank), txn.c (transactions of micro-ops),
 * metrics.c (wsrep and transaction counters of every node).
 * What does not depend on mariadb is in plugins/sql (sql.h).
 */
#ifndef DT_MY_H
#define DT_MY_H

#include <stdbool.h>

#include <mysql.h>

#include <dt/plugin.h>

#include "sql.h"

#define MY_MAX_ACCOUNTS 1000

/* The client: read-only once create returns, except metrics_conn
 * (the metrics thread's).  Owns s and metrics_conn. */
typedef struct my_client {
	sql_config s;              /* what any SQL client reads */
	bool spread;               /* each worker on node worker % n */
	size_t node;               /* else every worker on this one */
	MYSQL **metrics_conn;      /* one per endpoint, metrics thread only */
} my_client;

/* A worker's connection. */
typedef struct my_conn {
	my_client *c;
	int worker;
	MYSQL *m;                  /* NULL until connected */
	size_t ep;                 /* the node it talks to */
	bool served;               /* the op under way reached the node */
	unsigned int errnum;       /* of the last error reply, or 0 */
	dt_deadline deadline;      /* of the operation under way */
} my_conn;

typedef enum {
	MY_DONE = 0,    /* success: *res is the result set, or NULL */
	MY_ERROR,       /* an error reply; the connection lives */
	MY_LOST,        /* no answer (lost, deadline): connection closed */
	MY_UNSENT       /* nothing reached the server */
} my_status;

/* ---- conn.c ---- */

/* A new connection to ep within d (db: the database, or NULL): NULL
 * with *error. */
MYSQL *my_connect_ep(const my_client *c, const dt_endpoint *ep, const char *db,
		     const dt_deadline *d, char **error);
/* Run sql on *mp (connecting to endpoint ep first when it is NULL)
 * within d; MY_DONE with *res (a result set, the caller's:
 * mysql_free_result; NULL for a statement without one) and, when rows
 * is not NULL, the rows it matched; else *error, *errnum. */
my_status my_exec_on(const my_client *c, MYSQL **mp, size_t ep, const char *db,
		     const dt_deadline *d, const char *sql, MYSQL_RES **res,
		     long long *rows, unsigned int *errnum, char **error);
/* The same on k's connection, within k's deadline. */
my_status my_exec(my_conn *k, const char *sql, MYSQL_RES **res,
		  long long *rows, char **error);
/* The outcome of a COMMIT (or of a statement that commits on its own)
 * that did not succeed. */
dt_op_type my_commit_outcome(my_status st, unsigned int errnum);
/* START TRANSACTION [READ ONLY]; MY_DONE or a status with *error. */
my_status my_begin(my_conn *k, bool read_only, char **error);
void my_rollback(my_conn *k);
dt_op_type my_commit(my_conn *k, char **error);
/* A value as an SQL string literal ('...', escaped), malloc'd; NULL
 * when out of memory. */
char *my_quote(MYSQL *m, const char *s);

/* ---- setup.c, ops.c, bank.c, txn.c, metrics.c ---- */

int my_setup(void *data, char *err);
dt_op_type my_register_invoke(void *data, const char *f, const json_t *value,
			      json_t **result, char **error);
dt_op_type my_bank_read(void *data, json_t **result, char **error);
dt_op_type my_bank_transfer(void *data, const json_t *value, char **error);
extern const sql_txn_driver my_txn_driver;
dt_op_type my_set_invoke(void *data, const char *f, const json_t *value,
			 json_t **result, char **error);
json_t *my_metrics(void *data);

#endif /* DT_MY_H */
