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

long long etcd_reply_int(const json_t *obj, const char *name, long long def)
{
	const json_t *v = json_object_get(obj, name);
	const char *s;
	char *end;
	long long n;

	if (v == NULL || json_is_null(v))
		return def;
	if (json_is_integer(v))
		return json_integer_value(v) < 0 ? -1 : json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (*s < '0' || *s > '9')
		return -1;
	n = strtoll(s, &end, 10);
	return *end == '\0' && n >= 0 ? n : -1;
}

long long etcd_reply_revision(const json_t *reply)
{
	const json_t *h = json_object_get(reply, "header");

	return json_is_object(h) ? etcd_reply_int(h, "revision", -1) : -1;
}

/* The decoded text of a base64 member (absent: ""), a new JSON string;
 * NULL when it is not base64. */
static json_t *b64_member(const json_t *obj, const char *name)
{
	const json_t *v = json_object_get(obj, name);
	const char *text = v != NULL ? json_string_value(v) : "";
	unsigned char *raw;
	size_t n = 0;
	json_t *s;

	if (text == NULL)
		return NULL;
	raw = dt_base64_decode(text, strlen(text), &n);
	if (raw == NULL)
		return NULL;
	s = json_stringn((const char *)raw, n);
	if (s == NULL) /* not UTF-8 */
		s = json_string("(not UTF-8)");
	free(raw);
	return s;
}

json_t *etcd_reply_kv(const json_t *kv, char **error)
{
	static const char *const ints[][2] = {
		{ "create_revision", "create" }, { "mod_revision", "mod" },
		{ "version", "version" }, { "lease", "lease" }
	};
	json_t *out, *key, *value;

	if (!json_is_object(kv)) {
		*error = strdup("malformed reply: a key-value that is not an object");
		return NULL;
	}
	key = b64_member(kv, "key");
	value = b64_member(kv, "value");
	out = json_object();
	if (key == NULL || value == NULL || out == NULL) {
		json_decref(key);
		json_decref(value);
		json_decref(out);
		*error = strdup("malformed reply: a key or value that is not base64");
		return NULL;
	}
	json_object_set_new(out, "key", key);
	json_object_set_new(out, "value", value);
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		long long n = etcd_reply_int(kv, ints[i][0], 0);

		if (n < 0) {
			json_decref(out);
			*error = dt_strdupf("malformed reply: %s is not a number",
					    ints[i][0]);
			return NULL;
		}
		json_object_set_new(out, ints[i][1], json_integer(n));
	}
	return out;
}

json_t *etcd_reply_kvs(const json_t *reply, char **error)
{
	const json_t *kvs = json_object_get(reply, "kvs");
	json_t *out = json_array();
	const json_t *kv;
	size_t i;

	if (out == NULL) {
		*error = strdup("out of memory");
		return NULL;
	}
	if (kvs == NULL)
		return out;
	if (!json_is_array(kvs)) {
		json_decref(out);
		*error = strdup("malformed reply: kvs is not a list");
		return NULL;
	}
	json_array_foreach(kvs, i, kv) {
		json_t *one = etcd_reply_kv(kv, error);

		if (one == NULL) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, one);
	}
	return out;
}

json_t *etcd_reply_event(const json_t *ev, char **error)
{
	const json_t *type = json_object_get(ev, "type");
	const json_t *prev = json_object_get(ev, "prev_kv");
	const char *t = "put";
	json_t *out;

	if (!json_is_object(ev)) {
		*error = strdup("malformed watch event: not an object");
		return NULL;
	}
	if (type != NULL) {
		const char *s = json_string_value(type);

		if (json_is_integer(type) && json_integer_value(type) == 1)
			t = "delete";
		else if (s != NULL && strcmp(s, "DELETE") == 0)
			t = "delete";
		else if (!(s != NULL && strcmp(s, "PUT") == 0) &&
			 !(json_is_integer(type) && json_integer_value(type) == 0)) {
			*error = strdup("malformed watch event: unknown type");
			return NULL;
		}
	}
	out = etcd_reply_kv(json_object_get(ev, "kv"), error);
	if (out == NULL)
		return NULL;
	json_object_set_new(out, "type", json_string(t));
	json_object_set(out, "rev", json_object_get(out, "mod"));
	json_object_del(out, "mod");
	/* the previous key-value of a delete says which lease it had (a
	 * revoke's); a put's is left out: it only repeats history */
	if (prev != NULL && strcmp(t, "delete") == 0) {
		json_t *p = etcd_reply_kv(prev, error);

		if (p == NULL) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "prev", p);
	}
	return out;
}
