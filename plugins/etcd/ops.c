/* SPDX-License-Identifier: MIT */
/*
 * ops.c: the register and kv workloads on etcd, as requests to the v3
 * JSON gateway with base64 keys and values.
 *   register  read: range, write: put, cas: a txn comparing the value
 *             (values stored as JSON text)
 *   kv        get: range, put: put, append: range then a txn comparing
 *             the key's mod revision, retried on conflict (raw strings)
 */
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "reply.h"

/* Base64 of a text as a JSON string; NULL when out of memory. */
static json_t *b64(const char *s)
{
	char *e = dt_base64_encode(s, strlen(s));
	json_t *v = e ? json_string(e) : NULL;

	free(e);
	return v;
}

/* A value as stored: raw strings for kv. */
static char *value_text(const etcd_conn *k, const json_t *v)
{
	return dt_value_text(v, k->c->workload == ETCD_WL_KV);
}

/* Range of one key.  *value gets the decoded text (NULL when absent)
 * and *rev its mod revision (0 when absent).  0, or -1 with *error. */
static int range(etcd_conn *k, const char *key, bool serializable, char **value,
		 size_t *vlen, char **rev, char **error)
{
	dt_op_type t;
	json_t *r;
	int rc;

	r = etcd_post(k, "/v3/kv/range", json_pack("{soso}", "key", b64(key),
			"serializable", json_boolean(serializable)), error, &t);
	*value = NULL;
	*rev = NULL;
	if (r == NULL)
		return -1;
	rc = etcd_reply_range(r, value, vlen, rev, error);
	json_decref(r);
	return rc;
}

static dt_op_type do_read(etcd_conn *k, const char *key, json_t **result, char **error)
{
	char *value, *rev;
	size_t vlen = 0;

	if (range(k, key, k->c->serializable, &value, &vlen, &rev, error) != 0)
		return DT_OP_FAIL; /* a read changes nothing */
	*result = json_pack("{ssso}", "key", key, "value", value == NULL ? json_null() :
			    dt_value_parse(value, vlen, k->c->workload == ETCD_WL_KV));
	free(value);
	free(rev);
	return DT_OP_OK;
}

static dt_op_type do_put(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *text = value_text(k, v);
	dt_op_type t;
	json_t *r;

	if (text == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	r = etcd_post(k, "/v3/kv/put", json_pack("{soso}", "key", b64(key),
			"value", b64(text)), error, &t);
	free(text);
	if (r == NULL)
		return t;
	json_decref(r);
	return DT_OP_OK;
}

/* A txn: if `compare` holds, put key = text.  OK when it applied, FAIL
 * when the comparison did not hold (*error "mismatch"), else post's. */
static dt_op_type txn_put(etcd_conn *k, const char *key, json_t *compare,
			  const char *text, char **error)
{
	dt_op_type t;
	json_t *r;

	r = etcd_post(k, "/v3/kv/txn", json_pack("{s[o]s[{s{soso}}]}",
			"compare", compare,
			"success", "request_put", "key", b64(key),
			"value", b64(text)), error, &t);
	if (r == NULL)
		return t;
	t = etcd_reply_succeeded(r) ? DT_OP_OK :
	    dt_op_error(error, DT_OP_FAIL, "mismatch");
	json_decref(r);
	return t;
}

static dt_op_type do_cas(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *from, *to;
	dt_op_type t;

	if (!json_is_array(v) || json_array_size(v) != 2)
		return dt_op_error(error, DT_OP_FAIL, "cas takes [FROM, TO]");
	from = value_text(k, json_array_get(v, 0));
	to = value_text(k, json_array_get(v, 1));
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	}
	t = txn_put(k, key, json_pack("{sossssso}", "key", b64(key),
			"target", "VALUE", "result", "EQUAL",
			"value", b64(from)), to, error);
	if (t == DT_OP_FAIL && *error != NULL && strcmp(*error, "mismatch") == 0)
		dt_op_error(error, t, "cas mismatch");
	free(from);
	free(to);
	return t;
}

/* Append: read the value and its revision, then put value+suffix if
 * the key is still at that revision; again on conflict. */
static dt_op_type do_append(etcd_conn *k, const char *key, const json_t *v, char **error)
{
	char *suffix = value_text(k, v);
	dt_op_type t = DT_OP_FAIL;

	if (suffix == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	for (;;) {
		char *value, *rev, *text;
		size_t vlen = 0;
		json_t *cmp;

		if (range(k, key, false, &value, &vlen, &rev, error) != 0)
			break; /* nothing written yet: fail */
		/* A missing key has create revision 0. */
		if (rev == NULL)
			cmp = json_pack("{sosssssi}", "key", b64(key),
					"target", "CREATE", "result", "EQUAL",
					"create_revision", 0);
		else
			cmp = json_pack("{sossssss}", "key", b64(key),
					"target", "MOD", "result", "EQUAL",
					"mod_revision", rev);
		text = dt_strdupf("%.*s%s", (int)vlen, value ? value : "", suffix);
		free(value);
		free(rev);
		if (text == NULL || cmp == NULL) {
			free(text);
			json_decref(cmp);
			dt_op_error(error, DT_OP_FAIL, "out of memory");
			break;
		}
		t = txn_put(k, key, cmp, text, error);
		free(text);
		if (t != DT_OP_FAIL || strcmp(*error, "mismatch") != 0)
			break;
		free(*error);
		*error = NULL;
		if (dt_deadline_expired(&k->deadline)) {
			dt_op_error(error, DT_OP_FAIL, "conflict: retried until the timeout");
			break;
		}
	}
	free(suffix);
	return t;
}

dt_op_type etcd_keyed_invoke(etcd_conn *k, const char *f, const json_t *arg,
			     json_t **result, char **error)
{
	const char *key;
	const json_t *v;

	switch (dt_keyed_parse(f, arg, "etcd", &key, &v, error)) {
	case DT_KEYED_READ:
		return do_read(k, key, result, error);
	case DT_KEYED_WRITE:
		return do_put(k, key, v, error);
	case DT_KEYED_CAS:
		return do_cas(k, key, v, error);
	case DT_KEYED_APPEND:
		return do_append(k, key, v, error);
	case DT_KEYED_NONE:
		break;
	}
	return DT_OP_FAIL;
}
