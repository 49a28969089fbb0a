/*
 * txn.c: transactions of micro-ops on mariadb (f "txn"; the list-append
 * and rw-register workloads, dt-history(5)):
 *
 *   invoke [["append",K,V],["r",K,null],["w",K,V],...]
 *   ok     the same with each read's value: a list (list-append, []
 *          when none) or the value (rw-register, null when none)
 *
 * One SQL transaction at the session's isolation level:
 *   START TRANSACTION [READ ONLY]
 *   append  INSERT INTO dt_append (k, v) VALUES (K, V)
 *           ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))
 *   w       INSERT INTO dt_register ... ON DUPLICATE KEY UPDATE v = VALUES(v)
 *   r       SELECT v FROM dt_append|dt_register WHERE k = K
 *   COMMIT
 * Keys and values are stored as their JSON text; an appended value's
 * text may not hold a comma.
 */
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "my.h"

typedef enum { MOP_APPEND, MOP_READ, MOP_WRITE } mop_kind;

static int mop_check(const json_t *m, size_t i, char **error)
{
	const char *f = json_string_value(json_array_get(m, 0));
	const json_t *key = json_array_get(m, 1);

	if (!json_is_array(m) || json_array_size(m) != 3 || f == NULL) {
		dt_op_error(error, DT_OP_FAIL, "micro-op %zu: expected [F, KEY, VALUE]", i);
		return -1;
	}
	if (!json_is_integer(key) && !json_is_string(key)) {
		dt_op_error(error, DT_OP_FAIL, "micro-op %zu: the key must be an "
			    "integer or a string", i);
		return -1;
	}
	if (strcmp(f, "append") == 0)
		return MOP_APPEND;
	if (strcmp(f, "r") == 0)
		return MOP_READ;
	if (strcmp(f, "w") == 0)
		return MOP_WRITE;
	dt_op_error(error, DT_OP_FAIL, "micro-op %zu: no micro-op '%s' (append, r, w)",
		    i, f);
	return -1;
}

/* The statement of micro-op m, malloc'd; NULL with *error. */
static char *mop_sql(my_conn *k, int kind, const json_t *m, char **error)
{
	char *key = dt_value_text(json_array_get(m, 1), false);
	char *val = kind == MOP_READ ? NULL : dt_value_text(json_array_get(m, 2), false);
	char *qk = key ? my_quote(k->m, key) : NULL;
	char *qv = val ? my_quote(k->m, val) : NULL;
	char *sql = NULL;

	if (qk == NULL || (kind != MOP_READ && qv == NULL))
		dt_op_error(error, DT_OP_FAIL, "out of memory");
	else if (kind == MOP_APPEND && strchr(val, ',') != NULL)
		dt_op_error(error, DT_OP_FAIL, "an appended value may not hold a "
			    "comma: %s", val);
	else if (kind == MOP_READ)
		sql = dt_strdupf("SELECT v FROM %s WHERE k = %s", k->c->txn_lists ?
				 "dt_append" : "dt_register", qk);
	else if (kind == MOP_APPEND)
		sql = dt_strdupf("INSERT INTO dt_append (k, v) VALUES (%s, %s) ON "
				 "DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))",
				 qk, qv);
	else
		sql = dt_strdupf("INSERT INTO dt_register (k, v) VALUES (%s, %s) ON "
				 "DUPLICATE KEY UPDATE v = VALUES(v)", qk, qv);
	free(key);
	free(val);
	free(qk);
	free(qv);
	return sql;
}

/* Run micro-op m; a read's value into *read.  0, or -1 with *error. */
static int mop_run(my_conn *k, int kind, const json_t *m, json_t **read,
		   char **error)
{
	char *sql = mop_sql(k, kind, m, error);
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;

	if (sql == NULL)
		return -1;
	if (my_exec(k, sql, &r, NULL, error) != MY_DONE) {
		free(sql);
		return -1;
	}
	free(sql);
	if (kind == MOP_READ) {
		row = r != NULL ? mysql_fetch_row(r) : NULL;
		if (row == NULL || row[0] == NULL)
			*read = k->c->txn_lists ? json_array() : json_null();
		else if (k->c->txn_lists)
			*read = sql_list_parse(row[0], mysql_fetch_lengths(r)[0]);
		else
			*read = dt_value_parse(row[0], mysql_fetch_lengths(r)[0], false);
	}
	mysql_free_result(r);
	return 0;
}

dt_op_type my_txn_invoke(my_conn *k, const json_t *value, json_t **result,
			 char **error)
{
	bool read_only = true;
	size_t i, n = json_array_size(value);
	json_t *m, *done;
	dt_op_type t;

	if (!json_is_array(value) || n == 0)
		return dt_op_error(error, DT_OP_FAIL, "a txn is a list of micro-ops");
	json_array_foreach(value, i, m) {
		int kind = mop_check(m, i, error);

		if (kind < 0)
			return DT_OP_FAIL;
		if (kind != MOP_READ)
			read_only = false;
	}
	if (my_begin(k, read_only, error) != MY_DONE)
		return DT_OP_FAIL;
	done = json_deep_copy(value);
	json_array_foreach(value, i, m) {
		json_t *read = NULL;

		if (mop_run(k, mop_check(m, i, error), m, &read, error) != 0) {
			my_rollback(k);
			json_decref(done);
			return DT_OP_FAIL;
		}
		if (read != NULL)
			json_array_set_new(json_array_get(done, i), 2, read);
	}
	t = my_commit(k, error);
	if (t == DT_OP_OK)
		*result = done;
	else
		json_decref(done);
	return t;
}
