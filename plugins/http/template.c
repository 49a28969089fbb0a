/* SPDX-License-Identifier: MIT */
/*
 * template.c: the http client's request templates: a path, a header or
 * a body with {key}, {value|json|base64} and the like in it.  A brace
 * that does not open such a name is literal, so a JSON body is written
 * as it is: '{"key": "{key|base64}"}'.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const char *const var_names[] = { "key", "value", "from", "to", "node", NULL };
static const char *const filter_names[] = { "json", "base64", "url", "quote", NULL };

static int find(const char *const *names, const char *s, size_t len)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/* Whether s[0..len) looks like NAME(|FILTER)*: lower-case words and
 * digits, bars between. */
static bool looks_like_var(const char *s, size_t len)
{
	if (len == 0 || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    !(s[i] == '|' && i + 1 < len && s[i + 1] != '|'))
			return false;
	return true;
}

static int add(http_template *t, const char *text, size_t len, int var)
{
	http_piece *p = realloc(t->pieces, (t->n + 1) * sizeof(*p));

	if (p == NULL)
		return -1;
	t->pieces = p;
	p = &t->pieces[t->n];
	memset(p, 0, sizeof(*p));
	p->var = var;
	if (text != NULL && (p->text = strndup(text, len)) == NULL)
		return -1;
	t->n++;
	return 0;
}

/* The variable in s[0..len) into a new piece; 0 or -1 with why. */
static int add_var(http_template *t, const char *s, size_t len, char *why)
{
	const char *bar = memchr(s, '|', len);
	size_t nlen = bar ? (size_t)(bar - s) : len;
	int var = find(var_names, s, nlen);
	http_piece *p;

	if (var < 0) {
		snprintf(why, DT_ERRBUF_SIZE, "{%.*s}: no variable '%.*s' (there "
			 "are key, value, from, to and node)", (int)len, s,
			 (int)nlen, s);
		return -1;
	}
	if (add(t, NULL, 0, var) != 0) {
		snprintf(why, DT_ERRBUF_SIZE, "out of memory");
		return -1;
	}
	p = &t->pieces[t->n - 1];
	while (bar != NULL) {
		const char *f = bar + 1, *end = s + len;
		size_t flen;
		int fi;

		bar = memchr(f, '|', (size_t)(end - f));
		flen = bar ? (size_t)(bar - f) : (size_t)(end - f);
		fi = find(filter_names, f, flen);
		if (fi < 0) {
			snprintf(why, DT_ERRBUF_SIZE, "{%.*s}: no filter '%.*s' "
				 "(there are json, base64, url and quote)",
				 (int)len, s, (int)flen, f);
			return -1;
		}
		if (fi == HTTP_F_JSON && p->nfilters > 0) {
			snprintf(why, DT_ERRBUF_SIZE, "{%.*s}: json comes first "
				 "(it writes the value, the others its text)",
				 (int)len, s);
			return -1;
		}
		if (p->nfilters == HTTP_MAX_FILTERS) {
			snprintf(why, DT_ERRBUF_SIZE, "{%.*s}: more than %d "
				 "filters", (int)len, s, HTTP_MAX_FILTERS);
			return -1;
		}
		p->filters[p->nfilters++] = (http_filter)fi;
	}
	return 0;
}

int http_template_parse(const char *text, http_template *t, char *why)
{
	const char *lit = text, *s = text;

	memset(t, 0, sizeof(*t));
	while ((s = strchr(s, '{')) != NULL) {
		const char *close = strchr(s + 1, '}');
		size_t len = close ? (size_t)(close - s - 1) : 0;

		if (close == NULL || !looks_like_var(s + 1, len)) {
			s++;
			continue;
		}
		if ((s > lit && add(t, lit, (size_t)(s - lit), -1) != 0)) {
			snprintf(why, DT_ERRBUF_SIZE, "out of memory");
			goto fail;
		}
		if (add_var(t, s + 1, len, why) != 0)
			goto fail;
		lit = s = close + 1;
	}
	if (*lit != '\0' && add(t, lit, strlen(lit), -1) != 0) {
		snprintf(why, DT_ERRBUF_SIZE, "out of memory");
		goto fail;
	}
	return 0;
fail:
	http_template_free(t);
	return -1;
}

void http_template_free(http_template *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->pieces[i].text);
	free(t->pieces);
	t->pieces = NULL;
	t->n = 0;
}

/* text through one filter (not json): a new string, or NULL. */
static char *apply(http_filter f, char *text)
{
	dt_buf b = { 0 };
	char *out;

	switch (f) {
	case HTTP_F_BASE64:
		out = dt_base64_encode(text, strlen(text));
		break;
	case HTTP_F_URL:
		for (const unsigned char *p = (unsigned char *)text; *p; p++)
			if (isalnum(*p) || strchr("-._~", *p) != NULL)
				dt_buf_printf(&b, "%c", *p);
			else
				dt_buf_printf(&b, "%%%02X", *p);
		out = dt_buf_take(&b);
		break;
	case HTTP_F_QUOTE: {
		json_t *s = json_string(text);

		out = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
		break;
	}
	default:
		out = strdup(text);
		break;
	}
	free(text);
	return out;
}

char *http_template_render(const http_template *t, const json_t *const *vars)
{
	dt_buf b = { 0 };

	dt_buf_puts(&b, "");
	for (size_t i = 0; i < t->n; i++) {
		const http_piece *p = &t->pieces[i];
		const json_t *v;
		char *text;
		int f = 0;

		if (p->var < 0) {
			if (dt_buf_puts(&b, p->text) != 0)
				goto oom;
			continue;
		}
		v = vars[p->var];
		if (p->nfilters > 0 && p->filters[0] == HTTP_F_JSON) {
			text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) :
			       strdup("null");
			f = 1;
		} else {
			text = dt_value_text(v, true);
		}
		for (; text != NULL && f < p->nfilters; f++)
			text = apply(p->filters[f], text);
		if (text == NULL || dt_buf_puts(&b, text) != 0) {
			free(text);
			goto oom;
		}
		free(text);
	}
	return dt_buf_take(&b);
oom:
	dt_buf_free(&b);
	return NULL;
}
