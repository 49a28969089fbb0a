/* SPDX-License-Identifier: MIT */
/*
 * dt/buf.h: the one growable buffer of DT, for bytes and for text, and
 * the one way to grow an array.
 *
 * A dt_buf starts zeroed ({0}); it owns its data (free with
 * dt_buf_free).  dt_buf_reserve and dt_buf_put are inline: models write
 * every state through them.  Not thread-safe: one owner at a time.
 */
#ifndef DT_BUF_H
#define DT_BUF_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <dt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
} dt_buf;

/*
 * Make room in *array (of elem-byte items, *cap of them allocated) for
 * need items, doubling (from 8); the new items are zeroed.  0, or -1
 * when out of memory (the array is then as it was).
 */
DT_EXTERN int dt_grow(void *array, size_t *cap, size_t need, size_t elem);

/* Make room for n more bytes; returns the place to write them (len is
 * not advanced), or NULL when out of memory. */
static inline unsigned char *dt_buf_reserve(dt_buf *b, size_t n)
{
	if (b->data == NULL || b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		unsigned char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = (unsigned char *)realloc(b->data, cap);
		if (p == NULL)
			return NULL;
		b->data = p;
		b->cap = cap;
	}
	return b->data + b->len;
}

/* Append n bytes; 0, or -1 when out of memory. */
static inline int dt_buf_put(dt_buf *b, const void *p, size_t n)
{
	unsigned char *w = dt_buf_reserve(b, n);

	if (w == NULL)
		return -1;
	if (n > 0)
		memcpy(w, p, n);
	b->len += n;
	return 0;
}

/* Append text, keeping the buffer NUL-terminated (the NUL is not counted
 * in len), so (char *)b->data is a string; 0 or -1. */
DT_EXTERN int dt_buf_puts(dt_buf *b, const char *s);
DT_EXTERN int dt_buf_printf(dt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
DT_EXTERN int dt_buf_vprintf(dt_buf *b, const char *fmt, va_list ap);
/* Hand the data over (NUL-terminated; "" when empty), leaving b empty;
 * the caller frees it.  NULL when out of memory. */
DT_EXTERN char *dt_buf_take(dt_buf *b);
DT_EXTERN void dt_buf_free(dt_buf *b);

#ifdef __cplusplus
}
#endif
#endif /* DT_BUF_H */
