/*
 * register.c: what an rw-register history reveals.  Values written to a
 * key are unique, so a read names its writer (wr).  The order of a key's
 * versions is known where a history shows it:
 *
 *   - the initial state (null) comes before every version;
 *   - a transaction that read version A of a key (or null) and then wrote
 *     B to it puts A right before B (a later write of the same
 *     transaction after its earlier one).
 *
 * From those: ww from A's writer to B's, and rw from each reader of A to
 * B's writer (from each reader of null to every writer of the key).  A
 * cycle among versions is cyclic-versions.  Also found: aborted (G1a),
 * intermediate (G1b), garbage and future reads, internal inconsistency,
 * and lost updates (two transactions that read the same version of a key
 * and both wrote it).
 *
 * Not inferred: the order of two writes no transaction read between
 * (blind writes).  Where the model is strict serializable, real-time
 * edges still order their transactions in the graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

typedef struct vedge {
	uint32_t key;
	uint8_t init;     /* from the initial state */
	int64_t from, to;
} vedge;

struct iso_register {
	const iso_history *h;
	iso_writers w;
	vedge *ve;        /* sorted by (key, init, from) */
	size_t nve, cap;
	iso_writers lost;
	uint32_t *kw_start, *kw;  /* per key: its committed writers */
};

static int cmp_vedge(const void *p, const void *q)
{
	const vedge *x = p, *y = q;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->init != y->init)
		return x->init > y->init ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/* The first version edge out of (key, init, from), or NULL. */
static const vedge *succ(const iso_register *a, uint32_t key, bool init, int64_t from)
{
	size_t lo = 0, hi = a->nve;
	vedge probe = { key, init, init ? 0 : from, INT64_MIN };

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_vedge(&a->ve[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < a->nve && a->ve[lo].key == key && a->ve[lo].init == init &&
	    (init || a->ve[lo].from == from))
		return &a->ve[lo];
	return NULL;
}

static bool node(const iso_history *h, uint32_t t)
{
	return h->txns[t].status != TXN_FAIL;
}

static json_t *one(const iso_register *a, uint32_t t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_t *one(const iso_register *a, uint32_t t, const char *fmt, ...)
{
	va_list ap;
	dt_buf b = { 0 };
	json_t *ex;

	va_start(ap, fmt);
	dt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ex = json_pack("{sss[o]}", "text", b.data ? (char *)b.data : "",
		       "transactions", iso_txn_json(a->h, t));
	dt_buf_free(&b);
	return ex;
}

static int index_writers(iso_register *a, char *err)
{
	const iso_history *h = a->h;

	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			iso_writer *w;
			bool made, later = false;

			if (m->f != MOP_WRITE)
				continue;
			w = iso_writers_put(&a->w, m->key, m->value, &made);
			if (w == NULL)
				return dt_fail(err, "out of memory");
			if (!made)
				return dt_fail(err, "key %s: value %lld is written by op "
					"%lld and op %lld: rw-register needs the values "
					"written to a key to be unique", h->keys[m->key],
					(long long)m->value, (long long)iso_txn_name(h, w->txn),
					(long long)iso_txn_name(h, t));
			w->txn = t;
			for (uint32_t i = j + 1; i < x->nmops; i++)
				if (h->mops[x->mop + i].f == MOP_WRITE &&
				    h->mops[x->mop + i].key == m->key)
					later = true;
			w->final = !later;
		}
	}
	return 0;
}

static int add_vedge(iso_register *a, uint32_t key, bool init, int64_t from, int64_t to)
{
	if (dt_grow(&a->ve, &a->cap, a->nve + 1, sizeof(vedge)) != 0)
		return -1;
	a->ve[a->nve++] = (vedge){ key, init, init ? 0 : from, to };
	return 0;
}

