/*
 * revops.c: the revisions workload on etcd: every operation of the kv
 * store and the leases, each completion carrying the revisions etcd
 * reported (its header's, the keys' create and mod revisions and
 * versions), which the etcd model checks.
 *
 *   put      {"key","value"[,"lease":ID]}    ok + "rev"
 *   get      {"key"}                         ok + "rev","kvs":[KV]
 *   range    {"key","prefix":true,"limit":N} ok + "rev","kvs","count","more"
 *   delete   {"key"}                         ok + "rev","deleted"
 *   txn      {"key","cmp":T,"value"[,"expect"]}
 *            if the key's T (value, version, create, mod) equals expect,
 *            put value, else get the key: ok + "expect","succeeded","rev"
 *            and, when it did not succeed, "kvs".  Without expect in the
 *            invoke (the workload cannot know revisions), the client takes
 *            it from the last key-value it read of the key (0 for a key it
 *            never saw): the completion says which it used.
 *   grant    {"lease":ID,"ttl":S}            ok + "rev"
 *   revoke   {"lease":ID}                    ok + "rev"
 *   compact  {"behind":N}   compacts to (highest revision seen - N),
 *            ok + "compact":R,"rev"
 *
 * KV is {"key","value","create","mod","version","lease"} (reply.h).
 * Reads that do not complete fail; writes whose answer was lost are
 * info, as in ops.c.
 */
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "reply.h"

json_t *etcd_b64n(const char *s, size_t len)
{
	char *e = dt_base64_encode(s, len);
	json_t *v = e ? json_string(e) : NULL;

	free(e);
	return v;
}

static json_t *b64(const char *s)
{
	return etcd_b64n(s, strlen(s));
}

json_t *etcd_prefix_end(const char *key)
{
	size_t n = strlen(key);
	char *end = strdup(key);
	json_t *v;

	if (end == NULL)
		return NULL;
	/* Keys here are printable: the last byte + 1 never wraps. */
	if (n == 0)
		v = etcd_b64n("\0", 1);
	else {
		end[n - 1]++;
		v = etcd_b64n(end, n);
	}
	free(end);
	return v;
}

void etcd_saw_revision(etcd_conn *k, long long rev)
{
	if (rev > k->last_rev)
		k->last_rev = rev;
}

/* The reply's header revision into result's "rev": -1 when it has none
 * (malformed), after noting it. */
static long long take_revision(etcd_conn *k, const json_t *reply, json_t *result)
{
	long long rev = etcd_reply_revision(reply);

	if (rev > 0) {
		etcd_saw_revision(k, rev);
		json_object_set_new(result, "rev", json_integer(rev));
	}
	return rev;
}

/* A copy of the invoke's value to complete. */
static json_t *result_of(const json_t *arg)
{
	return json_deep_copy(arg);
}

/* Remember the key-values read, for txn's expect. */
static void remember(etcd_conn *k, const json_t *kvs, const char *key)
{
	const json_t *kv;
	size_t i;

	if (k->seen == NULL && (k->seen = json_object()) == NULL)
		return;
	if (key != NULL && json_array_size(kvs) == 0)
		json_object_del(k->seen, key);
	json_array_foreach(kvs, i, kv)
		json_object_set(k->seen, json_string_value(json_object_get(kv, "key")),
				(json_t *)kv);
}

/* A reply without a header revision is malformed: info for a write
 * (it may have applied), fail for a read. */
static dt_op_type no_revision(bool write, char **error)
{
	return dt_op_error(error, write ? DT_OP_INFO : DT_OP_FAIL,
			   "malformed reply: no header revision");
}

static dt_op_type do_put(etcd_conn *k, const char *key, const json_t *arg,
			 json_t **result, char **error)
{
	const char *value = json_string_value(json_object_get(arg, "value"));
	long long lease = json_integer_value(json_object_get(arg, "lease"));
	json_t *body, *r, *res;
	dt_op_type t;

	if (value == NULL)
		return dt_op_error(error, DT_OP_FAIL, "put takes a string value");
	body = json_pack("{soso}", "key", b64(key), "value", b64(value));
	if (body != NULL && lease > 0)
		json_object_set_new(body, "lease", json_integer(lease));
	r = etcd_post(k, "/v3/kv/put", body, error, &t);
	if (r == NULL)
		return t;
	res = result_of(arg);
	if (take_revision(k, r, res) <= 0) {
		json_decref(res);
		json_decref(r);
		return no_revision(true, error);
	}
	json_decref(r);
	*result = res;
	return DT_OP_OK;
}

