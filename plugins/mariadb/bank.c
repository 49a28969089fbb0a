/*
 * bank.c: the bank workload on mariadb: a table dt_bank (id, balance).
 *   read      SELECT balance FROM dt_bank ORDER BY id (one statement,
 *             one consistent read)
 *   transfer  START TRANSACTION, UPDATE the source WHERE balance >=
 *             amount (no row matched: insufficient funds, rolled back),
 *             UPDATE the destination, COMMIT
 * The debit is conditional in its own statement (InnoDB's UPDATE reads
 * the latest committed row and locks it), so no level lets a balance go
 * negative; a deadlock or a Galera certification failure is a fail.
 *
 * transfer: read-write instead SELECTs both balances (a consistent,
 * non-locking read of the transaction's snapshot) and then SETs the
 * values the client computed.  At REPEATABLE READ InnoDB lets the
 * second of two such transfers from one account overwrite the first
 * (it does not abort on a write-write conflict as snapshot isolation
 * would): a lost update (P4) that creates or destroys money, which the
 * bank checker sees.  SERIALIZABLE makes the SELECTs locking reads, and
 * the conflict a lock wait or deadlock (1213: a fail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my.h"

dt_op_type my_bank_read(void *data, json_t **result, char **error)
{
	my_conn *k = data;
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	long long n;

	if (my_exec(k, "SELECT balance FROM dt_bank ORDER BY id", &r, NULL,
		    error) != MY_DONE || r == NULL) {
		mysql_free_result(r);
		return DT_OP_FAIL;
	}
	n = (long long)mysql_num_rows(r);
	if (n != k->c->s.accounts) {
		mysql_free_result(r);
		return dt_op_error(error, DT_OP_FAIL, "%lld accounts of %lld", n,
				   k->c->s.accounts);
	}
	*result = json_array();
	while ((row = mysql_fetch_row(r)) != NULL)
		json_array_append_new(*result, json_integer(
			(json_int_t)strtoll(row[0] ? row[0] : "0", NULL, 10)));
	mysql_free_result(r);
	return DT_OP_OK;
}

/* One UPDATE inside the transfer: rows matched, or -1 (rolled back). */
static long long update(my_conn *k, const char *sql, char **error)
{
	MYSQL_RES *r = NULL;
	long long rows = 0;

	if (my_exec(k, sql, &r, &rows, error) != MY_DONE) {
		mysql_free_result(r);
		my_rollback(k);
		return -1;
	}
	mysql_free_result(r);
	return rows;
}

/* SELECT one balance inside the transfer: 0 with *bal, or -1 (rolled
 * back). */
static int select_balance(my_conn *k, long long id, long long *bal,
			  char **error)
{
	char sql[128];
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;

	snprintf(sql, sizeof(sql), "SELECT balance FROM dt_bank WHERE id = %lld", id);
	if (my_exec(k, sql, &r, NULL, error) != MY_DONE || r == NULL ||
	    (row = mysql_fetch_row(r)) == NULL || row[0] == NULL) {
		if (r != NULL)
			dt_op_error(error, DT_OP_FAIL, "no account %lld", id);
		mysql_free_result(r);
		my_rollback(k);
		return -1;
	}
	*bal = strtoll(row[0], NULL, 10);
	mysql_free_result(r);
	return 0;
}

/* UPDATE one balance to a value: 0, or -1 (rolled back). */
static int set_balance(my_conn *k, long long id, long long bal, char **error)
{
	char sql[128];
	long long rows;

	snprintf(sql, sizeof(sql), "UPDATE dt_bank SET balance = %lld WHERE id = %lld",
		 bal, id);
	rows = update(k, sql, error);
	if (rows == 1)
		return 0;
	if (rows == 0) {
		my_rollback(k);
		dt_op_error(error, DT_OP_FAIL, "no account %lld", id);
	}
	return -1;
}

static dt_op_type read_write(my_conn *k, long long from, long long to,
			     long long amount, char **error)
{
	long long fb, tb;

	if (select_balance(k, from, &fb, error) != 0 ||
	    select_balance(k, to, &tb, error) != 0)
		return DT_OP_FAIL;
	if (fb < amount) {
		my_rollback(k);
		return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
	}
	if (set_balance(k, from, fb - amount, error) != 0 ||
	    set_balance(k, to, tb + amount, error) != 0)
		return DT_OP_FAIL;
	return my_commit(k, error);
}

dt_op_type my_bank_transfer(void *data, const json_t *value, char **error)
{
	my_conn *k = data;
	long long from = json_integer_value(json_object_get(value, "from"));
	long long to = json_integer_value(json_object_get(value, "to"));
	long long amount = json_integer_value(json_object_get(value, "amount"));
	char sql[256];
	long long rows;

	if (from < 0 || from >= k->c->s.accounts || to < 0 ||
	    to >= k->c->s.accounts || from == to || amount <= 0)
		return dt_op_error(error, DT_OP_FAIL, "bad transfer");
	/* Up to COMMIT nothing can take effect: every failure is a fail. */
	if (my_begin(k, false, error) != MY_DONE)
		return DT_OP_FAIL;
	if (k->c->s.read_write)
		return read_write(k, from, to, amount, error);
	snprintf(sql, sizeof(sql), "UPDATE dt_bank SET balance = balance - %lld "
		 "WHERE id = %lld AND balance >= %lld", amount, from, amount);
	rows = update(k, sql, error);
	if (rows < 0)
		return DT_OP_FAIL;
	if (rows == 0) {
		my_rollback(k);
		return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
	}
	snprintf(sql, sizeof(sql), "UPDATE dt_bank SET balance = balance + %lld "
		 "WHERE id = %lld", amount, to);
	rows = update(k, sql, error);
	if (rows != 1) {
		if (rows == 0)
			my_rollback(k);
		return rows < 0 ? DT_OP_FAIL :
		       dt_op_error(error, DT_OP_FAIL, "no account %lld", to);
	}
	return my_commit(k, error);
}
