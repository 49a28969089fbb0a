/* SPDX-License-Identifier: MIT */
/*
 * edn.c: the EDN subset reader (see edn.h).  Recursive descent with a
 * depth limit; every error says where and what was found.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/types.h>
#include "edn.h"

#define MAX_DEPTH 200

void dt_edn_reader_init(dt_edn_reader *r, const char *text, size_t len)
{
	r->s = text;
	r->end = text + len;
	r->line = 1;
	r->bol = text;
}

static int fail(dt_edn_reader *r, char *err, const char *what)
{
	return dt_fail(err, "line %d, column %d: %s", r->line,
		       (int)(r->s - r->bol) + 1, what);
}

static void skip_ws(dt_edn_reader *r)
{
	while (r->s < r->end) {
		char c = *r->s;

		if (c == '\n') {
			r->line++;
			r->bol = ++r->s;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '\f') {
			r->s++;
		} else if (c == ';') {
			while (r->s < r->end && *r->s != '\n')
				r->s++;
		} else {
			break;
		}
	}
}

static bool is_delim(char c)
{
	return isspace((unsigned char)c) || c == ',' || c == '(' || c == ')' ||
	       c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';';
}

/* Bytes of the UTF-8 sequence starting at s (at most left), or 0 when
 * it is not a valid one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 :
		   (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 0 || n > left || (n == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A character literal: \c (any one character, UTF-8 included), or a
 * name: \newline \space \tab \return \formfeed \backspace \uXXXX.
 */
static int read_char(dt_edn_reader *r, json_t **out, char *err)
{
	static const struct { const char *name; const char *text; } names[] = {
		{ "newline", "\n" }, { "space", " " }, { "tab", "\t" },
		{ "return", "\r" }, { "formfeed", "\f" }, { "backspace", "\b" },
	};
	const char *start = r->s + 1;
	size_t first, len;
	char tok[16];

	if (start >= r->end)
		return fail(r, err, "character literal at the end");
	first = utf8_len((const unsigned char *)start, (size_t)(r->end - start));
	if (first == 0)
		return fail(r, err, "a character literal that is not valid UTF-8");
	len = first;
	while (start + len < r->end && !is_delim(start[len]))
		len++;
	r->s = start + len;
	if (len == first) {
		*out = json_stringn(start, first);
		return *out ? 1 : fail(r, err, "out of memory");
	}
	if (len >= sizeof(tok))
		return fail(r, err, "unknown character name");
	memcpy(tok, start, len);
	tok[len] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(tok, names[i].name) == 0) {
			*out = json_string(names[i].text);
			return *out ? 1 : fail(r, err, "out of memory");
		}
	if (tok[0] == 'u' && len == 5 && strspn(tok + 1, "0123456789abcdefABCDEF") == 4) {
		unsigned long u = strtoul(tok + 1, NULL, 16);
		char utf[4];
		size_t n = 0;

		if (u >= 0xd800 && u <= 0xdfff)
			return fail(r, err, "a character literal that is a lone surrogate");
		if (u < 0x80) {
			utf[n++] = (char)u;
		} else if (u < 0x800) {
			utf[n++] = (char)(0xc0 | (u >> 6));
			utf[n++] = (char)(0x80 | (u & 0x3f));
		} else {
			utf[n++] = (char)(0xe0 | (u >> 12));
			utf[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
			utf[n++] = (char)(0x80 | (u & 0x3f));
		}
		*out = json_stringn(utf, n);
		return *out ? 1 : fail(r, err, "out of memory");
	}
	return fail(r, err, "unknown character name");
}

static int read_value(dt_edn_reader *r, json_t **out, int depth, char *err);

