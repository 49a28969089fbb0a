/*
 * search.c: cycles in the dependency graph, by anomaly type, without
 * giving up.  Every cycle lies inside one strongly connected component
 * (SCC) of the whole graph, so the graph is first split into SCCs
 * (Tarjan's algorithm, iterative); each SCC of two or more transactions
 * is then searched once for every type, with only the edges that type
 * allows, each time deciding exactly whether such a cycle exists:
 *
 *   G0             ww edges only: a non-trivial SCC of the ww subgraph
 *   G1c            ww and wr, at least one wr: a wr edge inside an SCC
 *                  of the ww+wr subgraph
 *   G-single       exactly one rw: an rw edge u -> v with v reaching u
 *                  over ww+wr (reachability between the SCCs of ww+wr,
 *                  as bit sets when they are at most 16384, else one
 *                  search per rw edge)
 *   G-nonadjacent  rw edges, no two adjacent (Cerone and Gotsman's SI
 *                  condition): an rw edge inside an SCC of the graph of
 *                  (transaction, came-by-rw) pairs in which an rw edge
 *                  may only follow a non-rw one
 *   G2-item        any rw edge inside an SCC of the whole subgraph, when
 *                  neither of the two above exists there
 *
 * then once more with process edges added (the -process variants) and
 * with real-time edges (-realtime), in the SCCs where the type was not
 * already found without them: a cycle found then needs those edges.
 *
 * Each type's example is a closing edge plus the shortest path back
 * (breadth-first): the shortest cycle through that edge, the shortest
 * over the first CANDIDATES closing edges found.  The count is that of
 * the sub-SCCs (G0, G1c, G2-item) or closing rw edges (G-single,
 * G-nonadjacent) that have one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

#define CANDIDATES 16
#define BITSET_MAX 16384
#define NONE UINT32_MAX

typedef struct frame {
	uint32_t p;
	uint64_t slot, end;
} frame;

typedef struct sc {
	const iso_graph *g;
	const iso_history *h;
	iso_explain_fn explain;
	const void *ctx;
	iso_report *r;
	const dt_deadline *deadline;
	size_t n;
	uint32_t *scope;        /* n: the outer SCC of each transaction */
	uint32_t *comp, *idx, *low, *stk, *par, *seen, *queue, *size;
	uint8_t *on;
	frame *call;
	uint32_t epoch;
} sc;

static const uint8_t levels[3] = { 0, E_PROC, E_PROC | E_RT };
static const char *const suffix[3] = { "", "-process", "-realtime" };

/* ---- edges of the plain and the product graph ---------------------------- */

static uint64_t slot_begin(const sc *c, uint32_t p, bool product)
{
	return product ? 2 * c->g->start[p >> 1] : c->g->start[p];
}

static uint64_t slot_end(const sc *c, uint32_t p, bool product)
{
	return product ? 2 * c->g->start[(p >> 1) + 1] : c->g->start[p + 1];
}

/* The target of edge slot of p, if the mask (the non-rw types; in the
 * plain graph, all allowed types) lets it through and it stays in scope s. */
static bool target(const sc *c, uint32_t p, uint64_t slot, uint8_t mask,
		   bool product, uint32_t s, uint32_t *q)
{
	uint64_t j = product ? slot >> 1 : slot;
	uint32_t d = c->g->dst[j];
	uint8_t t = c->g->type[j];

	if (c->scope[d] != s)
		return false;
	if (!product) {
		*q = d;
		return (t & mask) != 0;
	}
	if ((slot & 1) == 0) {
		*q = d << 1;
		return (t & mask) != 0;
	}
	*q = d << 1 | 1;
	return (p & 1) == 0 && (t & E_RW) != 0;
}

/* ---- Tarjan ------------------------------------------------------------------ */

/* SCCs among nodes[] (each in both states when product), scope s, into
 * comp[]; numbered so that every edge between two goes from a higher
 * number to a lower one (reverse topological).  Returns their count. */
