/*
 * txn.c: transactions in the in-process store, for the list-append and
 * rw-register workloads.  Every key keeps its committed versions, each
 * with the commit's timestamp, so that a transaction can read the latest
 * or a snapshot.  A transaction keeps its writes to itself until it
 * commits.  Serializable by default; the bugs (mem.h) break it on
 * purpose, one way each, to prove the isolation checker names them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>
#include <dt/map.h>

#include "mem.h"

typedef struct version {
	uint64_t ts;
	json_t *val;   /* list or integer; never changed once here */
} version;

typedef struct tkey {
	version *v;
	size_t n, cap;
	uint64_t owner;  /* read committed: the txn holding its write lock */
} tkey;

/* Read committed waits this often, this long, for a write lock before
 * it aborts (as a database's deadlock detection would). */
#define LOCK_TRIES 200
#define LOCK_NAP 0.0002

struct mem_txns {
	bool append;
	dt_map *keys;  /* key text -> tkey */
	uint64_t clock;
	uint64_t serial; /* the last txn's number */
};

/* What a transaction did to one key. */
typedef struct touched {
	char name[32];
	tkey *k;
	json_t *base;     /* what it first saw (lists), borrowed from a version */
	json_t *delta;    /* lists: what it appended */
	json_t *reg;      /* registers: what it wrote */
} touched;

static void tkey_free(void *p)
{
	tkey *k = p;

	for (size_t i = 0; i < k->n; i++)
		json_decref(k->v[i].val);
	free(k->v);
	free(k);
}

