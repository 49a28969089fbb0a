/*
 * watch.h: what the watch checker's files share (events.c, watch.c):
 * the writes of a history, and the events of watch sessions.  Strings
 * are borrowed from the history.
 */
#ifndef DT_ETCDREV_WATCH_H
#define DT_ETCDREV_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <dt/plugin.h>

typedef enum { WC_PUT, WC_DELETE, WC_REVOKE } wc_type;

/* A write that may have made an event. */
typedef struct wc_write {
	wc_type type;
	const char *key, *value; /* NULL for a revoke (and a delete's value) */
	int64_t lease;
	int64_t rev;             /* known: the revision it made */
	int64_t index;           /* its invoke in the history */
	bool known;              /* acknowledged (else unknown outcome) */
} wc_write;

/* Every write: the nknown acknowledged ones first, by revision. */
typedef struct wc_writes {
	wc_write *all;
	size_t n, nknown, cap;
} wc_writes;

/* One event a watcher reported. */
typedef struct wc_event {
	int64_t rev;
	wc_type type;            /* WC_PUT or WC_DELETE */
	const char *key, *value;
	int64_t create, version, prev_lease;
	size_t response;         /* which response of its session */
} wc_event;

/* 0, or -1 with err (out of memory). */
int wc_writes_build(const dt_history *h, wc_writes *w, char *err);
void wc_writes_free(wc_writes *w);
/* The acknowledged writes that reported revision rev (*n of them in a
 * row: a revoke that deleted nothing reports the revision it found,
 * another write's), or NULL. */
const wc_write *wc_writes_at(const wc_writes *w, int64_t rev, size_t *n);
/* Could write w have made event e (type, key, value)? */
bool wc_write_explains(const wc_write *w, const wc_event *e);

#endif
