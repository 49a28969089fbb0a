/* SPDX-License-Identifier: MIT */
/*
 * txn.c: transactions of micro-ops, the same on every SQL client (f
 * "txn"; the list-append and rw-register workloads, dt-history(5)):
 *
 *   invoke [["append",K,V],["r",K,null],["w",K,V],...]
 *   ok     the same with each read's value: a list (list-append: the
 *          values appended to K in order, [] when none) or the value
 *          (rw-register: null when never written)
 *
 * Here: checking the micro-ops, the order of begin / micro-ops /
 * rollback or commit, the texts of keys and values, and the value a read
 * found.  The statements are the client's (its txn.c, through a
 * sql_txn_driver).
 */
#include <stdlib.h>
#include <string.h>

#include "sql.h"

int sql_mop_check(const json_t *m, size_t i, char **error)
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
		return SQL_MOP_APPEND;
	if (strcmp(f, "r") == 0)
		return SQL_MOP_READ;
	if (strcmp(f, "w") == 0)
		return SQL_MOP_WRITE;
	dt_op_error(error, DT_OP_FAIL, "micro-op %zu: no micro-op '%s' (append, r, w)",
		    i, f);
	return -1;
}

json_t *sql_mop_read_value(bool lists, const char *s, size_t len)
{
	if (s == NULL)
		return lists ? json_array() : json_null();
	if (lists)
		return sql_list_parse(s, len);
	return dt_value_parse(s, len, false);
}

/* Micro-op m (of kind kind) through d; a read's value into *read.  0,
 * or -1 with *error. */
static int mop_run(const sql_txn_driver *d, void *k, bool read_only,
		   sql_mop kind, const json_t *m, json_t **read, char **error)
{
	char *key = dt_value_text(json_array_get(m, 1), false);
	char *val = kind == SQL_MOP_READ ? NULL :
		    dt_value_text(json_array_get(m, 2), false);
	int rc = -1;

	if (key == NULL || (kind != SQL_MOP_READ && val == NULL))
		dt_op_error(error, DT_OP_FAIL, "out of memory");
	else if (kind == SQL_MOP_APPEND && strchr(val, ',') != NULL)
		dt_op_error(error, DT_OP_FAIL, "an appended value may not hold a "
			    "comma: %s", val);
	else
		rc = d->mop(k, read_only, kind, key, val, read, error);
	free(key);
	free(val);
	return rc;
}

dt_op_type sql_txn_invoke(const sql_txn_driver *d, void *k, const json_t *value,
			  json_t **result, char **error)
{
	bool read_only = true;
	size_t i, n = json_array_size(value);
	json_t *m, *done;
	dt_op_type t;

	if (!json_is_array(value) || n == 0)
		return dt_op_error(error, DT_OP_FAIL, "a txn is a list of micro-ops");
	json_array_foreach(value, i, m) {
		int kind = sql_mop_check(m, i, error);

		if (kind < 0)
			return DT_OP_FAIL;
		if (kind != SQL_MOP_READ)
			read_only = false;
	}
	/* Until COMMIT nothing can take effect: every failure is a fail. */
	if (d->begin(k, read_only, error) != 0)
		return DT_OP_FAIL;
	done = json_deep_copy(value);
	json_array_foreach(value, i, m) {
		json_t *read = NULL;

		if (mop_run(d, k, read_only, (sql_mop)sql_mop_check(m, i, error), m,
			    &read, error) != 0) {
			d->rollback(k, read_only);
			json_decref(done);
			return DT_OP_FAIL;
		}
		if (read != NULL)
			json_array_set_new(json_array_get(done, i), 2, read);
	}
	t = d->commit(k, read_only, error);
	if (t == DT_OP_OK)
		*result = done;
	else
		json_decref(done);
	return t;
}
