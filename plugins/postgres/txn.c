/* SPDX-License-Identifier: MIT */
/*
 * txn.c: transactions of micro-ops on postgres (f "txn"; the
 * list-append and rw-register workloads; the micro-ops and the order of
 * a transaction are plugins/sql/txn.c's), one SQL transaction at the
 * client's isolation level:
 *   BEGIN ISOLATION LEVEL ... [READ ONLY]
 *   append  INSERT INTO dt_append AS t (k, v) VALUES ($1, $2)
 *           ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || EXCLUDED.v
 *   w       INSERT INTO dt_register ... ON CONFLICT (k) DO UPDATE
 *   r       SELECT v FROM dt_append|dt_register WHERE k = $1
 *   COMMIT
 * A transaction of reads only is READ ONLY and goes to the reader
 * (read-from); any other to the primary.  Keys and values are stored as
 * their JSON text.
 */
#include "pg.h"

static int txn_begin(void *data, bool read_only, char **error)
{
	return pg_begin(data, read_only, read_only, error) == PG_DONE ? 0 : -1;
}

/* Micro-op kind on key (val: NULL for a read) inside the transaction
 * (on the reader when read_only); a read's value into *read.  0, or -1
 * with *error (the transaction is then rolled back or its connection
 * gone). */
static int txn_mop(void *data, bool read_only, sql_mop kind, const char *key,
		   const char *val, json_t **read, char **error)
{
	static const char *const SQL[] = {
		[SQL_MOP_APPEND] = "INSERT INTO dt_append AS t (k, v) VALUES ($1, $2) "
				   "ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || EXCLUDED.v",
		[SQL_MOP_READ] = NULL,
		[SQL_MOP_WRITE] = "INSERT INTO dt_register AS t (k, v) VALUES ($1, $2) "
				  "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
	};
	pg_conn *k = data;
	bool lists = k->c->s.txn_lists;
	const char *params[2] = { key, val };
	PGresult *r = NULL;
	pg_status st;

	if (kind == SQL_MOP_READ)
		st = pg_exec(k, read_only, lists ? "SELECT v FROM dt_append WHERE k = $1" :
			     "SELECT v FROM dt_register WHERE k = $1", 1, params, &r,
			     error);
	else
		st = pg_exec(k, read_only, SQL[kind], 2, params, &r, error);
	if (st != PG_DONE)
		return -1;
	if (kind == SQL_MOP_READ)
		*read = sql_mop_read_value(lists, PQntuples(r) == 0 ? NULL :
					   PQgetvalue(r, 0, 0),
					   PQntuples(r) == 0 ? 0 :
					   (size_t)PQgetlength(r, 0, 0));
	PQclear(r);
	return 0;
}

static void txn_rollback(void *data, bool read_only)
{
	pg_rollback(data, read_only);
}

static dt_op_type txn_commit(void *data, bool read_only, char **error)
{
	return pg_commit(data, read_only, error);
}

const sql_txn_driver pg_txn_driver = {
	.begin = txn_begin,
	.mop = txn_mop,
	.rollback = txn_rollback,
	.commit = txn_commit,
};
