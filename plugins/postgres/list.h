/*
 * list.h: the list-append row parser the SQL clients share (list.c).
 */
#ifndef DT_SQL_LIST_H
#define DT_SQL_LIST_H

#include <stddef.h>

#include <dt/plugin.h>

/* len bytes at s ("1,2,3", "" for none) as a JSON list of the values
 * (dt_value_parse of each piece): a new reference, NULL when out of
 * memory.  An empty row is []; "1,,2" has the empty text as its second
 * value. */
json_t *sql_list_parse(const char *s, size_t len);

#endif
