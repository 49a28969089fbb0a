/* SPDX-License-Identifier: MIT */
/*
 * options.c: checking a section of a suite or chart against the options
 * its component declares (dt/options.h), filling in defaults, converting
 * units; reading the result back (dt_opt_*); and printing the tables as
 * documentation (options_describe, options_json).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

#include "options_doc.h"
#include "yamldoc.h"

/* ---- reading ------------------------------------------------------------- */

const json_t *dt_opt(const json_t *conf, const char *name)
{
	const json_t *v = json_is_object(conf) ? json_object_get(conf, name) : NULL;

	return json_is_null(v) ? NULL : v;
}

long long dt_opt_int(const json_t *conf, const char *name)
{
	const json_t *v = dt_opt(conf, name);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	return json_is_real(v) ? (long long)json_real_value(v) : 0;
}

double dt_opt_number(const json_t *conf, const char *name)
{
	const json_t *v = dt_opt(conf, name);

	return json_is_number(v) ? json_number_value(v) : 0;
}

bool dt_opt_bool(const json_t *conf, const char *name)
{
	return json_is_true(dt_opt(conf, name));
}

const char *dt_opt_string(const json_t *conf, const char *name)
{
	return json_string_value(dt_opt(conf, name));
}

int dt_opt_enum(const json_t *conf, const char *name, const char *const *values)
{
	const char *s = dt_opt_string(conf, name);

	for (int i = 0; s != NULL && values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0)
			return i;
	return -1;
}

int dt_validate_nodes(const dt_validate_env *env, char *err)
{
	if (env->platform != NULL)
		return 0;
	return dt_fail(err, "acts on nodes, and chart %s has none (its system "
		       "runs in the process)",
		       json_string_value(json_object_get(env->chart, "name")));
}

/* ---- suggestions ------------------------------------------------------------ */

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), capped: names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *options_closest(const char *word, const char *const *names,
			    size_t n)
{
	const char *best = NULL;
	size_t bestd = 99, len = strlen(word);
	/* One edit for short names, two from 6 letters, three from 12. */
	size_t most = len < 6 ? 1 : len < 12 ? 2 : 3;

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (names[i] == NULL)
			continue;
		d = distance(word, names[i]);
		/* A prefix of a known name (read -> reads) counts as close. */
		if (d > most && strncmp(names[i], word, len) == 0 &&
		    strlen(names[i]) <= len + 2)
			d = most;
		if (d <= most && d < bestd) {
			best = names[i];
			bestd = d;
		}
	}
	return best;
}

/* ---- placing errors ---------------------------------------------------------- */

/* Fill err for the member key (or item index when key is NULL) of
 * container, naming its file and path when it came from YAML. */
static int fail_member(const json_t *container, const char *key, size_t index,
		       char *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail_member(const json_t *container, const char *key, size_t index,
		       char *err, const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE], path[1024], full[1100];
	const dt_doc *doc;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!dt_conf_where(container, &doc, path, sizeof(path))) {
		if (key != NULL)
			return dt_fail(err, "%s: %s", key, msg);
		return dt_fail(err, "[%zu]: %s", index, msg);
	}
	if (key != NULL)
		dt_path_key(full, sizeof(full), path, key);
	else
		dt_path_index(full, sizeof(full), path, index);
	return dt_doc_fail(doc, full, err, "%s", msg);
}

/* ---- checking one value ------------------------------------------------------ */

static const char *type_word(dt_option_type t)
{
	switch (t) {
	case DT_OPT_STRING: return "string";
	case DT_OPT_ENUM: return "enum";
	case DT_OPT_INT: return "integer";
	case DT_OPT_NUMBER: return "number";
	case DT_OPT_DURATION: return "duration";
	case DT_OPT_SIZE: return "size";
	case DT_OPT_RATE: return "rate";
	case DT_OPT_BOOL: return "boolean";
	case DT_OPT_LIST: return "list";
	case DT_OPT_MAP: return "map";
	case DT_OPT_OBJECT: return "mapping";
	case DT_OPT_COMPONENT: return "name";
	case DT_OPT_ANY: return "any";
	case DT_OPT_END: break;
	}
	return "?";
}

const char *options_type_name(const dt_option *o)
{
	return type_word(o->type);
}

static bool ranged(const dt_option *o)
{
	return o->min < o->max;
}

