/*
 * dt_models: the sequential specifications DT ships for the
 * linearizability checker (see dt/model.h):
 *
 *   register      read / write                     per key, starts null
 *   cas-register  read / write / cas [FROM, TO]    per key, starts null
 *   kv            get / put / append on strings    per key, starts ""
 *   bank          read (all balances) / transfer   accounts x balance
 *   set           add / read (every element)       starts empty
 *   queue         enqueue / dequeue (FIFO)         starts empty
 *
 * Values arrive in DT's history form: when the op has no `key` of its
 * own and its value is an object with a "key", the payload is that
 * object's "value" (the register workload's {"key":K,"value":V});
 * otherwise the value itself (imported Jepsen/porcupine histories).
 *
 * States are canonical byte strings: a register holds one encoded value
 * (tag byte 'n' null, 'i' + int64, 's' + bytes, 'j' + compact JSON), a
 * kv key its raw string, a bank its int64 balances, a set its sorted
 * length-prefixed elements, a queue its elements front first.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dt/plugin.h>

/* ---- value encoding ------------------------------------------------------ */

static int enc_value(const json_t *v, dt_model_buf *b)
{
	if (v == NULL || json_is_null(v))
		return dt_model_buf_put(b, "n", 1);
	if (json_is_integer(v)) {
		int64_t x = (int64_t)json_integer_value(v);

		return dt_model_buf_put(b, "i", 1) || dt_model_buf_put(b, &x, 8);
	}
	if (json_is_string(v))
		return dt_model_buf_put(b, "s", 1) ||
		       dt_model_buf_put(b, json_string_value(v), json_string_length(v));
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		int rc;

		if (s == NULL)
			return -1;
		rc = dt_model_buf_put(b, "j", 1) || dt_model_buf_put(b, s, strlen(s));
		free(s);
		return rc;
	}
}

/* Append a readable form of one encoded value to out. */
static void dec_value(const unsigned char *p, size_t n, dt_model_buf *out)
{
	char tmp[32];

	if (n == 0 || p[0] == 'n') {
		dt_model_buf_put(out, "null", 4);
	} else if (p[0] == 'i' && n == 9) {
		int64_t x;

		memcpy(&x, p + 1, 8);
		snprintf(tmp, sizeof(tmp), "%" PRId64, x);
		dt_model_buf_put(out, tmp, strlen(tmp));
	} else if (p[0] == 's') {
		dt_model_buf_put(out, "\"", 1);
		dt_model_buf_put(out, p + 1, n - 1);
		dt_model_buf_put(out, "\"", 1);
	} else {
		dt_model_buf_put(out, p + 1, n - 1);
	}
}

static char *buf_string(dt_model_buf *b)
{
	if (dt_model_buf_put(b, "", 1) != 0) {
		free(b->data);
		return NULL;
	}
	return (char *)b->data;
}

/* The payload of a value (see the top of this file). */
static const json_t *payload(const dt_op *op)
{
	if (op == NULL)
		return NULL;
	if (op->key == NULL && json_is_object(op->value) &&
	    json_object_get(op->value, "key") != NULL)
		return json_object_get(op->value, "value");
	return op->value;
}

static const char *key_partition(void *model, const dt_op *call, char *buf)
{
	const json_t *k;

	(void)model;
	if (call->key != NULL)
		return call->key;
	if (!json_is_object(call->value))
		return NULL;
	k = json_object_get(call->value, "key");
	if (json_is_string(k))
		return json_string_value(k);
	if (k == NULL)
		return NULL;
	{
		char *s = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, DT_MODEL_KEY_SIZE, "%s", s ? s : "?");
		free(s);
	}
	return buf;
}

static const char *own_key_partition(void *model, const dt_op *call, char *buf)
{
	(void)model;
	(void)buf;
	return call->key;
}

/* ---- the compact operation shared by every model ----------------------- */

enum {
	K_READ, K_WRITE, K_CAS, K_CAS_FAILED, /* register */
	K_GET, K_PUT, K_APPEND,               /* kv */
	K_BREAD, K_TRANSFER,                  /* bank */
	K_ADD, K_SREAD,                       /* set */
	K_ENQ, K_DEQ                          /* queue */
};