/* get (one key) and range (a prefix, with a limit). */
static dt_op_type do_range(etcd_conn *k, const char *key, const json_t *arg,
			   bool prefix, json_t **result, char **error)
{
	long long limit = json_integer_value(json_object_get(arg, "limit"));
	json_t *body, *r, *res, *kvs;
	long long count;
	dt_op_type t;

	body = json_pack("{so}", "key", b64(key));
	if (body != NULL && prefix)
		json_object_set_new(body, "range_end", etcd_prefix_end(key));
	if (body != NULL && limit > 0)
		json_object_set_new(body, "limit", json_integer(limit));
	if (body != NULL && k->c->serializable)
		json_object_set_new(body, "serializable", json_true());
	r = etcd_post(k, "/v3/kv/range", body, error, &t);
	if (r == NULL)
		return DT_OP_FAIL;
	res = result_of(arg);
	kvs = etcd_reply_kvs(r, error);
	count = etcd_reply_int(r, "count", 0);
	if (take_revision(k, r, res) <= 0 || kvs == NULL || count < 0) {
		json_decref(res);
		json_decref(kvs);
		json_decref(r);
		return *error ? DT_OP_FAIL : no_revision(false, error);
	}
	remember(k, kvs, prefix ? NULL : key);
	json_object_set_new(res, "kvs", kvs);
	if (prefix) {
		json_object_set_new(res, "count", json_integer(count));
		json_object_set_new(res, "more",
				    json_boolean(json_is_true(json_object_get(r, "more"))));
	}
	json_decref(r);
	*result = res;
	return DT_OP_OK;
}

static dt_op_type do_delete(etcd_conn *k, const char *key, const json_t *arg,
			    json_t **result, char **error)
{
	json_t *r, *res;
	long long deleted;
	dt_op_type t;

	r = etcd_post(k, "/v3/kv/deleterange", json_pack("{so}", "key", b64(key)),
		      error, &t);
	if (r == NULL)
		return t;
	res = result_of(arg);
	deleted = etcd_reply_int(r, "deleted", 0);
	if (take_revision(k, r, res) <= 0 || deleted < 0) {
		json_decref(res);
		json_decref(r);
		return no_revision(true, error);
	}
	json_object_set_new(res, "deleted", json_integer(deleted));
	json_decref(r);
	*result = res;
	return DT_OP_OK;
}

static const char *const txn_targets[][3] = {
	/* cmp, etcd's target, its member */
	{ "value", "VALUE", "value" }, { "version", "VERSION", "version" },
	{ "create", "CREATE", "create_revision" }, { "mod", "MOD", "mod_revision" },
};

/* The expect of a txn the invoke left it out of: the connection's last
 * read of the key (0, or "" for value, when it has none). */
static json_t *expect_of(etcd_conn *k, const char *key, const char *cmp)
{
	const json_t *kv = k->seen ? json_object_get(k->seen, key) : NULL;
	const json_t *v = json_object_get(kv, cmp);

	if (v != NULL)
		return json_incref((json_t *)v);
	return strcmp(cmp, "value") == 0 ? json_string("") : json_integer(0);
}

static dt_op_type do_txn(etcd_conn *k, const char *key, const json_t *arg,
			 json_t **result, char **error)
{
	const char *cmp = json_string_value(json_object_get(arg, "cmp"));
	const char *value = json_string_value(json_object_get(arg, "value"));
	json_t *expect = json_object_get(arg, "expect");
	json_t *compare, *r, *res, *kvs = NULL;
	long long rev;
	size_t ti;
	dt_op_type t;

	for (ti = 0; cmp != NULL && ti < 4; ti++)
		if (strcmp(cmp, txn_targets[ti][0]) == 0)
			break;
	if (cmp == NULL || ti == 4 || value == NULL)
		return dt_op_error(error, DT_OP_FAIL, "txn takes a cmp (value, "
				   "version, create or mod) and a string value");
	expect = expect != NULL ? json_incref(expect) : expect_of(k, key, cmp);
	compare = json_pack("{sossss}", "key", b64(key), "target", txn_targets[ti][1],
			    "result", "EQUAL");
	if (compare != NULL && ti == 0)
		json_object_set_new(compare, "value",
				    b64(json_string_value(expect) ? json_string_value(expect) : ""));
	else if (compare != NULL)
		json_object_set_new(compare, txn_targets[ti][2],
				    json_integer(json_integer_value(expect)));
	r = etcd_post(k, "/v3/kv/txn", json_pack("{s[o]s[{s{soso}}]s[{s{so}}]}",
			"compare", compare,
			"success", "request_put", "key", b64(key), "value", b64(value),
			"failure", "request_range", "key", b64(key)), error, &t);
	if (r == NULL) {
		json_decref(expect);
		return t;
	}
	res = result_of(arg);
	json_object_set_new(res, "expect", expect);
	rev = take_revision(k, r, res);
	json_object_set_new(res, "succeeded", json_boolean(etcd_reply_succeeded(r)));
	if (!etcd_reply_succeeded(r)) {
		/* responses[0].response_range is the failure branch's get */
		const json_t *one = json_array_get(json_object_get(r, "responses"), 0);

		kvs = etcd_reply_kvs(json_object_get(one, "response_range"), error);
		if (kvs == NULL) {
			json_decref(res);
			json_decref(r);
			return DT_OP_INFO;
		}
		remember(k, kvs, key);
		json_object_set_new(res, "kvs", kvs);
	}
	json_decref(r);
	if (rev <= 0) {
		json_decref(res);
		return no_revision(true, error);
	}
	*result = res;
	return DT_OP_OK;
}

