/* SPDX-License-Identifier: MIT */
/*
 * edn.h: a reader for the subset of EDN that Jepsen histories use, into
 * jansson values.
 *
 *   nil true false        null, true, false
 *   42 -7 3.5             integer, real (an N or M suffix is dropped)
 *   "text"                string (\" \\ \n \t \r \uXXXX escapes)
 *   :kw :ns/kw            string "kw", "ns/kw" (the colon dropped)
 *   symbol                string
 *   [..] (..) #{..}       array
 *   {k v ...}             object; keys become strings (keywords without
 *                         their colon, numbers in decimal)
 *   \c                    one-character string
 *   ; comment, commas     whitespace; #_ discards the next form
 *
 * Anything else (tagged literals such as #inst or #jepsen.history.Op,
 * ratios, regexes) is an error naming line and column.
 */
#ifndef DT_CORE_EDN_H
#define DT_CORE_EDN_H

#include <jansson.h>
#include <stddef.h>

typedef struct dt_edn_reader {
	const char *s;     /* next character */
	const char *end;
	int line;          /* 1-based */
	const char *bol;   /* start of the current line */
} dt_edn_reader;

void dt_edn_reader_init(dt_edn_reader *r, const char *text, size_t len);

/* The next top-level value: 1 with *out (owned by the caller), 0 at the
 * end of the text, -1 with err ("line L, column C: ..."). */
int dt_edn_next(dt_edn_reader *r, json_t **out, char *err);

/* Parse text holding exactly one value; NULL with err. */
json_t *dt_edn_parse(const char *text, size_t len, char *err);

#endif