static json_t *read_string(dt_edn_reader *r, char *err)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	json_t *v = NULL;

	r->s++;   /* the quote */
	for (;;) {
		char c;

		if (r->s >= r->end) {
			fail(r, err, "unterminated string");
			goto done;
		}
		c = *r->s++;
		if (c == '"')
			break;
		if (c == '\n') {
			r->line++;
			r->bol = r->s;
		}
		if (c == '\\') {
			if (r->s >= r->end) {
				fail(r, err, "unterminated string");
				goto done;
			}
			c = *r->s++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': break;
			case 'u': {
				char hex[5] = { 0 };
				unsigned long u;

				if (r->end - r->s < 4) {
					fail(r, err, "short \\u escape");
					goto done;
				}
				memcpy(hex, r->s, 4);
				r->s += 4;
				u = strtoul(hex, NULL, 16);
				/* UTF-8 of a BMP code point */
				if (n + 4 > cap) {
					char *q = realloc(buf, cap = cap * 2 + 64);

					if (q == NULL)
						goto nomem;
					buf = q;
				}
				if (u < 0x80) {
					buf[n++] = (char)u;
				} else if (u < 0x800) {
					buf[n++] = (char)(0xc0 | (u >> 6));
					buf[n++] = (char)(0x80 | (u & 0x3f));
				} else {
					buf[n++] = (char)(0xe0 | (u >> 12));
					buf[n++] = (char)(0x80 | ((u >> 6) & 0x3f));
					buf[n++] = (char)(0x80 | (u & 0x3f));
				}
				continue;
			}
			default:
				r->s--;
				fail(r, err, "unknown escape in string");
				goto done;
			}
		}
		if (n + 1 > cap) {
			char *q = realloc(buf, cap = cap * 2 + 64);

			if (q == NULL)
				goto nomem;
			buf = q;
		}
		buf[n++] = c;
	}
	v = json_stringn(buf ? buf : "", n);
	if (v == NULL)
		fail(r, err, "string is not valid UTF-8");
	goto done;
nomem:
	dt_fail(err, "out of memory");
done:
	free(buf);
	return v;
}

/* A token up to the next delimiter: number, keyword, symbol, nil... */
static json_t *read_atom(dt_edn_reader *r, char *err)
{
	const char *start = r->s;
	char tok[256];
	size_t n;

	while (r->s < r->end && !is_delim(*r->s))
		r->s++;
	n = (size_t)(r->s - start);
	if (n == 0) {
		fail(r, err, "unexpected character");
		return NULL;
	}
	if (n >= sizeof(tok)) {
		r->s = start;
		fail(r, err, "token too long");
		return NULL;
	}
	memcpy(tok, start, n);
	tok[n] = '\0';
	if (tok[0] == ':') {
		json_t *k = n > 1 ? json_string(tok + 1) : NULL;

		if (k == NULL) {
			r->s = start;
			fail(r, err, n > 1 ? "a keyword that is not valid UTF-8" :
			     "empty keyword");
		}
		return k;
	}
	if (strcmp(tok, "nil") == 0)
		return json_null();
	if (strcmp(tok, "true") == 0)
		return json_true();
	if (strcmp(tok, "false") == 0)
		return json_false();
	if (isdigit((unsigned char)tok[0]) ||
	    ((tok[0] == '-' || tok[0] == '+') && isdigit((unsigned char)tok[1]))) {
		char *e;
		long long i;
		double d;

		if (tok[n - 1] == 'N' || tok[n - 1] == 'M')
			tok[--n] = '\0';
		errno = 0;
		i = strtoll(tok, &e, 10);
		if (*e == '\0' && errno == 0)
			return json_integer(i);
		d = strtod(tok, &e);
		if (*e == '\0' && isfinite(d))
			return json_real(d);
		r->s = start;
		if (*e == '\0') {
			fail(r, err, "a number out of range");
			return NULL;
		}
		fail(r, err, "not a number this reader knows (ratio, radix?)");
		return NULL;
	}
	if (tok[0] == '#') {
		r->s = start;
		fail(r, err, "tagged literals (#inst, #uuid, records) are not supported");
		return NULL;
	}
	{
		json_t *sym = json_string(tok);   /* a symbol */

		if (sym == NULL) {
			r->s = start;
			fail(r, err, "a symbol that is not valid UTF-8");
		}
		return sym;
	}
}

