/* SPDX-License-Identifier: MIT */
/*
 * info.c: parse redis INFO text into a flat JSON object (see info.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"

/* Longest field name or value kept; longer ones are cut (INFO has no
 * such lines, but the input may be anything). */
#define INFO_MAX_TEXT 1024

json_t *redis_info_value(const char *s, size_t len)
{
	char buf[INFO_MAX_TEXT + 1];
	char *end;
	long long ll;
	double d;

	if (len > INFO_MAX_TEXT)
		len = INFO_MAX_TEXT;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		return NULL;
	if (len == 0)
		return json_string("");
	errno = 0;
	ll = strtoll(buf, &end, 10);
	if (*end == '\0' && errno == 0 && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
		return json_integer((json_int_t)ll);
	errno = 0;
	d = strtod(buf, &end);
	if (*end == '\0' && errno == 0 && isfinite(d) &&
	    (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
		return json_real(d);
	/* jansson refuses invalid UTF-8: keep such values out rather than
	 * failing the whole parse. */
	return json_stringn(buf, len);
}

json_t *redis_info_parse(const char *text, size_t len)
{
	json_t *out = json_object();
	size_t pos = 0;

	if (out == NULL)
		return NULL;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *colon;
		char name[INFO_MAX_TEXT + 1];
		size_t nlen;
		json_t *v;

		pos += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		colon = memchr(line, ':', n);
		if (colon == NULL || colon == line)
			continue;
		nlen = (size_t)(colon - line);
		if (nlen > INFO_MAX_TEXT || memchr(line, '\0', nlen) != NULL)
			continue;
		memcpy(name, line, nlen);
		name[nlen] = '\0';
		v = redis_info_value(colon + 1, n - nlen - 1);
		if (v == NULL)
			continue; /* not UTF-8 */
		if (json_object_set_new(out, name, v) != 0)
			continue; /* a name that is not UTF-8 */
	}
	return out;
}
