/*
 * append.c: what a list-append history reveals.  Every list read shows a
 * prefix of its key's order of versions, so the longest read of a key is
 * the longest known prefix of that order, and every other read must be a
 * prefix of it (else: incompatible-order).  From that order and the
 * writers of its elements (values are unique per key):
 *
 *   ww  T1 -> T2  T2 appended the element right after T1's
 *   wr  T1 -> T2  T2's read ends with an element T1 appended
 *   rw  T1 -> T2  T2 appended the element right after the end of T1's read
 *
 * A committed append no read shows must come after every element the
 * longest read shows: ww from that read's last writer, rw from each of
 * its readers.  Anomalies seen without a cycle: aborted reads (G1a),
 * intermediate reads (G1b), garbage and duplicate elements, internal
 * inconsistency, future reads, dirty updates and lost updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

struct iso_append {
	const iso_history *h;
	iso_writers w;
	uint32_t *vo;      /* per key: the mop of its longest read, or NONE */
	uint32_t *vo_len;
	uint32_t *vo_txn;  /* the txn of that read */
	int32_t *amin, *gmin, *dmin; /* first aborted, garbage, duplicate pos */
	iso_writers lost;  /* (key, version read) -> first txn to read then append */
};

#define NONE UINT32_MAX

static const int64_t *vo_at(const iso_append *a, uint32_t k)
{
	return a->h->pool + a->h->mops[a->vo[k]].off;
}

/* The writer of element e of key k, or NULL. */
static const iso_writer *writer(const iso_append *a, uint32_t k, int64_t e)
{
	return iso_writers_get(&a->w, k, e);
}

/* Is txn t a node of the graph (committed or maybe)? */
static bool node(const iso_history *h, uint32_t t)
{
	return h->txns[t].status != TXN_FAIL;
}

/* Is mop j of txn t its first on the key (a read of the state before)? */
static bool external(const iso_history *h, const iso_txn *t, uint32_t j)
{
	const iso_mop *m = &h->mops[t->mop + j];

	for (uint32_t i = 0; i < j; i++)
		if (h->mops[t->mop + i].key == m->key)
			return false;
	return true;
}

/* "[1 2 3]", long lists cut in the middle. */
static void list_text(dt_buf *b, const int64_t *v, uint32_t n)
{
	dt_buf_puts(b, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (n > 8 && i == 3) {
			dt_buf_printf(b, "... ");
			i = n - 3;
		}
		dt_buf_printf(b, "%s%lld", i ? " " : "", (long long)v[i]);
	}
	dt_buf_puts(b, "]");
}

static json_t *read_example(const iso_append *a, uint32_t t, uint32_t k,
			    const iso_mop *m, const char *what, int64_t e)
{
	dt_buf b = { 0 };
	json_t *ex;

	dt_buf_printf(&b, "T%lld read key %s = ", (long long)iso_txn_name(a->h, t),
		      a->h->keys[k]);
	list_text(&b, a->h->pool + m->off, m->len);
	dt_buf_printf(&b, ": %s %lld", what, (long long)e);
	ex = json_pack("{sss[o]}", "text", b.data ? (char *)b.data : "",
		       "transactions", iso_txn_json(a->h, t));
	dt_buf_free(&b);
	return ex;
}

static json_t *pair_example(const iso_append *a, uint32_t t1, uint32_t t2,
			    const char *text)
{
	return json_pack("{sss[oo]}", "text", text, "transactions",
			 iso_txn_json(a->h, t1), iso_txn_json(a->h, t2));
}

/* Writers of every append; the last append of a txn to a key is final. */
static int index_writers(iso_append *a, char *err)
{
	const iso_history *h = a->h;

	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			iso_writer *w;
			bool made, later = false;

			if (m->f != MOP_APPEND)
				continue;
			w = iso_writers_put(&a->w, m->key, m->value, &made);
			if (w == NULL)
				return dt_fail(err, "out of memory");
			if (!made)
				return dt_fail(err, "key %s: value %lld is appended by "
					"op %lld and op %lld: list-append needs the values "
					"appended to a key to be unique",
					h->keys[m->key], (long long)m->value,
					(long long)iso_txn_name(h, w->txn),
					(long long)iso_txn_name(h, t));
			w->txn = t;
			for (uint32_t i = j + 1; i < x->nmops; i++)
				if (h->mops[x->mop + i].f == MOP_APPEND &&
				    h->mops[x->mop + i].key == m->key)
					later = true;
			w->final = !later;
		}
	}
	return 0;
}

