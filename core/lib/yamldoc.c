/* SPDX-License-Identifier: MIT */
/*
 * yaml.c: libyaml events to jansson values.
 *
 * Scalars are typed as in YAML 1.2's core schema: plain null/~/empty is
 * null, true/false booleans, decimal, 0x and 0o integers, floats; quoted
 * scalars are strings.  Anchors and aliases are refused (they buy little
 * in a suite and open the door to exponential documents); so are
 * duplicate keys and keys that are not scalars.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "yamldoc.h"

/*
 * Where each object and array came from: a table from the json_t pointer
 * to its document and key path, so that dt_conf_fail() can name the
 * file, line and key of any config value a plugin is handed.
 */
typedef struct where {
	const json_t *value;
	dt_doc *doc;
	char *path;
} where;

static pthread_mutex_t where_lock = PTHREAD_MUTEX_INITIALIZER;
static where *wheres;
static size_t nwheres, capwheres;

static void where_add(const json_t *value, dt_doc *doc, const char *path)
{
	pthread_mutex_lock(&where_lock);
	if (dt_grow(&wheres, &capwheres, nwheres + 1, sizeof(*wheres)) != 0) {
		pthread_mutex_unlock(&where_lock);
		return;
	}
	wheres[nwheres].value = value;
	wheres[nwheres].doc = doc;
	wheres[nwheres].path = strdup(path);
	nwheres++;
	pthread_mutex_unlock(&where_lock);
}

static void where_drop(const dt_doc *doc)
{
	size_t kept = 0;

	pthread_mutex_lock(&where_lock);
	for (size_t i = 0; i < nwheres; i++) {
		if (wheres[i].doc == doc)
			free(wheres[i].path);
		else
			wheres[kept++] = wheres[i];
	}
	nwheres = kept;
	if (nwheres == 0) {
		free(wheres);
		wheres = NULL;
		capwheres = 0;
	}
	pthread_mutex_unlock(&where_lock);
}

bool dt_conf_where(const json_t *conf, const dt_doc **doc, char *path,
		   size_t size)
{
	bool found = false;

	pthread_mutex_lock(&where_lock);
	for (size_t i = nwheres; i-- > 0;) {
		if (wheres[i].value != conf)
			continue;
		*doc = wheres[i].doc;
		snprintf(path, size, "%s", wheres[i].path);
		found = true;
		break;
	}
	pthread_mutex_unlock(&where_lock);
	return found;
}

void dt_conf_remember(const json_t *value, dt_doc *doc, const char *path)
{
	where_add(value, doc, path);
}

int dt_conf_fail(const json_t *conf, const char *key, char *err,
		 const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE], path[1024];
	va_list ap;
	int rc = -1;
	bool found = false;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&where_lock);
	for (size_t i = nwheres; i-- > 0;) {
		if (wheres[i].value != conf)
			continue;
		if (key == NULL)
			snprintf(path, sizeof(path), "%s", wheres[i].path);
		else
			dt_path_key(path, sizeof(path), wheres[i].path, key);
		rc = dt_doc_fail(wheres[i].doc, path, err, "%s", msg);
		found = true;
		break;
	}
	pthread_mutex_unlock(&where_lock);
	if (!found) {
		if (key != NULL)
			rc = dt_fail(err, "%s: %s", key, msg);
		else
			rc = dt_fail(err, "%s", msg);
	}
	return rc;
}

typedef struct parser {
	yaml_parser_t yp;
	const char *text;  /* the input, to place reader errors */
	size_t len;
	dt_doc *doc;
	char *err;
	bool failed;
} parser;

char *dt_path_key(char *buf, size_t size, const char *parent, const char *key)
{
	if (parent == NULL || parent[0] == '\0')
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", parent, key);
	return buf;
}

char *dt_path_index(char *buf, size_t size, const char *parent, size_t i)
{
	snprintf(buf, size, "%s[%zu]", parent ? parent : "", i);
	return buf;
}

