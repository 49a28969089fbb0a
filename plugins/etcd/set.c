/*
 * set.c: the set workload on etcd: an element is a key of its own under
 * a prefix (dt-set/ELEMENT, empty value), added by a put, and a read is
 * one range over the prefix (keys only, linearizable unless the client
 * says serializable), answered as a sorted list of integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

#define SET_PREFIX "dt-set/"

static json_t *b64(const char *s)
{
	char *e = dt_base64_encode(s, strlen(s));
	json_t *v = e ? json_string(e) : NULL;

	free(e);
	return v;
}

static dt_op_type set_add(etcd_conn *k, const json_t *value, char **error)
{
	char key[64];
	dt_op_type t;
	json_t *r;

	if (!json_is_integer(value))
		return dt_op_error(error, DT_OP_FAIL, "add takes an integer");
	snprintf(key, sizeof(key), SET_PREFIX "%" JSON_INTEGER_FORMAT,
		 json_integer_value(value));
	r = etcd_post(k, "/v3/kv/put", json_pack("{soso}", "key", b64(key),
			"value", b64("")), error, &t);
	if (r == NULL)
		return t;
	json_decref(r);
	return DT_OP_OK;
}

static int cmp_int(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

static dt_op_type set_read(etcd_conn *k, json_t **result, char **error)
{
	dt_op_type t = DT_OP_FAIL;
	/* the range [dt-set/, dt-set0): every key with the prefix */
	json_t *r = etcd_post(k, "/v3/kv/range", json_pack("{sosososo}",
			"key", b64(SET_PREFIX), "range_end", b64("dt-set0"),
			"keys_only", json_true(),
			"serializable", json_boolean(k->c->serializable)), error, &t);
	const json_t *kvs;
	json_int_t *v;
	size_t n = 0, i;
	json_t *kv;

	(void)t;
	if (r == NULL)
		return DT_OP_FAIL; /* a read changes nothing */
	kvs = json_object_get(r, "kvs");
	v = malloc((json_array_size(kvs) + 1) * sizeof(*v));
	if (v == NULL) {
		json_decref(r);
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	}
	json_array_foreach(kvs, i, kv) {
		const char *k64 = json_string_value(json_object_get(kv, "key"));
		size_t len = 0;
		unsigned char *key = k64 ? dt_base64_decode(k64, strlen(k64), &len) : NULL;
		char *end;
		long long x;

		if (key == NULL || len <= strlen(SET_PREFIX) ||
		    memcmp(key, SET_PREFIX, strlen(SET_PREFIX)) != 0) {
			free(key);
			free(v);
			json_decref(r);
			return dt_op_error(error, DT_OP_FAIL, "a malformed key in the "
					   "range of %s", SET_PREFIX);
		}
		x = strtoll((char *)key + strlen(SET_PREFIX), &end, 10);
		if (*end != '\0') {
			free(key);
			free(v);
			json_decref(r);
			return dt_op_error(error, DT_OP_FAIL, "a key under %s that is "
					   "not an integer", SET_PREFIX);
		}
		free(key);
		v[n++] = (json_int_t)x;
	}
	json_decref(r);
	qsort(v, n, sizeof(*v), cmp_int);
	*result = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(*result, json_integer(v[i]));
	free(v);
	return DT_OP_OK;
}

dt_op_type etcd_set_invoke(etcd_conn *k, const char *f, const json_t *value,
			   json_t **result, char **error)
{
	if (strcmp(f, "add") == 0)
		return set_add(k, value, error);
	if (strcmp(f, "read") == 0)
		return set_read(k, result, error);
	return dt_op_error(error, DT_OP_FAIL, "the set has no operation '%s'", f);
}