/* The longest read of each key, each other read checked against it. */
static int version_orders(iso_append *a, iso_report *r)
{
	const iso_history *h = a->h;

	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status != TXN_OK)
			continue;
		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];

			if (m->f == MOP_READ &&
			    (a->vo[m->key] == NONE || m->len > a->vo_len[m->key])) {
				a->vo[m->key] = x->mop + j;
				a->vo_len[m->key] = m->len;
				a->vo_txn[m->key] = t;
			}
		}
	}
	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status != TXN_OK)
			continue;
		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			dt_buf b = { 0 };
			uint32_t lt;

			if (m->f != MOP_READ || m->len == 0 ||
			    memcmp(h->pool + m->off, vo_at(a, m->key),
				   m->len * sizeof(int64_t)) == 0)
				continue;
			lt = a->vo_txn[m->key];
			dt_buf_printf(&b, "key %s: T%lld read ", h->keys[m->key],
				      (long long)iso_txn_name(h, t));
			list_text(&b, h->pool + m->off, m->len);
			dt_buf_printf(&b, " and T%lld read ", (long long)iso_txn_name(h, lt));
			list_text(&b, vo_at(a, m->key), a->vo_len[m->key]);
			dt_buf_puts(&b, ": neither is a prefix of the other");
			if (iso_report_add(r, "incompatible-order",
					   pair_example(a, t, lt, (char *)b.data)) != 0) {
				dt_buf_free(&b);
				return -1;
			}
			dt_buf_free(&b);
		}
	}
	return 0;
}

/* Each element of each key's order: its writer and position. */
static int positions(iso_append *a, iso_report *r)
{
	const iso_history *h = a->h;

	for (uint32_t k = 0; k < h->nkeys; k++) {
		a->amin[k] = a->gmin[k] = a->dmin[k] = -1;
		if (a->vo[k] == NONE)
			continue;
		for (uint32_t i = 0; i < a->vo_len[k]; i++) {
			int64_t e = vo_at(a, k)[i];
			iso_writer *w = iso_writers_get(&a->w, k, e);

			if (w == NULL) {
				if (a->gmin[k] < 0)
					a->gmin[k] = (int32_t)i;
				continue;
			}
			if (w->pos >= 0) {
				if (a->dmin[k] < 0)
					a->dmin[k] = (int32_t)i;
				continue;
			}
			w->pos = (int32_t)i;
			if (h->txns[w->txn].status == TXN_FAIL && a->amin[k] < 0)
				a->amin[k] = (int32_t)i;
			if (h->txns[w->txn].status != TXN_FAIL && a->amin[k] >= 0 &&
			    a->amin[k] < (int32_t)i) {
				char text[256];
				const iso_writer *ab = writer(a, k, vo_at(a, k)[a->amin[k]]);

				snprintf(text, sizeof(text), "key %s: T%lld appended %lld "
					 "after %lld, which T%lld appended and which "
					 "aborted", h->keys[k],
					 (long long)iso_txn_name(h, w->txn), (long long)e,
					 (long long)ab->value, (long long)iso_txn_name(h, ab->txn));
				if (iso_report_add(r, "dirty-update",
						   pair_example(a, w->txn, ab->txn, text)) != 0)
					return -1;
				a->amin[k] = INT32_MAX; /* once a key */
			}
		}
		if (a->amin[k] == INT32_MAX)
			a->amin[k] = -1;
		/* the first aborted element again, for the reads below */
		for (uint32_t i = 0; a->amin[k] < 0 && i < a->vo_len[k]; i++) {
			const iso_writer *w = writer(a, k, vo_at(a, k)[i]);

			if (w != NULL && h->txns[w->txn].status == TXN_FAIL)
				a->amin[k] = (int32_t)i;
		}
	}
	return 0;
}