static int fail_at(parser *p, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(parser *p, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE];
	va_list ap;

	if (p->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dt_fail(p->err, "%s:%zu:%zu: %s", p->doc->file, m->line + 1,
		m->column + 1, msg);
	p->failed = true;
	return -1;
}

static int next_event(parser *p, yaml_event_t *ev)
{
	if (yaml_parser_parse(&p->yp, ev))
		return 0;
	{
		yaml_mark_t m = p->yp.problem_mark;

		/* The reader (bad encoding) gives a byte offset, no mark. */
		if (p->yp.error == YAML_READER_ERROR) {
			m.line = m.column = 0;
			for (size_t i = 0; i < p->yp.problem_offset && i < p->len; i++) {
				if (p->text[i] == '\n') {
					m.line++;
					m.column = 0;
				} else {
					m.column++;
				}
			}
		}

		return fail_at(p, &m, "%s%s%s", p->yp.problem ? p->yp.problem : "syntax error",
			       p->yp.context ? " " : "",
			       p->yp.context ? p->yp.context : "");
	}
}

static void mark(parser *p, const char *path, const yaml_mark_t *m)
{
	json_object_set_new(p->doc->marks, path,
			    json_pack("[II]", (json_int_t)m->line + 1,
				      (json_int_t)m->column + 1));
}

static bool match_int(const char *s, json_int_t *out)
{
	char *end;
	int base = 10;
	const char *digits = s;
	long long v;
	bool neg = false;

	if (*digits == '-' || *digits == '+') {
		neg = *digits == '-';
		digits++;
	}
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o')) {
		base = digits[1] == 'x' ? 16 : 8;
		digits += 2;
	}
	if (*digits == '\0')
		return false;
	for (const char *c = digits; *c; c++) {
		if (base == 10 && (*c < '0' || *c > '9'))
			return false;
		if (base == 8 && (*c < '0' || *c > '7'))
			return false;
		if (base == 16 && !((*c >= '0' && *c <= '9') ||
				    ((*c | 32) >= 'a' && (*c | 32) <= 'f')))
			return false;
	}
	errno = 0;
	v = strtoll(digits, &end, base);
	if (errno != 0 || *end != '\0')
		return false;
	*out = neg ? -v : v;
	return true;
}

static bool match_float(const char *s, double *out)
{
	const char *c = s;
	bool digits = false;
	char *end;

	if (strcmp(s, ".inf") == 0 || strcmp(s, "+.inf") == 0 || strcmp(s, ".Inf") == 0) {
		*out = INFINITY;
		return true;
	}
	if (strcmp(s, "-.inf") == 0 || strcmp(s, "-.Inf") == 0) {
		*out = -INFINITY;
		return true;
	}
	if (*c == '-' || *c == '+')
		c++;
	while (*c >= '0' && *c <= '9') {
		c++;
		digits = true;
	}
	if (*c == '.') {
		c++;
		while (*c >= '0' && *c <= '9') {
			c++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*c == 'e' || *c == 'E') {
		c++;
		if (*c == '-' || *c == '+')
			c++;
		if (!(*c >= '0' && *c <= '9'))
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	if (*c != '\0')
		return false;
	*out = strtod(s, &end);
	return *end == '\0';
}

static json_t *scalar(parser *p, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	json_int_t i;
	double d;

	if (strlen(s) != len) {
		fail_at(p, &ev->start_mark, "a NUL byte inside a scalar");
		return NULL;
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.tag == NULL) {
		if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
			return json_null();
		if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
		    strcmp(s, "TRUE") == 0)
			return json_true();
		if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
		    strcmp(s, "FALSE") == 0)
			return json_false();
		if (match_int(s, &i))
			return json_integer(i);
		if (match_float(s, &d) && isfinite(d))
			return json_real(d);
	}
	{
		json_t *str = json_stringn(s, len);

		if (str == NULL)
			fail_at(p, &ev->start_mark, "invalid UTF-8 in a scalar");
		return str;
	}
}

static json_t *node(parser *p, yaml_event_t *ev, const char *path, int depth);

static bool utf8_valid(const char *s)
{
	json_t *probe = json_string(s); /* NULL for invalid UTF-8 */

	json_decref(probe);
	return probe != NULL;
}

static json_t *mapping(parser *p, const char *path, int depth)
{
	json_t *obj = json_object();
	yaml_event_t ev;

	for (;;) {
		char child[1024];
		json_t *value;
		const char *key;

		if (next_event(p, &ev) != 0)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			where_add(obj, p->doc, path);
			return obj;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			fail_at(p, &ev.start_mark, "%s%skeys must be plain scalars",
				path, path[0] ? ": " : "");
			yaml_event_delete(&ev);
			goto fail;
		}
		key = (const char *)ev.data.scalar.value;
		if (strlen(key) != ev.data.scalar.length ||
		    !utf8_valid(key)) {
			fail_at(p, &ev.start_mark, "a key is not valid UTF-8");
			yaml_event_delete(&ev);
			goto fail;
		}
		dt_path_key(child, sizeof(child), path, key);
		if (json_object_get(obj, key) != NULL) {
			fail_at(p, &ev.start_mark, "%s: duplicate key", child);
			yaml_event_delete(&ev);
			goto fail;
		}
		mark(p, child, &ev.start_mark);
		{
			char *k = strdup(key);

			yaml_event_delete(&ev);
			if (k == NULL || next_event(p, &ev) != 0) {
				free(k);
				goto fail;
			}
			value = node(p, &ev, child, depth + 1);
			yaml_event_delete(&ev);
			if (value == NULL) {
				free(k);
				goto fail;
			}
			json_object_set_new(obj, k, value);
			free(k);
		}
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *sequence(parser *p, const char *path, int depth)
{
	json_t *arr = json_array();
	yaml_event_t ev;

	for (size_t i = 0;; i++) {
		char child[1024];
		json_t *value;

		if (next_event(p, &ev) != 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			where_add(arr, p->doc, path);
			return arr;
		}
		dt_path_index(child, sizeof(child), path, i);
		mark(p, child, &ev.start_mark);
		value = node(p, &ev, child, depth + 1);
		yaml_event_delete(&ev);
		if (value == NULL)
			goto fail;
		json_array_append_new(arr, value);
	}
fail:
	json_decref(arr);
	return NULL;
}

static json_t *node(parser *p, yaml_event_t *ev, const char *path, int depth)
{
	if (depth > DT_YAML_MAX_DEPTH) {
		fail_at(p, &ev->start_mark, "nested deeper than %d levels",
			DT_YAML_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL)
			break;
		return scalar(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor != NULL)
			break;
		return sequence(p, path, depth);
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor != NULL)
			break;
		return mapping(p, path, depth);
	case YAML_ALIAS_EVENT:
		break;
	default:
		fail_at(p, &ev->start_mark, "unexpected YAML event");
		return NULL;
	}
	fail_at(p, &ev->start_mark, "%s%sanchors and aliases are not supported",
		path, path[0] ? ": " : "");
	return NULL;
}