mem_txns *mem_txns_new(bool append)
{
	mem_txns *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->append = append;
	s->keys = dt_map_new();
	if (s->keys == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void mem_txns_free(mem_txns *s)
{
	if (s == NULL)
		return;
	dt_map_free(s->keys, tkey_free);
	free(s);
}

static tkey *key_get(mem_txns *s, const char *name)
{
	bool made;
	void **slot = dt_map_slot(s->keys, name, strlen(name), &made);

	if (slot == NULL)
		return NULL;
	if (made && (*slot = calloc(1, sizeof(tkey))) == NULL)
		dt_map_del(s->keys, name, strlen(name));
	return *slot;
}

/* The value of k as of ts (the latest at or before it), or NULL. */
static json_t *at(const tkey *k, uint64_t ts)
{
	for (size_t i = k->n; i-- > 0;)
		if (k->v[i].ts <= ts)
			return k->v[i].val;
	return NULL;
}

/* A new version of k at ts (one timestamp a commit: a snapshot never
 * sees half of one). */
static int publish(tkey *k, uint64_t ts, json_t *val)
{
	if (dt_grow(&k->v, &k->cap, k->n + 1, sizeof(version)) != 0) {
		json_decref(val);
		return -1;
	}
	k->v[k->n].ts = ts;
	k->v[k->n].val = val;
	k->n++;
	return 0;
}

/* base + delta as a new list */
static json_t *concat(const json_t *base, const json_t *delta)
{
	json_t *l = base ? json_copy((json_t *)base) : json_array();

	json_array_extend(l, (json_t *)delta);
	return l;
}

static void key_text(const json_t *k, char *out, size_t size)
{
	if (json_is_integer(k))
		snprintf(out, size, "%lld", (long long)json_integer_value(k));
	else
		snprintf(out, size, "%s", json_is_string(k) ? json_string_value(k) : "");
}

static bool read_only(const json_t *value)
{
	size_t i;
	json_t *m;

	json_array_foreach(value, i, m)
		if (strcmp(json_string_value(json_array_get(m, 0)), "r") != 0)
			return false;
	return true;
}

static touched *touch(touched *t, size_t *nt, mem_txns *s, const char *name,
		      uint64_t snap, bool snapshot)
{
	for (size_t i = 0; i < *nt; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	memset(&t[*nt], 0, sizeof(touched));
	snprintf(t[*nt].name, sizeof(t[*nt].name), "%s", name);
	t[*nt].k = key_get(s, name);
	if (t[*nt].k == NULL)
		return NULL;
	t[*nt].base = snapshot ? at(t[*nt].k, snap) : at(t[*nt].k, UINT64_MAX);
	return &t[(*nt)++];
}

/* Commit t's writes; SI: abort on a version newer than snap. */
static dt_op_type commit(mem_txns *s, touched *t, size_t nt, mem_txn_mode mode,
			 uint64_t snap, dt_reply *r, json_t **undo)
{
	uint64_t ts;

	if (mode == MEM_TXN_SNAPSHOT)
		for (size_t i = 0; i < nt; i++)
			if ((t[i].delta || t[i].reg) && t[i].k->n > 0 &&
			    t[i].k->v[t[i].k->n - 1].ts > snap)
				return dt_op_error(&r->error, DT_OP_FAIL, "write conflict "
						   "on key %s", t[i].name);
	if (mode == MEM_TXN_LOST_WRITE)
		return DT_OP_OK;
	ts = ++s->clock;
	for (size_t i = 0; i < nt; i++) {
		json_t *val, *latest = at(t[i].k, UINT64_MAX);

		if (t[i].reg)
			val = json_incref(t[i].reg);
		else if (t[i].delta)
			val = concat(mode == MEM_TXN_LOST_UPDATE ? t[i].base : latest,
				     t[i].delta);
		else
			continue;
		if (undo != NULL)
			json_array_append_new(*undo, json_pack("{ssO?}", "key",
				t[i].name, "before", latest));
		if (publish(t[i].k, ts, val) != 0)
			return dt_op_error(&r->error, DT_OP_FAIL, "out of memory");
	}
	return DT_OP_OK;
}

/* Dirty: the writes were visible; take them back (lists: the elements it
 * appended removed; registers: the value before). */
static void roll_back(mem_txns *s, json_t *undo, touched *t, size_t nt)
{
	size_t i;
	json_t *u;
	uint64_t ts = ++s->clock;

	json_array_foreach(undo, i, u) {
		const char *name = json_string_value(json_object_get(u, "key"));
		json_t *before = json_object_get(u, "before");
		tkey *k = key_get(s, name);
		json_t *now, *val;

		if (k == NULL)
			continue;
		now = at(k, UINT64_MAX);
		if (!s->append) {
			val = before ? json_incref(before) : json_null();
		} else {
			const json_t *delta = NULL;
			size_t j;
			json_t *e;

			for (size_t x = 0; x < nt; x++)
				if (strcmp(t[x].name, name) == 0)
					delta = t[x].delta;
			val = json_array();
			json_array_foreach(now, j, e) {
				bool mine = false;

				for (size_t q = 0; delta && q < json_array_size(delta); q++)
					if (json_equal(e, json_array_get(delta, q)))
						mine = true;
				if (!mine)
					json_array_append(val, e);
			}
		}
		publish(k, ts, val);
	}
}

/* Read committed: the write lock of x for txn me, waiting (lock released)
 * while another holds it.  false: it waited too long. */
static bool write_lock(touched *x, pthread_mutex_t *lock, uint64_t me)
{
	for (int i = 0; x->k->owner != 0 && x->k->owner != me; i++) {
		if (i == LOCK_TRIES)
			return false;
		pthread_mutex_unlock(lock);
		dt_sleep(LOCK_NAP);
		pthread_mutex_lock(lock);
	}
	x->k->owner = me;
	return true;
}

dt_op_type mem_txns_run(mem_txns *s, pthread_mutex_t *lock, mem_txn_mode mode,
			void (*pause)(void *arg), void *arg, dt_rng *rng,
			const json_t *value, dt_reply *r)
{
	size_t n = json_array_size(value), nt = 0, i;
	touched *t = calloc(n ? n : 1, sizeof(touched));
	bool whole = mode == MEM_TXN_SERIAL || mode == MEM_TXN_STALE ||
		     mode == MEM_TXN_LOST_WRITE || mode == MEM_TXN_DIRTY;
	bool snapshot = mode == MEM_TXN_SNAPSHOT || mode == MEM_TXN_STALE;
	json_t *out = json_array(), *undo = NULL;
	uint64_t snap, me;
	dt_op_type type = DT_OP_OK;

	if (t == NULL || !json_is_array(value)) {
		free(t);
		json_decref(out);
		return dt_op_error(&r->error, DT_OP_FAIL, "a txn is a list of micro-ops");
	}
	if (mode == MEM_TXN_STALE && !read_only(value))
		mode = MEM_TXN_SERIAL, snapshot = false;
	pthread_mutex_lock(lock);
	me = ++s->serial;
	snap = s->clock;
	if (mode == MEM_TXN_STALE)
		snap -= dt_rng_below(rng, snap < 10 ? snap + 1 : 10);
	for (i = 0; i < n; i++) {
		const json_t *m = json_array_get(value, i);
		const char *f = json_string_value(json_array_get(m, 0));
		json_t *kj = json_array_get(m, 1), *res;
		char name[32];
		touched *x;

		if (!whole && i > 0) {
			pthread_mutex_unlock(lock);
			if (pause)
				pause(arg);
			pthread_mutex_lock(lock);
		}
		key_text(kj, name, sizeof(name));
		x = f ? touch(t, &nt, s, name, snap, snapshot) : NULL;
		if (x == NULL) {
			type = dt_op_error(&r->error, DT_OP_FAIL, "bad micro-op %zu", i + 1);
			break;
		}
		if (strcmp(f, "r") == 0) {
			/* read committed: the latest commit, each time */
			const json_t *base = mode == MEM_TXN_READ_COMMITTED ?
				at(x->k, UINT64_MAX) : x->base;

			if (s->append)
				res = x->delta ? concat(base, x->delta) :
				      base ? json_incref((json_t *)base) : json_null();
			else
				res = x->reg ? json_incref(x->reg) :
				      base ? json_incref((json_t *)base) : json_null();
		} else if (strcmp(f, "r") != 0 && whole && x->k->owner != 0) {
			/* a read-committed txn holds it: never write under it */
			type = dt_op_error(&r->error, DT_OP_FAIL, "key %s is locked",
					   name);
			break;
		} else if (mode == MEM_TXN_READ_COMMITTED && strcmp(f, "r") != 0 &&
			   !write_lock(x, lock, me)) {
			type = dt_op_error(&r->error, DT_OP_FAIL, "lock wait timeout "
					   "on key %s", name);
			break;
		} else if (strcmp(f, "append") == 0 && s->append) {
			if (x->delta == NULL)
				x->delta = json_array();
			json_array_append(x->delta, json_array_get(m, 2));
			res = json_incref(json_array_get(m, 2));
		} else if (strcmp(f, "w") == 0 && !s->append) {
			json_decref(x->reg);
			x->reg = json_incref(json_array_get(m, 2));
			res = json_incref(x->reg);
		} else {
			type = dt_op_error(&r->error, DT_OP_FAIL, "unknown micro-op %s", f);
			break;
		}
		json_array_append_new(out, json_pack("[sOo]", f, kj, res));
	}
	if (type == DT_OP_OK) {
		if (mode == MEM_TXN_DIRTY)
			undo = json_array();
		type = commit(s, t, nt, mode, snap, r, undo ? &undo : NULL);
		if (mode == MEM_TXN_DIRTY && type == DT_OP_OK) {
			/* visible to others for a while, then aborted */
			pthread_mutex_unlock(lock);
			if (pause)
				pause(arg);
			pthread_mutex_lock(lock);
			roll_back(s, undo, t, nt);
			type = dt_op_error(&r->error, DT_OP_FAIL, "aborted (dirty-reads bug)");
		}
	}
	for (i = 0; i < nt; i++)
		if (t[i].k->owner == me)
			t[i].k->owner = 0;
	pthread_mutex_unlock(lock);
	for (i = 0; i < nt; i++) {
		json_decref(t[i].delta);
		json_decref(t[i].reg);
	}
	free(t);
	json_decref(undo);
	if (type == DT_OP_OK)
		r->value = out;
	else
		json_decref(out);
	return type;
}