typedef struct mop {
	int kind;
	bool unknown;       /* no completion: any result */
	dt_model_buf a;     /* argument or expected result */
	dt_model_buf b;     /* second argument (cas TO) */
	int64_t from, to, amount;
} mop;

/* The packed op the checker keeps (prepare appends it to its buffer):
 * no pointers, the bytes of a then b follow the header. */
typedef struct pmop {
	int32_t kind;
	int32_t unknown;
	int64_t from, to, amount;
	uint32_t alen, blen;
	unsigned char data[];
} pmop;

#define PA(o) ((o)->data)
#define PB(o) ((o)->data + (o)->alen)

/* prepare builds an op in this thread's scratch op, whose buffers are
 * kept from call to call; mop_done packs it into the checker's buffer. */
static __thread mop scratch;

static mop *mop_new(int kind, const dt_op *ret, char *err)
{
	mop *o = &scratch;

	(void)err;
	o->kind = kind;
	o->unknown = ret == NULL;
	o->a.len = o->b.len = 0;
	o->from = o->to = o->amount = 0;
	return o;
}

/* Append the packed form of the scratch op to out; -1 when out of
 * memory. */
static int mop_done(const mop *o, dt_model_buf *out)
{
	unsigned char *w = dt_model_buf_reserve(out, sizeof(pmop) + o->a.len + o->b.len);
	pmop *h = (pmop *)w;   /* the checker aligns out to 8 bytes */

	if (w == NULL)
		return -1;
	h->kind = o->kind;
	h->unknown = o->unknown;
	h->from = o->from;
	h->to = o->to;
	h->amount = o->amount;
	h->alen = (uint32_t)o->a.len;
	h->blen = (uint32_t)o->b.len;
	if (o->a.len)
		memcpy(h->data, o->a.data, o->a.len);
	if (o->b.len)
		memcpy(h->data + o->a.len, o->b.data, o->b.len);
	out->len += sizeof(pmop) + o->a.len + o->b.len;
	/* Only the process's initial thread keeps its scratch buffers: on
	 * any other (dtd's run threads) they would be lost with the thread. */
	if (getpid() != gettid()) {
		free(scratch.a.data);
		free(scratch.b.data);
		memset(&scratch.a, 0, sizeof(scratch.a));
		memset(&scratch.b, 0, sizeof(scratch.b));
	}
	return 0;
}

static inline bool streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static inline bool f_is(const dt_op *op, const char *a, const char *b)
{
	/* the first letters tell most names apart before any loop */
	return op->f != NULL &&
	       ((op->f[0] == a[0] && streq(op->f, a)) ||
		(b != NULL && op->f[0] == b[0] && streq(op->f, b)));
}

/* ---- register and cas-register ----------------------------------------- */

typedef struct reg_model {
	bool cas;
} reg_model;

static void *reg_create_any(bool cas, char *err)
{
	reg_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		dt_fail(err, "out of memory");
	else
		m->cas = cas;
	return m;
}

static void *reg_create(const json_t *c, const json_t *w, char *err)
{
	(void)c;
	(void)w;
	return reg_create_any(false, err);
}

static void *casreg_create(const json_t *c, const json_t *w, char *err)
{
	(void)c;
	(void)w;
	return reg_create_any(true, err);
}

static void model_free(void *m)
{
	free(m);
}

