/* SPDX-License-Identifier: MIT */
/*
 * dt_linearizable: the `linearizable` checker.  Pairs each invocation
 * with its completion, splits the history by the model's partition key,
 * checks every partition (in parallel) with the search of search.c and
 * explains a violation (explain.c).
 *
 *   checkers: [{name: linearizable, model: cas-register,
 *               timeout: 60, memory-limit: 2048, threads: 0, html: PATH}]
 *
 * model defaults to the workload's; memory-limit is in MiB (default:
 * half the machine's memory); html names
 * the page written on a violation (default STORE/linearizability.html).
 *
 * Ops: nemesis events are ignored; `fail` ops certainly did not happen
 * and are dropped; `info` ops and invocations without completion may
 * take effect at any time after their call (they return at the end).
 *
 * The model makes a partition's ops (prepare) just before its search,
 * on one thread (all before the search when partitions go to several
 * threads): after a violation the remaining partitions are neither
 * prepared nor searched, so an op the model refuses there goes unseen.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain.h"

/* ---- small hash maps ---------------------------------------------------------- */

typedef struct pmap {        /* process -> pending invocation + 1 */
	int64_t *keys;
	size_t *vals;        /* 0: none pending */
	uint8_t *used;       /* slots are never freed */
	size_t cap, n;
} pmap;

static size_t pmap_index(const pmap *m, int64_t k)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)(((uint64_t)k * 0x9e3779b97f4a7c15ULL) >> 17) & mask;

	while (m->used[i] && m->keys[i] != k)
		i = (i + 1) & mask;
	return i;
}

static int pmap_init(pmap *m, size_t cap)
{
	m->cap = cap;
	m->n = 0;
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->used = calloc(cap, 1);
	return m->keys && m->vals && m->used ? 0 : -1;
}

static void pmap_free(pmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
}

/* The pending slot of process k (created when new); NULL when out of memory. */
static size_t *pmap_slot(pmap *m, int64_t k)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		pmap n;

		if (pmap_init(&n, m->cap * 2) != 0) {
			pmap_free(&n);
			return NULL;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->used[j]) {
				size_t t = pmap_index(&n, m->keys[j]);

				n.used[t] = 1;
				n.keys[t] = m->keys[j];
				n.vals[t] = m->vals[j];
				n.n++;
			}
		pmap_free(m);
		*m = n;
	}
	i = pmap_index(m, k);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->keys[i] = k;
		m->vals[i] = 0;
		m->n++;
	}
	return &m->vals[i];
}

