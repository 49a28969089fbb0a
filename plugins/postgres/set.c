/*
 * set.c: the set workload on postgres (Jepsen's set-full): a table
 * dt_set (e bigint primary key).
 *   add   INSERT INTO dt_set (e) VALUES ($1)  (commits on its own: no
 *         answer is info)
 *   read  SELECT e FROM dt_set ORDER BY e     (on the reader: one
 *         statement, one snapshot)
 */
#include <stdio.h>
#include <stdlib.h>

#include "pg.h"

dt_op_type pg_set_invoke(void *data, const char *f, const json_t *value,
			 json_t **result, char **error)
{
	pg_conn *k = data;
	PGresult *r;
	pg_status st;

	if (f[0] == 'a') {
		char e[24];
		const char *params[1] = { e };

		if (!json_is_integer(value))
			return dt_op_error(error, DT_OP_FAIL, "add takes an integer");
		snprintf(e, sizeof(e), "%lld", (long long)json_integer_value(value));
		st = pg_exec(k, false, "INSERT INTO dt_set (e) VALUES ($1)", 1, params,
			     &r, error);
		PQclear(r);
		return st == PG_DONE ? DT_OP_OK : pg_commit_outcome(st, k->sqlstate);
	}
	if (pg_exec(k, true, "SELECT e FROM dt_set ORDER BY e", 0, NULL, &r,
		    error) != PG_DONE)
		return DT_OP_FAIL;
	*result = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*result, json_integer(
			(json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10)));
	PQclear(r);
	return DT_OP_OK;
}
