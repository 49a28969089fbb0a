/*
 * txn.c: transactions of micro-ops on postgres (f "txn"; the
 * list-append and rw-register workloads, dt-history(5)):
 *
 *   invoke [["append",K,V],["r",K,null],["w",K,V],...]
 *   ok     the same with each read's value: a list (list-append: the
 *          values appended to K in order, [] when none) or the value
 *          (rw-register: null when never written)
 *
 * One SQL transaction at the client's isolation level:
 *   BEGIN ISOLATION LEVEL ... [READ ONLY]
 *   append  INSERT INTO dt_append AS t (k, v) VALUES ($1, $2)
 *           ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || EXCLUDED.v
 *   w       INSERT INTO dt_register ... ON CONFLICT (k) DO UPDATE
 *   r       SELECT v FROM dt_append|dt_register WHERE k = $1
 *   COMMIT
 * A transaction of reads only is READ ONLY and goes to the reader
 * (read-from); any other to the primary.  Keys and values are stored as
 * their JSON text; an appended value's text may not hold a comma.
 */
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "pg.h"

typedef enum { MOP_APPEND, MOP_READ, MOP_WRITE } mop_kind;

/* The kind of micro-op m, or -1 with *error. */
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

/* Run micro-op m (kind kind) inside the transaction; a read's value
 * into *read.  0, or -1 with *error (the transaction is then rolled
 * back or its connection gone). */
static int mop_run(pg_conn *k, bool reader, int kind, const json_t *m,
		   json_t **read, char **error)
{
	static const char *const SQL[] = {
		[MOP_APPEND] = "INSERT INTO dt_append AS t (k, v) VALUES ($1, $2) "
			       "ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || EXCLUDED.v",
		[MOP_WRITE] = "INSERT INTO dt_register AS t (k, v) VALUES ($1, $2) "
			      "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
	};
	bool lists = k->c->txn_lists;
	char *key = dt_value_text(json_array_get(m, 1), false);
	char *val = kind == MOP_READ ? NULL : dt_value_text(json_array_get(m, 2), false);
	const char *params[2] = { key, val };
	PGresult *r = NULL;
	pg_status st;
	int rc = -1;

	if (key == NULL || (kind != MOP_READ && val == NULL)) {
		dt_op_error(error, DT_OP_FAIL, "out of memory");
		goto out;
	}
	if (kind == MOP_APPEND && strchr(val, ',') != NULL) {
		dt_op_error(error, DT_OP_FAIL, "an appended value may not hold a "
			    "comma: %s", val);
		goto out;
	}
	if (kind == MOP_READ)
		st = pg_exec(k, reader, lists ? "SELECT v FROM dt_append WHERE k = $1" :
			     "SELECT v FROM dt_register WHERE k = $1", 1, params, &r,
			     error);
	else
		st = pg_exec(k, reader, SQL[kind], 2, params, &r, error);
	if (st != PG_DONE)
		goto out;
	if (kind == MOP_READ) {
		if (PQntuples(r) == 0)
			*read = lists ? json_array() : json_null();
		else if (lists)
			*read = sql_list_parse(PQgetvalue(r, 0, 0),
					   (size_t)PQgetlength(r, 0, 0));
		else
			*read = dt_value_parse(PQgetvalue(r, 0, 0),
					       (size_t)PQgetlength(r, 0, 0), false);
	}
	rc = 0;
out:
	PQclear(r);
	free(key);
	free(val);
	return rc;
}

dt_op_type pg_txn_invoke(pg_conn *k, const json_t *value, json_t **result,
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
	/* Until COMMIT nothing can take effect: every failure is a fail. */
	if (pg_begin(k, read_only, read_only, error) != PG_DONE)
		return DT_OP_FAIL;
	done = json_deep_copy(value);
	json_array_foreach(value, i, m) {
		json_t *read = NULL;

		if (mop_run(k, read_only, mop_check(m, i, error), m, &read, error) != 0) {
			pg_rollback(k, read_only);
			json_decref(done);
			return DT_OP_FAIL;
		}
		if (read != NULL)
			json_array_set_new(json_array_get(done, i), 2, read);
	}
	t = pg_commit(k, read_only, error);
	if (t == DT_OP_OK)
		*result = done;
	else
		json_decref(done);
	return t;
}
