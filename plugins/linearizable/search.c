/* SPDX-License-Identifier: MIT */
/*
 * search.c: the linearizability search (see search.h).
 *
 * The history of a partition becomes a doubly linked list of call and
 * return entries in history order.  The search walks it from the head:
 * at a call it tries to linearize that op now (model step); if the step
 * is legal and the pair (set of linearized ops, state) was never seen,
 * it pushes the op on an undo stack, lifts the call and its return out
 * of the list and starts again from the head.  Reaching a return means
 * that op should have been linearized already: pop the last choice,
 * put it back (unlift) and try the next candidate.  The list empty
 * means every op found its place.
 *
 * Ops with unknown outcome have no return entry: they sit in a second
 * list and are tried only after every known candidate failed (it is
 * always allowed to postpone them to the end, where they may also not
 * happen at all), which keeps the search from trying every subset of
 * them where they do not matter.  Their ids come after the known ops',
 * so the linearized set stays a short "all ops below w, then a window"
 * that the cache stores compactly.
 *
 * States are interned byte strings (ids); the cache is an open
 * addressing table keyed by a Zobrist hash of the set and the state id.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "search.h"

double lz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void lz_part_order(lz_part *p)
{
	/* ops arrive in completion order: nearly sorted by call already,
	 * so an insertion sort on (unknown, call) */
	for (size_t i = 1; i < p->n; i++) {
		lz_op o;
		bool ou = p->ops[i].ret == LZ_UNKNOWN_RET;
		size_t j = i;

		/* most are in place already: no copy then */
		if (ou == (p->ops[i - 1].ret == LZ_UNKNOWN_RET) ?
		    p->ops[i - 1].call < p->ops[i].call : ou)
			continue;
		o = p->ops[i];
		while (j > 0) {
			const lz_op *q = &p->ops[j - 1];
			bool qu = q->ret == LZ_UNKNOWN_RET;

			if (qu == ou ? q->call < o.call : ou)
				break;
			p->ops[j] = *q;
			j--;
		}
		p->ops[j] = o;
	}
	p->nknown = 0;
	while (p->nknown < p->n && p->ops[p->nknown].ret != LZ_UNKNOWN_RET)
		p->nknown++;
}

void lz_part_clear(const lz_ctx *ctx, lz_part *p)
{
	(void)ctx;
	free(p->key);
	free(p->best);
	memset(p, 0, sizeof(*p));
}

/* ---- hashing --------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t len = n;
	uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ULL;

	/* one multiply a word, four independent lanes for long states (kv
	 * strings), the last block overlapping the one before (the length
	 * is in every lane), then one mix: the serial part stays short */
	if (n >= 32) {
		/* four named lanes: an array of them went through the stack */
		uint64_t l0 = h, l1 = h ^ 0x243f6a8885a308d3ULL,
			 l2 = h ^ 0x13198a2e03707344ULL, l3 = h ^ 0xa4093822299f31d0ULL;

		for (;;) {
			uint64_t w0, w1, w2, w3;

			memcpy(&w0, s, 8);
			memcpy(&w1, s + 8, 8);
			memcpy(&w2, s + 16, 8);
			memcpy(&w3, s + 24, 8);
			l0 = (l0 ^ w0) * 0xbf58476d1ce4e5b9ULL;
			l1 = (l1 ^ w1) * 0xbf58476d1ce4e5b9ULL;
			l2 = (l2 ^ w2) * 0xbf58476d1ce4e5b9ULL;
			l3 = (l3 ^ w3) * 0xbf58476d1ce4e5b9ULL;
			l0 ^= l0 >> 29;
			l1 ^= l1 >> 29;
			l2 ^= l2 >> 29;
			l3 ^= l3 >> 29;
			s += 32;
			n -= 32;
			if (n == 0)
				break;
			if (n < 32) {
				s -= 32 - n;
				n = 32;
			}
		}
		h = l0 + ((l1 << 17) | (l1 >> 47)) +
		    (((l2 << 31) | (l2 >> 33)) ^ ((l3 << 47) | (l3 >> 17)));
		return mix64(h);
	}
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t w = 0;

		/* the tail: the last 8 bytes of the state when it has them
		 * (overlapping), else bytes shifted in a register (a byte
		 * memcpy then a word load stalls store forwarding) */
		if (len >= 8) {
			memcpy(&w, s + n - 8, 8);
		} else {
			for (size_t i = 0; i < n; i++)
				w |= (uint64_t)s[i] << (8 * i);
		}
		h = (h ^ w) * 0x94d049bb133111ebULL;
	}
	return mix64(h);
}

