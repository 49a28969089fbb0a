/*
 * fuzz_sql_list.c: the list-append row parser of the SQL clients
 * (plugins/sql/list.c, compiled in).  Any bytes give a list with
 * one value per comma-separated piece (none for the empty row), each a
 * JSON value that serialises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *list = sql_list_parse((const char *)data, size);
	size_t pieces = size > 0 ? 1 : 0;
	char *text;

	for (size_t i = 0; i < size; i++)
		if (data[i] == ',')
			pieces++;
	FUZZ_ASSERT(json_is_array(list));
	FUZZ_ASSERT(json_array_size(list) == pieces);
	text = json_dumps(list, 0);
	FUZZ_ASSERT(text != NULL);
	free(text);
	json_decref(list);
	return 0;
}
