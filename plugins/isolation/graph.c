/*
 * graph.c: the dependency graph (edges collected as they are inferred,
 * then packed as CSR with duplicate edges merged, their types OR'ed) and
 * the (key, value) -> writer hash table the inference uses.
 */
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

/* ---- writers: open addressing on (key, value) ---------------------------- */

static uint64_t mix(uint32_t key, int64_t value)
{
	uint64_t x = (uint64_t)value * 0x9E3779B97F4A7C15ull ^ ((uint64_t)key << 32 | key);

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 29;
	return x | 1; /* never 0: 0 marks an empty slot */
}

iso_writer *iso_writers_get(const iso_writers *w, uint32_t key, int64_t value)
{
	uint64_t hk = mix(key, value);
	size_t i;

	if (w->cap == 0)
		return NULL;
	for (i = hk & (w->cap - 1);; i = (i + 1) & (w->cap - 1)) {
		iso_writer *s = &w->slots[i];

		if (s->hkey == 0)
			return NULL;
		if (s->hkey == hk && s->key == key && s->value == value)
			return s;
	}
}

static int grow(iso_writers *w)
{
	size_t cap = w->cap ? w->cap * 2 : 1024;
	iso_writer *old = w->slots, *s = calloc(cap, sizeof(*s));

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < w->cap; i++) {
		size_t j;

		if (old[i].hkey == 0)
			continue;
		for (j = old[i].hkey & (cap - 1); s[j].hkey != 0; j = (j + 1) & (cap - 1))
			;
		s[j] = old[i];
	}
	free(old);
	w->slots = s;
	w->cap = cap;
	return 0;
}

iso_writer *iso_writers_put(iso_writers *w, uint32_t key, int64_t value, bool *made)
{
	iso_writer *s = iso_writers_get(w, key, value);
	uint64_t hk = mix(key, value);
	size_t i;

	*made = false;
	if (s != NULL)
		return s;
	if ((w->count + 1) * 2 > w->cap && grow(w) != 0)
		return NULL;
	for (i = hk & (w->cap - 1); w->slots[i].hkey != 0; i = (i + 1) & (w->cap - 1))
		;
	s = &w->slots[i];
	s->hkey = hk;
	s->key = key;
	s->value = value;
	s->pos = -1;
	w->count++;
	*made = true;
	return s;
}

void iso_writers_free(iso_writers *w)
{
	free(w->slots);
	memset(w, 0, sizeof(*w));
}

/* ---- the graph -------------------------------------------------------------- */

int iso_graph_add(iso_graph *g, uint32_t from, uint32_t to, uint8_t type)
{
	if (from == to)
		return 0;
	if (g->nlist == g->cap_list &&
	    dt_grow(&g->list, &g->cap_list, g->nlist + 1, sizeof(iso_edge)) != 0)
		return -1;
	g->list[g->nlist].from = from;
	g->list[g->nlist].to = to;
	g->list[g->nlist].type = type;
	g->nlist++;
	g->present |= type;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int iso_graph_build(iso_graph *g)
{
	size_t n = g->n, m = g->nlist, i;
	uint64_t *start = calloc(n + 1, sizeof(uint64_t));
	uint64_t *fill = calloc(n + 1, sizeof(uint64_t));
	uint64_t *pairs = malloc((m ? m : 1) * sizeof(uint64_t));
	uint32_t *dst = malloc((m ? m : 1) * sizeof(uint32_t));
	uint8_t *type = malloc(m ? m : 1);
	uint64_t w;

	if (start == NULL || fill == NULL || pairs == NULL || dst == NULL || type == NULL)
		goto fail;
	for (i = 0; i < m; i++)
		start[g->list[i].from + 1]++;
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, (n + 1) * sizeof(uint64_t));
	/* each node's edges as (to << 8 | type), sorted, then merged */
	for (i = 0; i < m; i++)
		pairs[fill[g->list[i].from]++] =
			(uint64_t)g->list[i].to << 8 | g->list[i].type;
	free(g->list);
	g->list = NULL;
	g->nlist = g->cap_list = 0;
	w = 0;
	for (i = 0; i < n; i++) {
		uint64_t a = start[i], b = start[i + 1];

		if (b - a > 1)
			qsort(pairs + a, b - a, sizeof(uint64_t), cmp_u64);
		start[i] = w;
		for (uint64_t j = a; j < b; j++) {
			uint32_t to = (uint32_t)(pairs[j] >> 8);

			if (w > start[i] && dst[w - 1] == to) {
				type[w - 1] |= (uint8_t)pairs[j];
				continue;
			}
			dst[w] = to;
			type[w] = (uint8_t)pairs[j];
			w++;
		}
	}
	start[n] = w;
	free(fill);
	free(pairs);
	g->start = start;
	g->dst = dst;
	g->type = type;
	g->nedges = w;
	return 0;
fail:
	free(start);
	free(fill);
	free(pairs);
	free(dst);
	free(type);
	return -1;
}

uint8_t iso_graph_edge(const iso_graph *g, uint32_t from, uint32_t to)
{
	for (uint64_t j = g->start[from]; j < g->start[from + 1]; j++)
		if (g->dst[j] == to)
			return g->type[j];
	return 0;
}

void iso_graph_free(iso_graph *g)
{
	free(g->list);
	free(g->start);
	free(g->dst);
	free(g->type);
	memset(g, 0, sizeof(*g));
}
