/* SPDX-License-Identifier: MIT */
/*
 * prom.c: the Prometheus text format parser and histogram arithmetic
 * (see prom.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

/* Room for a line's name and labels once unescaped; longer lines are
 * malformed as far as we are concerned. */
#define PROM_MAX_LINE_TEXT 4096

typedef struct cursor {
	const char *p, *end;
} cursor;

static bool name_start(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':');
}

static bool name_char(char c, bool colon)
{
	return name_start(c, colon) || (c >= '0' && c <= '9');
}

static void skip_blank(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Append a name to the text buffer; its start, or NULL. */
static const char *take_name(cursor *c, bool colon, char *buf, size_t *used)
{
	const char *start = c->p;
	size_t n;

	if (c->p >= c->end || !name_start(*c->p, colon))
		return NULL;
	while (c->p < c->end && name_char(*c->p, colon))
		c->p++;
	n = (size_t)(c->p - start);
	if (*used + n + 1 > PROM_MAX_LINE_TEXT)
		return NULL;
	memcpy(buf + *used, start, n);
	buf[*used + n] = '\0';
	*used += n + 1;
	return buf + *used - n - 1;
}

/* A quoted label value, unescaped into the buffer. */
static const char *take_quoted(cursor *c, char *buf, size_t *used)
{
	char *out = buf + *used, *o = out;

	if (c->p >= c->end || *c->p != '"' || *used + 1 > PROM_MAX_LINE_TEXT)
		return NULL;
	c->p++;
	for (;;) {
		char ch;

		if (c->p >= c->end)
			return NULL;
		ch = *c->p++;
		if (ch == '"')
			break;
		if (ch == '\n' || ch == '\0')
			return NULL;
		if (ch == '\\') {
			if (c->p >= c->end)
				return NULL;
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"')
				return NULL;
		}
		if ((size_t)(o - buf) + 2 > PROM_MAX_LINE_TEXT)
			return NULL;
		*o++ = ch;
	}
	*o++ = '\0';
	*used = (size_t)(o - buf);
	return out;
}

static bool take_value(cursor *c, double *out)
{
	const char *start = c->p;
	char tmp[64];
	char *end;
	size_t n;

	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	n = (size_t)(c->p - start);
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "+Inf") == 0 || strcmp(tmp, "Inf") == 0) {
		*out = INFINITY;
		return true;
	}
	if (strcmp(tmp, "-Inf") == 0) {
		*out = -INFINITY;
		return true;
	}
	if (strcmp(tmp, "NaN") == 0) {
		*out = NAN;
		return true;
	}
	/* strtod would take "inf", "nan(...)" and hex: the format does not. */
	for (size_t i = 0; i < n; i++)
		if (!((tmp[i] >= '0' && tmp[i] <= '9') || tmp[i] == '.' ||
		      tmp[i] == 'e' || tmp[i] == 'E' || tmp[i] == '+' || tmp[i] == '-'))
			return false;
	*out = strtod(tmp, &end);
	return *end == '\0';
}