static dt_op_type do_lease(etcd_conn *k, const char *f, const json_t *arg,
			   json_t **result, char **error)
{
	long long id = json_integer_value(json_object_get(arg, "lease"));
	long long ttl = json_integer_value(json_object_get(arg, "ttl"));
	bool grant = strcmp(f, "grant") == 0;
	json_t *r, *res;
	dt_op_type t;

	if (id <= 0 || (grant && ttl <= 0))
		return dt_op_error(error, DT_OP_FAIL, "%s takes a lease > 0%s", f,
				   grant ? " and a ttl > 0" : "");
	r = grant ? etcd_post(k, "/v3/lease/grant", json_pack("{sIsI}", "ID",
			      (json_int_t)id, "TTL", (json_int_t)ttl), error, &t)
		  : etcd_post(k, "/v3/kv/lease/revoke", json_pack("{sI}", "ID",
			      (json_int_t)id), error, &t);
	if (r == NULL)
		return t;
	res = result_of(arg);
	if (take_revision(k, r, res) <= 0) {
		json_decref(res);
		json_decref(r);
		return no_revision(true, error);
	}
	json_decref(r);
	*result = res;
	return DT_OP_OK;
}

static dt_op_type do_compact(etcd_conn *k, const json_t *arg, json_t **result,
			     char **error)
{
	long long behind = json_integer_value(json_object_get(arg, "behind"));
	long long to = k->last_rev - behind;
	json_t *r, *res;
	dt_op_type t;

	if (to < 1)
		return dt_op_error(error, DT_OP_FAIL, "nothing to compact yet "
				   "(highest revision seen %lld)", k->last_rev);
	r = etcd_post(k, "/v3/kv/compaction", json_pack("{sI}", "revision",
		      (json_int_t)to), error, &t);
	if (r == NULL)
		return t;
	res = result_of(arg);
	json_object_set_new(res, "compact", json_integer(to));
	take_revision(k, r, res);
	json_decref(r);
	*result = res;
	return DT_OP_OK;
}

dt_op_type etcd_rev_invoke(etcd_conn *k, const char *f, const json_t *arg,
			   json_t **result, char **error)
{
	const char *key = json_string_value(json_object_get(arg, "key"));

	if (strcmp(f, "watch") == 0)
		return etcd_watch(k, arg, result, error);
	if (strcmp(f, "grant") == 0 || strcmp(f, "revoke") == 0)
		return do_lease(k, f, arg, result, error);
	if (strcmp(f, "compact") == 0)
		return do_compact(k, arg, result, error);
	if (key == NULL)
		return dt_op_error(error, DT_OP_FAIL, "%s takes a key", f);
	if (strcmp(f, "put") == 0)
		return do_put(k, key, arg, result, error);
	if (strcmp(f, "get") == 0)
		return do_range(k, key, arg, false, result, error);
	if (strcmp(f, "range") == 0)
		return do_range(k, key, arg, true, result, error);
	if (strcmp(f, "delete") == 0)
		return do_delete(k, key, arg, result, error);
	if (strcmp(f, "txn") == 0)
		return do_txn(k, key, arg, result, error);
	return dt_op_error(error, DT_OP_FAIL, "etcd has no operation '%s'", f);
}