static uint32_t tarjan(sc *c, const uint32_t *nodes, size_t nn, uint32_t s,
		       uint8_t mask, bool product)
{
	uint32_t next = 1, ncomp = 0, sp = 0;
	size_t states = product ? 2 : 1;

	for (size_t i = 0; i < nn; i++)
		for (size_t k = 0; k < states; k++) {
			uint32_t p = product ? nodes[i] << 1 | (uint32_t)k : nodes[i];

			c->idx[p] = 0;
			c->on[p] = 0;
		}
	for (size_t i = 0; i < nn * states; i++) {
		uint32_t root = product ? nodes[i >> 1] << 1 | (uint32_t)(i & 1) : nodes[i];
		size_t depth = 0;

		if (c->idx[root] != 0)
			continue;
		c->call[depth++] = (frame){ root, slot_begin(c, root, product),
					     slot_end(c, root, product) };
		c->idx[root] = c->low[root] = next++;
		c->stk[sp++] = root;
		c->on[root] = 1;
		while (depth > 0) {
			frame *f = &c->call[depth - 1];
			uint32_t q;

			if (f->slot < f->end) {
				uint64_t slot = f->slot++;

				if (!target(c, f->p, slot, mask, product, s, &q))
					continue;
				if (c->idx[q] == 0) {
					c->idx[q] = c->low[q] = next++;
					c->stk[sp++] = q;
					c->on[q] = 1;
					c->call[depth++] = (frame){ q, slot_begin(c, q, product),
								     slot_end(c, q, product) };
				} else if (c->on[q] && c->idx[q] < c->low[f->p]) {
					c->low[f->p] = c->idx[q];
				}
				continue;
			}
			/* f->p is done */
			q = f->p;
			depth--;
			if (depth > 0 && c->low[q] < c->low[c->call[depth - 1].p])
				c->low[c->call[depth - 1].p] = c->low[q];
			if (c->low[q] == c->idx[q]) {
				uint32_t x, sz = 0;

				do {
					x = c->stk[--sp];
					c->on[x] = 0;
					c->comp[x] = ncomp;
					sz++;
				} while (x != q);
				c->size[ncomp] = sz;
				ncomp++;
			}
		}
	}
	return ncomp;
}

/* ---- shortest paths --------------------------------------------------------- */

/* The shortest path from a to b (product or plain) in scope s: its nodes
 * a .. b into path (at most max), their count, or 0 when there is none. */
static size_t bfs(sc *c, uint32_t a, uint32_t b, uint8_t mask, bool product,
		  uint32_t s, uint32_t *path, size_t max)
{
	size_t head = 0, tail = 0, n = 0;

	if (++c->epoch == 0) {
		memset(c->seen, 0, 2 * c->n * sizeof(uint32_t));
		c->epoch = 1;
	}
	c->seen[a] = c->epoch;
	c->par[a] = NONE;
	c->queue[tail++] = a;
	while (head < tail) {
		uint32_t p = c->queue[head++];

		if (p == b)
			break;
		for (uint64_t sl = slot_begin(c, p, product); sl < slot_end(c, p, product); sl++) {
			uint32_t q;

			if (!target(c, p, sl, mask, product, s, &q) || c->seen[q] == c->epoch)
				continue;
			c->seen[q] = c->epoch;
			c->par[q] = p;
			c->queue[tail++] = q;
		}
	}
	if (c->seen[b] != c->epoch)
		return 0;
	for (uint32_t p = b; p != NONE; p = c->par[p])
		n++;
	if (n > max || path == NULL)
		return n;
	for (uint32_t p = b, i = (uint32_t)n; p != NONE; p = c->par[p])
		path[--i] = p;
	return n;
}

/* ---- examples ------------------------------------------------------------------ */

static const char *type_name(uint8_t t)
{
	return t == E_WW ? "ww" : t == E_WR ? "wr" : t == E_RW ? "rw" :
	       t == E_PROC ? "process" : "realtime";
}

/* The one type to show for an edge of types t, of those allowed. */
static uint8_t pick(uint8_t t, uint8_t allowed)
{
	static const uint8_t pref[] = { E_WW, E_WR, E_PROC, E_RT, E_RW };

	for (size_t i = 0; i < sizeof(pref); i++)
		if (t & allowed & pref[i])
			return pref[i];
	return 0;
}

