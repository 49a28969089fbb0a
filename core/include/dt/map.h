/* SPDX-License-Identifier: MIT */
/*
 * dt/map.h: the one general hash map of DT: byte-string keys (copied
 * into the map) to pointer values, open addressing with linear probing,
 * FNV-1a hashes.  The checkers' hot tables are specialised and live with
 * them; everything else uses this.
 *
 * Not thread-safe: one owner at a time, or the owner's lock.
 */
#ifndef DT_MAP_H
#define DT_MAP_H

#include <string.h>
#include <dt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_map dt_map;

/* NULL when out of memory. */
DT_EXTERN dt_map *dt_map_new(void);
/* free_value (may be NULL) is called on every value. */
DT_EXTERN void dt_map_free(dt_map *m, void (*free_value)(void *value));

/* The value of key (len bytes), or NULL when absent. */
DT_EXTERN void *dt_map_get(const dt_map *m, const void *key, size_t len);
/* The slot of key, made (holding NULL, *made set) when absent; NULL when
 * out of memory.  The slot moves when the map grows: use it at once. */
DT_EXTERN void **dt_map_slot(dt_map *m, const void *key, size_t len,
			     bool *made);
/* Set key to value (replacing, without freeing, an old one); 0 or -1. */
DT_EXTERN int dt_map_put(dt_map *m, const void *key, size_t len, void *value);
/* Remove key; returns its value (NULL when absent). */
DT_EXTERN void *dt_map_del(dt_map *m, const void *key, size_t len);
DT_EXTERN size_t dt_map_count(const dt_map *m);
/*
 * Walk the map: *iter starts at 0; each call gives the next entry and
 * returns true, false at the end.  The map must not change meanwhile.
 */
DT_EXTERN bool dt_map_next(const dt_map *m, size_t *iter, const void **key,
			   size_t *len, void **value);

/* The string forms, for NUL-terminated keys. */
static inline void *dt_map_gets(const dt_map *m, const char *key)
{
	return dt_map_get(m, key, strlen(key));
}
static inline int dt_map_puts(dt_map *m, const char *key, void *value)
{
	return dt_map_put(m, key, strlen(key), value);
}

/* 64-bit FNV-1a of len bytes: the map's hash, for tables of one's own. */
DT_EXTERN uint64_t dt_hash(const void *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* DT_MAP_H */