/* A read's own consistency inside its transaction: after a read and
 * appends of the same key, the next read must show exactly them; after
 * appends alone, end with them. */
static bool internal_ok(const iso_history *h, const iso_txn *x, uint32_t j)
{
	const iso_mop *m = &h->mops[x->mop + j];
	const iso_mop *prev = NULL;
	int64_t app[64];
	uint32_t napp = 0;

	for (uint32_t i = 0; i < j; i++) {
		const iso_mop *p = &h->mops[x->mop + i];

		if (p->key != m->key)
			continue;
		if (p->f == MOP_READ) {
			prev = p;
			napp = 0;
		} else if (napp < 64) {
			app[napp++] = p->value;
		} else {
			return true; /* too long to say */
		}
	}
	if (prev != NULL) {
		if (m->len != prev->len + napp ||
		    memcmp(h->pool + m->off, h->pool + prev->off,
			   prev->len * sizeof(int64_t)) != 0)
			return false;
	} else if (m->len < napp) {
		return false;
	}
	return memcmp(h->pool + m->off + m->len - napp, app,
		      napp * sizeof(int64_t)) == 0;
}

/* A read that shows an element its own transaction appends later. */
static bool future_read(const iso_history *h, const iso_txn *x, uint32_t j,
			int64_t *e)
{
	const iso_mop *m = &h->mops[x->mop + j];

	for (uint32_t i = j + 1; i < x->nmops; i++) {
		const iso_mop *p = &h->mops[x->mop + i];

		if (p->f != MOP_APPEND || p->key != m->key)
			continue;
		for (uint32_t q = 0; q < m->len; q++)
			if (h->pool[m->off + q] == p->value) {
				*e = p->value;
				return true;
			}
	}
	return false;
}

static bool appends_after(const iso_history *h, const iso_txn *x, uint32_t j)
{
	for (uint32_t i = j + 1; i < x->nmops; i++)
		if (h->mops[x->mop + i].f == MOP_APPEND &&
		    h->mops[x->mop + i].key == h->mops[x->mop + j].key)
			return true;
	return false;
}

/* The version a read saw, as a number: its length and elements hashed
 * (FNV-1a), so that equal lists, and only they (up to 2^-64), meet. */
static int64_t version_id(const iso_history *h, const iso_mop *m)
{
	uint64_t x = 1469598103934665603ull ^ m->len;

	for (uint32_t i = 0; i < m->len; i++) {
		x ^= (uint64_t)h->pool[m->off + i];
		x *= 1099511628211ull;
	}
	return (int64_t)x;
}

static int lost_update(iso_append *a, iso_report *r, uint32_t t, const iso_mop *m)
{
	const iso_history *h = a->h;
	bool made;
	iso_writer *s = iso_writers_put(&a->lost, m->key, version_id(h, m), &made);
	dt_buf b = { 0 };
	int rc;

	if (s == NULL)
		return -1;
	if (made) {
		s->txn = t;
		return 0;
	}
	if (s->txn == t || s->pos >= 0)
		return 0;
	s->pos = 0; /* reported once a version */
	dt_buf_printf(&b, "key %s: T%lld and T%lld both read ", h->keys[m->key],
		      (long long)iso_txn_name(h, s->txn), (long long)iso_txn_name(h, t));
	list_text(&b, h->pool + m->off, m->len);
	dt_buf_puts(&b, " and both appended to it");
	rc = iso_report_add(r, "lost-update", pair_example(a, s->txn, t, (char *)b.data));
	dt_buf_free(&b);
	return rc;
}

typedef struct key_txn {
	uint32_t key, txn;
} key_txn;

static int cmp_key_txn(const void *p, const void *q)
{
	const key_txn *x = p, *y = q;

	return x->key != y->key ? (x->key < y->key ? -1 : 1) :
	       x->txn < y->txn ? -1 : x->txn > y->txn;
}

static int push_kt(key_txn **v, size_t *n, size_t *cap, uint32_t k, uint32_t t)
{
	if (dt_grow(v, cap, *n + 1, sizeof(key_txn)) != 0)
		return -1;
	(*v)[*n].key = k;
	(*v)[*n].txn = t;
	(*n)++;
	return 0;
}

