/* SPDX-License-Identifier: MIT */
/*
 * history_import.c: porcupine's and Jepsen's history formats into
 * dt_history (see history_import.h).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edn.h"
#include "history.h"
#include "history_import.h"

static const char *const fmt_names[] = { "auto", "jsonl", "etcd", "kv", "edn" };

int dt_history_format_parse(const char *name, dt_history_format *fmt)
{
	for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(name, fmt_names[i]) == 0) {
			*fmt = (dt_history_format)i;
			return 0;
		}
	return -1;
}

const char *dt_history_format_name(dt_history_format fmt)
{
	return (size_t)fmt < sizeof(fmt_names) / sizeof(fmt_names[0]) ?
	       fmt_names[fmt] : "?";
}

dt_history_format dt_history_format_guess(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
			   text[i] == '\r'))
		i++;
	if (len - i >= 4 && strncmp(text + i, "INFO", 4) == 0)
		return DT_HFMT_ETCD;
	if (i < len && text[i] == '{') {
		size_t j = i + 1;

		while (j < len && (text[j] == ' ' || text[j] == '\n'))
			j++;
		return j < len && text[j] == '"' ? DT_HFMT_JSONL : DT_HFMT_KV;
	}
	/* a Jepsen log whose first lines are not jepsen.util's (another
	 * level, another logger): jepsen.util in its first 64 KiB */
	if (i < len && text[i] != '[' && text[i] != '(' && text[i] != ';' &&
	    memmem(text + i, len - i < 65536 ? len - i : 65536, "jepsen.util", 11))
		return DT_HFMT_ETCD;
	return DT_HFMT_EDN;
}

static int push(dt_history *h, size_t *alloc, dt_op *op)
{
	if (dt_grow(&h->ops, alloc, h->count + 1, sizeof(*h->ops)) != 0)
		return -1;
	op->index = (int64_t)h->count;
	h->ops[h->count++] = *op;
	return 0;
}

/* ---- EDN maps (Jepsen history.edn, porcupine kv) ------------------------ */

