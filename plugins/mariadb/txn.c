/* SPDX-License-Identifier: MIT */
/*
 * txn.c: transactions of micro-ops on mariadb (f "txn"; the list-append
 * and rw-register workloads; the micro-ops and the order of a
 * transaction are plugins/sql/txn.c's), one SQL transaction at the
 * session's isolation level:
 *   START TRANSACTION [READ ONLY]
 *   append  INSERT INTO dt_append (k, v) VALUES (K, V)
 *           ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))
 *   w       INSERT INTO dt_register ... ON DUPLICATE KEY UPDATE v = VALUES(v)
 *   r       SELECT v FROM dt_append|dt_register WHERE k = K
 *   COMMIT
 * Keys and values are stored as their JSON text, quoted (my_quote).
 */
#include <stdlib.h>

#include "my.h"

static int txn_begin(void *data, bool read_only, char **error)
{
	return my_begin(data, read_only, error) == MY_DONE ? 0 : -1;
}

/* The statement of micro-op kind on key (val: NULL for a read),
 * malloc'd; NULL with *error. */
static char *mop_sql(my_conn *k, sql_mop kind, const char *key, const char *val,
		     char **error)
{
	char *qk = my_quote(k->m, key);
	char *qv = val != NULL ? my_quote(k->m, val) : NULL;
	char *sql = NULL;

	if (qk == NULL || (kind != SQL_MOP_READ && qv == NULL))
		dt_op_error(error, DT_OP_FAIL, "out of memory");
	else if (kind == SQL_MOP_READ)
		sql = dt_strdupf("SELECT v FROM %s WHERE k = %s", k->c->s.txn_lists ?
				 "dt_append" : "dt_register", qk);
	else if (kind == SQL_MOP_APPEND)
		sql = dt_strdupf("INSERT INTO dt_append (k, v) VALUES (%s, %s) ON "
				 "DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))",
				 qk, qv);
	else
		sql = dt_strdupf("INSERT INTO dt_register (k, v) VALUES (%s, %s) ON "
				 "DUPLICATE KEY UPDATE v = VALUES(v)", qk, qv);
	free(qk);
	free(qv);
	return sql;
}

/* Run the micro-op; a read's value into *read.  0, or -1 with *error. */
static int txn_mop(void *data, bool read_only, sql_mop kind, const char *key,
		   const char *val, json_t **read, char **error)
{
	my_conn *k = data;
	char *sql = mop_sql(k, kind, key, val, error);
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;

	(void)read_only;
	if (sql == NULL)
		return -1;
	if (my_exec(k, sql, &r, NULL, error) != MY_DONE) {
		free(sql);
		return -1;
	}
	free(sql);
	if (kind == SQL_MOP_READ) {
		row = r != NULL ? mysql_fetch_row(r) : NULL;
		*read = sql_mop_read_value(k->c->s.txn_lists,
					   row != NULL ? row[0] : NULL,
					   row != NULL && row[0] != NULL ?
					   mysql_fetch_lengths(r)[0] : 0);
	}
	mysql_free_result(r);
	return 0;
}

static void txn_rollback(void *data, bool read_only)
{
	(void)read_only;
	my_rollback(data);
}

static dt_op_type txn_commit(void *data, bool read_only, char **error)
{
	(void)read_only;
	return my_commit(data, error);
}

const sql_txn_driver my_txn_driver = {
	.begin = txn_begin,
	.mop = txn_mop,
	.rollback = txn_rollback,
	.commit = txn_commit,
};