static int read_seq(dt_edn_reader *r, char close, json_t **out, int depth,
		    char *err)
{
	json_t *arr = json_array();

	for (;;) {
		json_t *v;
		int rc;

		skip_ws(r);
		if (r->s >= r->end) {
			json_decref(arr);
			return dt_fail(err, "line %d: missing '%c' at the end", r->line, close);
		}
		if (*r->s == close) {
			r->s++;
			*out = arr;
			return 1;
		}
		rc = read_value(r, &v, depth + 1, err);
		if (rc <= 0) {
			json_decref(arr);
			return rc < 0 ? -1 : fail(r, err, "unexpected end");
		}
		json_array_append_new(arr, v);
	}
}

static char *key_string(const json_t *k)
{
	if (json_is_string(k))
		return strdup(json_string_value(k));
	return json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int read_map(dt_edn_reader *r, json_t **out, int depth, char *err)
{
	json_t *seq = NULL, *obj;
	int rc = read_seq(r, '}', &seq, depth, err);
	size_t n;

	if (rc <= 0)
		return rc;
	n = json_array_size(seq);
	if (n % 2 != 0) {
		json_decref(seq);
		return fail(r, err, "map with an odd number of forms");
	}
	obj = json_object();
	for (size_t i = 0; i < n; i += 2) {
		char *k = key_string(json_array_get(seq, i));

		if (k == NULL) {
			json_decref(seq);
			json_decref(obj);
			return dt_fail(err, "out of memory");
		}
		json_object_set(obj, k, json_array_get(seq, i + 1));
		free(k);
	}
	json_decref(seq);
	*out = obj;
	return 1;
}

static int read_value(dt_edn_reader *r, json_t **out, int depth, char *err)
{
	char c;

	if (depth > MAX_DEPTH)
		return fail(r, err, "nested too deep");
	skip_ws(r);
	if (r->s >= r->end)
		return 0;
	c = *r->s;
	switch (c) {
	case '"':
		*out = read_string(r, err);
		return *out ? 1 : -1;
	case '[':
		r->s++;
		return read_seq(r, ']', out, depth, err);
	case '(':
		r->s++;
		return read_seq(r, ')', out, depth, err);
	case '{':
		r->s++;
		return read_map(r, out, depth, err);
	case ']': case ')': case '}':
		return fail(r, err, "unbalanced closing bracket");
	case '\\':
		return read_char(r, out, err);
	case '#':
		if (r->s + 1 < r->end && r->s[1] == '{') {
			r->s += 2;
			return read_seq(r, '}', out, depth, err);
		}
		if (r->s + 1 < r->end && r->s[1] == '_') {
			json_t *skip = NULL;
			int rc;

			r->s += 2;
			rc = read_value(r, &skip, depth + 1, err);
			json_decref(skip);
			if (rc <= 0)
				return rc < 0 ? -1 : fail(r, err, "#_ at the end");
			return read_value(r, out, depth, err);
		}
		/* read_atom names the tag */
		*out = read_atom(r, err);
		return *out ? 1 : -1;
	default:
		*out = read_atom(r, err);
		return *out ? 1 : -1;
	}
}

int dt_edn_next(dt_edn_reader *r, json_t **out, char *err)
{
	*out = NULL;
	return read_value(r, out, 0, err);
}

json_t *dt_edn_parse(const char *text, size_t len, char *err)
{
	dt_edn_reader r;
	json_t *v = NULL, *extra = NULL;
	int rc;

	dt_edn_reader_init(&r, text, len);
	rc = dt_edn_next(&r, &v, err);
	if (rc == 0)
		dt_fail(err, "no value");
	if (rc <= 0)
		return NULL;
	rc = dt_edn_next(&r, &extra, err);
	json_decref(extra);
	if (rc != 0) {
		json_decref(v);
		if (rc > 0)
			dt_fail(err, "line %d: more than one value", r.line);
		return NULL;
	}
	return v;
}
