/*
 * certify.c: cutting a failing history down and checking what is left
 * by brute force (see certify.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "common.h"

/* ---- a history as ops ---------------------------------------------------- */

typedef struct cop {
	dt_op call;      /* borrowed from the source history */
	dt_op ret;       /* type DT_OP_INVOKE: no completion (unknown) */
	size_t ci, ri;   /* event positions in the source; ri SIZE_MAX: none */
	bool gone;
} cop;

static bool is_read(const dt_op *call)
{
	return strcmp(call->f, "read") == 0 || strcmp(call->f, "get") == 0;
}

/* The ops of h (of key, when given): fails dropped, info as unknown. */
static cop *ops_of(const dt_history *h, const char *key, size_t *n)
{
	cop *v = calloc(h->count + 1, sizeof(*v));
	size_t *pend = NULL, np = 0, k = 0;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		size_t j;

		if (op->process < 0 || (key != NULL && (op->key == NULL ||
							strcmp(op->key, key) != 0)))
			continue;
		if (op->type == DT_OP_INVOKE) {
			v[k] = (cop){ .call = *op, .ci = i, .ri = SIZE_MAX };
			v[k].ret.type = DT_OP_INVOKE;
			k++;
			continue;
		}
		/* the pending op of that process: the latest without completion */
		for (j = k; j-- > 0;)
			if (v[j].call.process == op->process && v[j].ri == SIZE_MAX &&
			    v[j].ret.type == DT_OP_INVOKE && !v[j].gone)
				break;
		if (j == (size_t)-1)
			continue;
		if (op->type == DT_OP_FAIL)
			v[j].gone = true;
		else if (op->type == DT_OP_OK) {
			v[j].ret = *op;
			v[j].ri = i;
		} else {
			v[j].ri = SIZE_MAX - 1;   /* info: unknown, no event */
		}
	}
	free(pend);
	(void)np;
	*n = k;
	return v;
}

/* A history of the ops kept whose call is before `cut` (events at or past
 * it are dropped: their ops become unknown), processes renumbered. */
static dt_history *rebuild(const cop *v, size_t n, size_t cut)
{
	dt_history *h = calloc(1, sizeof(*h));
	size_t k = 0;
	int64_t *pmap = calloc(n + 1, sizeof(*pmap)), np = 0;

	if (h == NULL || pmap == NULL)
		goto fail;
	h->ops = calloc(2 * n + 1, sizeof(*h->ops));
	if (h->ops == NULL)
		goto fail;
	/* events in source order: collect (position, op, is_ret) */
	for (size_t pos = 0; pos < cut; pos++)
		for (size_t i = 0; i < n; i++) {
			const cop *c = &v[i];
			bool call = c->ci == pos, ret = c->ri == pos;
			dt_op *d;
			int64_t p = -1;

			if (c->gone || (!call && !ret))
				continue;
			for (int64_t q = 0; q < np; q++)
				if (pmap[q] == c->call.process)
					p = q;
			if (p < 0) {
				pmap[np] = c->call.process;
				p = np++;
			}
			d = &h->ops[k];
			*d = call ? c->call : c->ret;
			d->f = strdup(c->call.f);
			d->key = c->call.key ? strdup(c->call.key) : NULL;
			d->error = NULL;
			d->value = json_incref(d->value);
			d->index = (int64_t)k;
			d->time = (int64_t)k;
			d->process = p;
			k++;
			h->count = k;
		}
	free(pmap);
	return h;
fail:
	free(pmap);
	dt_history_free(h);
	return NULL;
}

static size_t count_kept(const cop *v, size_t n, size_t cut)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += !v[i].gone && v[i].ci < cut;
	return c;
}

/* DT says not linearizable (0) for the ops kept, cut at cut. */
static bool still_fails(const cop *v, size_t n, size_t cut, const char *model)
{
	char err[DT_ERRBUF_SIZE];
	dt_history *h = rebuild(v, n, cut);
	int r = h ? tc_check(h, model, NULL, err) : -2;

	dt_history_free(h);
	return r == 0;
}