static char *scalar_string(const json_t *v)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* An op without :process is a process of its own, numbered from here
 * (Elle's hand-written histories are often completions only). */
#define EDN_OWN_PROCESS ((int64_t)1 << 48)

/* 0 with *op, 1 for an op to skip (an invoke without a process), -1 with
 * err.  h_count: the ops read so far. */
static int edn_op(const json_t *m, dt_op *op, const char *name, int line,
		  size_t h_count, char *err)
{
	const json_t *p = json_object_get(m, "process");
	const json_t *t = json_object_get(m, "type");
	const json_t *f = json_object_get(m, "f");
	const json_t *tm = json_object_get(m, "time");

	memset(op, 0, sizeof(*op));
	if (!json_is_object(m))
		return dt_fail(err, "%s:%d: an op must be a map", name, line);
	if (!json_is_string(t) || dt_op_type_parse(json_string_value(t), &op->type) != 0)
		return dt_fail(err, "%s:%d: :type must be :invoke, :ok, :fail or "
			       ":info", name, line);
	if (json_is_integer(p) && json_integer_value(p) >= 0 &&
	    json_integer_value(p) < EDN_OWN_PROCESS)
		op->process = json_integer_value(p);
	else if (json_is_string(p) && strcmp(json_string_value(p), "nemesis") == 0)
		op->process = DT_PROCESS_NEMESIS;
	else if (p != NULL)
		return dt_fail(err, "%s:%d: :process must be an integer or :nemesis",
			       name, line);
	else if (op->type == DT_OP_INVOKE)
		return 1; /* nothing pairs it with its completion */
	else
		op->process = EDN_OWN_PROCESS + (int64_t)h_count;
	if (!json_is_string(f))
		return dt_fail(err, "%s:%d: :f must be a keyword or string", name, line);
	op->f = strdup(json_string_value(f));
	op->key = scalar_string(json_object_get(m, "key"));
	op->error = scalar_string(json_object_get(m, "error"));
	op->value = json_incref(json_object_get(m, "value"));
	op->time = json_is_integer(tm) ? json_integer_value(tm) : -1;
	if (op->f == NULL)
		return dt_fail(err, "out of memory");
	return 0;
}

/* Knossos's register and cas-register models: an ok read of nil read
 * a value nobody knows, so it constrains nothing: an op of unknown
 * outcome, which for a read is the same. */
static void knossos_nil_read(dt_op *op)
{
	if (op->type == DT_OP_OK && op->f != NULL && strcmp(op->f, "read") == 0 &&
	    (op->value == NULL || json_is_null(op->value)))
		op->type = DT_OP_INFO;
}

static int parse_edn(const char *text, size_t len, const char *name,
		     bool nil_any, dt_history *h, char *err)
{
	dt_edn_reader r;
	size_t alloc = 0;
	char e[DT_ERRBUF_SIZE];

	dt_edn_reader_init(&r, text, len);
	for (;;) {
		json_t *v = NULL;
		int line = r.line, rc = dt_edn_next(&r, &v, e);

		if (rc == 0)
			break;
		if (rc < 0)
			return dt_fail(err, "%s: %s", name, e);
		/* a whole history in one vector, or one op after another */
		if (json_is_array(v)) {
			size_t i;
			json_t *m;

			json_array_foreach(v, i, m) {
				dt_op op;

				int orc = edn_op(m, &op, name, line, h->count, err);

				if (orc == 1)
					continue;
				if (orc != 0 ||
				    (nil_any && (knossos_nil_read(&op), false)) ||
				    push(h, &alloc, &op) != 0) {
					dt_op_clear(&op);
					json_decref(v);
					return -1;
				}
			}
		} else {
			dt_op op;
			int orc = edn_op(v, &op, name, line, h->count, err);

			if (orc != 1 && (orc != 0 ||
			    (nil_any && (knossos_nil_read(&op), false)) ||
			    push(h, &alloc, &op) != 0)) {
				dt_op_clear(&op);
				json_decref(v);
				return -1;
			}
		}
		json_decref(v);
	}
	return 0;
}

/* ---- porcupine's Jepsen etcd logs ------------------------------------------ */

static inline bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next field of [*p, eol): a run of non-blanks after blanks. */
static bool next_field(const char **p, const char *eol, const char **f,
		       const char **fe)
{
	const char *s = *p;

	while (s < eol && blank(*s))
		s++;
	if (s == eol)
		return false;
	*f = s;
	while (s < eol && !blank(*s))
		s++;
	*fe = s;
	*p = s;
	return true;
}

/* Lines are "INFO jepsen.util - PROCESS :TYPE :F VALUE" with any run of
 * blanks (spaces, tabs) between the fields, as porcupine's expressions
 * (\s+) read them; CRLF and trailing blanks are fine; lines of other
 * loggers are skipped, as porcupine skips them. */
static int parse_etcd(const char *text, size_t len, const char *name,
		      dt_history *h, char *err)
{
	const char *s = text, *end = text + len;
	size_t alloc = 0;
	int line = 0;

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *f[3], *fe[3], *p, *v, *ve;
		char e[DT_ERRBUF_SIZE], tmp[64];
		dt_op op = { 0 };
		json_t *value;
		size_t nf = 0;

		if (eol == NULL)
			eol = end;
		line++;
		p = s;
		s = eol + 1;
		{
			const char *m = memmem(p, (size_t)(eol - p), "jepsen.util", 11);

			if (m == NULL)
				continue;   /* another logger's line */
			p = m + 11;
			while (p < eol && blank(*p))
				p++;
			if (p == eol || *p != '-' || p + 1 == eol || !blank(p[1]))
				return dt_fail(err, "%s:%d: expected '-' after "
					       "jepsen.util", name, line);
			p++;
		}
		while (nf < 3 && next_field(&p, eol, &f[nf], &fe[nf]))
			nf++;
		/* the value is the rest of the line ([1 2] has blanks) */
		v = p;
		while (v < eol && blank(*v))
			v++;
		ve = eol;
		while (ve > v && blank(ve[-1]))
			ve--;
		if (nf != 3 || v == ve)
			return dt_fail(err, "%s:%d: expected PROCESS, :TYPE, :F and "
				       "VALUE after jepsen.util -", name, line);
		if ((size_t)(fe[1] - f[1]) >= sizeof(tmp) || f[1][0] != ':')
			return dt_fail(err, "%s:%d: bad :type", name, line);
		memcpy(tmp, f[1] + 1, (size_t)(fe[1] - f[1]) - 1);
		tmp[fe[1] - f[1] - 1] = '\0';
		if (dt_op_type_parse(tmp, &op.type) != 0)
			return dt_fail(err, "%s:%d: unknown type :%s", name, line, tmp);
		if (fe[0] - f[0] == 8 && memcmp(f[0], ":nemesis", 8) == 0) {
			op.process = DT_PROCESS_NEMESIS;
		} else {
			char digits[24], *q;
			size_t dlen = (size_t)(fe[0] - f[0]);

			/* f[0] is not NUL-terminated: copy the field first */
			if (dlen == 0 || dlen >= sizeof(digits))
				return dt_fail(err, "%s:%d: bad process", name, line);
			memcpy(digits, f[0], dlen);
			digits[dlen] = '\0';
			errno = 0;
			op.process = strtoll(digits, &q, 10);
			if (*q != '\0' || errno != 0 || op.process < 0)
				return dt_fail(err, "%s:%d: bad process", name, line);
		}
		if (f[2][0] != ':' || fe[2] - f[2] < 2)
			return dt_fail(err, "%s:%d: :f must be a keyword", name, line);
		op.f = strndup(f[2] + 1, (size_t)(fe[2] - f[2]) - 1);
		value = dt_edn_parse(v, (size_t)(ve - v), e);
		if (value == NULL || op.f == NULL) {
			free(op.f);
			json_decref(value);
			return dt_fail(err, "%s:%d: value: %s", name, line,
				       value ? "out of memory" : e);
		}
		if (op.type == DT_OP_FAIL && strcmp(op.f, "cas") == 0) {
			/* the compare failed: an ok cas that changed nothing */
			op.type = DT_OP_OK;
			json_decref(value);
			value = json_false();
		} else if (op.type == DT_OP_INFO) {
			json_decref(value);
			value = json_null();
		}
		op.value = value;
		op.time = -1;
		if (push(h, &alloc, &op) != 0) {
			dt_op_clear(&op);
			return dt_fail(err, "out of memory");
		}
	}
	return 0;
}

