/*
 * b64.h: base64 (RFC 4648, with padding) for etcd's JSON gateway, which
 * carries keys and values as base64 strings.
 */
#ifndef DT_ETCD_B64_H
#define DT_ETCD_B64_H

#include <stddef.h>

/* malloc'd NUL-terminated encoding of n bytes; NULL when out of memory. */
char *etcd_b64_encode(const void *data, size_t n);

/* malloc'd decoding of a NUL-terminated text (a NUL is added after the
 * bytes, *n excludes it); NULL for a text that is not base64.  Padding
 * may be left out. */
char *etcd_b64_decode(const char *text, size_t *n);

#endif
