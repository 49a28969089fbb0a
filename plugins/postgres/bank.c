/*
 * bank.c: the bank workload on postgres: a table dt_bank (id, balance).
 *   read      SELECT balance FROM dt_bank ORDER BY id  (one statement:
 *             one snapshot; on the reader)
 *   transfer  BEGIN at the client's isolation level, UPDATE the source
 *             WHERE balance >= amount (no row: insufficient funds,
 *             rolled back), UPDATE the destination, COMMIT
 * The debit is conditional in the same statement, so no level lets a
 * balance go negative; a serialization failure or deadlock is a fail.
 *
 * transfer: read-write instead SELECTs both balances and then SETs the
 * values the client computed, as an application would: at READ
 * COMMITTED two transfers from one account may both read its old
 * balance, and the second write loses the first (P4, lost update: money
 * created or destroyed, which the bank checker sees); REPEATABLE READ
 * and SERIALIZABLE abort the second (40001).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

dt_op_type pg_bank_read(void *data, json_t **result, char **error)
{
	pg_conn *k = data;
	PGresult *r;
	int n;

	if (pg_exec(k, true, "SELECT balance FROM dt_bank ORDER BY id", 0, NULL,
		    &r, error) != PG_DONE)
		return DT_OP_FAIL;
	n = PQntuples(r);
	if (n != k->c->s.accounts) {
		PQclear(r);
		return dt_op_error(error, DT_OP_FAIL, "%d accounts of %lld", n,
				   k->c->s.accounts);
	}
	*result = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(*result, json_integer(
			(json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10)));
	PQclear(r);
	return DT_OP_OK;
}

/* One UPDATE inside the transfer: the rows it changed, or -1 (then
 * rolled back, *error says why). */
static long update(pg_conn *k, const char *sql, const char *const *params,
		   char **error)
{
	PGresult *r;
	long rows;

	if (pg_exec(k, false, sql, 2, params, &r, error) != PG_DONE) {
		pg_rollback(k, false);
		return -1;
	}
	rows = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return rows;
}

/* SELECT the balance of account id inside the transfer: 0 with *bal,
 * or -1 (rolled back, *error says why). */
static int select_balance(pg_conn *k, const char *id, long long *bal,
			  char **error)
{
	const char *params[1] = { id };
	PGresult *r;

	if (pg_exec(k, false, "SELECT balance FROM dt_bank WHERE id = $1", 1,
		    params, &r, error) != PG_DONE) {
		pg_rollback(k, false);
		return -1;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		pg_rollback(k, false);
		dt_op_error(error, DT_OP_FAIL, "no account %s", id);
		return -1;
	}
	*bal = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* UPDATE one balance to a value: 0, or -1 (rolled back). */
static int set_balance(pg_conn *k, const char *const *params, char **error)
{
	long rows = update(k, "UPDATE dt_bank SET balance = $2 WHERE id = $1",
			   params, error);

	if (rows == 1)
		return 0;
	if (rows == 0) {
		pg_rollback(k, false);
		dt_op_error(error, DT_OP_FAIL, "no account %s", params[0]);
	}
	return -1;
}

/* transfer: read-write: read both balances, write both computed. */
static dt_op_type read_write(pg_conn *k, char *f, char *t, long long amount,
			     char **error)
{
	long long fb, tb;
	char v[24];
	const char *set_from[2] = { f, v }, *set_to[2] = { t, v };

	if (select_balance(k, f, &fb, error) != 0 ||
	    select_balance(k, t, &tb, error) != 0)
		return DT_OP_FAIL;
	if (fb < amount) {
		pg_rollback(k, false);
		return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
	}
	snprintf(v, sizeof(v), "%lld", fb - amount);
	if (set_balance(k, set_from, error) != 0)
		return DT_OP_FAIL;
	snprintf(v, sizeof(v), "%lld", tb + amount);
	if (set_balance(k, set_to, error) != 0)
		return DT_OP_FAIL;
	return pg_commit(k, false, error);
}

dt_op_type pg_bank_transfer(void *data, const json_t *value, char **error)
{
	pg_conn *k = data;
	long long from = json_integer_value(json_object_get(value, "from"));
	long long to = json_integer_value(json_object_get(value, "to"));
	long long amount = json_integer_value(json_object_get(value, "amount"));
	char f[24], t[24], a[24];
	const char *debit[2] = { f, a }, *credit[2] = { t, a };
	long rows;

	if (from < 0 || from >= k->c->s.accounts || to < 0 ||
	    to >= k->c->s.accounts || from == to || amount <= 0)
		return dt_op_error(error, DT_OP_FAIL, "bad transfer");
	snprintf(f, sizeof(f), "%lld", from);
	snprintf(t, sizeof(t), "%lld", to);
	snprintf(a, sizeof(a), "%lld", amount);
	/* Nothing before COMMIT can take effect: every failure up to it is
	 * a fail (a lost connection rolls the transaction back). */
	if (pg_begin(k, false, false, error) != PG_DONE)
		return DT_OP_FAIL;
	if (k->c->s.read_write)
		return read_write(k, f, t, amount, error);
	rows = update(k, "UPDATE dt_bank SET balance = balance - $2 WHERE id = $1 "
		      "AND balance >= $2", debit, error);
	if (rows < 0)
		return DT_OP_FAIL;
	if (rows == 0) {
		pg_rollback(k, false);
		return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
	}
	rows = update(k, "UPDATE dt_bank SET balance = balance + $2 WHERE id = $1",
		      credit, error);
	if (rows != 1) {
		if (rows == 0)
			pg_rollback(k, false);
		return rows < 0 ? DT_OP_FAIL :
		       dt_op_error(error, DT_OP_FAIL, "no account %lld", to);
	}
	return pg_commit(k, false, error);
}