/* ---- the search's memory ----------------------------------------------------- */

typedef struct ent {
	struct ent *prev, *next;
	struct ent *match;   /* a known call: its return; else NULL */
	int64_t pos;
	uint32_t id;
	uint8_t is_call;
} ent;

typedef struct frame {
	ent *e;
	uint32_t fr;      /* the node's first return, evs[fr]: its call first */
	uint32_t state;   /* the state before e */
	uint8_t pass;     /* 2: prio, 0: known list, 1: unknown list */
	int64_t limit;    /* pass 1: position of the first return */
} frame;

/* The two tables live from search to search: a slot is in use when its
 * gen is the search's, so that a new search clears nothing. */
typedef struct sslot {   /* state table */
	uint64_t h;
	uint64_t off;
	uint32_t len;
	uint32_t id;
	uint32_t gen;
} sslot;

typedef struct cslot {   /* cache table */
	uint64_t h;
	uint64_t off;
	uint32_t len;
	uint32_t state;
	uint32_t gen;
} cslot;

typedef struct search {
	lz_ctx *ctx;
	lz_part *p;
	size_t mem;           /* bytes this search holds */
	bool over;            /* memory bound reached */

	/* states */
	unsigned char *sbytes;
	size_t sblen, sbcap;
	struct sref { uint64_t off; uint64_t len; } *sref; /* by id */
	size_t nstates, scap;
	sslot *stab;
	size_t stabcap;
	uint32_t gen;         /* of the slots in use (never 0) */

	/* cache */
	unsigned char *kbytes;
	size_t kblen, kbcap;
	cslot *ctab;
	size_t ctabcap, ncache;

	/* linearized set */
	uint64_t *kb;         /* known ops */
	size_t kw, pw, hi;    /* words, leading full words, top used word + 1 */
	uint64_t *ub;         /* unknown ops */
	size_t uw, nun;
	uint64_t zh;
	uint64_t *zob;

	unsigned char *key;   /* scratch for one cache key */
	size_t keycap;
	size_t zobn;          /* zob computed for ids below */
} search;

/* What a thread keeps from one partition to the next, so that small
 * partitions cost no malloc at all. */
struct lz_ws {
	search s;
	ent *ents;
	size_t ents_cap;
	ent **evs;
	size_t evs_cap;
	frame *stack;
	size_t stack_cap;
	uint32_t *best;
	size_t best_cap;
	uint64_t *bits;       /* kb then ub */
	size_t bits_cap;
	dt_model_buf buf;
};

static int mem_add(search *s, size_t n)
{
	size_t used;

	s->mem += n;
	if (s->mem > s->p->mem_peak)
		s->p->mem_peak = s->mem;
	used = atomic_fetch_add(&s->ctx->mem_used, n) + n;
	if (s->ctx->mem_limit > 0 && used > s->ctx->mem_limit)
		s->over = true;
	{
		size_t peak = atomic_load(&s->ctx->mem_peak);

		while (used > peak &&
		       !atomic_compare_exchange_weak(&s->ctx->mem_peak, &peak, used))
			;
	}
	return 0;
}

static int grow_slow(search *s, void **p, size_t *cap, size_t need, size_t sz);

/* Grow *p (elements of size sz) to hold at least need; -1 on failure.
 * Called a few times a step: the test inline, the work out of line. */
static inline int grow(search *s, void **p, size_t *cap, size_t need, size_t sz)
{
	return need <= *cap ? 0 : grow_slow(s, p, cap, need, sz);
}

static int grow_slow(search *s, void **p, size_t *cap, size_t need, size_t sz)
{
	size_t nc = *cap ? *cap : 64;
	void *q;

	while (nc < need)
		nc *= 2;
	q = realloc(*p, nc * sz);
	if (q == NULL)
		return -1;
	mem_add(s, (nc - *cap) * sz);
	*p = q;
	*cap = nc;
	return 0;
}

/* ---- states -------------------------------------------------------------------- */

static uint64_t state_hash(search *s, const void *b, size_t n)
{
	const dt_model_type *mt = s->ctx->mt;

	return mt->hash ? mt->hash(s->ctx->model, b, n) : hash_bytes(b, n);
}