typedef struct kmap {        /* partition key -> partition + 1 */
	const char **keys;
	size_t *vals;
	size_t cap, n;
} kmap;

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int kmap_grow(kmap *m)
{
	kmap n = { .cap = m->cap ? m->cap * 2 : 64 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (n.keys == NULL || n.vals == NULL) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != 0) {
			size_t j = str_hash(m->keys[i]) & (n.cap - 1);

			while (n.vals[j] != 0)
				j = (j + 1) & (n.cap - 1);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
		}
	n.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

/* ---- building partitions ------------------------------------------------------- */

#define SMALL_PROCS 256

typedef struct build {
	lz_part *parts;
	size_t nparts, cap;
	kmap km;
	size_t nops, nunknown, nfail, unmatched;
	lz_op *all;          /* ops as paired, before slicing */
	uint32_t *part_of;   /* their partitions */
	size_t nall, capall;
	lz_op *block;        /* every partition's ops, one block */
	size_t blockcap;
	dt_model_buf arena;  /* the model's ops, as bytes */
	pmap pm;             /* pending invocations by process */
	size_t *small;       /* ... for processes 0..SMALL_PROCS-1 (a pointer:
			      * the build is copied at each check) */
	size_t small_hi;     /* slots below it may be set */
} build;

/* Keys are short: a loop beats a call to strcmp. */
static inline bool streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static lz_part *part_for(build *b, const char *key)
{
	size_t *v, i;

	if (key == NULL)
		key = "";
	if (b->km.n * 2 >= b->km.cap && kmap_grow(&b->km) != 0)
		return NULL;
	for (i = str_hash(key) & (b->km.cap - 1); b->km.vals[i] != 0;
	     i = (i + 1) & (b->km.cap - 1))
		if (streq(b->km.keys[i], key))
			return &b->parts[b->km.vals[i] - 1];
	if (b->nparts == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 16;
		lz_part *q = realloc(b->parts, nc * sizeof(*q));

		if (q == NULL)
			return NULL;
		b->parts = q;
		b->cap = nc;
	}
	memset(&b->parts[b->nparts], 0, sizeof(lz_part));
	b->parts[b->nparts].key = strdup(key);
	if (b->parts[b->nparts].key == NULL)
		return NULL;
	v = &b->km.vals[i];
	b->km.keys[i] = b->parts[b->nparts].key;
	*v = ++b->nparts;
	b->km.n++;
	return &b->parts[*v - 1];
}

static int add_op(const lz_ctx *ctx, build *b, const dt_history *h,
		  size_t ci, const dt_op *ret, char *err)
{
	const dt_op *call = &h->ops[ci];
	char kbuf[DT_MODEL_KEY_SIZE];
	const char *key = ctx->mt->partition ?
			  ctx->mt->partition(ctx->model, call, kbuf) : NULL;
	lz_part *p = part_for(b, key);
	lz_op *o;

	if (p == NULL)
		return dt_fail(err, "out of memory");
	if (b->nall == b->capall) {
		size_t nc = b->capall ? b->capall * 2 : h->count / 2 + 16;
		lz_op *q = realloc(b->all, nc * sizeof(*q));
		uint32_t *r = realloc(b->part_of, nc * sizeof(*r));

		if (q != NULL)
			b->all = q;
		if (r != NULL)
			b->part_of = r;
		if (q == NULL || r == NULL)
			return dt_fail(err, "out of memory");
		b->capall = nc;
	}
	o = &b->all[b->nall];
	o->op = 0;   /* prepared when its partition is searched */
	o->call = (int64_t)ci;
	o->ret = ret ? ret - h->ops : LZ_UNKNOWN_RET;
	o->process = call->process;
	o->same_prev = -1;
	b->part_of[b->nall++] = (uint32_t)(p - b->parts);
	p->n++;
	b->nops++;
	if (ret == NULL)
		b->nunknown++;
	return 0;
}

/* Give each partition its slice of one block of ops. */
static int slice_parts(build *b, char *err)
{
	size_t off = 0;

	if (b->blockcap < b->nall + 1) {
		lz_op *q = realloc(b->block, (b->nall + 1) * sizeof(*q));

		if (q == NULL)
			return dt_fail(err, "out of memory");
		b->block = q;
		b->blockcap = b->nall + 1;
	}
	for (size_t i = 0; i < b->nparts; i++) {
		b->parts[i].ops = b->block + off;
		off += b->parts[i].n;
		b->parts[i].n = 0;
	}
	for (size_t i = 0; i < b->nall; i++) {
		lz_part *p = &b->parts[b->part_of[i]];

		p->ops[p->n++] = b->all[i];
	}
	return 0;
}

/* Pair invocations with completions and split by partition. */
static int build_parts(const lz_ctx *ctx, const dt_history *h, build *b, char *err)
{
	pmap *pm = &b->pm;
	int rc = -1;

	if (b->small == NULL) {
		b->small = calloc(SMALL_PROCS, sizeof(*b->small));
		if (b->small == NULL) {
			dt_fail(err, "out of memory");
			goto done;
		}
	} else {
		memset(b->small, 0, b->small_hi * sizeof(*b->small));
	}
	b->small_hi = 0;
	if (pm->cap == 0 ? pmap_init(pm, 64) != 0 :
	    (memset(pm->used, 0, pm->cap), pm->n = 0, false)) {
		dt_fail(err, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		size_t *slot;

		if (op->process == DT_PROCESS_NEMESIS)
			continue;
		/* small process numbers (the usual) index an array */
		if (op->process >= 0 && op->process < SMALL_PROCS) {
			slot = &b->small[op->process];
			if ((size_t)op->process >= b->small_hi)
				b->small_hi = (size_t)op->process + 1;
		} else {
			slot = pmap_slot(pm, op->process);
		}
		if (slot == NULL) {
			dt_fail(err, "out of memory");
			goto done;
		}
		if (op->type == DT_OP_INVOKE) {
			/* a new call on a busy process: the old one never
			 * completed (a crashed client) */
			if (*slot != 0 && add_op(ctx, b, h, *slot - 1, NULL, err) != 0)
				goto done;
			*slot = i + 1;
			continue;
		}
		if (*slot == 0) {
			b->unmatched++;
			continue;
		}
		if (op->type == DT_OP_FAIL)
			b->nfail++;
		else if (add_op(ctx, b, h, *slot - 1,
				op->type == DT_OP_OK ? op : NULL, err) != 0)
			goto done;
		*slot = 0;
	}
	for (size_t i = 0; pm->n > 0 && i < pm->cap; i++)
		if (pm->used[i] && pm->vals[i] != 0 &&
		    add_op(ctx, b, h, pm->vals[i] - 1, NULL, err) != 0)
			goto done;
	for (size_t i = 0; i < b->small_hi; i++)
		if (b->small[i] != 0 && add_op(ctx, b, h, b->small[i] - 1, NULL, err) != 0)
			goto done;
	rc = 0;
done:
	return rc;
}

/* ---- the model's ops ------------------------------------------------------------ */

typedef struct prep_arg {
	const dt_history *h;
	build *b;
	char *err;
} prep_arg;

/* Prepare the model's ops of one partition, when the search gets to it
 * (lz_ctx.prepare): ops are bytes in one buffer, an op is its offset. */
static int prep_part(lz_ctx *ctx, lz_part *p)
{
	prep_arg *a = ctx->prepare_arg;
	dt_model_buf *arena = &a->b->arena;

	for (size_t i = 0; i < p->n; i++) {
		lz_op *o = &p->ops[i];
		const dt_op *call = &a->h->ops[o->call];

		if (arena->len % 8 != 0) {
			/* pad with one word store (a memcpy call costs more) */
			static const uint64_t zero;
			unsigned char *w = dt_buf_reserve(arena, 8);

			if (w == NULL)
				return dt_fail(a->err, "out of memory");
			memcpy(w, &zero, 8);
			arena->len += 8 - arena->len % 8;
		}
		o->op = arena->len;
		if (ctx->mt->prepare(ctx->model, call, o->ret == LZ_UNKNOWN_RET ?
				     NULL : &a->h->ops[o->ret], arena, a->err) != 0)
			return -1;
		if (arena->data == NULL || arena->len == o->op)
			return dt_fail(a->err, "op %" PRId64 ": the model prepared "
				       "nothing", call->index);
	}
	ctx->opbase = arena->data;
	return 0;
}

/* ---- twins among the unknown ops ------------------------------------------------ */

typedef struct twin {
	uint64_t h;
	size_t id;
} twin;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t str_hash_n(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* A hash of a JSON value that equal values share (json_equal). */
static uint64_t json_hash(const json_t *v)
{
	uint64_t h;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return mix((uint64_t)json_integer_value(v) + 1);
	case JSON_REAL: {
		double d = json_real_value(v);

		memcpy(&h, &d, 8);
		return mix(h + 2);
	}
	case JSON_STRING:
		return str_hash_n(json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		size_t i;
		json_t *x;

		h = 3;
		json_array_foreach(v, i, x)
			h = mix(h * 31 + json_hash(x));
		return h;
	}
	case JSON_OBJECT: {
		const char *k;
		json_t *x;

		h = 4;
		json_object_foreach((json_t *)v, k, x)
			h ^= mix(str_hash(k) + 7 * json_hash(x));
		return h;
	}
	case JSON_TRUE:
		return 5;
	case JSON_FALSE:
		return 6;
	default:
		return 7;
	}
}

static int twin_cmp(const void *a, const void *b)
{
	const twin *x = a, *y = b;

	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->id > y->id) - (x->id < y->id);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_op(const dt_op *a, const dt_op *b)
{
	return same_str(a->f, b->f) && same_str(a->key, b->key) &&
	       (a->value == b->value ||
		(a->value && b->value && json_equal(a->value, b->value)));
}

/* Link each unknown op to the previous identical one (search.h). */
static int link_twins(const dt_history *h, lz_part *p)
{
	size_t nu = p->n - p->nknown, k = 0;
	twin *t;

	/* same_prev is -1 already (add_op) */
	if (nu < 2)
		return 0;
	t = calloc(nu, sizeof(*t));
	if (t == NULL)
		return -1;
	for (size_t i = p->nknown; i < p->n; i++) {
		const dt_op *c = &h->ops[p->ops[i].call];

		t[k].h = mix((c->f ? str_hash(c->f) : 0) ^ 3 * (c->key ? str_hash(c->key) : 0) ^
			     (c->value ? json_hash(c->value) : 0));
		t[k++].id = i;
	}
	qsort(t, k, sizeof(*t), twin_cmp);
	/* within a run of equal hashes, the closest earlier equal op */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j-- > 0 && t[j].h == t[i].h;)
			if (same_op(&h->ops[p->ops[t[j].id].call],
				    &h->ops[p->ops[t[i].id].call])) {
				p->ops[t[i].id].same_prev = (int64_t)t[j].id;
				break;
			}
	free(t);
	return 0;
}

/* ---- buffers kept between checks ---------------------------------------------- */

/* Checking many small histories (dt-check, the benchmark) reuses one
 * build's buffers instead of allocating them again: a check takes them
 * (or starts empty when another check, on another thread, holds them)
 * and gives them back when they are small. */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static build kept_build;
static bool kept_full;
#define KEEP_BUILD_BYTES (8u << 20)

static void build_free(build *b)
{
	free(b->arena.data);
	free(b->all);
	free(b->part_of);
	free(b->block);
	free(b->parts);
	free(b->km.keys);
	free(b->km.vals);
	pmap_free(&b->pm);
	free(b->small);
	memset(b, 0, sizeof(*b));
}

static void build_take(build *b)
{
	pthread_mutex_lock(&kept_lock);
	*b = kept_build;
	memset(&kept_build, 0, sizeof(kept_build));
	kept_full = false;
	pthread_mutex_unlock(&kept_lock);
	b->nparts = b->nall = b->arena.len = 0;
	b->nops = b->nunknown = b->nfail = b->unmatched = 0;
	b->km.n = 0;
	if (b->km.cap > 0)
		memset(b->km.vals, 0, b->km.cap * sizeof(*b->km.vals));
}

static void build_keep(build *b)
{
	size_t bytes = b->arena.cap + b->capall * (sizeof(lz_op) + 4) +
		       b->blockcap * sizeof(lz_op) + b->cap * sizeof(lz_part) +
		       b->km.cap * 16 + b->pm.cap * 17;

	if (bytes <= KEEP_BUILD_BYTES) {
		pthread_mutex_lock(&kept_lock);
		if (!kept_full) {
			kept_build = *b;
			kept_full = true;
			memset(b, 0, sizeof(*b));
		}
		pthread_mutex_unlock(&kept_lock);
	}
	build_free(b);
}

__attribute__((destructor)) static void drop_kept_build(void)
{
	build_free(&kept_build);
}

/* ---- the checker ------------------------------------------------------------------ */

static const dt_model_type *find_model(const dt_checker_env *env,
				       const char *name, char *err)
{
	if (env->registry == NULL) {
		dt_fail(err, "no registry to find model '%s' in", name);
		return NULL;
	}
	return dt_registry_find(env->registry, DT_KIND_MODEL, name, err);
}

static const char *verdict_name(lz_verdict v)
{
	static const char *const names[] = { "linearizable", "not linearizable",
		"time budget spent", "memory bound reached", "stopped",
		"out of memory", "error", "deferred" };

	return names[v];
}

/* Asked once: sysconf(_SC_PHYS_PAGES) is a system call (sysinfo), a
 * good part of the cost of checking a small history. */
static long long default_memory_mb(void)
{
	static _Atomic long long cached;
	long long mb = atomic_load_explicit(&cached, memory_order_relaxed);

	if (mb == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
		long long half = pages > 0 && size > 0 ?
				 (long long)pages * size / 2 / 1048576 : 4096;

		/* no cap of its own: porcupine has no bound at all, and a
		 * bound far below the memory there is made the checker give up
		 * on histories porcupine decides */
		mb = half > 64 ? half : 64;
		atomic_store_explicit(&cached, mb, memory_order_relaxed);
	}
	return mb;
}

static int lin_check(const dt_checker_env *env, const dt_history *h,
		     json_t **result, char *err)
{
	const char *model_name, *html = NULL;
	long long mem_mb, threads;
	lz_ctx ctx = { 0 };
	build b;
	prep_arg pa = { h, &b, err };
	json_t *res = NULL, *fails = NULL;
	size_t nviol = 0, nunk = 0;
	uint64_t steps = 0, cache = 0;
	lz_verdict unk_reason = LZ_OK;
	char summary[1024] = "";
	int rc = -1;

	if (dt_conf_string(env->config, "model", env->default_model, &model_name, err) ||
	    dt_conf_int(env->config, "memory-limit", default_memory_mb(), 1, 1 << 30,
			&mem_mb, err) ||
	    dt_conf_int(env->config, "threads", 0, 0, 64, &threads, err) ||
	    dt_conf_string(env->config, "html", NULL, &html, err))
		return -1;
	if (model_name == NULL)
		return dt_fail(err, "no model: set `model:` in the checker entry "
			       "(the workload names none)");
	ctx.mt = find_model(env, model_name, err);
	if (ctx.mt == NULL)
		return -1;
	ctx.model = ctx.mt->create(env->config, env->workload_config, err);
	if (ctx.model == NULL)
		return -1;
	build_take(&b);
	ctx.deadline = env->timeout > 0 ? lz_now() + env->timeout : 0;
	ctx.mem_limit = (size_t)mem_mb << 20;
	ctx.threads = (int)threads;
	atomic_init(&ctx.mem_used, 0);
	atomic_init(&ctx.mem_peak, 0);
	atomic_init(&ctx.stop, false);

	if (build_parts(&ctx, h, &b, err) != 0 || slice_parts(&b, err) != 0)
		goto done;
	for (size_t i = 0; i < b.nparts; i++) {
		lz_part_order(&b.parts[i]);
		if (link_twins(h, &b.parts[i]) != 0) {
			dt_fail(err, "out of memory");
			goto done;
		}
	}
	ctx.prepare = prep_part;
	ctx.prepare_arg = &pa;
	lz_search_all(&ctx, b.parts, b.nparts);
	for (size_t i = 0; i < b.nparts; i++)
		if (b.parts[i].verdict == LZ_ERROR)
			goto done;   /* err says why */

	res = json_object();
	fails = json_array();
	for (size_t i = 0; i < b.nparts; i++) {
		lz_part *p = &b.parts[i];

		steps += p->steps;
		cache += p->cache;
		if (p->verdict == LZ_VIOLATION) {
			lz_expl x;

			if (nviol++ > 0 || lz_explain(&ctx, p, html != NULL ||
						      env->store_dir != NULL, &x) != 0)
				continue;
			json_array_append_new(fails, lz_expl_json(&ctx, &x));
			if (x.blocked >= 0)
				snprintf(summary, sizeof(summary), "not linearizable "
					 "(%s): %s%s%s%s (process %" PRId64 ", op %"
					 PRId64 ") cannot follow the %zu ops placed "
					 "before it, state %s", model_name,
					 p->key[0] ? "key " : "", p->key,
					 p->key[0] ? ": " : "", x.desc[x.blocked],
					 p->ops[x.blocked].process,
					 p->ops[x.blocked].call, p->nbest, x.state);
			if (html != NULL || env->store_dir != NULL) {
				char path[4096], e2[DT_ERRBUF_SIZE];

				if (html != NULL)
					snprintf(path, sizeof(path), "%s", html);
				else
					snprintf(path, sizeof(path), "%s/linearizability.html",
						 env->store_dir);
				if (lz_html_write(path, model_name, &x, e2) == 0)
					json_object_set_new_nocheck(res, "html", json_string(path));
				else
					dt_log(DT_LOG_WARN, "linearizable: %s", e2);
			}
			lz_expl_clear(&x);
		} else if (p->verdict != LZ_OK && p->verdict != LZ_STOPPED) {
			nunk++;
			unk_reason = p->verdict;
		}
	}
	if (nviol > 0) {
		json_object_set_new_nocheck(res, "valid", json_false());
		if (summary[0] == '\0')
			snprintf(summary, sizeof(summary), "not linearizable (%s)",
				 model_name);
	} else if (nunk > 0) {
		json_object_set_new_nocheck(res, "valid", json_string("unknown"));
		json_object_set_new_nocheck(res, "reason", json_string(verdict_name(unk_reason)));
		snprintf(summary, sizeof(summary), "unknown: %s (%zu of %zu "
			 "partitions undecided, %" PRIu64 " steps)",
			 verdict_name(unk_reason), nunk, b.nparts, steps);
	} else {
		json_object_set_new_nocheck(res, "valid", json_true());
		snprintf(summary, sizeof(summary), "linearizable (%s): %zu ops, "
			 "%zu unknown outcome, %zu partitions", model_name,
			 b.nops, b.nunknown, b.nparts);
	}
	json_object_set_new_nocheck(res, "summary", json_string(summary));
	json_object_set_new_nocheck(res, "model", json_string(model_name));
	json_object_set_new_nocheck(res, "ops", json_integer((json_int_t)b.nops));
	json_object_set_new_nocheck(res, "unknown-outcome", json_integer((json_int_t)b.nunknown));
	json_object_set_new_nocheck(res, "failed-dropped", json_integer((json_int_t)b.nfail));
	if (b.unmatched > 0)
		json_object_set_new_nocheck(res, "unmatched-completions",
				    json_integer((json_int_t)b.unmatched));
	json_object_set_new_nocheck(res, "partitions", json_integer((json_int_t)b.nparts));
	json_object_set_new_nocheck(res, "steps", json_integer((json_int_t)steps));
	json_object_set_new_nocheck(res, "cache-entries", json_integer((json_int_t)cache));
	json_object_set_new_nocheck(res, "memory-peak-bytes",
			    json_integer((json_int_t)atomic_load(&ctx.mem_peak)));
	json_object_set_new_nocheck(res, "memory-limit-bytes", json_integer((json_int_t)ctx.mem_limit));
	json_object_set_new_nocheck(res, "failures", fails);
	fails = NULL;
	*result = res;
	res = NULL;
	rc = 0;
done:
	json_decref(fails);
	json_decref(res);
	for (size_t i = 0; i < b.nparts; i++)
		lz_part_clear(&ctx, &b.parts[i]);
	build_keep(&b);
	ctx.mt->destroy(ctx.model);
	return rc;
}

/* memory-limit's default depends on the machine: default_memory_mb. */
static const dt_option lin_options[] = {
	{ .name = "model", .type = DT_OPT_COMPONENT, .kind = DT_KIND_MODEL,
	  .doc = "the sequential specification (default: the workload's model)" },
	{ .name = "memory-limit", .type = DT_OPT_INT, .min = 1, .max = 1 << 30,
	  .doc = "MiB the search may use; past it a partition is undecided "
		 "(default: half the machine's memory)" },
	{ .name = "threads", .type = DT_OPT_INT, .def = "0", .min = 0, .max = 64,
	  .doc = "partitions checked at once; 0: one per core" },
	{ .name = "html", .type = DT_OPT_STRING,
	  .doc = "write the explanation of a violation here (default: the run "
		 "folder's linearizability.html)" },
	{ .name = NULL }
};

static const dt_checker_type linearizable_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "linearizable", .version = "1.0",
		  .description = "linearizability against a model (Wing & Gong / "
				 "Lowe search, per partition, in parallel)",
		  .options = lin_options },
	.check = lin_check,
	/* linearizability is local, and the models' reads change no state */
	.minimize = DT_MINIMIZE_PER_KEY | DT_MINIMIZE_READS,
};

static int lin_plugin(dt_registry *reg)
{
	return dt_register_checker(reg, &linearizable_checker);
}

DT_PLUGIN_DEFINE(lin_plugin)