static char *step_text(sc *c, uint32_t a, uint32_t b, uint8_t t)
{
	const iso_txn *x = &c->h->txns[a], *y = &c->h->txns[b];

	if (t == E_PROC)
		return dt_strdupf("process %lld ran T%lld, then T%lld",
				  (long long)x->process, (long long)iso_txn_name(c->h, a),
				  (long long)iso_txn_name(c->h, b));
	if (t == E_RT)
		return dt_strdupf("T%lld completed (op %lld) before T%lld began "
				  "(op %lld)", (long long)iso_txn_name(c->h, a),
				  (long long)x->complete, (long long)iso_txn_name(c->h, b),
				  (long long)y->invoke);
	return c->explain(c->ctx, a, b, t);
}

/* The example of a cycle: nodes[0..n) then back to nodes[0]; types[i]
 * the type of the edge nodes[i] -> nodes[i+1]. */
static json_t *cycle_json(sc *c, const uint32_t *nodes, const uint8_t *types, size_t n)
{
	json_t *steps = json_array(), *txns = json_array();
	dt_buf text = { 0 };

	for (size_t i = 0; i < n; i++) {
		uint32_t a = nodes[i], b = nodes[(i + 1) % n];
		char *why = step_text(c, a, b, types[i]);

		json_array_append_new(steps, json_pack("{sIsIssss?}",
			"from", (json_int_t)iso_txn_name(c->h, a),
			"to", (json_int_t)iso_txn_name(c->h, b),
			"type", type_name(types[i]), "why", why));
		dt_buf_printf(&text, "%sT%lld < T%lld (%s): %s", i ? "; " : "",
			      (long long)iso_txn_name(c->h, a),
			      (long long)iso_txn_name(c->h, b), type_name(types[i]),
			      why ? why : "?");
		free(why);
		json_array_append_new(txns, iso_txn_json(c->h, a));
	}
	dt_buf_printf(&text, "; so T%lld < T%lld: a cycle",
		      (long long)iso_txn_name(c->h, nodes[0]),
		      (long long)iso_txn_name(c->h, nodes[0]));
	{
		json_t *ex = json_pack("{sssoso}", "text", (char *)text.data,
				       "cycle", steps, "transactions", txns);

		dt_buf_free(&text);
		return ex;
	}
}

/* A candidate: the closing edge u -> v (of type close) plus the shortest
 * path v .. u.  Keeps the shortest in best (n nodes). */
typedef struct best {
	uint32_t *nodes;   /* malloc'd, n of them */
	uint8_t *types;
	size_t n;
} best;

static void best_free(best *b)
{
	free(b->nodes);
	free(b->types);
	b->nodes = NULL;
	b->types = NULL;
	b->n = 0;
}

static void try_close(sc *c, uint32_t u, uint32_t v, uint8_t close, uint8_t mask,
		      bool product, uint32_t s, uint8_t allowed, best *b)
{
	uint32_t *path;
	size_t n;

	if (product)
		n = bfs(c, v << 1 | 1, u << 1, mask, true, s, NULL, 0);
	else
		n = bfs(c, v, u, mask, false, s, NULL, 0);
	if (n == 0 || (b->n > 0 && n >= b->n))
		return;
	path = malloc(n * sizeof(uint32_t));
	if (path == NULL)
		return;
	/* the same search again, now keeping the path (a BFS is cheap next
	 * to the rest, and this runs for a few candidates only) */
	if (product)
		bfs(c, v << 1 | 1, u << 1, mask, true, s, path, n);
	else
		bfs(c, v, u, mask, false, s, path, n);
	best_free(b);
	b->nodes = malloc(n * sizeof(uint32_t));
	b->types = malloc(n);
	if (b->nodes == NULL || b->types == NULL) {
		best_free(b);
		free(path);
		return;
	}
	/* the cycle u -> v -> ... -> u, as nodes u, v, ..., and types */
	b->n = n;
	b->nodes[0] = u;
	b->types[0] = close;
	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t a = product ? path[i] >> 1 : path[i];
		uint32_t d = product ? path[i + 1] >> 1 : path[i + 1];
		uint8_t t = iso_graph_edge(c->g, a, d);

		b->nodes[i + 1] = a;
		b->types[i + 1] = product ? ((path[i + 1] & 1) ? E_RW : pick(t, allowed & ~E_RW)) :
				  pick(t, allowed);
	}
	free(path);
}