static bool state_eq(search *s, const void *a, size_t an, const void *b, size_t bn)
{
	const dt_model_type *mt = s->ctx->mt;

	if (mt->equal)
		return mt->equal(s->ctx->model, a, an, b, bn);
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int stab_insert(search *s, sslot sl)
{
	size_t mask = s->stabcap - 1, i = sl.h & mask;

	while (s->stab[i].gen == s->gen)
		i = (i + 1) & mask;
	s->stab[i] = sl;
	return 0;
}

/* The id of the state in bytes b (n); -1 when out of memory. */
static int64_t state_intern(search *s, const void *b, size_t n)
{
	uint64_t h = state_hash(s, b, n);
	size_t mask, i;

	if (s->nstates * 2 >= s->stabcap) {
		size_t oc = s->stabcap, nc = oc ? oc * 2 : 64;
		sslot *old = s->stab, *t = calloc(nc, sizeof(*t));

		if (t == NULL)
			return -1;
		mem_add(s, (nc - oc) * sizeof(*t));
		s->stab = t;
		s->stabcap = nc;
		for (size_t j = 0; j < oc; j++)
			if (old[j].gen == s->gen)
				stab_insert(s, old[j]);
		free(old);
	}
	mask = s->stabcap - 1;
	for (i = h & mask; s->stab[i].gen == s->gen; i = (i + 1) & mask)
		if (s->stab[i].h == h &&
		    state_eq(s, s->sbytes + s->stab[i].off, s->stab[i].len, b, n))
			return s->stab[i].id;
	if (grow(s, (void **)&s->sbytes, &s->sbcap, s->sblen + n + 1, 1) ||
	    grow(s, (void **)&s->sref, &s->scap, s->nstates + 1, sizeof(*s->sref)))
		return -1;
	if (n > 0)
		memcpy(s->sbytes + s->sblen, b, n);
	s->sref[s->nstates].off = s->sblen;
	s->sref[s->nstates].len = n;
	s->stab[i] = (sslot){ h, s->sblen, (uint32_t)n, (uint32_t)s->nstates, s->gen };
	s->sblen += n;
	return (int64_t)s->nstates++;
}

/* ---- the linearized set ------------------------------------------------------ */

static void set_bit(search *s, uint32_t id)
{
	s->zh ^= s->zob[id];
	if (id < s->p->nknown) {
		size_t w = id >> 6;

		s->kb[w] |= 1ULL << (id & 63);
		if (w >= s->hi)
			s->hi = w + 1;
		while (s->pw < s->kw && s->kb[s->pw] == ~0ULL)
			s->pw++;
	} else {
		id -= (uint32_t)s->p->nknown;
		s->ub[id >> 6] |= 1ULL << (id & 63);
		s->nun++;
	}
}

static void clear_bit(search *s, uint32_t id)
{
	s->zh ^= s->zob[id];
	if (id < s->p->nknown) {
		size_t w = id >> 6;

		s->kb[w] &= ~(1ULL << (id & 63));
		if (w < s->pw)
			s->pw = w;
		while (s->hi > 0 && s->kb[s->hi - 1] == 0)
			s->hi--;
	} else {
		id -= (uint32_t)s->p->nknown;
		s->ub[id >> 6] &= ~(1ULL << (id & 63));
		s->nun--;
	}
}

static inline bool unknown_placed(const search *s, uint32_t id)
{
	id -= (uint32_t)s->p->nknown;
	return (s->ub[id >> 6] >> (id & 63)) & 1;
}

/* Write the current set's compact key into s->key; its length, or 0 on
 * failure (a key is never empty). */
static size_t make_key(search *s)
{
	size_t win = s->hi > s->pw ? s->hi - s->pw : 0;
	/* placed unknown ops: their ids, or their bitset when shorter */
	bool dense = s->nun * 4 > s->uw * 8;
	size_t need = 8 + win * 8 + (dense ? s->uw * 8 : s->nun * 4);
	uint32_t hdr[2] = { (uint32_t)s->pw,
			    (uint32_t)s->nun | (dense ? 0x80000000u : 0) };
	unsigned char *k;

	if (grow(s, (void **)&s->key, &s->keycap, need, 1) != 0)
		return 0;
	k = s->key;
	memcpy(k, hdr, 8);
	if (win > 0)
		memcpy(k + 8, s->kb + s->pw, win * 8);
	k += 8 + win * 8;
	if (dense) {
		memcpy(k, s->ub, s->uw * 8);
	} else if (s->nun > 0) {
		for (size_t w = 0; w < s->uw; w++) {
			uint64_t x = s->ub[w];

			while (x != 0) {
				uint32_t id = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x));

				memcpy(k, &id, 4);
				k += 4;
				x &= x - 1;
			}
		}
	}
	return need;
}

static void ctab_insert(search *s, cslot sl)
{
	size_t mask = s->ctabcap - 1, i = sl.h & mask;

	while (s->ctab[i].gen == s->gen)
		i = (i + 1) & mask;
	s->ctab[i] = sl;
}