/* " between 1 and 100" or "". */
static void range_text(const dt_option *o, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!ranged(o))
		return;
	if (o->type == DT_OPT_DURATION)
		snprintf(buf, size, " between %gs and %gs", o->min, o->max);
	else if (o->type == DT_OPT_SIZE)
		snprintf(buf, size, " between %.0f and %.0f bytes", o->min, o->max);
	else if (o->type == DT_OPT_RATE)
		snprintf(buf, size, " between %g/s and %g/s", o->min, o->max);
	else if (o->type == DT_OPT_INT)
		snprintf(buf, size, " between %.0f and %.0f", o->min, o->max);
	else
		snprintf(buf, size, " between %g and %g", o->min, o->max);
}

static int check_value(const dt_option *o, json_t *container, const char *key,
		       size_t index, json_t *v, json_t **out, char *err);

static void values_text(const char *const *values, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; values != NULL && values[i] != NULL && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? ", " : "", values[i]);
}

static int check_items(const dt_option *o, json_t *v, char *err)
{
	dt_option item = { .name = o->name, .type = o->item, .fields = o->fields };

	if (o->item == 0 || o->item == DT_OPT_ANY)
		return 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			json_t *conv = NULL;

			if (check_value(&item, v, NULL, i, e, &conv, err) != 0)
				return -1;
			if (conv != NULL)
				json_array_set_new(v, i, conv);
		}
	} else {
		const char *k;
		json_t *e;
		void *tmp;

		json_object_foreach_safe(v, tmp, k, e) {
			json_t *conv = NULL;

			if (check_value(&item, v, k, 0, e, &conv, err) != 0)
				return -1;
			if (conv != NULL)
				json_object_set_new(v, k, conv);
		}
	}
	return 0;
}

/*
 * Check v, the value of option o at container's key (or item index);
 * *out gets a converted value to store in its place, or stays NULL.
 */
static int check_value(const dt_option *o, json_t *container, const char *key,
		       size_t index, json_t *v, json_t **out, char *err)
{
	char range[128];
	double d;
	uint64_t bytes;

#define FAIL(...) fail_member(container, key, index, err, __VA_ARGS__)
	range_text(o, range, sizeof(range));
	switch (o->type) {
	case DT_OPT_STRING:
	case DT_OPT_COMPONENT:
		if (!json_is_string(v))
			return FAIL("expected a string");
		return 0;
	case DT_OPT_ENUM: {
		char list[400];
		const char *close;
		size_t n = 0;

		values_text(o->values, list, sizeof(list));
		if (!json_is_string(v))
			return FAIL("expected one of: %s", list);
		for (; o->values[n] != NULL; n++)
			if (strcmp(o->values[n], json_string_value(v)) == 0)
				return 0;
		close = options_closest(json_string_value(v), o->values, n);
		if (close != NULL)
			return FAIL("unknown value '%s' (did you mean `%s`?); "
				    "expected one of: %s", json_string_value(v),
				    close, list);
		return FAIL("unknown value '%s'; expected one of: %s",
			    json_string_value(v), list);
	}
	case DT_OPT_INT:
		if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		    fabs(json_real_value(v)) < 9e15)
			*out = json_integer((json_int_t)json_real_value(v));
		else if (!json_is_integer(v))
			return FAIL("expected a whole number%s", range);
		d = (double)(*out ? json_integer_value(*out) : json_integer_value(v));
		if (ranged(o) && (d < o->min || d > o->max)) {
			json_decref(*out);
			*out = NULL;
			return FAIL("expected a whole number%s, not %.0f", range, d);
		}
		return 0;
	case DT_OPT_NUMBER:
		if (!json_is_number(v))
			return FAIL("expected a number%s", range);
		d = json_number_value(v);
		if (ranged(o) && !(d >= o->min && d <= o->max))
			return FAIL("expected a number%s, not %g", range, d);
		return 0;
	case DT_OPT_DURATION:
		if (dt_json_duration(v, &d) != 0)
			return FAIL("expected a duration%s (250ms, 1.5s, 2m, 1h30m; "
				    "a bare number is seconds)", range);
		if (ranged(o) && !(d >= o->min && d <= o->max))
			return FAIL("expected a duration%s, not %gs", range, d);
		*out = json_real(d);
		return 0;
	case DT_OPT_SIZE:
		if (dt_json_size(v, &bytes) != 0)
			return FAIL("expected a size%s (512, 64k, 4MiB, 1GB; a bare "
				    "number is bytes)", range);
		d = (double)bytes;
		if (ranged(o) && !(d >= o->min && d <= o->max))
			return FAIL("expected a size%s, not %llu bytes", range,
				    (unsigned long long)bytes);
		*out = json_integer((json_int_t)bytes);
		return 0;
	case DT_OPT_RATE:
		if (dt_json_rate(v, &d) != 0)
			return FAIL("expected a rate%s (200, 200/s, 10/m; a bare "
				    "number is per second)", range);
		if (ranged(o) && !(d >= o->min && d <= o->max))
			return FAIL("expected a rate%s, not %g/s", range, d);
		*out = json_real(d);
		return 0;
	case DT_OPT_BOOL:
		if (!json_is_boolean(v))
			return FAIL("expected true or false");
		return 0;
	case DT_OPT_LIST:
		if (!json_is_array(v))
			return FAIL("expected a list");
		d = (double)json_array_size(v);
		if (ranged(o) && (d < o->min || d > o->max))
			return FAIL("expected a list of %g to %g items, not %.0f",
				    o->min, o->max, d);
		return check_items(o, v, err);
	case DT_OPT_MAP:
		if (!json_is_object(v))
			return FAIL("expected a mapping");
		return check_items(o, v, err);
	case DT_OPT_OBJECT: {
		const dt_option *t = o->fields;

		if (!json_is_object(v))
			return FAIL("expected a mapping");
		return t != NULL ? dt_options_apply(&t, 1, v, err) : 0;
	}
	case DT_OPT_ANY:
		return 0;
	case DT_OPT_END:
		break;
	}
	return FAIL("option '%s' has no type (a bug in its plugin)", o->name);
