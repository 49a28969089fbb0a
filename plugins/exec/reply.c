/* SPDX-License-Identifier: MIT */
/*
 * reply.c: the exec client's reply parser (see reply.h).  Every way a
 * line can be wrong has its own sentence, with the line quoted, so that
 * the author of a client program sees at once what DT expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

void exec_quote(const char *line, size_t len, size_t max, char *out,
		size_t size)
{
	size_t o = 0;

	if (size < 8)
		return;
	out[o++] = '\'';
	for (size_t i = 0; i < len && i < max && o + 6 < size; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	if (len > max && o + 5 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

void exec_reply_clear(exec_reply *r)
{
	json_decref(r->value);
	free(r->error);
	r->value = NULL;
	r->error = NULL;
}

static int bad(char *why, const char *line, size_t len, const char *what)
{
	char q[160];

	exec_quote(line, len, 100, q, sizeof(q));
	snprintf(why, DT_ERRBUF_SIZE, "%s, got %s", what, q);
	return -1;
}

int exec_reply_parse(const char *line, size_t len, int64_t expect,
		     exec_reply *r, char *why)
{
	json_error_t je;
	json_t *j, *id, *type, *error;
	char what[320];
	const char *t;

	memset(r, 0, sizeof(*r));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(what, sizeof(what), "expected a JSON object "
			 "{\"id\": %lld, \"type\": ...} (not JSON: %s at "
			 "column %d)", (long long)expect, je.text, je.column);
		return bad(why, line, len, what);
	}
	if (!json_is_object(j)) {
		snprintf(what, sizeof(what), "expected a JSON object "
			 "{\"id\": %lld, \"type\": ...}", (long long)expect);
		goto fail;
	}
	id = json_object_get(j, "id");
	if (!json_is_integer(id)) {
		snprintf(what, sizeof(what), "expected \"id\": %lld (the "
			 "request's), %s", (long long)expect, id == NULL ?
			 "found no id" : "found an id that is not an integer");
		goto fail;
	}
	if (json_integer_value(id) != expect) {
		snprintf(what, sizeof(what), "expected the reply to request "
			 "%lld, found one for %lld", (long long)expect,
			 (long long)json_integer_value(id));
		goto fail;
	}
	type = json_object_get(j, "type");
	t = json_string_value(type);
	if (t == NULL || (strcmp(t, "ok") != 0 && strcmp(t, "fail") != 0 &&
			  strcmp(t, "info") != 0)) {
		snprintf(what, sizeof(what), "expected \"type\": \"ok\", "
			 "\"fail\" or \"info\", %s", type == NULL ?
			 "found no type" : "found another");
		goto fail;
	}
	error = json_object_get(j, "error");
	if (error != NULL && !json_is_string(error) && !json_is_null(error)) {
		snprintf(what, sizeof(what), "expected \"error\" to be a "
			 "string");
		goto fail;
	}
	r->id = expect;
	r->type = t[0] == 'o' ? DT_OP_OK : t[0] == 'f' ? DT_OP_FAIL : DT_OP_INFO;
	if (json_is_string(error)) {
		r->error = strdup(json_string_value(error));
		if (r->error == NULL) {
			snprintf(what, sizeof(what), "out of memory");
			goto fail;
		}
	}
	r->value = json_incref(json_object_get(j, "value"));
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	return bad(why, line, len, what);
}