/* Add (set, state) to the cache: 1 when added, 0 when it was there,
 * -1 when out of memory. */
static int cache_add(search *s, uint32_t state)
{
	uint64_t h = mix64(s->zh ^ ((uint64_t)state * 0x9e3779b97f4a7c15ULL));
	size_t len = make_key(s), mask, i;

	if (len == 0)
		return -1;
	if (s->ncache * 2 >= s->ctabcap) {
		size_t oc = s->ctabcap, nc = oc ? oc * 2 : 1024;
		cslot *old = s->ctab, *t = calloc(nc, sizeof(*t));

		if (t == NULL)
			return -1;
		mem_add(s, (nc - oc) * sizeof(*t));
		s->ctab = t;
		s->ctabcap = nc;
		for (size_t j = 0; j < oc; j++)
			if (old[j].gen == s->gen)
				ctab_insert(s, old[j]);
		free(old);
	}
	mask = s->ctabcap - 1;
	for (i = h & mask; s->ctab[i].gen == s->gen; i = (i + 1) & mask)
		if (s->ctab[i].h == h && s->ctab[i].state == state &&
		    s->ctab[i].len == len &&
		    memcmp(s->kbytes + s->ctab[i].off, s->key, len) == 0)
			return 0;
	if (grow(s, (void **)&s->kbytes, &s->kbcap, s->kblen + len, 1) != 0)
		return -1;
	memcpy(s->kbytes + s->kblen, s->key, len);
	s->ctab[i] = (cslot){ h, s->kblen, (uint32_t)len, state, s->gen };
	s->kblen += len;
	s->ncache++;
	return 1;
}

/* ---- the list --------------------------------------------------------------- */

static inline void lift(ent *e)
{
	e->prev->next = e->next;
	if (e->next)
		e->next->prev = e->prev;
	if (e->match) {
		ent *r = e->match;

		r->prev->next = r->next;
		if (r->next)
			r->next->prev = r->prev;
	}
}

static inline void unlift(ent *e)
{
	if (e->match) {
		ent *r = e->match;

		r->prev->next = r;
		if (r->next)
			r->next->prev = r;
	}
	e->prev->next = e;
	if (e->next)
		e->next->prev = e;
}

/* ---- the search ------------------------------------------------------------ */

lz_ws *lz_ws_new(void)
{
	return calloc(1, sizeof(lz_ws));
}

void lz_ws_free(lz_ws *w)
{
	if (w == NULL)
		return;
	free(w->s.sbytes);
	free(w->s.sref);
	free(w->s.stab);
	free(w->s.kbytes);
	free(w->s.ctab);
	free(w->s.zob);
	free(w->s.key);
	free(w->ents);
	free(w->evs);
	free(w->stack);
	free(w->best);
	free(w->bits);
	free(w->buf.data);
	free(w);
}