/* Version edges, and the anomalies of single reads. */
static int reads(iso_register *a, iso_report *r)
{
	const iso_history *h = a->h;

	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			const iso_mop *prev = NULL;
			long long name = (long long)iso_txn_name(h, t);
			const char *k = h->keys[m->key];

			for (uint32_t i = 0; i < j; i++)
				if (h->mops[x->mop + i].key == m->key)
					prev = &h->mops[x->mop + i];
			if (m->f == MOP_WRITE) {
				/* a version after what the txn saw or wrote before */
				if (x->status == TXN_FAIL)
					continue;
				if (prev == NULL)
					continue;
				if (prev->f == MOP_READ && x->status != TXN_OK)
					continue;
				if (add_vedge(a, m->key, prev->null, prev->value, m->value) != 0)
					return -1;
				if (prev->f == MOP_READ) {
					bool made;
					iso_writer *s = iso_writers_put(&a->lost,
						m->key, prev->null ? INT64_MIN : prev->value, &made);

					if (s == NULL)
						return -1;
					if (made) {
						s->txn = t;
					} else if (s->txn != t && s->pos < 0) {
						s->pos = 0;
						if (iso_report_add(r, "lost-update", json_pack(
							"{sss[oo]}", "text", "two transactions "
							"read the same version of a key and both "
							"wrote it", "transactions",
							iso_txn_json(h, s->txn), iso_txn_json(h, t))) != 0)
							return -1;
					}
				}
				continue;
			}
			if (x->status != TXN_OK)
				continue;
			if (prev != NULL) {
				/* internal: a read after its own write or read */
				if (prev->null != m->null ||
				    (!m->null && prev->value != m->value)) {
					if (iso_report_add(r, "internal", one(a, t,
						"T%lld read key %s = %s%lld after its own %s "
						"of %lld", name, k, m->null ? "null " : "",
						m->null ? 0LL : (long long)m->value,
						prev->f == MOP_WRITE ? "write" : "read",
						(long long)prev->value)) != 0)
						return -1;
				}
				continue;
			}
			if (!m->null) {
				const iso_writer *w = iso_writers_get(&a->w, m->key, m->value);
				const char *what = NULL;

				if (w == NULL)
					what = "garbage-read";
				else if (w->txn == t)
					what = "future-read";
				else if (h->txns[w->txn].status == TXN_FAIL)
					what = "G1a";
				else if (!w->final)
					what = "G1b";
				if (what != NULL && iso_report_add(r, what, one(a, t,
					"T%lld read key %s = %lld%s%lld%s", name, k,
					(long long)m->value, w ? ", which T" : ", which no "
					"transaction wrote", w ? (long long)iso_txn_name(h, w->txn) : 0LL,
					w == NULL ? "" : w->txn == t ? " (itself) writes later" :
					h->txns[w->txn].status == TXN_FAIL ? " wrote and aborted" :
					" wrote and then overwrote")) != 0)
					return -1;
			}
		}
	}
	qsort(a->ve, a->nve, sizeof(vedge), cmp_vedge);
	return 0;
}

/* Committed writers of each key, for the readers of null. */
static int key_writers(iso_register *a)
{
	const iso_history *h = a->h;
	size_t nk = h->nkeys;
	uint32_t *fill;

	a->kw_start = calloc(nk + 1, sizeof(uint32_t));
	fill = calloc(nk + 1, sizeof(uint32_t));
	if (a->kw_start == NULL || fill == NULL) {
		free(fill);
		return -1;
	}
	for (uint32_t t = 0; t < h->ntxns; t++)
		for (uint32_t j = 0; node(h, t) && j < h->txns[t].nmops; j++)
			if (h->mops[h->txns[t].mop + j].f == MOP_WRITE)
				a->kw_start[h->mops[h->txns[t].mop + j].key + 1]++;
	for (size_t k = 0; k < nk; k++)
		a->kw_start[k + 1] += a->kw_start[k];
	a->kw = malloc((a->kw_start[nk] + 1) * sizeof(uint32_t));
	if (a->kw == NULL) {
		free(fill);
		return -1;
	}
	memcpy(fill, a->kw_start, (nk + 1) * sizeof(uint32_t));
	for (uint32_t t = 0; t < h->ntxns; t++)
		for (uint32_t j = 0; node(h, t) && j < h->txns[t].nmops; j++)
			if (h->mops[h->txns[t].mop + j].f == MOP_WRITE)
				a->kw[fill[h->mops[h->txns[t].mop + j].key]++] = t;
	free(fill);
	return 0;
}