static int emit(sc *c, const char *type, int level, best *b)
{
	char name[48];
	iso_found *f;
	json_t *ex = NULL;

	snprintf(name, sizeof(name), "%s%s", type, suffix[level]);
	f = iso_report_get(c->r, name);
	/* the report keeps its own copy of the name: a static one */
	if (b != NULL && b->n > 0 && (f == NULL || json_array_size(f->examples) < ISO_EXAMPLES))
		ex = cycle_json(c, b->nodes, b->types, b->n);
	if (f == NULL) {
		static const char *const names[] = {
			"G0", "G0-process", "G0-realtime", "G1c", "G1c-process",
			"G1c-realtime", "G-single", "G-single-process",
			"G-single-realtime", "G-nonadjacent", "G-nonadjacent-process",
			"G-nonadjacent-realtime", "G2-item", "G2-item-process",
			"G2-item-realtime", NULL
		};

		for (size_t i = 0; names[i]; i++)
			if (strcmp(names[i], name) == 0)
				return iso_report_add(c->r, names[i], ex);
		json_decref(ex);
		return -1;
	}
	return iso_report_add(c->r, f->name, ex);
}

/* ---- the types ----------------------------------------------------------------- */

/* Non-trivial SCCs of mask (G0), or those holding an edge of type need
 * (G1c: wr; G2-item: rw). */
static int by_scc(sc *c, const uint32_t *nodes, size_t nn, uint32_t s, uint8_t mask,
		  uint8_t need, const char *type, int level, bool *found)
{
	uint32_t nc = tarjan(c, nodes, nn, s, mask, false);
	uint8_t *done = calloc(nc ? nc : 1, 1);

	if (done == NULL)
		return -1;
	for (size_t i = 0; i < nn; i++) {
		uint32_t u = nodes[i];

		if (c->size[c->comp[u]] < 2 || done[c->comp[u]])
			continue;
		for (uint64_t j = c->g->start[u]; j < c->g->start[u + 1]; j++) {
			uint32_t v = c->g->dst[j];
			uint8_t t = c->g->type[j];
			best b = { .n = 0 };

			if (c->scope[v] != s || c->comp[v] != c->comp[u] || !(t & mask) ||
			    (need && !(t & need)))
				continue;
			done[c->comp[u]] = 1;
			*found = true;
			try_close(c, u, v, need ? need : pick(t, mask), mask, false, s,
				  mask, &b);
			if (emit(c, type, level, &b) != 0) {
				best_free(&b);
				free(done);
				return -1;
			}
			best_free(&b);
			break;
		}
	}
	free(done);
	return 0;
}

