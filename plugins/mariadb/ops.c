/*
 * ops.c: the register workload on mariadb, one statement each:
 *   read   SELECT v FROM dt_register WHERE k = K
 *   write  INSERT ... ON DUPLICATE KEY UPDATE v = VALUES(v)
 *   cas    UPDATE dt_register SET v = TO WHERE k = K AND v = FROM
 *          (one row matched: ok; none: fail)
 * Values are stored as their JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include "my.h"

static dt_op_type do_read(my_conn *k, const char *key, json_t **result,
			  char **error)
{
	char *qk = my_quote(k->m, key), *sql;
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	json_t *v;
	my_status st;

	sql = qk ? dt_strdupf("SELECT v FROM dt_register WHERE k = %s", qk) : NULL;
	free(qk);
	if (sql == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	st = my_exec(k, sql, &r, NULL, error);
	free(sql);
	/* a read changes nothing: whatever went wrong, a fail */
	if (st != MY_DONE || r == NULL) {
		mysql_free_result(r);
		return st == MY_DONE ? dt_op_error(error, DT_OP_FAIL, "no result") :
		       DT_OP_FAIL;
	}
	row = mysql_fetch_row(r);
	if (row == NULL || row[0] == NULL)
		v = json_null();
	else
		v = dt_value_parse(row[0], mysql_fetch_lengths(r)[0], false);
	mysql_free_result(r);
	*result = json_pack("{ssso}", "key", key, "value", v);
	return DT_OP_OK;
}

/* A statement that commits on its own: its outcome and rows matched. */
static dt_op_type write_stmt(my_conn *k, char *sql, long long *rows,
			     char **error)
{
	MYSQL_RES *r = NULL;
	my_status st;

	if (sql == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	st = my_exec(k, sql, &r, rows, error);
	free(sql);
	mysql_free_result(r);
	return my_commit_outcome(st, k->errnum);
}

dt_op_type my_register_invoke(void *data, const char *f, const json_t *arg,
			      json_t **result, char **error)
{
	my_conn *k = data;
	const char *key;
	const json_t *v;
	char *qk = NULL, *a = NULL, *b = NULL, *ta = NULL, *tb = NULL;
	long long rows = 0;
	dt_op_type t = DT_OP_FAIL;

	switch (dt_keyed_parse(f, arg, "mariadb", &key, &v, error)) {
	case DT_KEYED_READ:
		return do_read(k, key, result, error);
	case DT_KEYED_WRITE:
		ta = dt_value_text(v, false);
		qk = my_quote(k->m, key);
		a = ta ? my_quote(k->m, ta) : NULL;
		t = qk && a ? write_stmt(k, dt_strdupf("INSERT INTO dt_register (k, v) "
				"VALUES (%s, %s) ON DUPLICATE KEY UPDATE v = VALUES(v)",
				qk, a), &rows, error) :
		    dt_op_error(error, DT_OP_FAIL, "out of memory");
		break;
	case DT_KEYED_CAS:
		if (!json_is_array(v) || json_array_size(v) != 2) {
			t = dt_op_error(error, DT_OP_FAIL, "cas takes [FROM, TO]");
			break;
		}
		ta = dt_value_text(json_array_get(v, 0), false);
		tb = dt_value_text(json_array_get(v, 1), false);
		qk = my_quote(k->m, key);
		a = ta ? my_quote(k->m, ta) : NULL;
		b = tb ? my_quote(k->m, tb) : NULL;
		if (qk == NULL || a == NULL || b == NULL) {
			t = dt_op_error(error, DT_OP_FAIL, "out of memory");
			break;
		}
		t = write_stmt(k, dt_strdupf("UPDATE dt_register SET v = %s WHERE "
					     "k = %s AND v = %s", b, qk, a), &rows,
			       error);
		if (t == DT_OP_OK && rows != 1)
			t = dt_op_error(error, DT_OP_FAIL, "cas mismatch");
		break;
	case DT_KEYED_APPEND:
		t = dt_op_error(error, DT_OP_FAIL, "the register has no append "
				"(list-append's transactions do)");
		break;
	case DT_KEYED_NONE:
		break;
	}
	free(qk);
	free(a);
	free(b);
	free(ta);
	free(tb);
	return t;
}