#undef FAIL
}

/* ---- checking a section -------------------------------------------------------- */

static const dt_option *lookup(const dt_option *const *tables, size_t ntables,
			       const char *key)
{
	for (size_t t = 0; t < ntables; t++)
		for (const dt_option *o = tables[t]; o != NULL && o->name != NULL; o++)
			if (strcmp(o->name, key) == 0)
				return o;
	return NULL;
}

/* The names of every option, for suggestions and lists. */
static size_t all_names(const dt_option *const *tables, size_t ntables,
			const char **names, size_t max)
{
	size_t n = 0;

	for (size_t t = 0; t < ntables; t++)
		for (const dt_option *o = tables[t]; o != NULL && o->name != NULL; o++)
			if (n < max)
				names[n++] = o->name;
	return n;
}

static int unknown_key(const dt_option *const *tables, size_t ntables,
		       json_t *section, const char *key, char *err)
{
	const char *names[128] = { NULL };
	size_t n = all_names(tables, ntables, names, 128);
	const char *close = options_closest(key, names, n);
	char list[600];
	size_t used = 0;

	list[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i ? ", " : "", names[i]);
	if (close != NULL)
		return fail_member(section, key, 0, err,
				   "unknown key (did you mean `%s`?)", close);
	if (n == 0)
		return fail_member(section, key, 0, err,
				   "unknown key (this takes no options)");
	return fail_member(section, key, 0, err, "unknown key (known: %s)", list);
}

/* The default of o as a value: its text read as YAML would read it. */
static json_t *default_value(const dt_option *o, char *err)
{
	char e[DT_ERRBUF_SIZE];
	dt_doc *doc = dt_doc_parse("(default)", o->def, strlen(o->def), e);
	json_t *v;

	if (doc == NULL) {
		dt_fail(err, "option %s: bad default '%s' (a bug in its plugin): %s",
			o->name, o->def, e);
		return NULL;
	}
	v = doc->root ? json_deep_copy(doc->root) : json_null();
	dt_doc_free(doc);
	/* A scalar default that YAML typed otherwise ("on", "1.0") is the
	 * string the table wrote, for the string-like types. */
	if ((o->type == DT_OPT_STRING || o->type == DT_OPT_ENUM ||
	     o->type == DT_OPT_COMPONENT) && !json_is_string(v)) {
		json_decref(v);
		v = json_string(o->def);
	}
	return v;
}