/* G-single: rw edges u -> v with v reaching u over the non-rw mask. */
static int single(sc *c, const uint32_t *nodes, size_t nn, uint32_t s, uint8_t mask,
		  int level, bool *found)
{
	uint32_t nc = tarjan(c, nodes, nn, s, mask, false);
	uint64_t *reach = NULL;
	size_t words = (nc + 63) / 64, count = 0, tried = 0;
	uint32_t *order = NULL, *first = NULL;
	best b = { .n = 0 };
	int rc = -1;

	if (nc <= BITSET_MAX) {
		reach = calloc((size_t)nc * words, sizeof(uint64_t));
		order = malloc(nn * sizeof(uint32_t));
		first = calloc((size_t)nc + 1, sizeof(uint32_t));
		if (reach == NULL || order == NULL || first == NULL)
			goto out;
		/* nodes grouped by component; components in reverse
		 * topological order, so successors come first */
		for (size_t i = 0; i < nn; i++)
			first[c->comp[nodes[i]] + 1]++;
		for (uint32_t k = 0; k < nc; k++)
			first[k + 1] += first[k];
		{
			uint32_t *fill = malloc(((size_t)nc + 1) * sizeof(uint32_t));

			if (fill == NULL)
				goto out;
			memcpy(fill, first, ((size_t)nc + 1) * sizeof(uint32_t));
			for (size_t i = 0; i < nn; i++)
				order[fill[c->comp[nodes[i]]]++] = nodes[i];
			free(fill);
		}
		for (uint32_t k = 0; k < nc; k++) {
			uint64_t *rk = reach + (size_t)k * words;

			rk[k / 64] |= 1ull << (k % 64);
			for (uint32_t i = first[k]; i < first[k + 1]; i++) {
				uint32_t u = order[i];

				for (uint64_t j = c->g->start[u]; j < c->g->start[u + 1]; j++) {
					uint32_t v = c->g->dst[j], d;

					if (c->scope[v] != s || !(c->g->type[j] & mask) ||
					    (d = c->comp[v]) == k)
						continue;
					for (size_t w = 0; w < words; w++)
						rk[w] |= reach[(size_t)d * words + w];
				}
			}
		}
	}
	for (size_t i = 0; i < nn; i++) {
		uint32_t u = nodes[i];

		for (uint64_t j = c->g->start[u]; j < c->g->start[u + 1]; j++) {
			uint32_t v = c->g->dst[j];
			bool yes;

			if (c->scope[v] != s || !(c->g->type[j] & E_RW))
				continue;
			if (c->comp[u] == c->comp[v]) {
				yes = true;
			} else if (reach != NULL) {
				uint32_t cu = c->comp[u], cv = c->comp[v];

				yes = (reach[(size_t)cv * words + cu / 64] >> (cu % 64)) & 1;
			} else {
				uint32_t dummy[1];

				if (c->deadline != NULL && dt_deadline_expired(c->deadline)) {
					rc = 1;
					goto out;
				}
				yes = bfs(c, v, u, mask, false, s, dummy, 0) > 0;
			}
			if (!yes)
				continue;
			count++;
			if (tried++ < CANDIDATES)
				try_close(c, u, v, E_RW, mask, false, s, mask, &b);
		}
	}
	if (count > 0) {
		*found = true;
		if (emit(c, "G-single", level, &b) != 0)
			goto out;
		/* count closing edges, not one per SCC */
		{
			char name[48];

			snprintf(name, sizeof(name), "G-single%s", suffix[level]);
			iso_report_get(c->r, name)->count += count - 1;
		}
	}
	rc = 0;
out:
	best_free(&b);
	free(reach);
	free(order);
	free(first);
	return rc;
}

/* G-nonadjacent: an rw edge (u,0) -> (v,1) inside an SCC of the product. */
static int nonadjacent(sc *c, const uint32_t *nodes, size_t nn, uint32_t s,
		       uint8_t mask, int level, bool *found)
{
	size_t count = 0, tried = 0;
	best b = { .n = 0 };

	tarjan(c, nodes, nn, s, mask, true);
	for (size_t i = 0; i < nn; i++) {
		uint32_t u = nodes[i];

		for (uint64_t j = c->g->start[u]; j < c->g->start[u + 1]; j++) {
			uint32_t v = c->g->dst[j];

			if (c->scope[v] != s || !(c->g->type[j] & E_RW) ||
			    c->comp[u << 1] != c->comp[v << 1 | 1])
				continue;
			count++;
			if (tried++ < CANDIDATES)
				try_close(c, u, v, E_RW, mask, true, s, mask | E_RW, &b);
		}
	}
	if (count == 0)
		return 0;
	*found = true;
	if (emit(c, "G-nonadjacent", level, &b) != 0) {
		best_free(&b);
		return -1;
	}
	best_free(&b);
	{
		char name[48];

		snprintf(name, sizeof(name), "G-nonadjacent%s", suffix[level]);
		iso_report_get(c->r, name)->count += count - 1;
	}
	return 0;
}

/* Every type in one outer SCC. */
static int one_scc(sc *c, const uint32_t *nodes, size_t nn, uint32_t s)
{
	bool g0 = false, g1c = false, gs = false, gn = false, g2 = false;
	uint8_t present = c->g->present;

	for (int level = 0; level < 3; level++) {
		uint8_t x = levels[level];
		uint8_t nonrw = E_WW | E_WR | x;
		bool f;

		if (level > 0 && !(present & x & (level == 1 ? E_PROC : E_RT)))
			continue;
		if (!g0) {
			f = false;
			if (by_scc(c, nodes, nn, s, E_WW | x, 0, "G0", level, &f) != 0)
				return -1;
			g0 = f;
		}
		if (!g1c) {
			f = false;
			if (by_scc(c, nodes, nn, s, nonrw, E_WR, "G1c", level, &f) != 0)
				return -1;
			g1c = f;
		}
		if (!gs) {
			int rc;

			f = false;
			rc = single(c, nodes, nn, s, nonrw, level, &f);
			if (rc != 0)
				return rc;
			gs = f;
		}
		if (!gs && !gn) {
			f = false;
			if (nonadjacent(c, nodes, nn, s, nonrw, level, &f) != 0)
				return -1;
			gn = f;
		}
		if (!gs && !gn && !g2) {
			f = false;
			if (by_scc(c, nodes, nn, s, nonrw | E_RW, E_RW, "G2-item", level,
				   &f) != 0)
				return -1;
			g2 = f;
		}
	}
	return 0;
}