static bool take_timestamp(cursor *c)
{
	const char *start;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

/* Parse one line (no newline); 1 sample, 0 nothing (comment, blank),
 * -1 malformed, 2 when the callback asked to stop. */
static int parse_line(const char *line, size_t n, etcd_prom_fn fn, void *arg)
{
	char buf[PROM_MAX_LINE_TEXT];
	size_t used = 0;
	cursor c = { line, line + n };
	etcd_prom_sample s;

	memset(&s, 0, sizeof(s));
	skip_blank(&c);
	if (c.p == c.end || *c.p == '#')
		return 0;
	s.name = take_name(&c, true, buf, &used);
	if (s.name == NULL)
		return -1;
	skip_blank(&c);
	if (c.p < c.end && *c.p == '{') {
		c.p++;
		for (;;) {
			skip_blank(&c);
			if (c.p < c.end && *c.p == '}') {
				c.p++;
				break;
			}
			if (s.nlabels == ETCD_PROM_MAX_LABELS)
				return -1;
			s.label_name[s.nlabels] = take_name(&c, false, buf, &used);
			if (s.label_name[s.nlabels] == NULL)
				return -1;
			skip_blank(&c);
			if (c.p >= c.end || *c.p != '=')
				return -1;
			c.p++;
			skip_blank(&c);
			s.label_value[s.nlabels] = take_quoted(&c, buf, &used);
			if (s.label_value[s.nlabels] == NULL)
				return -1;
			s.nlabels++;
			skip_blank(&c);
			if (c.p < c.end && *c.p == ',')
				c.p++;
			else if (c.p < c.end && *c.p == '}')
				continue;
			else
				return -1;
		}
	}
	skip_blank(&c);
	if (!take_value(&c, &s.value))
		return -1;
	skip_blank(&c);
	if (c.p < c.end && !take_timestamp(&c))
		return -1;
	skip_blank(&c);
	if (c.p != c.end)
		return -1;
	return fn != NULL && fn(&s, arg) != 0 ? 2 : 1;
}

size_t etcd_prom_parse(const char *text, size_t len, etcd_prom_fn fn,
		       void *arg)
{
	size_t pos = 0, bad = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int rc;

		pos += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		rc = parse_line(line, n, fn, arg);
		if (rc < 0)
			bad++;
		else if (rc == 2)
			break;
	}
	return bad;
}

const char *etcd_prom_label(const etcd_prom_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->label_name[i], name) == 0)
			return s->label_value[i];
	return NULL;
}

/* s->name is family + suffix? */
static bool family_is(const char *name, const char *family, const char *suffix)
{
	size_t n = strlen(family);

	return strncmp(name, family, n) == 0 && strcmp(name + n, suffix) == 0;
}

bool etcd_prom_hist_add(etcd_prom_hist *h, const etcd_prom_sample *s)
{
	if (h->name == NULL || isnan(s->value))
		return false;
	if (family_is(s->name, h->name, "_sum")) {
		h->sum += s->value;
		h->seen = true;
		return true;
	}
	if (family_is(s->name, h->name, "_count")) {
		h->total += s->value;
		h->seen = true;
		return true;
	}
	if (family_is(s->name, h->name, "_bucket")) {
		const char *les = etcd_prom_label(s, "le");
		char *end;
		double le;
		size_t i;

		if (les == NULL)
			return false;
		le = strcmp(les, "+Inf") == 0 ? INFINITY : strtod(les, &end);
		if (le != INFINITY && (*end != '\0' || isnan(le)))
			return false;
		for (i = 0; i < h->nbuckets && h->le[i] < le; i++)
			;
		if (i < h->nbuckets && h->le[i] == le) {
			h->count[i] += s->value;
		} else {
			if (h->nbuckets == ETCD_PROM_MAX_BUCKETS)
				return false;
			memmove(&h->le[i + 1], &h->le[i], (h->nbuckets - i) * sizeof(double));
			memmove(&h->count[i + 1], &h->count[i], (h->nbuckets - i) * sizeof(double));
			h->le[i] = le;
			h->count[i] = s->value;
			h->nbuckets++;
		}
		h->seen = true;
		return true;
	}
	return false;
}

double etcd_prom_hist_quantile(const etcd_prom_hist *h, double q)
{
	double total, rank, lower = 0, below = 0;

	if (h->nbuckets == 0 || q <= 0 || q >= 1)
		return NAN;
	total = h->count[h->nbuckets - 1];
	if (!(total > 0))
		return NAN;
	rank = q * total;
	for (size_t i = 0; i < h->nbuckets; i++) {
		if (h->count[i] >= rank) {
			double in = h->count[i] - below;

			if (isinf(h->le[i]))
				return i > 0 ? h->le[i - 1] : NAN;
			if (in <= 0)
				return h->le[i];
			return lower + (h->le[i] - lower) * (rank - below) / in;
		}
		lower = h->le[i];
		below = h->count[i];
	}
	return h->le[h->nbuckets - 1];
}