int dt_options_apply(const dt_option *const *tables, size_t ntables,
		     json_t *section, char *err)
{
	const char *key;
	json_t *v;
	void *tmp;

	if (!json_is_object(section))
		return dt_fail(err, "expected a mapping");
	json_object_foreach_safe(section, tmp, key, v) {
		const dt_option *o = lookup(tables, ntables, key);
		json_t *conv = NULL;

		if (o == NULL)
			return unknown_key(tables, ntables, section, key, err);
		if (json_is_null(v)) {
			json_object_del(section, key);
			continue;
		}
		if (check_value(o, section, key, 0, v, &conv, err) != 0)
			return -1;
		if (conv != NULL)
			json_object_set_new(section, key, conv);
	}
	for (size_t t = 0; t < ntables; t++)
		for (const dt_option *o = tables[t]; o != NULL && o->name != NULL; o++) {
			json_t *def, *conv = NULL;

			if (json_object_get(section, o->name) != NULL)
				continue;
			if (o->def == NULL) {
				if (o->flags & DT_OPT_REQUIRED)
					return fail_member(section, o->name, 0, err,
							   "missing (this key is required)");
				continue;
			}
			def = default_value(o, err);
			if (def == NULL)
				return -1;
			if (check_value(o, section, o->name, 0, def, &conv, err) != 0) {
				json_decref(def);
				return -1;
			}
			json_object_set_new(section, o->name, conv ? conv : def);
			if (conv != NULL)
				json_decref(def);
		}
	return 0;
}

/* ---- documentation --------------------------------------------------------------- */

static void describe_one(const dt_option *o, int indent, dt_buf *out)
{
	char range[128], vals[400];

	range_text(o, range, sizeof(range));
	dt_buf_printf(out, "%*s%-18s %s", indent, "", o->name, type_word(o->type));
	if (o->type == DT_OPT_LIST && o->item != 0)
		dt_buf_printf(out, " of %s", type_word(o->item));
	if (o->type == DT_OPT_MAP && o->item != 0)
		dt_buf_printf(out, " to %s", type_word(o->item));
	if (o->type == DT_OPT_COMPONENT)
		dt_buf_printf(out, " of a %s", dt_kind_name(o->kind));
	if (o->type == DT_OPT_ENUM) {
		values_text(o->values, vals, sizeof(vals));
		dt_buf_printf(out, " (%s)", vals);
	}
	if (range[0] != '\0')
		dt_buf_printf(out, ",%s", range);
	if (o->flags & DT_OPT_REQUIRED)
		dt_buf_puts(out, ", required");
	else if (o->def != NULL)
		dt_buf_printf(out, ", default %s", o->def);
	dt_buf_printf(out, "\n%*s    %s\n", indent, "", o->doc ? o->doc : "");
	if (o->fields != NULL)
		for (const dt_option *f = o->fields; f->name != NULL; f++)
			describe_one(f, indent + 4, out);
}

void options_describe(const dt_option *table, int indent, dt_buf *out)
{
	for (const dt_option *o = table; o != NULL && o->name != NULL; o++)
		describe_one(o, indent, out);
}

json_t *options_json(const dt_option *table)
{
	json_t *list = json_array();

	for (const dt_option *o = table; o != NULL && o->name != NULL; o++) {
		json_t *j = json_pack("{s:s, s:s, s:s?, s:s?, s:b}", "name", o->name,
				      "type", type_word(o->type), "default", o->def,
				      "doc", o->doc, "required",
				      (o->flags & DT_OPT_REQUIRED) != 0);

		if (ranged(o)) {
			json_object_set_new(j, "min", json_real(o->min));
			json_object_set_new(j, "max", json_real(o->max));
		}
		if (o->type == DT_OPT_ENUM) {
			json_t *vals = json_array();

			for (size_t i = 0; o->values != NULL && o->values[i] != NULL; i++)
				json_array_append_new(vals, json_string(o->values[i]));
			json_object_set_new(j, "values", vals);
		}
		if (o->type == DT_OPT_LIST || o->type == DT_OPT_MAP)
			json_object_set_new(j, "item", json_string(o->item ?
					    type_word(o->item) : "any"));
		if (o->type == DT_OPT_COMPONENT)
			json_object_set_new(j, "kind", json_string(dt_kind_name(o->kind)));
		if (o->fields != NULL)
			json_object_set_new(j, "fields", options_json(o->fields));
		json_array_append_new(list, j);
	}
	return list;
}