/* Make *p hold n elements of sz bytes (contents not kept). */
static int reserve(void **p, size_t *cap, size_t n, size_t sz)
{
	void *q;

	if (n <= *cap && *p != NULL)
		return 0;
	if (n < 16)
		n = 16;
	q = realloc(*p, n * sz);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* A hash table of at least want slots (a power of two), kept when it is
 * big enough: its slots are stale when their gen is not the search's.
 * used: what the last search filled, a hint of what this one needs. */
static int table_ready(void **t, size_t *cap, size_t want, size_t used,
		       size_t sz)
{
	size_t c = 64;
	void *q;

	while (c < want)
		c *= 2;
	/* far too big for this search and the last one (a big partition
	 * before): a fresh small one, so that a small search does not
	 * probe all over a big table */
	if (*t != NULL && *cap >= c && (*cap <= 16 * c || *cap <= 16 * 2 * used))
		return 0;
	q = calloc(c, sz);
	if (q == NULL)
		return -1;
	free(*t);
	*t = q;
	*cap = c;
	return 0;
}

/* Capacity held by the workspace, for the memory bound. */
static size_t ws_bytes(const lz_ws *w)
{
	const search *s = &w->s;

	return s->sbcap + s->scap * sizeof(*s->sref) + s->stabcap * sizeof(sslot) +
	       s->kbcap + s->ctabcap * sizeof(cslot) + s->zobn * 8 + s->keycap +
	       w->ents_cap * sizeof(ent) + w->evs_cap * sizeof(ent *) +
	       w->stack_cap * sizeof(frame) + w->best_cap * 4 + w->bits_cap * 8;
}

/* A workspace the memory bound counts only while a search runs: a big
 * one is given back when its search ends, so that what a thread keeps
 * between partitions does not go uncounted while another thread's
 * search takes the bound (RSS went past it). */
#define WS_KEEP_BYTES (64u << 20)

static void ws_trim(lz_ws *w)
{
	search *s = &w->s;

	if (ws_bytes(w) <= WS_KEEP_BYTES)
		return;
	free(s->sbytes);
	free(s->sref);
	free(s->stab);
	free(s->kbytes);
	free(s->ctab);
	free(s->key);
	s->sbytes = s->kbytes = s->key = NULL;
	s->sref = NULL;
	s->stab = NULL;
	s->ctab = NULL;
	s->sbcap = s->scap = s->stabcap = s->kbcap = s->ctabcap = s->keycap = 0;
	s->sblen = s->kblen = s->nstates = s->ncache = 0;
}

void lz_search(lz_ctx *ctx, lz_part *p, lz_ws *w)
{
	search s = w->s;
	size_t n = p->n, nk = p->nknown, nu = n - nk;
	ent *ents, **evs, head = { 0 }, uhead = { 0 };
	frame *stack;
	size_t depth = 0, low = 0, held;
	dt_model_buf buf = w->buf;
	uint32_t state, *best, fr = 0;
	char init_err[DT_ERRBUF_SIZE];
	ent *prio = NULL;
	ent *e;
	int pass = 0;
	int64_t limit = 0;
	uint64_t iter = 0;
	int64_t sid;
	size_t last_states, last_cache;
	uint64_t steps0 = p->steps;

	s.ctx = ctx;
	s.p = p;
	s.mem = 0;
	s.over = false;
	last_states = s.nstates;
	last_cache = s.ncache;
	s.sblen = s.nstates = s.kblen = s.ncache = 0;
	s.pw = s.hi = s.nun = 0;
	s.zh = 0;
	p->verdict = LZ_NOMEM;
	p->nbest = 0;
	s.kw = (nk + 63) / 64;
	s.uw = (nu + 63) / 64;
	if (reserve((void **)&w->ents, &w->ents_cap, 2 * n + 1, sizeof(ent)) ||
	    reserve((void **)&w->evs, &w->evs_cap, 2 * nk + 1, sizeof(ent *)) ||
	    reserve((void **)&w->stack, &w->stack_cap, n + 1, sizeof(frame)) ||
	    reserve((void **)&w->best, &w->best_cap, n + 1, 4) ||
	    reserve((void **)&w->bits, &w->bits_cap, s.kw + s.uw + 2, 8) ||
	    table_ready((void **)&s.ctab, &s.ctabcap, 2 * n, last_cache,
			sizeof(cslot)) ||
	    table_ready((void **)&s.stab, &s.stabcap, 2 * n, last_states,
			sizeof(sslot)))
		goto done;
	if (++s.gen == 0) {
		/* wrapped: the stale slots of 2^32 searches ago would look live */
		memset(s.ctab, 0, s.ctabcap * sizeof(cslot));
		memset(s.stab, 0, s.stabcap * sizeof(sslot));
		s.gen = 1;
	}
	if (s.zobn < n) {
		uint64_t *z = realloc(s.zob, (n + 1) * 8);

		if (z == NULL)
			goto done;
		s.zob = z;
		for (size_t i = s.zobn; i < n; i++)
			z[i] = mix64((uint64_t)i * 0x2545f4914f6cdd1dULL + 0x1234567);
		s.zobn = n;
	}
	ents = w->ents;
	evs = w->evs;
	stack = w->stack;
	best = w->best;
	s.kb = w->bits;
	s.ub = w->bits + s.kw + 1;
	memset(w->bits, 0, (s.kw + s.uw + 2) * 8);
	held = ws_bytes(w);
	mem_add(&s, held);

	/* the known list, in history order: calls are sorted; returns are
	 * nearly so (insertion sort), then the two are merged */
	for (size_t i = 0; i < nk; i++) {
		ent *c = &ents[2 * i], *r = &ents[2 * i + 1];
		size_t j = i;

		*c = (ent){ .pos = p->ops[i].call, .id = (uint32_t)i, .is_call = 1,
			    .match = r };
		*r = (ent){ .pos = p->ops[i].ret, .id = (uint32_t)i };
		while (j > 0 && evs[j - 1]->pos > r->pos) {
			evs[j] = evs[j - 1];
			j--;
		}
		evs[j] = r;
	}
	e = &head;
	{
		size_t ci = 0, ri = 0;

		while (ci < nk || ri < nk) {
			ent *x = ri >= nk || (ci < nk && ents[2 * ci].pos < evs[ri]->pos) ?
				 &ents[2 * ci++] : evs[ri++];

			e->next = x;
			x->prev = e;
			e = x;
		}
	}
	e->next = NULL;
	/* the unknown list, by call */
	e = &uhead;
	for (size_t i = nk; i < n; i++) {
		ent *c = &ents[2 * i];

		*c = (ent){ .pos = p->ops[i].call, .id = (uint32_t)i, .is_call = 1 };
		e->next = c;
		c->prev = e;
		e = c;
	}
	e->next = NULL;

	buf.len = 0;
	if (ctx->mt->init(ctx->model, &buf, init_err) != 0)
		goto done;
	sid = state_intern(&s, buf.data, buf.len);
	if (sid < 0)
		goto done;
	state = (uint32_t)sid;

	e = head.next;
	pass = 2;
	while (head.next != NULL) {
		ent *cand = NULL;

		if ((iter++ & 1023) == 0) {
			if (atomic_load_explicit(&ctx->stop, memory_order_relaxed)) {
				p->verdict = LZ_STOPPED;
				goto done;
			}
			if (ctx->deadline > 0 && lz_now() > ctx->deadline) {
				p->verdict = LZ_TIMEOUT;
				goto done;
			}
			if (s.over) {
				p->verdict = LZ_MEMORY;
				goto done;
			}
			if (ctx->budget > 0 && p->steps - steps0 > ctx->budget) {
				p->verdict = LZ_DEFERRED;
				goto done;
			}
		}
		if (pass == 2) {
			/* first the call of the op that returns first: it has
			 * to be placed before anything called after that
			 * (evs[fr], kept up to date as ops are placed) */
			prio = &ents[2 * (size_t)evs[fr]->id];
			cand = prio;
		} else if (pass == 0) {
			if (e == prio) {
				e = e->next;
				continue;
			}
			if (e->is_call) {
				cand = e;
			} else {
				/* every known candidate failed: try the
				 * unknown ops called before this return */
				limit = e->pos;
				pass = 1;
				e = uhead.next;
				continue;
			}
		} else {
			/* skip an unknown op whose twin called before it
			 * is still pending: placing the twin is the same */
			while (e != NULL && e->pos < limit &&
			       p->ops[e->id].same_prev >= 0 &&
			       !unknown_placed(&s, (uint32_t)p->ops[e->id].same_prev))
				e = e->next;
			if (e != NULL && e->pos < limit)
				cand = e;
		}

		if (cand != NULL) {
			dt_step r;

			buf.len = 0;
			p->steps++;
			r = ctx->mt->step(ctx->model, s.sbytes + s.sref[state].off,
					  s.sref[state].len, LZ_MOP(ctx, p, cand->id), &buf);
			/* An unknown op that changes nothing is never worth
			 * placing: leaving it out (it may not have happened)
			 * keeps every option it would have. */
			if (r == DT_STEP_SAME && pass == 1)
				r = DT_STEP_ILLEGAL;
			if (r != DT_STEP_ILLEGAL) {
				uint32_t next = state;
				int added;

				if (r == DT_STEP_NEW) {
					if (buf.data == NULL)
						goto done;
					sid = state_intern(&s, buf.data, buf.len);
					if (sid < 0)
						goto done;
					next = (uint32_t)sid;
				}
				set_bit(&s, cand->id);
				/* A forced move (the first call, returning before
				 * anything else is called) needs no cache entry: its
				 * parent's entry already stands for it. */
				if (pass != 1 && cand == head.next && cand->next == cand->match)
					added = 1;
				else
					added = cache_add(&s, next);
				if (added < 0)
					goto done;
				if (added) {
					stack[depth++] = (frame){ .e = cand, .fr = fr,
						.state = state, .pass = (uint8_t)pass,
						.limit = limit };
					/* the first return is the first in ret
					 * order whose op is not placed */
					while (fr < nk && ((s.kb[evs[fr]->id >> 6] >>
							    (evs[fr]->id & 63)) & 1))
						fr++;
					if (depth > p->nbest) {
						for (size_t i = low; i < depth; i++)
							best[i] = stack[i].e->id;
						p->nbest = depth;
						low = depth;
					}
					lift(cand);
					state = next;
					e = head.next;
					pass = 2;
					continue;
				}
				clear_bit(&s, cand->id);
			}
			if (pass == 2) {
				e = head.next;
				pass = 0;
			} else {
				e = cand->next;
			}
			continue;
		}

		/* stuck: undo the last choice and try the next candidate */
		if (depth == 0) {
			p->verdict = LZ_VIOLATION;
			goto done;
		}
		{
			frame *f = &stack[--depth];

			if (depth < low)
				low = depth;
			unlift(f->e);
			clear_bit(&s, f->e->id);
			state = f->state;
			pass = f->pass;
			limit = f->limit;
			fr = f->fr;
			prio = fr < nk ? &ents[2 * (size_t)evs[fr]->id] : NULL;
			if (pass == 2) {
				pass = 0;
				e = head.next;
			} else {
				e = f->e->next;
			}
		}
	}
	p->verdict = LZ_OK;
done:
	p->cache = s.ncache;
	if (p->verdict == LZ_VIOLATION) {
		free(p->best);
		p->best = malloc((p->nbest + 1) * sizeof(*p->best));
		if (p->best != NULL)
			memcpy(p->best, w->best, p->nbest * sizeof(*p->best));
		else
			p->verdict = LZ_NOMEM;
	}
	atomic_fetch_sub(&ctx->mem_used, s.mem);
	w->buf = buf;
	w->s = s;
	ws_trim(w);
}

/* ---- partitions in parallel ------------------------------------------------ */

typedef struct pool {
	lz_ctx *ctx;
	lz_part *parts;
	size_t *order;
	size_t nparts;        /* of this round */
	atomic_size_t next;
	bool failed;          /* the model refused an op */
} pool;

/* Steps of the first round (a few milliseconds). */
#define LZ_FIRST_BUDGET (1u << 15)

/* One small workspace is kept between checks, so that checking many
 * small histories costs no malloc.  A check takes it (or makes its own
 * when another check, on another thread, holds it) and gives it back. */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static lz_ws *kept_ws;
#define KEEP_WS_BYTES (8u << 20)

static lz_ws *ws_take(void)
{
	lz_ws *w;

	pthread_mutex_lock(&kept_lock);
	w = kept_ws;
	kept_ws = NULL;
	pthread_mutex_unlock(&kept_lock);
	return w != NULL ? w : lz_ws_new();
}

static void ws_give_back(lz_ws *w)
{
	if (w != NULL && ws_bytes(w) <= KEEP_WS_BYTES) {
		pthread_mutex_lock(&kept_lock);
		if (kept_ws == NULL) {
			kept_ws = w;
			w = NULL;
		}
		pthread_mutex_unlock(&kept_lock);
	}
	lz_ws_free(w);
}

/* At unload, or at exit. */
__attribute__((destructor)) static void drop_kept_ws(void)
{
	lz_ws_free(kept_ws);
	kept_ws = NULL;
}

typedef struct warg {
	pool *pl;
	bool main;
} warg;

static void *worker(void *arg)
{
	pool *pl = ((warg *)arg)->pl;
	bool main_thread = ((warg *)arg)->main;
	lz_ws *w = main_thread ? ws_take() : lz_ws_new();

	for (;;) {
		size_t i = atomic_fetch_add(&pl->next, 1);
		lz_part *p;

		if (i >= pl->nparts)
			break;
		p = &pl->parts[pl->order[i]];
		if (atomic_load(&pl->ctx->stop)) {
			p->verdict = LZ_STOPPED;
			continue;
		}
		if (w == NULL) {
			p->verdict = LZ_NOMEM;
			continue;
		}
		/* one thread: ops are made here, just before their search
		 * (threads: lz_search_all made them all before) */
		if (!p->prepared && pl->ctx->prepare != NULL) {
			if (pl->ctx->prepare(pl->ctx, p) != 0) {
				p->verdict = LZ_ERROR;
				atomic_store(&pl->ctx->stop, true);
				continue;
			}
			p->prepared = true;
		}
		lz_search(pl->ctx, p, w);
		/* the memory bound or malloc failing stops this partition
		 * only: another may still prove a violation (its search
		 * starts with this one's memory given back) */
		if (p->verdict == LZ_VIOLATION || p->verdict == LZ_TIMEOUT)
			atomic_store(&pl->ctx->stop, true);
	}
	if (main_thread)
		ws_give_back(w);
	else
		lz_ws_free(w);
	return NULL;
}

static lz_part *sort_parts;

static int size_cmp(const void *a, const void *b)
{
	size_t x = sort_parts[*(const size_t *)a].n, y = sort_parts[*(const size_t *)b].n;

	return (x < y) - (x > y);
}

/* One round over the partitions of pl->order: on this thread, or on
 * several when the work is big (or turned out hard: a round after the
 * first).  Sets pl->failed when the model refused an op. */
static void run_round(lz_ctx *ctx, pool *pl, size_t total, int round, long ncpu)
{
	pthread_t tid[64];
	int nt = 0;
	warg wa[2] = { { pl, false }, { pl, true } };
	bool big = pl->nparts > 1 && (total >= 4000 || round > 0);

	/* Threads cost tens of microseconds: not worth it for small work
	 * (nor is asking how many cores there are: sysconf reads /sys). */
	if (big && ncpu <= 0)
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu > 64)
		ncpu = 64;
	if (big && ncpu > 1) {
		/* prepare moves opbase: every partition before any thread */
		for (size_t i = 0; ctx->prepare != NULL && i < pl->nparts; i++) {
			lz_part *p = &pl->parts[pl->order[i]];

			if (p->prepared)
				continue;
			if (ctx->prepare(ctx, p) != 0) {
				for (size_t j = 0; j < pl->nparts; j++)
					pl->parts[pl->order[j]].verdict = LZ_STOPPED;
				p->verdict = LZ_ERROR;
				pl->failed = true;
				return;
			}
			p->prepared = true;
		}
		for (nt = 0; nt < ncpu - 1 && (size_t)nt < pl->nparts - 1; nt++)
			if (pthread_create(&tid[nt], NULL, worker, &wa[0]) != 0)
				break;
	}
	worker(&wa[1]);
	for (int i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < pl->nparts; i++)
		if (pl->parts[pl->order[i]].verdict == LZ_ERROR)
			pl->failed = true;
}