int tc_certify(const dt_history *h, const char *model, const char *key,
	       tc_cert *c)
{
	size_t n, lo, hi, end = h->count;
	cop *v = ops_of(h, key, &n);
	dt_history *small;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (v == NULL) {
		c->why = "out of memory";
		return -1;
	}
	c->ops_before = count_kept(v, n, end);
	if (!still_fails(v, n, end, model)) {
		c->why = "the partition alone does not fail";
		goto done;
	}
	/* the shortest failing prefix: failing is monotone in the cut */
	lo = 0;
	hi = end;
	while (lo + 1 < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (still_fails(v, n, mid, model))
			hi = mid;
		else
			lo = mid;
	}
	end = hi;
	/* reads that can go, last first */
	for (size_t i = n; i-- > 0;) {
		if (v[i].gone || v[i].ci >= end || !is_read(&v[i].call))
			continue;
		v[i].gone = true;
		if (!still_fails(v, n, end, model))
			v[i].gone = false;
	}
	c->ops_after = count_kept(v, n, end);
	if (c->ops_after > TC_CERT_MAX) {
		c->why = "more ops than the brute force takes";
		goto done;
	}
	small = rebuild(v, n, end);
	rc = small ? tc_brute_memo(small, model) : -1;
	dt_history_free(small);
	if (rc < 0)
		c->why = "the brute force refused it";
	else
		rc = rc == 0 ? 1 : 0;
done:
	free(v);
	return rc;
}

/* ---- the brute force ----------------------------------------------------------- */

/* The (left, state) pairs from which no order exists, compared whole:
 * a hash collision must not prune (it would make "not linearizable"
 * likelier, the verdict being checked). */
typedef struct ment {
	uint64_t h;
	uint64_t left;
	size_t len;
	unsigned char *st;
} ment;

typedef struct memo {
	ment *v;           /* h 0: empty */
	size_t cap, n;
} memo;

static uint64_t hash(uint64_t left, const unsigned char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ left ^ (left >> 32) * 31;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	h ^= h >> 29;
	return h ? h : 1;
}

static bool memo_has(const memo *m, uint64_t h, uint64_t left,
		     const unsigned char *st, size_t len)
{
	if (m->cap == 0)
		return false;
	for (size_t j = h & (m->cap - 1); m->v[j].h != 0; j = (j + 1) & (m->cap - 1))
		if (m->v[j].h == h && m->v[j].left == left && m->v[j].len == len &&
		    (len == 0 || memcmp(m->v[j].st, st, len) == 0))
			return true;
	return false;
}

static void memo_put(memo *m, uint64_t h, uint64_t left,
		     const unsigned char *st, size_t len)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap) {
		memo nm = { .cap = m->cap ? m->cap * 2 : 1024 };

		nm.v = calloc(nm.cap, sizeof(ment));
		if (nm.v == NULL)
			return;   /* no memo: slower, as right */
		for (size_t i = 0; i < m->cap; i++)
			if (m->v[i].h != 0) {
				for (j = m->v[i].h & (nm.cap - 1); nm.v[j].h != 0;
				     j = (j + 1) & (nm.cap - 1))
					;
				nm.v[j] = m->v[i];
			}
		nm.n = m->n;
		free(m->v);
		*m = nm;
	}
	for (j = h & (m->cap - 1); m->v[j].h != 0; j = (j + 1) & (m->cap - 1))
		;
	m->v[j] = (ment){ h, left, len, len ? malloc(len) : NULL };
	if (len && m->v[j].st == NULL) {
		m->v[j].h = 0;
		return;
	}
	if (len)
		memcpy(m->v[j].st, st, len);
	m->n++;
}

static void memo_free(memo *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].st);
	free(m->v);
}

typedef struct bop {
	void *op;
	size_t call, ret;    /* ret SIZE_MAX: unknown */
} bop;

