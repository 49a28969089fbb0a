/* SPDX-License-Identifier: MIT */
/*
 * reply.c: the parsers of etcd's JSON gateway replies (see reply.h).
 * Out of the client (ops.c, http.c) so that tests/systems/etcd_reply and
 * the fuzz target tests/fuzz/fuzz_etcd_reply can feed them anything.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/base64.h>

#include "reply.h"

json_t *etcd_reply_parse(long code, const char *body, size_t len,
			 char **error, dt_op_type *outcome)
{
	json_t *reply = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;

	*error = NULL;
	if (code != 200) {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		if (msg == NULL)
			msg = json_string_value(json_object_get(reply, "message"));
		if (asprintf(error, "HTTP %ld: %s", code, msg ? msg : "no message") < 0)
			*error = NULL;
		/* 4xx: the gateway refused the request itself. */
		*outcome = code >= 400 && code < 500 ? DT_OP_FAIL : DT_OP_INFO;
		json_decref(reply);
		return NULL;
	}
	if (!json_is_object(reply)) {
		*outcome = DT_OP_INFO;
		*error = strdup("malformed reply (not a JSON object)");
		json_decref(reply);
		return NULL;
	}
	*outcome = DT_OP_OK;
	return reply;
}

int etcd_reply_range(const json_t *reply, char **value, size_t *vlen,
		     char **rev, char **error)
{
	const json_t *kv = json_array_get(json_object_get(reply, "kvs"), 0);
	const json_t *val, *mr;

	*value = NULL;
	*rev = NULL;
	*vlen = 0;
	if (kv == NULL)
		return 0; /* no such key */
	if (!json_is_object(kv)) {
		*error = strdup("malformed reply: a key that is not an object");
		return -1;
	}
	val = json_object_get(kv, "value");
	mr = json_object_get(kv, "mod_revision");
	/* The gateway leaves an empty value out. */
	if (val != NULL && !json_is_string(val))
		goto not_base64;
	{
		const char *text = val != NULL ? json_string_value(val) : "";

		*value = (char *)dt_base64_decode(text, strlen(text), vlen);
	}
	if (*value == NULL)
		goto not_base64;
	*rev = strdup(json_is_string(mr) ? json_string_value(mr) : "0");
	if (*rev == NULL) {
		free(*value);
		*value = NULL;
		*error = strdup("out of memory");
		return -1;
	}
	return 0;
not_base64:
	*vlen = 0;
	*error = strdup("malformed reply: a value that is not base64");
	return -1;
}

bool etcd_reply_succeeded(const json_t *reply)
{
	return json_is_true(json_object_get(reply, "succeeded"));
}