static int edges(iso_register *a, iso_graph *g)
{
	const iso_history *h = a->h;

	for (size_t i = 0; i < a->nve; i++) {
		const vedge *e = &a->ve[i];
		const iso_writer *w1 = e->init ? NULL : iso_writers_get(&a->w, e->key, e->from);
		const iso_writer *w2 = iso_writers_get(&a->w, e->key, e->to);

		if (w1 != NULL && w2 != NULL && node(h, w1->txn) && node(h, w2->txn) &&
		    iso_graph_add(g, w1->txn, w2->txn, E_WW) != 0)
			return -1;
	}
	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status != TXN_OK)
			continue;
		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			bool ext = true;

			if (m->f != MOP_READ)
				continue;
			for (uint32_t i = 0; i < j; i++)
				if (h->mops[x->mop + i].key == m->key)
					ext = false;
			if (!ext)
				continue;
			if (m->null) {
				for (uint32_t i = a->kw_start[m->key]; i < a->kw_start[m->key + 1]; i++)
					if (iso_graph_add(g, t, a->kw[i], E_RW) != 0)
						return -1;
				continue;
			}
			{
				const iso_writer *w = iso_writers_get(&a->w, m->key, m->value);
				const vedge *e;

				if (w != NULL && node(h, w->txn) &&
				    iso_graph_add(g, w->txn, t, E_WR) != 0)
					return -1;
				for (e = succ(a, m->key, false, m->value);
				     e != NULL && e < a->ve + a->nve && e->key == m->key &&
				     !e->init && e->from == m->value; e++) {
					const iso_writer *w2 = iso_writers_get(&a->w, m->key, e->to);

					if (w2 != NULL && node(h, w2->txn) &&
					    iso_graph_add(g, t, w2->txn, E_RW) != 0)
						return -1;
				}
			}
		}
	}
	return 0;
}

/* Cycles among versions: Kahn's algorithm over the version edges. */
static int cyclic_versions(iso_register *a, iso_report *r)
{
	size_t nv = a->w.cap;
	uint32_t *indeg = calloc(nv + 1, sizeof(uint32_t));
	uint32_t *queue = malloc((nv + 1) * sizeof(uint32_t));
	size_t head = 0, tail = 0, left = 0;
	int rc = -1;

	if (indeg == NULL || queue == NULL)
		goto out;
	for (size_t i = 0; i < a->nve; i++) {
		const iso_writer *w = iso_writers_get(&a->w, a->ve[i].key, a->ve[i].to);

		if (!a->ve[i].init && w != NULL)
			indeg[w - a->w.slots]++;
	}
	for (size_t i = 0; i < nv; i++)
		if (a->w.slots[i].hkey != 0) {
			left++;
			if (indeg[i] == 0)
				queue[tail++] = (uint32_t)i;
		}
	while (head < tail) {
		const iso_writer *w = &a->w.slots[queue[head++]];
		const vedge *e;

		left--;
		for (e = succ(a, w->key, false, w->value);
		     e != NULL && e < a->ve + a->nve && e->key == w->key && !e->init &&
		     e->from == w->value; e++) {
			const iso_writer *w2 = iso_writers_get(&a->w, e->key, e->to);

			if (w2 != NULL && --indeg[w2 - a->w.slots] == 0)
				queue[tail++] = (uint32_t)(w2 - a->w.slots);
		}
	}
	if (left > 0) {
		/* one example: a version left over, and its key */
		for (size_t i = 0; i < nv; i++)
			if (a->w.slots[i].hkey != 0 && indeg[i] > 0) {
				const iso_writer *w = &a->w.slots[i];

				if (iso_report_add(r, "cyclic-versions", one(a, w->txn,
					"key %s: the versions read and then overwritten "
					"form a cycle through %lld (%zu versions in cycles "
					"or after one)", a->h->keys[w->key],
					(long long)w->value, left)) != 0)
					goto out;
				break;
			}
	}
	rc = 0;
out:
	free(indeg);
	free(queue);
	return rc;
}

