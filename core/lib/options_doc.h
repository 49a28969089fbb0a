/* SPDX-License-Identifier: MIT */
/*
 * options_doc.h: the core's side of dt/options.h: suggestions for
 * misspelt names, and option tables as text and JSON (dt-run describe,
 * dtd's GET /api/plugins, the generated dt-plugins(7)).
 */
#ifndef DT_CORE_OPTIONS_DOC_H
#define DT_CORE_OPTIONS_DOC_H

#include <dt/plugin.h>

/* The name among names (n of them; NULLs skipped) within a few edits
 * of word, or NULL: "did you mean ...?". */
const char *options_closest(const char *word, const char *const *names,
			    size_t n);
/* "duration", "enum", ... */
const char *options_type_name(const dt_option *o);
/* One option a line or two: name, type, range, default, doc. */
void options_describe(const dt_option *table, int indent, dt_buf *out);
/* [{name, type, default, doc, required, min?, max?, values?, fields?}] */
json_t *options_json(const dt_option *table);

#endif