/* Per read: the anomalies a read shows alone, and its wr and rw edges. */
static int reads(iso_append *a, iso_graph *g, iso_report *r, key_txn **full,
		 size_t *nfull)
{
	const iso_history *h = a->h;
	size_t cap = 0;

	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status != TXN_OK)
			continue;
		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			uint32_t k = m->key, n = m->len;
			const int64_t *L = h->pool + m->off;
			bool compatible, ext;
			const iso_writer *w;
			int64_t e;

			if (m->f != MOP_READ)
				continue;
			compatible = n == 0 ||
				memcmp(L, vo_at(a, k), n * sizeof(int64_t)) == 0;
			if (!internal_ok(h, x, j) &&
			    iso_report_add(r, "internal", read_example(a, t, k, m,
					   "which its own earlier micro-ops do not "
					   "explain; last element", n ? L[n - 1] : 0)) != 0)
				return -1;
			if (future_read(h, x, j, &e) &&
			    iso_report_add(r, "future-read", read_example(a, t, k, m,
					   "before it appended", e)) != 0)
				return -1;
			if (compatible && a->gmin[k] >= 0 && n > (uint32_t)a->gmin[k] &&
			    iso_report_add(r, "garbage-read", read_example(a, t, k, m,
					   "no transaction appended",
					   vo_at(a, k)[a->gmin[k]])) != 0)
				return -1;
			if (compatible && a->dmin[k] >= 0 && n > (uint32_t)a->dmin[k] &&
			    iso_report_add(r, "duplicate-appends", read_example(a, t, k, m,
					   "an element shown twice:",
					   vo_at(a, k)[a->dmin[k]])) != 0)
				return -1;
			if (compatible && a->amin[k] >= 0 && n > (uint32_t)a->amin[k]) {
				const iso_writer *ab = writer(a, k, vo_at(a, k)[a->amin[k]]);
				char what[96];

				snprintf(what, sizeof(what), "aborted T%lld appended",
					 (long long)iso_txn_name(h, ab->txn));
				if (iso_report_add(r, "G1a", read_example(a, t, k, m, what,
						   ab->value)) != 0)
					return -1;
			}
			ext = external(h, x, j);
			/* lost update: two read the same version (the same list,
			 * whether or not it fits the longest) and both append */
			if (ext && appends_after(h, x, j) && lost_update(a, r, t, m) != 0)
				return -1;
			if (!ext || !compatible)
				continue;
			w = n ? writer(a, k, L[n - 1]) : NULL;
			if (w != NULL && w->txn != t && !w->final &&
			    node(h, w->txn)) {
				char what[96];

				snprintf(what, sizeof(what), "an intermediate state of "
					 "T%lld, which appended more after",
					 (long long)iso_txn_name(h, w->txn));
				if (iso_report_add(r, "G1b", read_example(a, t, k, m, what,
						   L[n - 1])) != 0)
					return -1;
			}
			/* wr: the writer of the last element it saw */
			if (w != NULL && node(h, w->txn) &&
			    iso_graph_add(g, w->txn, t, E_WR) != 0)
				return -1;
			/* rw: the writer of the next element */
			if (a->vo[k] != NONE && n < a->vo_len[k]) {
				const iso_writer *nx = writer(a, k, vo_at(a, k)[n]);

				if (nx != NULL && node(h, nx->txn) &&
				    iso_graph_add(g, t, nx->txn, E_RW) != 0)
					return -1;
			} else if (push_kt(full, nfull, &cap, k, t) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* ww along each order; appends no read shows come after the longest. */
static int writes(iso_append *a, iso_graph *g, key_txn *full, size_t nfull)
{
	const iso_history *h = a->h;
	key_txn *un = NULL;
	size_t nun = 0, cap = 0, fi = 0;
	int rc = -1;

	for (uint32_t k = 0; k < h->nkeys; k++) {
		const iso_writer *prev = NULL;

		if (a->vo[k] == NONE)
			continue;
		for (uint32_t i = 0; i < a->vo_len[k]; i++) {
			const iso_writer *w = writer(a, k, vo_at(a, k)[i]);

			if (w == NULL || !node(h, w->txn) || w->pos != (int32_t)i)
				continue;
			if (prev != NULL && prev->txn != w->txn &&
			    iso_graph_add(g, prev->txn, w->txn, E_WW) != 0)
				goto out;
			prev = w;
		}
	}
	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status != TXN_OK)
			continue;
		for (uint32_t j = 0; j < x->nmops; j++) {
			const iso_mop *m = &h->mops[x->mop + j];
			const iso_writer *w;

			if (m->f != MOP_APPEND || a->vo[m->key] == NONE)
				continue;
			w = writer(a, m->key, m->value);
			if (w->pos < 0 && w->final &&
			    push_kt(&un, &nun, &cap, m->key, t) != 0)
				goto out;
		}
	}
	qsort(un, nun, sizeof(key_txn), cmp_key_txn);
	qsort(full, nfull, sizeof(key_txn), cmp_key_txn);
	for (size_t u = 0; u < nun; u++) {
		uint32_t k = un[u].key;
		const iso_writer *last = NULL;

		for (uint32_t i = a->vo_len[k]; i-- > 0 && last == NULL;) {
			last = writer(a, k, vo_at(a, k)[i]);
			if (last != NULL && !node(h, last->txn))
				last = NULL;
		}
		if (last != NULL && iso_graph_add(g, last->txn, un[u].txn, E_WW) != 0)
			goto out;
		while (fi < nfull && full[fi].key < k)
			fi++;
		for (size_t f = fi; f < nfull && full[f].key == k; f++)
			if (iso_graph_add(g, full[f].txn, un[u].txn, E_RW) != 0)
				goto out;
	}
	rc = 0;
