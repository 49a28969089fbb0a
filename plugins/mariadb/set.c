/*
 * set.c: the set workload on mariadb (Jepsen's set-full): a table
 * dt_set (e bigint primary key).
 *   add   INSERT INTO dt_set (e) VALUES (E)  (commits on its own: no
 *         answer is info)
 *   read  SELECT e FROM dt_set ORDER BY e    (one consistent read)
 */
#include <stdio.h>
#include <stdlib.h>

#include "my.h"

dt_op_type my_set_invoke(void *data, const char *f, const json_t *value,
			 json_t **result, char **error)
{
	my_conn *k = data;
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	my_status st;

	if (f[0] == 'a') {
		char sql[96];

		if (!json_is_integer(value))
			return dt_op_error(error, DT_OP_FAIL, "add takes an integer");
		snprintf(sql, sizeof(sql), "INSERT INTO dt_set (e) VALUES (%lld)",
			 (long long)json_integer_value(value));
		st = my_exec(k, sql, &r, NULL, error);
		mysql_free_result(r);
		return my_commit_outcome(st, k->errnum);
	}
	if (my_exec(k, "SELECT e FROM dt_set ORDER BY e", &r, NULL, error) != MY_DONE ||
	    r == NULL) {
		mysql_free_result(r);
		return DT_OP_FAIL;
	}
	*result = json_array();
	while ((row = mysql_fetch_row(r)) != NULL)
		json_array_append_new(*result, json_integer(
			(json_int_t)strtoll(row[0] ? row[0] : "0", NULL, 10)));
	mysql_free_result(r);
	return DT_OP_OK;
}