int iso_search(const iso_history *h, const iso_graph *g, iso_explain_fn explain,
	       const void *ctx, const dt_deadline *deadline, iso_report *r)
{
	sc c = { .g = g, .h = h, .explain = explain, .ctx = ctx, .r = r,
		 .deadline = deadline, .n = g->n };
	size_t n = g->n, n2 = 2 * n + 1;
	uint32_t *all = calloc(n + 1, sizeof(uint32_t));
	uint32_t *first = NULL, *order = NULL;
	uint32_t nc;
	int rc = -1;

	c.scope = calloc(n + 1, sizeof(uint32_t));
	c.comp = malloc(n2 * sizeof(uint32_t));
	c.idx = malloc(n2 * sizeof(uint32_t));
	c.low = malloc(n2 * sizeof(uint32_t));
	c.stk = malloc(n2 * sizeof(uint32_t));
	c.par = malloc(n2 * sizeof(uint32_t));
	c.seen = calloc(n2, sizeof(uint32_t));
	c.queue = malloc(n2 * sizeof(uint32_t));
	c.size = malloc(n2 * sizeof(uint32_t));
	c.on = malloc(n2);
	c.call = malloc(n2 * sizeof(frame));
	if (all == NULL || c.scope == NULL || c.comp == NULL || c.idx == NULL ||
	    c.low == NULL || c.stk == NULL || c.par == NULL || c.seen == NULL ||
	    c.queue == NULL || c.size == NULL || c.on == NULL || c.call == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		all[i] = (uint32_t)i;
	nc = tarjan(&c, all, n, 0, E_DATA | E_PROC | E_RT, false);
	first = calloc((size_t)nc + 1, sizeof(uint32_t));
	order = malloc((n + 1) * sizeof(uint32_t));
	if (first == NULL || order == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		first[c.comp[i] + 1]++;
	for (uint32_t k = 0; k < nc; k++)
		first[k + 1] += first[k];
	{
		uint32_t *fill = malloc(((size_t)nc + 1) * sizeof(uint32_t));

		if (fill == NULL)
			goto out;
		memcpy(fill, first, ((size_t)nc + 1) * sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			order[fill[c.comp[i]]++] = (uint32_t)i;
		free(fill);
	}
	for (size_t i = 0; i < n; i++)
		c.scope[i] = c.comp[i] + 1; /* 0: no scope */
	{
		size_t largest = 0, nontrivial = 0;

		for (uint32_t k = 0; k < nc; k++) {
			size_t sz = first[k + 1] - first[k];

			if (sz > largest)
				largest = sz;
			if (sz < 2)
				continue;
			nontrivial++;
			if (deadline != NULL && dt_deadline_expired(deadline)) {
				json_array_append_new(r->notes, json_sprintf(
					"the time budget ran out: %u of the %zu strongly "
					"connected components were not searched", nc - k,
					(size_t)nc));
				rc = 1;
				goto out;
			}
			rc = one_scc(&c, order + first[k], sz, k + 1);
			if (rc != 0)
				goto out;
		}
		json_array_append_new(r->notes, json_sprintf(
			"%zu strongly connected components of two or more transactions "
			"(largest %zu), each searched to the end for every cycle type",
			nontrivial, largest));
	}
	rc = 0;
out:
	free(all);
	free(first);
	free(order);
	free(c.scope);
	free(c.comp);
	free(c.idx);
	free(c.low);
	free(c.stk);
	free(c.par);
	free(c.seen);
	free(c.queue);
	free(c.size);
	free(c.on);
	free(c.call);
	return rc;
}
