/* SPDX-License-Identifier: MIT */
/*
 * list.c: a list-append row as the SQL clients store it, "1,2,3" (each
 * appended value's JSON text, comma-joined in append order), read back
 * as the JSON list [1, 2, 3].  Shared by the postgres and mariadb
 * clients (each compiles it in); fuzzed by tests/fuzz/fuzz_sql_list.c;
 * declared in sql.h.
 */
#include "sql.h"

json_t *sql_list_parse(const char *s, size_t len)
{
	json_t *list = json_array();
	size_t start = 0;

	for (size_t i = 0; list != NULL && len > 0 && i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		json_array_append_new(list, dt_value_parse(s + start, i - start, false));
		start = i + 1;
	}
	return list;
}
