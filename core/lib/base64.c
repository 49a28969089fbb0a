/* SPDX-License-Identifier: MIT */
/*
 * base64.c: RFC 4648 base64 (dt/base64.h), for etcd's JSON gateway and
 * Kubernetes' data fields.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dt/base64.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *dt_base64_encode(const void *data, size_t n)
{
	const unsigned char *in = data;
	char *out, *o;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc((n + 2) / 3 * 4 + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		*o++ = alphabet[(v >> 18) & 63];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

unsigned char *dt_base64_decode(const char *text, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len / 4 * 3 + 4);
	size_t used = 0, digits = 0, pad = 0;
	unsigned v = 0;
	int bits = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int d;

		if (blank(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		d = digit(c);
		if (d < 0 || pad > 0)  /* a digit after padding */
			goto bad;
		digits++;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[used++] = (unsigned char)((v >> bits) & 0xff);
		}
	}
	/* A lone digit in the last group is no byte; padding completes the
	 * group, never more. */
	if (digits % 4 == 1 || pad > 2 || (pad > 0 && (digits + pad) % 4 != 0))
		goto bad;
	out[used] = '\0';
	*outlen = used;
	return out;
bad:
	free(out);
	return NULL;
}
