/*
 * model.c: the etcd model: etcd's kv store with its revisions, for the
 * linearizable checker.  The state is the store's revision, the live
 * leases and every key's value, create and mod revision, version and
 * lease (state.c); one partition, as revisions are global.
 *
 *   put     a new revision; the key's version + 1 (1, and create = mod,
 *           when new); its lease is the put's (none: detached).  A put
 *           with a lease that is not live cannot succeed.
 *   get     the key's kv, or none; header revision = the store's.
 *   range   the keys under the prefix in key order, the first `limit`
 *           (0: all), count = all of them, more = some left out.
 *   delete  a new revision and deleted 1 when the key exists, else the
 *           revision stays and deleted is 0.
 *   txn     compare the key's value, version, create or mod revision
 *           with expect (EQUAL; a missing key has version and revisions
 *           0, and a value compare on it fails, as etcd does): put on
 *           success (a new revision), get on failure (the same).
 *   grant   a lease becomes live (the revision stays).
 *   revoke  the lease ends, its keys are deleted in one new revision
 *           (none: the revision stays).
 *   compact, watch: no change (the watch checker judges watches).
 *
 * Every ok completion's header revision is checked: a write's is the
 * revision it made, a read's the store's.  Lease expiry is out of the
 * model: the workload grants leases far longer than a run (an expiry
 * would show as keys vanishing, which the model rejects).  A txn of
 * unknown outcome is its put where its comparison holds and a no-op
 * (DT_STEP_SAME: the checker never places it) where it does not, so it
 * branches only where it could have written.  DT's revisions workload
 * puts every txn's expect in the invoke; only a hand-written history's
 * txn without one (the client then compared with what it last read, and
 * an unknown outcome does not say what) is taken as its put in every
 * state (F_NO_EXPECT), which makes the search branch at each.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "etcdrev.h"

enum { O_PUT, O_GET, O_RANGE, O_DELETE, O_TXN, O_GRANT, O_REVOKE, O_NOP };
enum { C_VALUE, C_VERSION, C_CREATE, C_MOD };

#define F_UNKNOWN 0x1   /* no completion */
#define F_SUCCEEDED 0x2 /* txn: the comparison held */
#define F_MORE 0x4      /* range: more keys than the limit */
#define F_NO_EXPECT 0x8 /* txn: expect unknown (client-chosen, info) */

/* The prepared op; key, value, expect text and the expected kvs follow. */
typedef struct er_op {
	int32_t kind, flags;
	int64_t rev;        /* header revision, -1: not reported */
	int64_t lease, limit, count, deleted, expect;
	int32_t cmp, pad;
	uint32_t klen, vlen, elen, kvslen;
	unsigned char data[];
} er_op;

static const unsigned char *op_key(const er_op *o) { return o->data; }
static const unsigned char *op_value(const er_op *o) { return o->data + o->klen; }
static const unsigned char *op_estr(const er_op *o)
{
	return o->data + o->klen + o->vlen;
}
static const unsigned char *op_kvs(const er_op *o)
{
	return o->data + o->klen + o->vlen + o->elen;
}

static const char *const kind_names[] = {
	"put", "get", "range", "delete", "txn", "grant", "revoke", NULL
};

static long long int_of(const json_t *v, const char *name, long long def)
{
	const json_t *m = json_object_get(v, name);

	return json_is_integer(m) ? json_integer_value(m) : def;
}