dt_history *dt_history_parse(const char *text, size_t len,
			     dt_history_format fmt, const char *name, char *err)
{
	return dt_history_parse_flags(text, len, fmt, 0, name, err);
}

dt_history *dt_history_parse_flags(const char *text, size_t len,
				   dt_history_format fmt, unsigned flags,
				   const char *name, char *err)
{
	dt_history *h = calloc(1, sizeof(*h));
	int rc;

	if (h == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	if (fmt == DT_HFMT_AUTO)
		fmt = dt_history_format_guess(text, len);
	switch (fmt) {
	case DT_HFMT_ETCD:
		rc = parse_etcd(text, len, name, h, err);
		break;
	case DT_HFMT_KV:
		rc = parse_edn(text, len, name, false, h, err);
		break;
	case DT_HFMT_EDN:
		rc = parse_edn(text, len, name,
			       !(flags & DT_HIMPORT_READ_NIL_IS_NIL), h, err);
		break;
	default: {
		size_t alloc = 0;
		const char *s = text, *end = text + len;
		int line = 0;

		rc = 0;
		while (rc == 0 && s < end) {
			const char *eol = memchr(s, '\n', (size_t)(end - s));
			char e[DT_ERRBUF_SIZE];
			dt_op op;

			if (eol == NULL)
				eol = end;
			line++;
			if (eol > s && dt_op_from_json(s, (size_t)(eol - s), &op, e) != 0)
				rc = dt_fail(err, "%s:%d: %s", name, line, e);
			else if (eol > s && push(h, &alloc, &op) != 0)
				rc = dt_fail(err, "out of memory");
			s = eol + 1;
		}
		/* DT's histories keep their own index and time */
		if (rc == 0)
			goto out;
	}
	}
	if (rc == 0)
		for (size_t i = 0; i < h->count; i++)
			if (h->ops[i].time < 0)
				h->ops[i].time = (int64_t)i;
out:
	if (rc != 0) {
		dt_history_free(h);
		return NULL;
	}
	return h;
}

dt_history *dt_history_import(const char *path, dt_history_format fmt,
			      char *err)
{
	return dt_history_import_flags(path, fmt, 0, err);
}

dt_history *dt_history_import_flags(const char *path, dt_history_format fmt,
				    unsigned flags, char *err)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	dt_history *h;

	if (fmt == DT_HFMT_JSONL)
		return dt_history_read_jsonl(path, err);
	f = fopen(path, "re");
	if (f == NULL) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 65536 > cap) {
			char *q = realloc(text, cap = cap * 2 + 65536);

			if (q == NULL) {
				free(text);
				fclose(f);
				dt_fail(err, "%s: out of memory", path);
				return NULL;
			}
			text = q;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (fmt == DT_HFMT_AUTO)
		fmt = dt_history_format_guess(text, len);
	if (fmt == DT_HFMT_JSONL) {
		free(text);
		return dt_history_read_jsonl(path, err);
	}
	h = dt_history_parse_flags(text, len, fmt, flags, path, err);
	free(text);
	return h;
}
