/* SPDX-License-Identifier: MIT */
/*
 * sql.h: what the SQL clients (plugins/postgres on libpq, plugins/mariadb
 * on libmariadb) share, database-independent: the workload a client
 * runs (conf.c), the route of an operation to the client's code of it
 * (invoke.c), the option values both take (conf.c), the micro-ops of a
 * "txn" operation and the transaction around them (txn.c), and the list-append row parser (list.c).  Not a
 * plugin: each client compiles these sources into its own .so.  Private
 * to plugins/postgres and plugins/mariadb.
 */
#ifndef DT_SQL_H
#define DT_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include <dt/plugin.h>

/* The workload a client runs (the suite's workload name). */
typedef enum { SQL_WL_REGISTER, SQL_WL_BANK, SQL_WL_TXN, SQL_WL_SET } sql_workload;

/* The isolation level of transactions, as the suite names it (the
 * order of sql_isolation_names). */
typedef enum {
	SQL_ISO_READ_COMMITTED = 0,
	SQL_ISO_REPEATABLE_READ,
	SQL_ISO_SERIALIZABLE
} sql_isolation;

/* What every SQL client reads of its configuration (sql_config_read,
 * sql_workload_conf).  Owns eps (sql_config_free). */
typedef struct sql_config {
	dt_endpoint *eps;
	size_t neps;
	double timeout;            /* seconds an operation */
	sql_workload workload;
	sql_isolation isolation;
	bool txn_lists;            /* txn reads are lists (list-append), not
				      registers (rw-register) */
	long long accounts, balance;
	bool read_write;           /* bank transfers read, then write the
				      balances the client computed */
	const char *user, *dbname; /* borrowed from the config */
	const char *password;      /* borrowed, or NULL */
} sql_config;

/* ---- conf.c ---- */

/* The values of the option "isolation" and of "transfer". */
extern const char *const sql_isolation_names[];
extern const char *const sql_transfer_modes[];
/* The operations both clients take. */
extern const char *const sql_operations[];

/* The option "transfer", the same in both clients' option tables. */
#define SQL_OPTION_TRANSFER \
	{ .name = "transfer", .type = DT_OPT_ENUM, .def = "update", \
	  .values = sql_transfer_modes, \
	  .doc = "bank transfers: update (balance = balance - amount, in the " \
		 "statement) or read-write (SELECT the balances, then write what " \
		 "the client computed: a lost update creates or destroys money)" }

/* The client's settings of the workload (env->workload, register when
 * none; bank: accounts 2..max_accounts, default 5, and balance from the
 * workload's config).  Any other workload runs "txn" ops: their reads
 * are of lists (list-append) but in rw-register (s->txn_lists false).
 * 0, or -1 with err. */
int sql_workload_conf(const dt_client_env *env, long long max_accounts,
		      sql_config *s, char *err);
/* Into s: the endpoints (the chart's nodes, or the option "endpoints";
 * default_port when none given), the op timeout (5 s unless the suite
 * says), and the options transfer, user, database, password and
 * isolation.  0, or -1 with err (s->eps NULL). */
int sql_config_read(const dt_client_env *env, int default_port, sql_config *s,
		    char *err);
/* Frees what s owns. */
void sql_config_free(sql_config *s);

/* ---- txn.c ---- */

/* A micro-op of a txn: ["append",K,V], ["r",K,null], ["w",K,V]. */
typedef enum { SQL_MOP_APPEND, SQL_MOP_READ, SQL_MOP_WRITE } sql_mop;

/* What a client does inside a transaction; k is its connection. */
typedef struct sql_txn_driver {
	/* start a transaction (read_only: of reads only); 0, or -1 with
	 * *error */
	int (*begin)(void *k, bool read_only, char **error);
	/* run a micro-op of kind kind, whose key's JSON text is key and
	 * value's val (NULL for a read); a read's value into *read (see
	 * sql_mop_read_value).  0, or -1 with *error. */
	int (*mop)(void *k, bool read_only, sql_mop kind, const char *key,
		   const char *val, json_t **read, char **error);
	/* roll back after a failed micro-op */
	void (*rollback)(void *k, bool read_only);
	/* COMMIT: the outcome (ok, fail or info with *error) */
	dt_op_type (*commit)(void *k, bool read_only, char **error);
} sql_txn_driver;

/* The kind of micro-op i, m, or -1 with *error. */
int sql_mop_check(const json_t *m, size_t i, char **error);
/* Transaction value (a list of micro-ops) on k through d: every
 * micro-op is checked first (a bad one: fail, nothing sent); a
 * transaction of reads only is read_only.  Until COMMIT nothing can
 * take effect: every failure before it is a fail.  ok with *result the
 * micro-ops with each read's value.  Keys and values go to the driver as
 * their JSON text; an appended value's text may not hold a comma. */
dt_op_type sql_txn_invoke(const sql_txn_driver *d, void *k, const json_t *value,
			  json_t **result, char **error);
/* The value a read of a txn found: s (len bytes) the row's v, or NULL
 * when no row; lists: a list-append list ([] when none), else the
 * register's value (null when none).  A new reference, NULL when out of
 * memory. */
json_t *sql_mop_read_value(bool lists, const char *s, size_t len);

/* ---- invoke.c ---- */

/* A client's code of each workload; k is its connection.  The
 * functions take what dt_reply's fields would (result: r->value, error:
 * r->error). */
typedef struct sql_driver {
	const sql_txn_driver *txn;   /* "txn", any workload */
	dt_op_type (*set)(void *k, const char *f, const json_t *value,
			  json_t **result, char **error);      /* add, read */
	dt_op_type (*bank_read)(void *k, json_t **result, char **error);
	dt_op_type (*bank_transfer)(void *k, const json_t *value, char **error);
	dt_op_type (*reg)(void *k, const char *f, const json_t *value,
			  json_t **result, char **error);      /* the rest */
} sql_driver;

/* Operation f with value on k, to the code of workload w in d: "txn"
 * (any workload) to sql_txn_invoke; set's add and read to set; bank's
 * read and transfer to bank_* (any other: fail, "the bank has no
 * operation"); everything else to reg. */
dt_op_type sql_invoke(const sql_driver *d, void *k, sql_workload w, const char *f,
		      const json_t *value, dt_reply *r);

/* ---- list.c ---- */

/* len bytes at s ("1,2,3", "" for none) as a JSON list of the values
 * (dt_value_parse of each piece): a new reference, NULL when out of
 * memory.  An empty row is []; "1,,2" has the empty text as its second
 * value. */
json_t *sql_list_parse(const char *s, size_t len);

#endif /* DT_SQL_H */