out:
	free(un);
	return rc;
}

iso_append *iso_append_infer(const iso_history *h, iso_graph *g, iso_report *r,
			     char *err)
{
	iso_append *a = calloc(1, sizeof(*a));
	key_txn *full = NULL;
	size_t nfull = 0, nk = h->nkeys ? h->nkeys : 1;

	if (a == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	a->h = h;
	a->vo = malloc(nk * sizeof(uint32_t));
	a->vo_len = calloc(nk, sizeof(uint32_t));
	a->vo_txn = calloc(nk, sizeof(uint32_t));
	a->amin = malloc(nk * sizeof(int32_t));
	a->gmin = malloc(nk * sizeof(int32_t));
	a->dmin = malloc(nk * sizeof(int32_t));
	if (a->vo == NULL || a->vo_len == NULL || a->vo_txn == NULL || a->amin == NULL ||
	    a->gmin == NULL || a->dmin == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	memset(a->vo, 0xff, nk * sizeof(uint32_t));
	if (index_writers(a, err) != 0)
		goto fail;
	if (version_orders(a, r) != 0 || positions(a, r) != 0 ||
	    reads(a, g, r, &full, &nfull) != 0 || writes(a, g, full, nfull) != 0) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	free(full);
	return a;
fail:
	free(full);
	iso_append_free(a);
	return NULL;
}

/* ---- explanations ---------------------------------------------------------- */

static char *explain_ww(const iso_append *a, uint32_t from, uint32_t to)
{
	const iso_history *h = a->h;
	const iso_txn *x = &h->txns[from];

	for (uint32_t j = 0; j < x->nmops; j++) {
		const iso_mop *m = &h->mops[x->mop + j];
		const iso_writer *w;
		uint32_t k = m->key, q;

		if (m->f != MOP_APPEND || a->vo[k] == NONE)
			continue;
		w = writer(a, k, m->value);
		if (w->pos >= 0) {
			for (q = (uint32_t)w->pos + 1; q < a->vo_len[k]; q++) {
				const iso_writer *n = writer(a, k, vo_at(a, k)[q]);

				if (n == NULL || n->txn != from)
					break;
			}
			if (q < a->vo_len[k]) {
				const iso_writer *n = writer(a, k, vo_at(a, k)[q]);

				if (n != NULL && n->txn == to)
					return dt_strdupf("T%lld appended %lld to key %s "
						"and T%lld appended %lld after it",
						(long long)iso_txn_name(h, from),
						(long long)vo_at(a, k)[q - 1], h->keys[k],
						(long long)iso_txn_name(h, to),
						(long long)vo_at(a, k)[q]);
			}
		}
	}
	/* to's append that no read shows, after from's last element */
	x = &h->txns[to];
	for (uint32_t j = 0; j < x->nmops; j++) {
		const iso_mop *m = &h->mops[x->mop + j];
		uint32_t k = m->key;
		const iso_writer *w, *last;

		if (m->f != MOP_APPEND || a->vo[k] == NONE || a->vo_len[k] == 0)
			continue;
		w = writer(a, k, m->value);
		last = writer(a, k, vo_at(a, k)[a->vo_len[k] - 1]);
		if (w->pos < 0 && last != NULL && last->txn == from)
			return dt_strdupf("T%lld appended %lld to key %s, the last "
				"element any read shows, and T%lld appended %lld, "
				"which no read shows, so after it",
				(long long)iso_txn_name(h, from), (long long)last->value,
				h->keys[k], (long long)iso_txn_name(h, to),
				(long long)m->value);
	}
	return NULL;
}

static char *explain_read(const iso_append *a, uint32_t from, uint32_t to,
			  bool wr)
{
	const iso_history *h = a->h;
	uint32_t reader = wr ? to : from, other = wr ? from : to;
	const iso_txn *x = &h->txns[reader];

	for (uint32_t j = 0; j < x->nmops; j++) {
		const iso_mop *m = &h->mops[x->mop + j];
		uint32_t k = m->key, n = m->len;
		const int64_t *L = h->pool + m->off;
		const iso_writer *w = NULL;
		dt_buf b = { 0 };

		if (m->f != MOP_READ || !external(h, x, j))
			continue;
		if (wr) {
			w = n ? writer(a, k, L[n - 1]) : NULL;
		} else if (a->vo[k] != NONE && n < a->vo_len[k]) {
			w = writer(a, k, vo_at(a, k)[n]);
		} else {
			/* an append of other's to k that no read shows */
			const iso_txn *y = &h->txns[other];

			for (uint32_t i = 0; i < y->nmops && w == NULL; i++) {
				const iso_mop *p = &h->mops[y->mop + i];
				const iso_writer *pw;

				if (p->f != MOP_APPEND || p->key != k)
					continue;
				pw = writer(a, k, p->value);
				if (pw->pos < 0)
					w = pw;
			}
			if (w == NULL)
				continue;
			dt_buf_printf(&b, "T%lld read key %s = ",
				      (long long)iso_txn_name(h, reader), h->keys[k]);
			list_text(&b, L, n);
			dt_buf_printf(&b, ", all any read shows, and T%lld appended "
				      "%lld, which no read shows, so after it",
				      (long long)iso_txn_name(h, other), (long long)w->value);
			return dt_buf_take(&b);
		}
		if (w == NULL || w->txn != other)
			continue;
		dt_buf_printf(&b, "T%lld read key %s = ",
			      (long long)iso_txn_name(h, reader), h->keys[k]);
		list_text(&b, L, n);
		if (wr)
			dt_buf_printf(&b, " and T%lld appended its last element, %lld",
				      (long long)iso_txn_name(h, other),
				      (long long)L[n - 1]);
		else if (n == 0)
			dt_buf_printf(&b, " and T%lld appended %lld, the first element",
				      (long long)iso_txn_name(h, other), (long long)w->value);
		else
			dt_buf_printf(&b, " and T%lld appended %lld after %lld",
				      (long long)iso_txn_name(h, other), (long long)w->value,
				      (long long)L[n - 1]);
		return dt_buf_take(&b);
	}
	return NULL;
}

char *iso_append_explain(const iso_append *a, uint32_t from, uint32_t to,
			 uint8_t type)
{
	if (type == E_WW)
		return explain_ww(a, from, to);
	return explain_read(a, from, to, type == E_WR);
}

void iso_append_free(iso_append *a)
{
	if (a == NULL)
		return;
	iso_writers_free(&a->w);
	iso_writers_free(&a->lost);
	free(a->vo);
	free(a->vo_len);
	free(a->vo_txn);
	free(a->amin);
	free(a->gmin);
	free(a->dmin);
	free(a);
}
