/*
 * b64.c: base64 encoding and decoding (see b64.h).
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"

static const char ALPHABET[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *etcd_b64_encode(const void *data, size_t n)
{
	const unsigned char *in = data;
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		*o++ = ALPHABET[(v >> 18) & 63];
		*o++ = ALPHABET[(v >> 12) & 63];
		*o++ = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? ALPHABET[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int digit(char c)
{
	const char *p = c ? strchr(ALPHABET, c) : NULL;

	return p ? (int)(p - ALPHABET) : -1;
}

char *etcd_b64_decode(const char *text, size_t *n)
{
	size_t len = strlen(text), used = 0;
	unsigned v = 0;
	int bits = 0;
	char *out;

	while (len > 0 && text[len - 1] == '=')
		len--;
	if (strlen(text) - len > 2 || len % 4 == 1)
		return NULL;
	out = malloc(len / 4 * 3 + 3 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int d = digit(text[i]);

		if (d < 0) {
			free(out);
			return NULL;
		}
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[used++] = (char)((v >> bits) & 0xff);
		}
	}
	out[used] = '\0';
	*n = used;
	return out;
}