void lz_search_all(lz_ctx *ctx, lz_part *parts, size_t nparts)
{
	static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;
	pool pl = { .ctx = ctx, .parts = parts, .nparts = nparts };
	size_t total = 0;
	long ncpu = ctx->threads;
	size_t few[64];   /* the order of a few partitions: no malloc */

	for (size_t i = 0; i < nparts; i++)
		total += parts[i].n;
	pl.order = nparts <= 64 ? few : malloc((nparts + 1) * sizeof(*pl.order));
	if (pl.order == NULL) {
		for (size_t i = 0; i < nparts; i++)
			parts[i].verdict = LZ_NOMEM;
		return;
	}
	for (size_t i = 0; i < nparts; i++)
		pl.order[i] = i;
	/* biggest first (then reversed for the first round) */
	if (pl.order == few) {
		/* a few: a stable insertion sort, as qsort's merge sort is */
		for (size_t i = 1; i < nparts; i++) {
			size_t x = pl.order[i], j = i;

			for (; j > 0 && parts[pl.order[j - 1]].n < parts[x].n; j--)
				pl.order[j] = pl.order[j - 1];
			pl.order[j] = x;
		}
	} else {
		pthread_mutex_lock(&sort_lock);
		sort_parts = parts;
		qsort(pl.order, nparts, sizeof(*pl.order), size_cmp);
		pthread_mutex_unlock(&sort_lock);
	}
	/* Rounds: every undecided partition gets the round's step budget
	 * (none when it is the only one left), the deferred ones go again
	 * with eight times more.  A search started again from scratch costs
	 * at most a seventh more than one search with no budget. */
	ctx->budget = nparts > 1 ? LZ_FIRST_BUDGET : 0;
	/* The first round smallest first: an easy violation is found before
	 * a big partition spends its budget; the rounds after it biggest
	 * first, so that the last to finish on a thread is a small one. */
	for (size_t i = 0; i < nparts / 2; i++) {
		size_t t = pl.order[i];

		pl.order[i] = pl.order[nparts - 1 - i];
		pl.order[nparts - 1 - i] = t;
	}
	for (int round = 0; nparts > 0; round++) {
		size_t left = 0;

		atomic_init(&pl.next, 0);
		run_round(ctx, &pl, total, round, ncpu);
		if (pl.failed)
			break;
		for (size_t i = 0; i < pl.nparts; i++)
			if (parts[pl.order[i]].verdict == LZ_DEFERRED)
				pl.order[left++] = pl.order[i];
		if (left == 0)
			break;
		if (atomic_load(&ctx->stop)) {
			for (size_t i = 0; i < left; i++)
				parts[pl.order[i]].verdict = LZ_STOPPED;
			break;
		}
		if (round == 0)
			for (size_t i = 0; i < left / 2; i++) {
				size_t t = pl.order[i];

				pl.order[i] = pl.order[left - 1 - i];
				pl.order[left - 1 - i] = t;
			}
		pl.nparts = left;
		total = 0;
		for (size_t i = 0; i < left; i++)
			total += parts[pl.order[i]].n;
		ctx->budget = left == 1 ? 0 :
			      ctx->budget > UINT64_MAX / 8 ? 0 : ctx->budget * 8;
	}
	ctx->budget = 0;
	if (pl.order != few)
		free(pl.order);
}
