/* SPDX-License-Identifier: MIT */
/*
 * info.h: a parser for the reply of redis' INFO command.
 *
 * INFO answers "# Section" headers and "field:value" lines separated by
 * CRLF.  redis_info_parse turns them into one flat JSON object:
 * integers become JSON integers, decimals reals, anything else strings
 * (keyspace lines such as "db0:keys=1,expires=0" stay strings).  Kept
 * apart from the client so that it can be tested and fuzzed alone.
 */
#ifndef DT_REDIS_INFO_H
#define DT_REDIS_INFO_H

#include <stddef.h>
#include <jansson.h>

/* Parse len bytes of text (need not be NUL-terminated).  Returns a new
 * object (empty when no line is a field); NULL only when out of memory.
 * Lines without ':' and comment lines are skipped; a field seen twice
 * keeps its last value. */
json_t *redis_info_parse(const char *text, size_t len);

/* The value of a text as JSON: integer, real or string (new reference);
 * NULL for a text JSON cannot hold (a NUL byte, invalid UTF-8). */
json_t *redis_info_value(const char *s, size_t len);

#endif
