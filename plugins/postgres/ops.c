/*
 * ops.c: the register workload on postgres, one statement each (a
 * single statement is atomic at any isolation level):
 *   read   SELECT v FROM dt_register WHERE k = $1       (on the reader)
 *   write  INSERT ... ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v
 *   cas    UPDATE dt_register SET v = $3 WHERE k = $1 AND v = $2
 * Values are stored as their JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static dt_op_type do_read(pg_conn *k, const char *key, json_t **result,
			  char **error)
{
	const char *params[1] = { key };
	PGresult *r;
	json_t *v;

	/* a read changes nothing: whatever went wrong, a fail */
	if (pg_exec(k, true, "SELECT v FROM dt_register WHERE k = $1", 1, params,
		    &r, error) != PG_DONE)
		return DT_OP_FAIL;
	if (PQntuples(r) == 0)
		v = json_null();
	else
		v = dt_value_parse(PQgetvalue(r, 0, 0),
				   (size_t)PQgetlength(r, 0, 0), false);
	PQclear(r);
	*result = json_pack("{ssso}", "key", key, "value", v);
	return DT_OP_OK;
}

/* A statement that commits on its own (autocommit): its outcome, with
 * *rows the rows it changed. */
static dt_op_type write_stmt(pg_conn *k, const char *sql, int n,
			     const char *const *params, long *rows, char **error)
{
	PGresult *r;
	pg_status st = pg_exec(k, false, sql, n, params, &r, error);

	if (st != PG_DONE)
		return pg_commit_outcome(st, k->sqlstate);
	*rows = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return DT_OP_OK;
}

static dt_op_type do_write(pg_conn *k, const char *key, const json_t *value,
			   char **error)
{
	char *text = dt_value_text(value, false);
	const char *params[2] = { key, text };
	long rows = 0;
	dt_op_type t;

	if (text == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	t = write_stmt(k, "INSERT INTO dt_register AS t (k, v) VALUES ($1, $2) "
		       "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v", 2, params,
		       &rows, error);
	free(text);
	return t;
}

static dt_op_type do_cas(pg_conn *k, const char *key, const json_t *value,
			 char **error)
{
	char *from, *to;
	long rows = 0;
	dt_op_type t;

	if (!json_is_array(value) || json_array_size(value) != 2)
		return dt_op_error(error, DT_OP_FAIL, "cas takes [FROM, TO]");
	from = dt_value_text(json_array_get(value, 0), false);
	to = dt_value_text(json_array_get(value, 1), false);
	if (from == NULL || to == NULL) {
		t = dt_op_error(error, DT_OP_FAIL, "out of memory");
	} else {
		const char *params[3] = { key, from, to };

		t = write_stmt(k, "UPDATE dt_register SET v = $3 WHERE k = $1 "
			       "AND v = $2", 3, params, &rows, error);
		if (t == DT_OP_OK && rows != 1)
			t = dt_op_error(error, DT_OP_FAIL, "cas mismatch");
	}
	free(from);
	free(to);
	return t;
}

dt_op_type pg_register_invoke(void *data, const char *f, const json_t *arg,
			      json_t **result, char **error)
{
	pg_conn *k = data;
	const char *key;
	const json_t *v;

	switch (dt_keyed_parse(f, arg, "postgres", &key, &v, error)) {
	case DT_KEYED_READ:
		return do_read(k, key, result, error);
	case DT_KEYED_WRITE:
		return do_write(k, key, v, error);
	case DT_KEYED_CAS:
		return do_cas(k, key, v, error);
	case DT_KEYED_APPEND:
		return dt_op_error(error, DT_OP_FAIL, "the register has no append "
				   "(list-append's transactions do)");
	case DT_KEYED_NONE:
		break;
	}
	return DT_OP_FAIL;
}