typedef struct bf {
	const dt_model_type *mt;
	void *model;
	bop ops[TC_CERT_MAX];
	int n;
	memo failed;
} bf;

/* Some order of the ops in left, from state st, respects real time and
 * the model (unknown ops may be left out). */
static bool search(bf *b, const unsigned char *st, size_t len, uint64_t left)
{
	size_t minret = SIZE_MAX;
	bool known = false;
	uint64_t h;

	for (int i = 0; i < b->n; i++)
		if ((left >> i) & 1 && b->ops[i].ret != SIZE_MAX) {
			known = true;
			if (b->ops[i].ret < minret)
				minret = b->ops[i].ret;
		}
	if (!known)
		return true;
	h = hash(left, st, len);
	if (memo_has(&b->failed, h, left, st, len))
		return false;
	for (int i = 0; i < b->n; i++) {
		dt_model_buf next = { 0 };
		dt_step r;
		bool ok;

		if (!((left >> i) & 1) || b->ops[i].call > minret)
			continue;
		r = b->mt->step(b->model, st, len, b->ops[i].op, &next);
		if (r == DT_STEP_ILLEGAL) {
			free(next.data);
			continue;
		}
		ok = r == DT_STEP_SAME ? search(b, st, len, left & ~(1ULL << i)) :
		     search(b, next.data, next.len, left & ~(1ULL << i));
		free(next.data);
		if (ok)
			return true;
	}
	memo_put(&b->failed, h, left, st, len);
	return false;
}

int tc_brute_memo(const dt_history *h, const char *model)
{
	char err[DT_ERRBUF_SIZE];
	const dt_component *c = dt_registry_get(tc_registry(), DT_KIND_MODEL,
						model, err);
	bf b = { 0 };
	size_t pending[64];
	dt_model_buf init = { 0 };
	int rc = -1;

	if (c == NULL)
		return -1;
	b.mt = c->type;
	b.model = b.mt->create(NULL, NULL, err);
	if (b.model == NULL)
		return -1;
	for (int i = 0; i < 64; i++)
		pending[i] = SIZE_MAX;
	for (size_t i = 0; i <= h->count; i++) {
		const dt_op *op = i < h->count ? &h->ops[i] : NULL;

		if (op != NULL && (op->process < 0 || op->process >= 64))
			goto done;
		if (op != NULL && op->type == DT_OP_INVOKE) {
			if (pending[op->process] != SIZE_MAX)
				goto done;   /* rebuild never makes one */
			pending[op->process] = i;
			continue;
		}
		/* a completion, or the end: every op still pending is unknown */
		for (int p = 0; p < 64; p++) {
			dt_model_buf buf = { 0 };
			bop *o;
			bool mine = op != NULL && p == op->process;

			if (pending[p] == SIZE_MAX || (op != NULL && !mine))
				continue;
			if (mine && op->type == DT_OP_FAIL) {
				pending[p] = SIZE_MAX;
				continue;
			}
			if (b.n == TC_CERT_MAX)
				goto done;
			o = &b.ops[b.n];
			if (b.mt->prepare(b.model, &h->ops[pending[p]],
					  mine && op->type == DT_OP_OK ? op : NULL,
					  &buf, err) != 0) {
				free(buf.data);
				goto done;
			}
			o->op = buf.data;
			o->call = pending[p];
			o->ret = mine && op->type == DT_OP_OK ? i : SIZE_MAX;
			b.n++;
			pending[p] = SIZE_MAX;
		}
	}
	if (b.mt->init(b.model, &init, err) != 0)
		goto done;
	rc = search(&b, init.data, init.len, (1ULL << b.n) - 1) ? 1 : 0;
done:
	free(init.data);
	memo_free(&b.failed);
	for (int i = 0; i < b.n; i++)
		free(b.ops[i].op);
	b.mt->destroy(b.model);
	return rc;
}
