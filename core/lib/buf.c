/* SPDX-License-Identifier: MIT */
/*
 * buf.c: the growable buffer and array growth of dt/buf.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

int dt_grow(void *array, size_t *cap, size_t need, size_t elem)
{
	void **a = array;
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap && *a != NULL)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (elem != 0 && n > SIZE_MAX / elem)
		return -1;
	p = realloc(*a, n * elem);
	if (p == NULL)
		return -1;
	memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
	*a = p;
	*cap = n;
	return 0;
}

/* Room for n more bytes and a NUL after them. */
static char *text_room(dt_buf *b, size_t n)
{
	return (char *)dt_buf_reserve(b, n + 1);
}

int dt_buf_puts(dt_buf *b, const char *s)
{
	size_t n = strlen(s);
	char *w = text_room(b, n);

	if (w == NULL)
		return -1;
	memcpy(w, s, n + 1);
	b->len += n;
	return 0;
}

int dt_buf_vprintf(dt_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	char *w = text_room(b, 0);
	size_t room;
	int n;

	if (w == NULL)
		return -1;
	room = b->cap - b->len;
	va_copy(again, ap);
	n = vsnprintf(w, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room) {
		w = text_room(b, (size_t)n);
		n = w == NULL ? -1 : vsnprintf(w, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	return 0;
}

int dt_buf_printf(dt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = dt_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *dt_buf_take(dt_buf *b)
{
	char *s;

	if (text_room(b, 0) == NULL)
		return NULL;
	b->data[b->len] = '\0';
	s = (char *)b->data;
	*b = (dt_buf){ 0 };
	return s;
}

void dt_buf_free(dt_buf *b)
{
	free(b->data);
	*b = (dt_buf){ 0 };
}