iso_register *iso_register_infer(const iso_history *h, iso_graph *g,
				 iso_report *r, char *err)
{
	iso_register *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	a->h = h;
	if (index_writers(a, err) != 0)
		goto fail;
	if (reads(a, r) != 0 || key_writers(a) != 0 || edges(a, g) != 0 ||
	    cyclic_versions(a, r) != 0) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return a;
fail:
	iso_register_free(a);
	return NULL;
}

char *iso_register_explain(const iso_register *a, uint32_t from, uint32_t to,
			   uint8_t type)
{
	const iso_history *h = a->h;
	uint32_t reader = type == E_WR ? to : from;
	const iso_txn *x = &h->txns[type == E_WW ? to : reader];

	for (uint32_t j = 0; j < x->nmops; j++) {
		const iso_mop *m = &h->mops[x->mop + j];
		const char *k = h->keys[m->key];

		if (type == E_WW && m->f == MOP_WRITE) {
			/* to read (or wrote) from's version, then wrote */
			for (uint32_t i = j; i-- > 0;) {
				const iso_mop *p = &h->mops[x->mop + i];
				const iso_writer *w;

				if (p->key != m->key)
					continue;
				w = p->null ? NULL : iso_writers_get(&a->w, p->key, p->value);
				if (w != NULL && w->txn == from)
					return dt_strdupf("T%lld wrote key %s = %lld, and T%lld "
						"read it and then wrote %lld",
						(long long)iso_txn_name(h, from), k,
						(long long)p->value, (long long)iso_txn_name(h, to),
						(long long)m->value);
				break;
			}
			continue;
		}
		if (m->f != MOP_READ || type == E_WW)
			continue;
		if (type == E_WR) {
			const iso_writer *w = m->null ? NULL :
				iso_writers_get(&a->w, m->key, m->value);

			if (w != NULL && w->txn == from)
				return dt_strdupf("T%lld read key %s = %lld, which T%lld "
					"wrote", (long long)iso_txn_name(h, to), k,
					(long long)m->value, (long long)iso_txn_name(h, from));
			continue;
		}
		/* rw: from read a version; to wrote the next */
		if (m->null) {
			const iso_txn *y = &h->txns[to];

			for (uint32_t i = 0; i < y->nmops; i++)
				if (h->mops[y->mop + i].f == MOP_WRITE &&
				    h->mops[y->mop + i].key == m->key)
					return dt_strdupf("T%lld read key %s = null (never "
						"written) and T%lld wrote %lld to it",
						(long long)iso_txn_name(h, from), k,
						(long long)iso_txn_name(h, to),
						(long long)h->mops[y->mop + i].value);
			continue;
		}
		for (const vedge *e = succ(a, m->key, false, m->value);
		     e != NULL && e < a->ve + a->nve && e->key == m->key && !e->init &&
		     e->from == m->value; e++) {
			const iso_writer *w2 = iso_writers_get(&a->w, m->key, e->to);

			if (w2 != NULL && w2->txn == to)
				return dt_strdupf("T%lld read key %s = %lld and T%lld "
					"overwrote %lld with %lld",
					(long long)iso_txn_name(h, from), k,
					(long long)m->value, (long long)iso_txn_name(h, to),
					(long long)m->value, (long long)e->to);
		}
	}
	return NULL;
}

void iso_register_free(iso_register *a)
{
	if (a == NULL)
		return;
	iso_writers_free(&a->w);
	iso_writers_free(&a->lost);
	free(a->ve);
	free(a->kw_start);
	free(a->kw);
	free(a);
}
