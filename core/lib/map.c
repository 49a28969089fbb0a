/* SPDX-License-Identifier: MIT */
/*
 * map.c: the general hash map of dt/map.h.  Open addressing with linear
 * probing over a power-of-two table kept at most 3/4 full; deletion by
 * backward shift, so there are no tombstones.  Each entry keeps its
 * hash, so growing and probing compare keys only on a hash match.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dt/map.h>

typedef struct entry {
	uint64_t hash;
	void *key;      /* owned copy; NULL: empty slot */
	size_t len;
	void *value;
} entry;

struct dt_map {
	entry *slots;
	size_t cap;     /* power of two */
	size_t count;
};

uint64_t dt_hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

dt_map *dt_map_new(void)
{
	dt_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (m->slots == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void dt_map_free(dt_map *m, void (*free_value)(void *value))
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		if (free_value != NULL)
			free_value(m->slots[i].value);
		free(m->slots[i].key);
	}
	free(m->slots);
	free(m);
}

/* The slot holding key, or the empty one where it would go. */
static entry *probe(const dt_map *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		entry *e = &m->slots[i];

		if (e->key == NULL)
			return e;
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

static int grow(dt_map *m)
{
	size_t cap = m->cap * 2;
	entry *old = m->slots, *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -1;
	m->slots = slots;
	for (size_t i = 0; i < m->cap; i++) {
		if (old[i].key == NULL)
			continue;
		for (size_t j = (size_t)old[i].hash & (cap - 1);; j = (j + 1) & (cap - 1)) {
			if (slots[j].key == NULL) {
				slots[j] = old[i];
				break;
			}
		}
	}
	m->cap = cap;
	free(old);
	return 0;
}

void *dt_map_get(const dt_map *m, const void *key, size_t len)
{
	entry *e = probe(m, dt_hash(key, len), key, len);

	return e->key != NULL ? e->value : NULL;
}

void **dt_map_slot(dt_map *m, const void *key, size_t len, bool *made)
{
	uint64_t h = dt_hash(key, len);
	entry *e;

	if (made != NULL)
		*made = false;
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0)
		return NULL;
	e = probe(m, h, key, len);
	if (e->key == NULL) {
		/* One byte more, so that a key of length 0 is not NULL. */
		e->key = malloc(len + 1);
		if (e->key == NULL)
			return NULL;
		memcpy(e->key, key, len);
		((char *)e->key)[len] = '\0';
		e->len = len;
		e->hash = h;
		e->value = NULL;
		m->count++;
		if (made != NULL)
			*made = true;
	}
	return &e->value;
}

int dt_map_put(dt_map *m, const void *key, size_t len, void *value)
{
	void **slot = dt_map_slot(m, key, len, NULL);

	if (slot == NULL)
		return -1;
	*slot = value;
	return 0;
}

void *dt_map_del(dt_map *m, const void *key, size_t len)
{
	size_t mask = m->cap - 1;
	entry *e = probe(m, dt_hash(key, len), key, len);
	size_t i, j;
	void *value;

	if (e->key == NULL)
		return NULL;
	value = e->value;
	free(e->key);
	e->key = NULL;
	m->count--;
	/* Backward shift: move later entries of the run into the hole
	 * when their home slot is not between the hole and them. */
	i = (size_t)(e - m->slots);
	for (j = (i + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
		size_t home = (size_t)m->slots[j].hash & mask;

		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return value;
}

size_t dt_map_count(const dt_map *m)
{
	return m->count;
}

bool dt_map_next(const dt_map *m, size_t *iter, const void **key, size_t *len,
		 void **value)
{
	for (size_t i = *iter; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		if (key != NULL)
			*key = m->slots[i].key;
		if (len != NULL)
			*len = m->slots[i].len;
		if (value != NULL)
			*value = m->slots[i].value;
		*iter = i + 1;
		return true;
	}
	*iter = m->cap;
	return false;
}