/* The expected kvs of a read's completion, encoded. */
static int kvs_encode(const json_t *kvs, dt_buf *out, char *err)
{
	const json_t *kv;
	size_t i;

	if (kvs != NULL && !json_is_array(kvs))
		return dt_fail(err, "kvs is not a list");
	json_array_foreach(kvs, i, kv) {
		const char *k = json_string_value(json_object_get(kv, "key"));
		const char *v = json_string_value(json_object_get(kv, "value"));
		er_kv e;

		if (k == NULL || v == NULL)
			return dt_fail(err, "a kv without a string key and value");
		e.key = (const unsigned char *)k;
		e.klen = (uint32_t)strlen(k);
		e.value = (const unsigned char *)v;
		e.vlen = (uint32_t)strlen(v);
		e.create = int_of(kv, "create", 0);
		e.mod = int_of(kv, "mod", 0);
		e.version = int_of(kv, "version", 0);
		e.lease = int_of(kv, "lease", 0);
		if (er_kv_encode(&e, out) != 0)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

static int er_prepare(void *model, const dt_op *call, const dt_op *ret,
		      dt_buf *out, char *err)
{
	const json_t *in = call->value, *res = ret != NULL ? ret->value : NULL;
	const json_t *src = res != NULL ? res : in;
	static const char *const cmps[] = { "value", "version", "create", "mod", NULL };
	const char *key = json_string_value(json_object_get(in, "key"));
	const char *value = json_string_value(json_object_get(in, "value"));
	const char *cmp = json_string_value(json_object_get(in, "cmp"));
	const json_t *expect = json_object_get(src, "expect");
	er_op head = { .rev = -1 };
	size_t at = out->len;
	int kind = O_NOP;

	(void)model;
	for (int i = 0; kind_names[i] != NULL; i++)
		if (call->f != NULL && strcmp(call->f, kind_names[i]) == 0)
			kind = i;
	if (kind == O_NOP && (call->f == NULL || (strcmp(call->f, "compact") != 0 &&
			      strcmp(call->f, "watch") != 0)))
		return dt_fail(err, "the etcd model has no operation '%s'",
			       call->f ? call->f : "(none)");
	head.kind = kind;
	head.flags = ret == NULL ? F_UNKNOWN : 0;
	if (kind != O_NOP && kind != O_GRANT && kind != O_REVOKE && key == NULL)
		return dt_fail(err, "%s without a key", call->f);
	if ((kind == O_PUT || kind == O_TXN) && value == NULL)
		return dt_fail(err, "%s without a string value", call->f);
	head.lease = int_of(in, "lease", 0);
	head.limit = int_of(in, "limit", 0);
	if (res != NULL) {
		head.rev = int_of(res, "rev", -1);
		head.count = int_of(res, "count", 0);
		head.deleted = int_of(res, "deleted", 0);
		if (json_is_true(json_object_get(res, "succeeded")))
			head.flags |= F_SUCCEEDED;
		if (json_is_true(json_object_get(res, "more")))
			head.flags |= F_MORE;
	}
	if (kind == O_TXN) {
		head.cmp = -1;
		for (int i = 0; cmp != NULL && cmps[i] != NULL; i++)
			if (strcmp(cmp, cmps[i]) == 0)
				head.cmp = i;
		if (head.cmp < 0)
			return dt_fail(err, "txn cmp is not value, version, create or mod");
		if (expect == NULL)
			head.flags |= F_NO_EXPECT;
		else if (head.cmp == C_VALUE && !json_is_string(expect))
			return dt_fail(err, "txn on value expects a string");
		else if (head.cmp != C_VALUE && !json_is_integer(expect))
			return dt_fail(err, "txn on %s expects a number", cmp);
		if (head.cmp != C_VALUE && expect != NULL)
			head.expect = json_integer_value(expect);
	}
	if (kind == O_NOP)
		key = value = NULL;
	head.klen = key ? (uint32_t)strlen(key) : 0;
	head.vlen = value && (kind == O_PUT || kind == O_TXN) ? (uint32_t)strlen(value) : 0;
	head.elen = head.cmp == C_VALUE && json_is_string(expect) ?
		    (uint32_t)json_string_length(expect) : 0;
	if (dt_buf_put(out, &head, sizeof(head)) != 0 ||
	    (head.klen && dt_buf_put(out, key, head.klen) != 0) ||
	    (head.vlen && dt_buf_put(out, value, head.vlen) != 0) ||
	    (head.elen && dt_buf_put(out, json_string_value(expect), head.elen) != 0))
		return dt_fail(err, "out of memory");
	if (res != NULL && (kind == O_GET || kind == O_RANGE ||
			    (kind == O_TXN && !(head.flags & F_SUCCEEDED)))) {
		size_t start = out->len;

		if (kvs_encode(json_object_get(res, "kvs"), out, err) != 0)
			return -1;
		head.kvslen = (uint32_t)(out->len - start);
		memcpy(out->data + at, &head, sizeof(head));
	}
	return 0;
}

static int er_init(void *model, dt_buf *state, char *err)
{
	(void)model;
	(void)state;
	(void)err;
	return 0; /* the empty store at revision 1 */
}

/* Does the completion's header revision say rev?  Always when unknown
 * or not reported. */
static bool rev_ok(const er_op *o, int64_t rev)
{
	return (o->flags & F_UNKNOWN) || o->rev < 0 || o->rev == rev;
}

static dt_step emit(const er_state *s, dt_buf *next)
{
	if (er_state_encode(s, next) != 0) {
		free(next->data);
		next->data = NULL;
	}
	return DT_STEP_NEW;
}

/* Put key = value with lease in s at a new revision. */
static void apply_put(er_state *s, const er_op *o, int64_t lease)
{
	long i = er_state_find(s, op_key(o), o->klen);
	er_kv *kv;

	s->rev++;
	if (i < 0) {
		kv = &s->kvs[s->nkvs++];
		kv->key = op_key(o);
		kv->klen = o->klen;
		kv->create = s->rev;
		kv->version = 0;
	} else {
		kv = &s->kvs[i];
	}
	kv->value = op_value(o);
	kv->vlen = o->vlen;
	kv->mod = s->rev;
	kv->version++;
	kv->lease = lease;
}

static void remove_kv(er_state *s, long i)
{
	s->kvs[i] = s->kvs[--s->nkvs];
}

/* Do the kvs (n of them, in key order) equal the op's expected ones? */
static bool kvs_match(const er_op *o, const er_kv *const *kvs, size_t n)
{
	er_kv want[ER_MAX_KEYS];
	size_t m;

	if (!er_kvs_parse(op_kvs(o), o->kvslen, want, ER_MAX_KEYS, &m) || m != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!er_kv_equal(&want[i], kvs[i]))
			return false;
	return true;
}

static int kv_key_cmp(const er_kv *a, const er_kv *b)
{
	uint32_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = n ? memcmp(a->key, b->key, n) : 0;

	return c != 0 ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

static dt_step step_range(const er_state *s, const er_op *o)
{
	const er_kv *hits[ER_MAX_KEYS];
	size_t n = 0, shown;

	for (uint32_t i = 0; i < s->nkvs; i++) {
		const er_kv *kv = &s->kvs[i];
		size_t j = n++;

		if (kv->klen < o->klen || (o->klen && memcmp(kv->key, op_key(o), o->klen)))
			{ n--; continue; }
		while (j > 0 && kv_key_cmp(hits[j - 1], kv) > 0) {
			hits[j] = hits[j - 1];
			j--;
		}
		hits[j] = kv;
	}
	shown = o->limit > 0 && (size_t)o->limit < n ? (size_t)o->limit : n;
	if ((int64_t)n != o->count || ((o->flags & F_MORE) != 0) != (shown < n))
		return DT_STEP_ILLEGAL;
	return kvs_match(o, hits, shown) ? DT_STEP_SAME : DT_STEP_ILLEGAL;
}

/* Does the txn's comparison hold in s? */
static bool txn_holds(const er_state *s, const er_op *o)
{
	long i = er_state_find(s, op_key(o), o->klen);
	const er_kv *kv = i >= 0 ? &s->kvs[i] : NULL;

	switch (o->cmp) {
	case C_VALUE:
		return kv != NULL && kv->vlen == o->elen &&
		       (o->elen == 0 || memcmp(kv->value, op_estr(o), o->elen) == 0);
	case C_VERSION:
		return (kv ? kv->version : 0) == o->expect;
	case C_CREATE:
		return (kv ? kv->create : 0) == o->expect;
	case C_MOD:
		return (kv ? kv->mod : 0) == o->expect;
	}
	return false;
}

static dt_step er_step(void *model, const void *state, size_t len,
		       const void *op, dt_buf *next)
{
	const er_op *o = op;
	bool unknown = (o->flags & F_UNKNOWN) != 0;
	er_state s;
	long i;

	(void)model;
	if (o->kind == O_NOP)
		return DT_STEP_SAME;
	if (!er_state_parse(state, len, &s))
		return DT_STEP_ILLEGAL;
	switch (o->kind) {
	case O_PUT:
		if (o->lease != 0 && !er_state_has_lease(&s, o->lease))
			return unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
		if (!rev_ok(o, s.rev + 1))
			return DT_STEP_ILLEGAL;
		if (er_state_find(&s, op_key(o), o->klen) < 0 && s.nkvs >= ER_MAX_KEYS)
			return DT_STEP_ILLEGAL;
		apply_put(&s, o, o->lease);
		return emit(&s, next);
	case O_GET: {
		const er_kv *kv;

		if (unknown)
			return DT_STEP_SAME;
		if (!rev_ok(o, s.rev))
			return DT_STEP_ILLEGAL;
		i = er_state_find(&s, op_key(o), o->klen);
		kv = i >= 0 ? &s.kvs[i] : NULL;
		return kvs_match(o, &kv, kv ? 1 : 0) ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	}
	case O_RANGE:
		if (unknown)
			return DT_STEP_SAME;
		if (!rev_ok(o, s.rev))
			return DT_STEP_ILLEGAL;
		return step_range(&s, o);
	case O_DELETE:
		i = er_state_find(&s, op_key(o), o->klen);
		if (i < 0)
			return unknown || (rev_ok(o, s.rev) && o->deleted == 0) ?
			       DT_STEP_SAME : DT_STEP_ILLEGAL;
		if (!unknown && (!rev_ok(o, s.rev + 1) || o->deleted != 1))
			return DT_STEP_ILLEGAL;
		remove_kv(&s, i);
		s.rev++;
		return emit(&s, next);
	case O_TXN: {
		bool holds = (unknown && (o->flags & F_NO_EXPECT)) || txn_holds(&s, o);
		const er_kv *kv;

		if (!unknown && holds != ((o->flags & F_SUCCEEDED) != 0))
			return DT_STEP_ILLEGAL;
		if (holds) {
			if (!rev_ok(o, s.rev + 1))
				return DT_STEP_ILLEGAL;
			if (er_state_find(&s, op_key(o), o->klen) < 0 &&
			    s.nkvs >= ER_MAX_KEYS)
				return DT_STEP_ILLEGAL;
			apply_put(&s, o, 0);
			return emit(&s, next);
		}
		if (unknown)
			return DT_STEP_SAME;
		if (!rev_ok(o, s.rev))
			return DT_STEP_ILLEGAL;
		i = er_state_find(&s, op_key(o), o->klen);
		kv = i >= 0 ? &s.kvs[i] : NULL;
		return kvs_match(o, &kv, kv ? 1 : 0) ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	}
	case O_GRANT:
		if (er_state_has_lease(&s, o->lease) || s.nleases >= ER_MAX_LEASES)
			return unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
		if (!rev_ok(o, s.rev))
			return DT_STEP_ILLEGAL;
		s.leases[s.nleases++] = o->lease;
		return emit(&s, next);
	case O_REVOKE: {
		bool gone = false;

		if (!er_state_has_lease(&s, o->lease))
			return unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
		for (uint32_t j = 0; j < s.nleases; j++)
			if (s.leases[j] == o->lease) {
				s.leases[j] = s.leases[--s.nleases];
				break;
			}
		for (long j = (long)s.nkvs - 1; j >= 0; j--)
			if (s.kvs[j].lease == o->lease) {
				remove_kv(&s, j);
				gone = true;
			}
		if (gone)
			s.rev++;
		if (!rev_ok(o, s.rev))
			return DT_STEP_ILLEGAL;
		return emit(&s, next);
	}
	}
	return DT_STEP_ILLEGAL;
}

static char *er_describe_op(void *model, const void *op)
{
	static const char *const cmps[] = { "value", "version", "create", "mod" };
	const er_op *o = op;
	dt_buf b = { 0 };
	char n[160];

	(void)model;
	dt_buf_puts(&b, o->kind == O_NOP ? "compact/watch" : kind_names[o->kind]);
	if (o->klen) {
		dt_buf_put(&b, " ", 1);
		dt_buf_put(&b, op_key(o), o->klen);
	}
	if (o->vlen) {
		dt_buf_puts(&b, " = \"");
		dt_buf_put(&b, op_value(o), o->vlen);
		dt_buf_puts(&b, "\"");
	}
	if (o->kind == O_TXN) {
		if (o->flags & F_NO_EXPECT)
			snprintf(n, sizeof(n), " if %s = ?", cmps[o->cmp]);
		else if (o->cmp == C_VALUE)
			snprintf(n, sizeof(n), " if value = \"%.*s\"", (int)o->elen,
				 (const char *)op_estr(o));
		else
			snprintf(n, sizeof(n), " if %s = %lld", cmps[o->cmp],
				 (long long)o->expect);
		dt_buf_puts(&b, n);
	}
	if (o->lease) {
		snprintf(n, sizeof(n), " lease %lld", (long long)o->lease);
		dt_buf_puts(&b, n);
	}
	if (o->kind == O_RANGE) {
		snprintf(n, sizeof(n), " prefix limit %lld", (long long)o->limit);
		dt_buf_puts(&b, n);
	}
	if (o->flags & F_UNKNOWN) {
		dt_buf_puts(&b, " (unknown outcome)");
	} else {
		er_kv kvs[ER_MAX_KEYS];
		size_t m = 0;

		snprintf(n, sizeof(n), " -> rev %lld", (long long)o->rev);
		dt_buf_puts(&b, n);
		if (o->kind == O_TXN)
			dt_buf_puts(&b, o->flags & F_SUCCEEDED ? " succeeded" : " failed");
		if (o->kind == O_DELETE) {
			snprintf(n, sizeof(n), " deleted %lld", (long long)o->deleted);
			dt_buf_puts(&b, n);
		}
		if (o->kind == O_RANGE) {
			snprintf(n, sizeof(n), " count %lld%s", (long long)o->count,
				 o->flags & F_MORE ? " more" : "");
			dt_buf_puts(&b, n);
		}
		if (o->kind == O_GET || o->kind == O_RANGE ||
		    (o->kind == O_TXN && !(o->flags & F_SUCCEEDED))) {
			dt_buf_puts(&b, " [");
			if (er_kvs_parse(op_kvs(o), o->kvslen, kvs, ER_MAX_KEYS, &m))
				for (size_t i = 0; i < m; i++) {
					if (i)
						dt_buf_puts(&b, ", ");
					er_kv_print(&kvs[i], &b);
				}
			dt_buf_puts(&b, "]");
		}
	}
	dt_buf_put(&b, "", 1);
	return (char *)b.data;
}

static char *er_describe_state(void *model, const void *state, size_t len)
{
	er_state s;
	dt_buf b = { 0 };
	char n[64];

	(void)model;
	if (!er_state_parse(state, len, &s))
		return strdup("(not a state)");
	snprintf(n, sizeof(n), "rev %lld", (long long)s.rev);
	dt_buf_puts(&b, n);
	for (uint32_t i = 0; i < s.nleases; i++) {
		snprintf(n, sizeof(n), "%s%lld", i ? "," : " leases ",
			 (long long)s.leases[i]);
		dt_buf_puts(&b, n);
	}
	for (uint32_t i = 0; i < s.nkvs; i++) {
		dt_buf_puts(&b, i ? ", " : ": ");
		er_kv_print(&s.kvs[i], &b);
	}
	dt_buf_put(&b, "", 1);
	return (char *)b.data;
}

static void *er_create(const json_t *config, const json_t *workload_config,
		       char *err)
{
	static int one;

	(void)config;
	(void)workload_config;
	(void)err;
	return &one; /* no parameters */
}

static void er_destroy(void *model)
{
	(void)model;
}

const dt_model_type etcdrev_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "etcd", .version = "1.0",
		  .description = "etcd's kv store with revisions: put, get, "
				 "range, delete, txn, leases; header and key "
				 "revisions checked" },
	.create = er_create,
	.destroy = er_destroy,
	.prepare = er_prepare,
	.init = er_init,
	.step = er_step,
	.describe_op = er_describe_op,
	.describe_state = er_describe_state,
};