static int parse_stream(parser *p)
{
	yaml_event_t ev;
	bool seen_doc = false;

	for (;;) {
		if (next_event(p, &ev) != 0)
			return -1;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (seen_doc) {
				fail_at(p, &ev.start_mark,
					"more than one YAML document in the file");
				yaml_event_delete(&ev);
				return -1;
			}
			seen_doc = true;
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return 0;
		default:
			mark(p, "", &ev.start_mark);
			p->doc->root = node(p, &ev, "", 0);
			if (p->doc->root == NULL) {
				yaml_event_delete(&ev);
				return -1;
			}
			break;
		}
		yaml_event_delete(&ev);
	}
}

dt_doc *dt_doc_parse(const char *name, const char *text, size_t len, char *err)
{
	parser p = { .err = err };

	if (len > DT_YAML_MAX_BYTES) {
		dt_fail(err, "%s: larger than %u bytes", name, DT_YAML_MAX_BYTES);
		return NULL;
	}
	p.doc = calloc(1, sizeof(*p.doc));
	if (p.doc == NULL) {
		dt_fail(err, "%s: out of memory", name);
		return NULL;
	}
	p.doc->file = strdup(name);
	p.doc->marks = json_object();
	p.text = text;
	p.len = len;
	yaml_parser_initialize(&p.yp);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
	if (parse_stream(&p) != 0) {
		yaml_parser_delete(&p.yp);
		dt_doc_free(p.doc);
		return NULL;
	}
	yaml_parser_delete(&p.yp);
	return p.doc;
}

dt_doc *dt_doc_load(const char *file, char *err)
{
	FILE *f = fopen(file, "rbe");
	struct stat st;
	char *text;
	size_t n;
	dt_doc *doc;

	if (f == NULL) {
		dt_fail(err, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		dt_fail(err, "%s: not a regular file", file);
		return NULL;
	}
	if ((size_t)st.st_size > DT_YAML_MAX_BYTES) {
		fclose(f);
		dt_fail(err, "%s: larger than %u bytes", file, DT_YAML_MAX_BYTES);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		fclose(f);
		dt_fail(err, "%s: out of memory", file);
		return NULL;
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[n] = '\0';
	doc = dt_doc_parse(file, text, n, err);
	free(text);
	return doc;
}

void dt_doc_free(dt_doc *doc)
{
	if (doc == NULL)
		return;
	where_drop(doc);
	free(doc->file);
	json_decref(doc->root);
	json_decref(doc->marks);
	free(doc);
}

int dt_doc_fail(const dt_doc *doc, const char *path, char *err,
		const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE], probe[1024];
	const json_t *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* Walk up "a.b[2].c" until a marked prefix is found. */
	snprintf(probe, sizeof(probe), "%s", path);
	while (probe[0] != '\0') {
		char *cut;

		m = json_object_get(doc->marks, probe);
		if (m != NULL)
			break;
		cut = strrchr(probe, '.');
		{
			char *br = strrchr(probe, '[');
			if (br != NULL && (cut == NULL || br > cut))
				cut = br;
		}
		if (cut == NULL)
			break;
		*cut = '\0';
	}
	if (m == NULL)
		m = json_object_get(doc->marks, ""); /* the document itself */
	if (m != NULL)
		return dt_fail(err, "%s:%lld:%lld: %s%s%s", doc->file,
			       (long long)json_integer_value(json_array_get(m, 0)),
			       (long long)json_integer_value(json_array_get(m, 1)),
			       path, path[0] ? ": " : "", msg);
	return dt_fail(err, "%s: %s%s%s", doc->file, path, path[0] ? ": " : "", msg);
}