static int reg_prepare(void *model, const dt_op *call, const dt_op *ret,
		       dt_model_buf *out, char *err)
{
	reg_model *m = model;
	mop *o = NULL;
	int rc = 0;

	if (f_is(call, "read", "get")) {
		if ((o = mop_new(K_READ, ret, err)) == NULL)
			return -1;
		if (ret != NULL)
			rc = enc_value(payload(ret), &o->a);
	} else if (f_is(call, "write", "put")) {
		if ((o = mop_new(K_WRITE, ret, err)) == NULL)
			return -1;
		rc = enc_value(payload(call), &o->a);
	} else if (m->cas && f_is(call, "cas", NULL)) {
		const json_t *ft = payload(call);

		if (!json_is_array(ft) || json_array_size(ft) != 2)
			return dt_fail(err, "op %" PRId64 ": cas wants [FROM, TO]",
				       call->index);
		/* A completion whose value is false is a compare that failed
		 * (Jepsen's `:fail :cas` as imported): it read a value other
		 * than FROM and changed nothing. */
		if ((o = mop_new(ret != NULL && json_is_false(payload(ret)) ?
				 K_CAS_FAILED : K_CAS, ret, err)) == NULL)
			return -1;
		rc = enc_value(json_array_get(ft, 0), &o->a) ||
		     enc_value(json_array_get(ft, 1), &o->b);
	} else {
		return dt_fail(err, "op %" PRId64 ": the %s model has no "
			       "operation '%s'", call->index,
			       m->cas ? "cas-register" : "register",
			       call->f ? call->f : "(none)");
	}
	if (rc != 0) {
		return dt_fail(err, "out of memory");
	}
	if (mop_done(o, out) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static int reg_init(void *model, dt_model_buf *s, char *err)
{
	(void)model;
	if (dt_model_buf_put(s, "n", 1) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static bool same(const void *a, size_t alen, const void *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static dt_step reg_step(void *model, const void *st, size_t len,
			const void *op, dt_model_buf *next)
{
	const pmop *o = op;

	(void)model;
	switch (o->kind) {
	case K_READ:
		return o->unknown || same(st, len, PA(o), o->alen) ? DT_STEP_SAME :
		       DT_STEP_ILLEGAL;
	case K_WRITE:
		if (same(st, len, PA(o), o->alen))
			return DT_STEP_SAME;
		if (dt_model_buf_put(next, PA(o), o->alen) != 0)
			next->data = NULL;
		return DT_STEP_NEW;
	case K_CAS:
		if (!same(st, len, PA(o), o->alen))
			return o->unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
		if (same(st, len, PB(o), o->blen))
			return DT_STEP_SAME;
		if (dt_model_buf_put(next, PB(o), o->blen) != 0)
			next->data = NULL;
		return DT_STEP_NEW;
	case K_CAS_FAILED:
		return same(st, len, PA(o), o->alen) ? DT_STEP_ILLEGAL : DT_STEP_SAME;
	}
	return DT_STEP_ILLEGAL;
}

static char *reg_describe_op(void *model, const void *op)
{
	const pmop *o = op;
	dt_model_buf b = { 0 };

	(void)model;
	switch (o->kind) {
	case K_READ:
		dt_model_buf_put(&b, "read -> ", 8);
		if (o->unknown)
			dt_model_buf_put(&b, "?", 1);
		else
			dec_value(PA(o), o->alen, &b);
		break;
	case K_WRITE:
		dt_model_buf_put(&b, "write ", 6);
		dec_value(PA(o), o->alen, &b);
		break;
	default:
		dt_model_buf_put(&b, "cas ", 4);
		dec_value(PA(o), o->alen, &b);
		dt_model_buf_put(&b, " -> ", 4);
		dec_value(PB(o), o->blen, &b);
		if (o->kind == K_CAS_FAILED)
			dt_model_buf_put(&b, " (compare failed)", 17);
		break;
	}
	if (o->unknown)
		dt_model_buf_put(&b, " (unknown outcome)", 18);
	return buf_string(&b);
}

static char *reg_describe_state(void *model, const void *st, size_t len)
{
	dt_model_buf b = { 0 };

	(void)model;
	dec_value(st, len, &b);
	return buf_string(&b);
}

static const dt_model_type register_model = {
	.info = { "register", "1.0", "read/write register, per key" },
	.create = reg_create, .destroy = model_free,
	.partition = key_partition,
	.prepare = reg_prepare,
	.init = reg_init, .step = reg_step,
	.describe_op = reg_describe_op, .describe_state = reg_describe_state,
};

static const dt_model_type cas_register_model = {
	.info = { "cas-register", "1.0",
		  "read/write/compare-and-set register, per key (as etcd)" },
	.create = casreg_create, .destroy = model_free,
	.partition = key_partition,
	.prepare = reg_prepare,
	.init = reg_init, .step = reg_step,
	.describe_op = reg_describe_op, .describe_state = reg_describe_state,
};

/* ---- kv: strings per key ------------------------------------------------- */

static void *kv_create(const json_t *c, const json_t *w, char *err)
{
	(void)c;
	(void)w;
	return reg_create_any(false, err);
}

/* A kv value as raw bytes: a string as is, nil as "", else its JSON. */
static int enc_raw(const json_t *v, dt_model_buf *b)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return dt_model_buf_put(b, json_string_value(v), json_string_length(v));
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		int rc = s ? dt_model_buf_put(b, s, strlen(s)) : -1;

		free(s);
		return rc;
	}
}

static int kv_prepare(void *model, const dt_op *call, const dt_op *ret,
		      dt_model_buf *out, char *err)
{
	mop *o;
	int kind, rc;

	(void)model;
	if (f_is(call, "get", "read"))
		kind = K_GET;
	else if (f_is(call, "put", "write"))
		kind = K_PUT;
	else if (f_is(call, "append", NULL))
		kind = K_APPEND;
	else
		return dt_fail(err, "op %" PRId64 ": the kv model has no "
			       "operation '%s'", call->index,
			       call->f ? call->f : "(none)");
	{
		/* the common case, a string or nil: straight into out */
		const json_t *v = kind == K_GET ? (ret ? payload(ret) : NULL) :
				  payload(call);

		if (v == NULL || json_is_null(v) || json_is_string(v)) {
			size_t n = json_is_string(v) ? json_string_length(v) : 0;
			unsigned char *w = dt_model_buf_reserve(out, sizeof(pmop) + n);
			pmop *h = (pmop *)w;   /* out is 8-byte aligned here */

			if (w == NULL)
				return dt_fail(err, "out of memory");
			h->kind = kind;
			h->unknown = ret == NULL;
			h->from = h->to = h->amount = 0;
			h->alen = (uint32_t)n;
			h->blen = 0;
			if (n > 0)
				memcpy(h->data, json_string_value(v), n);
			out->len += sizeof(pmop) + n;
			return 0;
		}
	}
	if ((o = mop_new(kind, ret, err)) == NULL)
		return -1;
	rc = kind == K_GET ? (ret ? enc_raw(payload(ret), &o->a) : 0) :
	     enc_raw(payload(call), &o->a);
	if (rc != 0) {
		return dt_fail(err, "out of memory");
	}
	if (mop_done(o, out) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static int kv_init(void *model, dt_model_buf *s, char *err)
{
	(void)model;
	(void)s;
	(void)err;
	return 0;
}

static dt_step kv_step(void *model, const void *st, size_t len,
		       const void *op, dt_model_buf *next)
{
	const pmop *o = op;

	(void)model;
	switch (o->kind) {
	case K_GET:
		return o->unknown || same(st, len, PA(o), o->alen) ? DT_STEP_SAME :
		       DT_STEP_ILLEGAL;
	case K_PUT:
		if (same(st, len, PA(o), o->alen))
			return DT_STEP_SAME;
		if (dt_model_buf_put(next, PA(o), o->alen) != 0)
			next->data = NULL;
		return DT_STEP_NEW;
	case K_APPEND:
		if (o->alen == 0)
			return DT_STEP_SAME;
		if (dt_model_buf_put(next, st, len) != 0 ||
		    dt_model_buf_put(next, PA(o), o->alen) != 0) {
			free(next->data);
			next->data = NULL;
		}
		return DT_STEP_NEW;
	}
	return DT_STEP_ILLEGAL;
}

static char *kv_describe_op(void *model, const void *op)
{
	const pmop *o = op;
	dt_model_buf b = { 0 };
	static const char *const names[] = { "get -> ", "put ", "append " };

	(void)model;
	dt_model_buf_put(&b, names[o->kind - K_GET], strlen(names[o->kind - K_GET]));
	if (o->kind == K_GET && o->unknown) {
		dt_model_buf_put(&b, "?", 1);
	} else {
		dt_model_buf_put(&b, "\"", 1);
		dt_model_buf_put(&b, PA(o), o->alen);
		dt_model_buf_put(&b, "\"", 1);
	}
	if (o->unknown)
		dt_model_buf_put(&b, " (unknown outcome)", 18);
	return buf_string(&b);
}

static char *kv_describe_state(void *model, const void *st, size_t len)
{
	dt_model_buf b = { 0 };

	(void)model;
	dt_model_buf_put(&b, "\"", 1);
	dt_model_buf_put(&b, st, len);
	dt_model_buf_put(&b, "\"", 1);
	return buf_string(&b);
}

static const dt_model_type kv_model = {
	.info = { "kv", "1.0", "get/put/append on string values, per key" },
	.create = kv_create, .destroy = model_free,
	.partition = key_partition,
	.prepare = kv_prepare, 	.init = kv_init, .step = kv_step,
	.describe_op = kv_describe_op, .describe_state = kv_describe_state,
};

/* ---- bank ---------------------------------------------------------------- */

typedef struct bank_model {
	long long accounts;
	long long balance;
} bank_model;

static void *bank_create(const json_t *c, const json_t *w, char *err)
{
	bank_model *m = calloc(1, sizeof(*m));
	long long acc, bal;

	if (m == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	/* The workload's parameters, overridden by the checker entry's. */
	if (dt_conf_int(w, "accounts", 5, 1, 100000, &acc, err) ||
	    dt_conf_int(w, "balance", 10000, 0, INT64_MAX / 200000, &bal, err) ||
	    dt_conf_int(c, "accounts", acc, 1, 100000, &m->accounts, err) ||
	    dt_conf_int(c, "balance", bal, 0, INT64_MAX / 200000, &m->balance, err)) {
		free(m);
		return NULL;
	}
	return m;
}

static int bank_prepare(void *model, const dt_op *call, const dt_op *ret,
			dt_model_buf *out, char *err)
{
	bank_model *m = model;
	mop *o;

	if (f_is(call, "read", NULL)) {
		const json_t *v = payload(ret), *b;
		size_t i;

		if ((o = mop_new(K_BREAD, ret, err)) == NULL)
			return -1;
		if (ret == NULL) {
			if (mop_done(o, out) != 0)
				return dt_fail(err, "out of memory");
			return 0;
		}
		if (!json_is_array(v) || json_array_size(v) != (size_t)m->accounts) {
			return dt_fail(err, "op %" PRId64 ": a bank read must return "
				       "%lld balances", ret->index, m->accounts);
		}
		json_array_foreach(v, i, b) {
			int64_t x = (int64_t)json_integer_value(b);

			if (!json_is_integer(b) || dt_model_buf_put(&o->a, &x, 8)) {
				return dt_fail(err, "op %" PRId64 ": balance %zu is "
					       "not an integer", ret->index, i);
			}
		}
		if (mop_done(o, out) != 0)
			return dt_fail(err, "out of memory");
		return 0;
	}
	if (f_is(call, "transfer", NULL)) {
		const json_t *v = payload(call);

		if ((o = mop_new(K_TRANSFER, ret, err)) == NULL)
			return -1;
		o->from = (int64_t)json_integer_value(json_object_get(v, "from"));
		o->to = (int64_t)json_integer_value(json_object_get(v, "to"));
		o->amount = (int64_t)json_integer_value(json_object_get(v, "amount"));
		if (o->from < 0 || o->from >= m->accounts || o->to < 0 ||
		    o->to >= m->accounts || o->amount < 0) {
			return dt_fail(err, "op %" PRId64 ": transfer wants "
				       "{from, to, amount} within %lld accounts",
				       call->index, m->accounts);
		}
		if (mop_done(o, out) != 0)
			return dt_fail(err, "out of memory");
		return 0;
	}
	return dt_fail(err, "op %" PRId64 ": the bank model has no operation "
		       "'%s'", call->index, call->f ? call->f : "(none)");
}

static int bank_init(void *model, dt_model_buf *s, char *err)
{
	bank_model *m = model;

	for (long long i = 0; i < m->accounts; i++) {
		int64_t x = m->balance;

		if (dt_model_buf_put(s, &x, 8) != 0)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

static dt_step bank_step(void *model, const void *st, size_t len,
			 const void *op, dt_model_buf *next)
{
	const pmop *o = op;
	int64_t f, t;

	(void)model;
	if (o->kind == K_BREAD)
		return o->unknown || same(st, len, PA(o), o->alen) ? DT_STEP_SAME :
		       DT_STEP_ILLEGAL;
	memcpy(&f, (const unsigned char *)st + 8 * o->from, 8);
	if (f < o->amount)   /* refused for want of funds: a no-op */
		return o->unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	if (o->amount == 0 || o->from == o->to)
		return DT_STEP_SAME;
	if (dt_model_buf_put(next, st, len) != 0) {
		next->data = NULL;
		return DT_STEP_NEW;
	}
	memcpy(&t, next->data + 8 * o->to, 8);
	f -= o->amount;
	t += o->amount;
	memcpy(next->data + 8 * o->from, &f, 8);
	memcpy(next->data + 8 * o->to, &t, 8);
	return DT_STEP_NEW;
}

static void put_int64s(const unsigned char *p, size_t n, dt_model_buf *b)
{
	dt_model_buf_put(b, "[", 1);
	for (size_t i = 0; i + 8 <= n; i += 8) {
		char tmp[32];
		int64_t x;

		memcpy(&x, p + i, 8);
		snprintf(tmp, sizeof(tmp), "%s%" PRId64, i ? ", " : "", x);
		dt_model_buf_put(b, tmp, strlen(tmp));
	}
	dt_model_buf_put(b, "]", 1);
}

static char *bank_describe_op(void *model, const void *op)
{
	const pmop *o = op;
	dt_model_buf b = { 0 };
	char tmp[128];

	(void)model;
	if (o->kind == K_BREAD) {
		dt_model_buf_put(&b, "read -> ", 8);
		if (o->unknown)
			dt_model_buf_put(&b, "?", 1);
		else
			put_int64s(PA(o), o->alen, &b);
	} else {
		snprintf(tmp, sizeof(tmp), "transfer %" PRId64 " from %" PRId64
			 " to %" PRId64, o->amount, o->from, o->to);
		dt_model_buf_put(&b, tmp, strlen(tmp));
	}
	if (o->unknown)
		dt_model_buf_put(&b, " (unknown outcome)", 18);
	return buf_string(&b);
}

static char *bank_describe_state(void *model, const void *st, size_t len)
{
	dt_model_buf b = { 0 };

	(void)model;
	put_int64s(st, len, &b);
	return buf_string(&b);
}

static const dt_model_type bank_model_type = {
	.info = { "bank", "1.0",
		  "accounts with balances: read all, transfer (refused without funds)" },
	.create = bank_create, .destroy = model_free,
	.prepare = bank_prepare, 	.init = bank_init, .step = bank_step,
	.describe_op = bank_describe_op, .describe_state = bank_describe_state,
};

/* ---- set and queue: sequences of length-prefixed encoded values -------- */

/* Walk an element list: *p at an element; sets *e, *n; false at the end. */
static bool elem_next(const unsigned char **p, const unsigned char *end,
		      const unsigned char **e, uint32_t *n)
{
	if (*p + 4 > end)
		return false;
	memcpy(n, *p, 4);
	*e = *p + 4;
	*p += 4 + *n;
	return true;
}

static int elem_cmp(const unsigned char *a, uint32_t an,
		    const unsigned char *b, uint32_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

static int elem_put(dt_model_buf *b, const unsigned char *e, uint32_t n)
{
	return dt_model_buf_put(b, &n, 4) || dt_model_buf_put(b, e, n);
}

static int enc_elem(const json_t *v, dt_model_buf *b)
{
	dt_model_buf t = { 0 };
	int rc = enc_value(v, &t) || elem_put(b, t.data, (uint32_t)t.len);

	free(t.data);
	return rc;
}

typedef struct span {
	const unsigned char *p;
	uint32_t n;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;

	return elem_cmp(x->p, x->n, y->p, y->n);
}

/* The canonical set encoding of a JSON array: sorted, no duplicates. */
static int enc_set(const json_t *arr, dt_model_buf *out)
{
	dt_model_buf all = { 0 };
	span *sp = NULL;
	size_t n = json_array_size(arr), i, k = 0;
	const unsigned char *p, *end;
	int rc = -1;

	for (i = 0; i < n; i++)
		if (enc_elem(json_array_get(arr, i), &all) != 0)
			goto done;
	sp = calloc(n + 1, sizeof(*sp));
	if (sp == NULL)
		goto done;
	p = all.data;
	end = all.data + all.len;
	while (p != NULL && k < n && elem_next(&p, end, &sp[k].p, &sp[k].n))
		k++;
	qsort(sp, k, sizeof(*sp), span_cmp);
	rc = 0;
	for (i = 0; i < k && rc == 0; i++)
		if (i == 0 || span_cmp(&sp[i - 1], &sp[i]) != 0)
			rc = elem_put(out, sp[i].p, sp[i].n);
done:
	free(sp);
	free(all.data);
	return rc;
}

static void *coll_create(const json_t *c, const json_t *w, char *err)
{
	(void)c;
	(void)w;
	return reg_create_any(false, err);
}

static int set_prepare(void *model, const dt_op *call, const dt_op *ret,
		       dt_model_buf *out, char *err)
{
	mop *o;
	int rc;

	if (f_is(call, "add", NULL)) {
		if ((o = mop_new(K_ADD, ret, err)) == NULL)
			return -1;
		rc = enc_elem(payload(call), &o->a);
	} else if (f_is(call, "read", NULL)) {
		const json_t *v = payload(ret);

		if (ret != NULL && !json_is_array(v))
			return dt_fail(err, "op %" PRId64 ": a set read must "
				       "return an array", ret->index);
		if ((o = mop_new(K_SREAD, ret, err)) == NULL)
			return -1;
		rc = ret ? enc_set(v, &o->a) : 0;
	} else {
		return dt_fail(err, "op %" PRId64 ": the set model has no "
			       "operation '%s'", call->index,
			       call->f ? call->f : "(none)");
	}
	if (rc != 0) {
		return dt_fail(err, "out of memory");
	}
	if (mop_done(o, out) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static int empty_init(void *model, dt_model_buf *s, char *err)
{
	return kv_init(model, s, err);
}

static dt_step set_step(void *model, const void *st, size_t len,
			const void *op, dt_model_buf *next)
{
	const pmop *o = op;
	const unsigned char *p = st, *end = p + len, *e, *at;
	uint32_t n, an;

	(void)model;
	if (o->kind == K_SREAD)
		return o->unknown || same(st, len, PA(o), o->alen) ? DT_STEP_SAME :
		       DT_STEP_ILLEGAL;
	memcpy(&an, PA(o), 4);
	at = p;
	while (elem_next(&p, end, &e, &n)) {
		int c = elem_cmp(e, n, PA(o) + 4, an);

		if (c == 0)
			return DT_STEP_SAME;
		if (c > 0)
			break;
		at = p;
	}
	if (dt_model_buf_put(next, st, (size_t)(at - (const unsigned char *)st)) ||
	    dt_model_buf_put(next, PA(o), o->alen) ||
	    dt_model_buf_put(next, at, (size_t)(end - at))) {
		free(next->data);
		next->data = NULL;
	}
	return DT_STEP_NEW;
}

static void put_elems(const unsigned char *p, size_t len, const char *open,
		      const char *close, dt_model_buf *b)
{
	const unsigned char *end = p + len, *e;
	uint32_t n;
	bool first = true;

	dt_model_buf_put(b, open, 1);
	while (elem_next(&p, end, &e, &n)) {
		if (!first)
			dt_model_buf_put(b, ", ", 2);
		first = false;
		dec_value(e, n, b);
	}
	dt_model_buf_put(b, close, 1);
}

static char *set_describe_op(void *model, const void *op)
{
	const pmop *o = op;
	dt_model_buf b = { 0 };

	(void)model;
	if (o->kind == K_ADD) {
		dt_model_buf_put(&b, "add ", 4);
		dec_value(PA(o) + 4, o->alen - 4, &b);
	} else {
		dt_model_buf_put(&b, "read -> ", 8);
		if (o->unknown)
			dt_model_buf_put(&b, "?", 1);
		else
			put_elems(PA(o), o->alen, "{", "}", &b);
	}
	if (o->unknown)
		dt_model_buf_put(&b, " (unknown outcome)", 18);
	return buf_string(&b);
}

static char *set_describe_state(void *model, const void *st, size_t len)
{
	dt_model_buf b = { 0 };

	(void)model;
	put_elems(st, len, "{", "}", &b);
	return buf_string(&b);
}

static const dt_model_type set_model = {
	.info = { "set", "1.0", "a set: add an element, read them all" },
	.create = coll_create, .destroy = model_free,
	.partition = own_key_partition,
	.prepare = set_prepare, 	.init = empty_init, .step = set_step,
	.describe_op = set_describe_op, .describe_state = set_describe_state,
};

static int queue_prepare(void *model, const dt_op *call, const dt_op *ret,
			 dt_model_buf *out, char *err)
{
	mop *o;
	int rc = 0;

	if (f_is(call, "enqueue", NULL)) {
		if ((o = mop_new(K_ENQ, ret, err)) == NULL)
			return -1;
		rc = enc_elem(payload(call), &o->a);
	} else if (f_is(call, "dequeue", NULL)) {
		if ((o = mop_new(K_DEQ, ret, err)) == NULL)
			return -1;
		/* An empty a means "the queue was empty" (a null result). */
		if (ret != NULL && payload(ret) != NULL && !json_is_null(payload(ret)))
			rc = enc_elem(payload(ret), &o->a);
	} else {
		return dt_fail(err, "op %" PRId64 ": the queue model has no "
			       "operation '%s'", call->index,
			       call->f ? call->f : "(none)");
	}
	if (rc != 0) {
		return dt_fail(err, "out of memory");
	}
	if (mop_done(o, out) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static dt_step queue_step(void *model, const void *st, size_t len,
			  const void *op, dt_model_buf *next)
{
	const pmop *o = op;
	const unsigned char *p = st, *e;
	uint32_t n;

	(void)model;
	if (o->kind == K_ENQ) {
		if (dt_model_buf_put(next, st, len) ||
		    dt_model_buf_put(next, PA(o), o->alen)) {
			free(next->data);
			next->data = NULL;
		}
		return DT_STEP_NEW;
	}
	if (len == 0)
		return o->unknown || o->alen == 0 ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	if (!o->unknown && o->alen == 0)
		return DT_STEP_ILLEGAL;
	if (!elem_next(&p, p + len, &e, &n))
		return DT_STEP_ILLEGAL;
	if (!o->unknown && (o->alen != 4 + (size_t)n ||
			    memcmp(PA(o) + 4, e, n) != 0))
		return DT_STEP_ILLEGAL;
	if (dt_model_buf_put(next, p, len - (size_t)(p - (const unsigned char *)st)) != 0)
		next->data = NULL;
	return DT_STEP_NEW;
}

static char *queue_describe_op(void *model, const void *op)
{
	const pmop *o = op;
	dt_model_buf b = { 0 };

	(void)model;
	if (o->kind == K_ENQ) {
		dt_model_buf_put(&b, "enqueue ", 8);
		dec_value(PA(o) + 4, o->alen - 4, &b);
	} else {
		dt_model_buf_put(&b, "dequeue -> ", 11);
		if (o->unknown)
			dt_model_buf_put(&b, "?", 1);
		else if (o->alen == 0)
			dt_model_buf_put(&b, "empty", 5);
		else
			dec_value(PA(o) + 4, o->alen - 4, &b);
	}
	if (o->unknown)
		dt_model_buf_put(&b, " (unknown outcome)", 18);
	return buf_string(&b);
}

static char *queue_describe_state(void *model, const void *st, size_t len)
{
	dt_model_buf b = { 0 };

	(void)model;
	put_elems(st, len, "[", "]", &b);
	return buf_string(&b);
}

static const dt_model_type queue_model = {
	.info = { "queue", "1.0", "a FIFO queue: enqueue, dequeue (null when empty)" },
	.create = coll_create, .destroy = model_free,
	.partition = own_key_partition,
	.prepare = queue_prepare, 	.init = empty_init, .step = queue_step,
	.describe_op = queue_describe_op, .describe_state = queue_describe_state,
};

static int models_plugin(dt_registry *reg)
{
	const dt_model_type *all[] = {
		&register_model, &cas_register_model, &kv_model,
		&bank_model_type, &set_model, &queue_model
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (dt_register_model(reg, all[i]) != 0)
			return -1;
	return 0;
}

DT_PLUGIN_DEFINE(models_plugin)
