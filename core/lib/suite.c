/*
 * suite.c: reading and checking suites/NAME.yaml and charts/NAME.yaml.
 *
 * Every error names the file, line, column and key path.  Keys the core
 * does not know are reported as warnings (a typo in `time-limt` should
 * not silently run for the default time).
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "suite.h"

static const char *const suite_keys[] = {
	"name", "description", "chart", "values", "platform", "client",
	"workload", "concurrency", "rate", "time-limit", "timeout", "seed",
	"nemesis", "checkers", NULL
};

static const char *const chart_keys[] = {
	"name", "description", "source", "values", "crd", "rbac", "sub",
	"local", NULL
};

static bool known(const char *const *keys, const char *key)
{
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

static void warn_unknown(const dt_doc *doc, const json_t *obj,
			 const char *path, const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		char p[512], msg[DT_ERRBUF_SIZE];

		if (known(keys, key))
			continue;
		dt_doc_fail(doc, dt_path_key(p, sizeof(p), path, key), msg,
			    "unknown key (ignored)");
		dt_log(DT_LOG_WARN, "%s", msg);
	}
}

double dt_parse_duration(const json_t *v)
{
	const char *s;
	char *end;
	double d;

	if (json_is_number(v))
		return json_number_value(v) >= 0 ? json_number_value(v) : -1;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	d = strtod(s, &end);
	if (end == s || !isfinite(d) || d < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		return d;
	if (strcmp(end, "ms") == 0)
		return d / 1000;
	if (strcmp(end, "m") == 0)
		return d * 60;
	if (strcmp(end, "h") == 0)
		return d * 3600;
	return -1;
}

/* Read a duration member; absent keeps *out. */
static int get_duration(const dt_doc *doc, const json_t *obj, const char *path,
			const char *key, double min, double max, double *out,
			char *err)
{
	const json_t *v = json_object_get(obj, key);
	char p[512];
	double d;

	if (v == NULL || json_is_null(v))
		return 0;
	d = dt_parse_duration(v);
	if (d < min || d > max)
		return dt_doc_fail(doc, dt_path_key(p, sizeof(p), path, key), err,
				   "expected a duration between %g and %g seconds "
				   "(a number, or with s, ms, m or h)", min, max);
	*out = d;
	return 0;
}

static int get_number(const dt_doc *doc, const json_t *obj, const char *path,
		      const char *key, double min, double max, double *out,
		      char *err)
{
	const json_t *v = json_object_get(obj, key);
	char p[512];

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_number(v) || json_number_value(v) < min ||
	    json_number_value(v) > max)
		return dt_doc_fail(doc, dt_path_key(p, sizeof(p), path, key), err,
				   "expected a number between %g and %g", min, max);
	*out = json_number_value(v);
	return 0;
}

/* `key: NAME` or `key: {name: NAME, options...}`. */
static int get_component(const dt_doc *doc, const json_t *root,
			 const char *key, bool required, const char **name,
			 json_t **config, char *err)
{
	const json_t *v = json_object_get(root, key);
	const json_t *n;

	*name = NULL;
	*config = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return dt_doc_fail(doc, "", err, "missing key '%s'", key);
		return 0;
	}
	if (json_is_string(v)) {
		*name = json_string_value(v);
		return 0;
	}
	if (!json_is_object(v))
		return dt_doc_fail(doc, key, err,
				   "expected a name or a mapping with a name");
	n = json_object_get(v, "name");
	if (!json_is_string(n)) {
		char p[256];

		return dt_doc_fail(doc, dt_path_key(p, sizeof(p), key, "name"),
				   err, "expected a string");
	}
	*name = json_string_value(n);
	*config = (json_t *)v;
	return 0;
}

static int parse_target(const dt_doc *doc, dt_nemesis_conf *nc,
			const char *path, char *err)
{
	const json_t *t = json_object_get(nc->config, "target");
	static const struct { const char *name; dt_target_mode mode; bool value; } modes[] = {
		{ "one", DT_TARGET_ONE, false },
		{ "all", DT_TARGET_ALL, false },
		{ "fixed", DT_TARGET_FIXED, true },
		{ "fixed-percent", DT_TARGET_FIXED_PERCENT, true },
		{ "random-max-percent", DT_TARGET_RANDOM_MAX_PERCENT, true },
	};
	char p[512], pv[600];
	const char *mode;
	const json_t *value;

	dt_path_key(p, sizeof(p), path, "target");
	nc->target = DT_TARGET_ONE;
	if (t == NULL || json_is_null(t))
		return 0;
	if (json_is_array(t)) {
		size_t i;
		json_t *e;

		json_array_foreach(t, i, e)
			if (!json_is_string(e))
				return dt_doc_fail(doc, dt_path_index(pv, sizeof(pv), p, i),
						   err, "expected a node name");
		nc->target = DT_TARGET_NAMED;
		nc->target_names = (json_t *)t;
		return 0;
	}
	if (json_is_string(t)) {
		mode = json_string_value(t);
		value = NULL;
	} else if (json_is_object(t) && json_is_string(json_object_get(t, "mode"))) {
		mode = json_string_value(json_object_get(t, "mode"));
		value = json_object_get(t, "value");
	} else {
		return dt_doc_fail(doc, p, err, "expected a mode (one, all, fixed, "
				   "fixed-percent, random-max-percent), "
				   "{mode: M, value: N} or a list of node names");
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(modes[i].name, mode) != 0)
			continue;
		nc->target = modes[i].mode;
		if (!modes[i].value)
			return 0;
		dt_path_key(pv, sizeof(pv), p, "value");
		if (!json_is_number(value) || json_number_value(value) <= 0)
			return dt_doc_fail(doc, pv, err,
					   "mode %s needs a positive value", mode);
		nc->target_value = json_number_value(value);
		if (nc->target != DT_TARGET_FIXED && nc->target_value > 100)
			return dt_doc_fail(doc, pv, err,
					   "expected a percentage between 0 and 100");
		return 0;
	}
	return dt_doc_fail(doc, p, err, "unknown target mode '%s' (one, all, "
			   "fixed, fixed-percent, random-max-percent)", mode);
}

static int parse_nemeses(dt_suite *s, char *err)
{
	const json_t *list = json_object_get(s->doc->root, "nemesis");
	size_t i;
	json_t *e;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return dt_doc_fail(s->doc, "nemesis", err, "expected a list");
	s->nemeses = calloc(json_array_size(list) + 1, sizeof(*s->nemeses));
	if (s->nemeses == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, e) {
		dt_nemesis_conf *nc = &s->nemeses[i];
		char p[64], pn[128];

		dt_path_index(p, sizeof(p), "nemesis", i);
		if (json_is_string(e)) {
			/* `- kill` is `- {name: kill}` with the defaults */
			json_t *obj = json_pack("{sO}", "name", e);

			json_array_set_new((json_t *)list, i, obj);
			e = obj;
		}
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "name")))
			return dt_doc_fail(s->doc, dt_path_key(pn, sizeof(pn), p, "name"),
					   err, "each nemesis needs a name");
		nc->name = json_string_value(json_object_get(e, "name"));
		nc->config = e;
		nc->probability = 1.0;
		nc->interval = 10;
		nc->duration = 5;
		if (get_number(s->doc, e, p, "probability", 0, 1, &nc->probability, err) ||
		    get_duration(s->doc, e, p, "interval", 0.01, 86400, &nc->interval, err) ||
		    get_duration(s->doc, e, p, "duration", 0, 86400, &nc->duration, err) ||
		    parse_target(s->doc, nc, p, err))
			return -1;
		s->nnemeses++;
	}
	return 0;
}

static int parse_checkers(dt_suite *s, char *err)
{
	const json_t *list = json_object_get(s->doc->root, "checkers");
	size_t i;
	json_t *e;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return dt_doc_fail(s->doc, "checkers", err, "expected a list");
	s->checkers = calloc(json_array_size(list) + 1, sizeof(*s->checkers));
	if (s->checkers == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, e) {
		char p[64];

		dt_path_index(p, sizeof(p), "checkers", i);
		if (json_is_string(e)) {
			s->checkers[i].name = json_string_value(e);
			s->checkers[i].config = json_pack("{sO}", "name", e);
		} else if (json_is_object(e) &&
			   json_is_string(json_object_get(e, "name"))) {
			s->checkers[i].name = json_string_value(json_object_get(e, "name"));
			s->checkers[i].config = json_incref(e);
		} else {
			return dt_doc_fail(s->doc, p, err,
					   "expected a checker name or {name: N, ...}");
		}
		s->ncheckers++;
	}
	return 0;
}

static int parse_weights(dt_suite *s, char *err)
{
	const json_t *ops = json_object_get(s->workload_config, "operations");
	const char *f;
	json_t *w;

	if (ops == NULL)
		return 0;
	if (!json_is_object(ops))
		return dt_doc_fail(s->doc, "workload.operations", err,
				   "expected a mapping of operation to weight");
	json_object_foreach((json_t *)ops, f, w) {
		char p[256];

		if (!json_is_number(w) || json_number_value(w) < 0)
			return dt_doc_fail(s->doc, dt_path_key(p, sizeof(p),
					   "workload.operations", f), err,
					   "expected a weight (a number >= 0)");
	}
	s->weights = json_incref((json_t *)ops);
	return 0;
}

static int check_chart(const dt_doc *c, char *err)
{
	const json_t *root = c->root;
	const json_t *src;
	static const char *const list_keys[] = { "crd", "rbac", "sub" };

	if (!json_is_object(root))
		return dt_doc_fail(c, "", err, "a chart must be a mapping");
	warn_unknown(c, root, "", chart_keys);
	if (!json_is_string(json_object_get(root, "name")))
		return dt_doc_fail(c, "name", err, "missing or not a string");
	src = json_object_get(root, "source");
	if (src != NULL && !json_is_object(src))
		return dt_doc_fail(c, "source", err, "expected a mapping with "
				   "type, location, chart and version");
	if (src != NULL) {
		const char *keys[] = { "type", "location", "chart" };

		for (size_t i = 0; i < 3; i++) {
			char p[64];

			if (!json_is_string(json_object_get(src, keys[i])))
				return dt_doc_fail(c, dt_path_key(p, sizeof(p), "source", keys[i]),
						   err, "missing or not a string");
		}
	}
	if (json_object_get(root, "values") != NULL &&
	    !json_is_object(json_object_get(root, "values")) &&
	    !json_is_null(json_object_get(root, "values")))
		return dt_doc_fail(c, "values", err, "expected a mapping");
	for (size_t i = 0; i < 3; i++) {
		const json_t *l = json_object_get(root, list_keys[i]);

		if (l != NULL && !json_is_array(l) && !json_is_null(l))
			return dt_doc_fail(c, list_keys[i], err, "expected a list");
	}
	if (json_object_get(root, "local") != NULL &&
	    !json_is_object(json_object_get(root, "local")))
		return dt_doc_fail(c, "local", err, "expected a mapping (the local recipe)");
	return 0;
}

static int parse_suite(dt_suite *s, char *err)
{
	const json_t *root = s->doc->root;
	const json_t *v;
	const char *ignored;
	json_t *pconf;
	double d;

	if (!json_is_object(root))
		return dt_doc_fail(s->doc, "", err, "a suite must be a mapping");
	warn_unknown(s->doc, root, "", suite_keys);
	if (!json_is_string(json_object_get(root, "name")))
		return dt_doc_fail(s->doc, "name", err, "missing or not a string");
	s->name = json_string_value(json_object_get(root, "name"));
	/* A chart's name, or the chart itself (as suite.json keeps it). */
	v = json_object_get(root, "chart");
	if (json_is_object(v))
		v = json_object_get(v, "name");
	if (!json_is_string(v))
		return dt_doc_fail(s->doc, "chart", err, "missing: a chart's name, "
				   "or a chart (a mapping with a name)");
	s->chart = json_string_value(v);
	v = json_object_get(root, "values");
	if (v != NULL && !json_is_object(v) && !json_is_null(v))
		return dt_doc_fail(s->doc, "values", err, "expected a mapping");

	s->platform = "local";
	v = json_object_get(root, "platform");
	if (json_is_string(v))
		s->platform = json_string_value(v);
	else if (get_component(s->doc, root, "platform", false, &ignored, &pconf, err))
		return -1;
	else if (ignored != NULL)
		s->platform = ignored;

	if (get_component(s->doc, root, "client", true, &s->client,
			  &s->client_config, err) ||
	    get_component(s->doc, root, "workload", true, &s->workload,
			  &s->workload_config, err) ||
	    parse_weights(s, err))
		return -1;

	s->concurrency = 4;
	s->rate = 0;
	s->time_limit = 30;
	s->timeout = 5;
	d = (double)s->concurrency;
	if (get_number(s->doc, root, "", "concurrency", 1, 4096, &d, err))
		return -1;
	if (d != floor(d))
		return dt_doc_fail(s->doc, "concurrency", err, "expected a whole number");
	s->concurrency = (long long)d;
	if (get_number(s->doc, root, "", "rate", 0, 1e9, &s->rate, err) ||
	    get_duration(s->doc, root, "", "time-limit", 0.1, 7 * 86400.0, &s->time_limit, err) ||
	    get_duration(s->doc, root, "", "timeout", 0.001, 3600, &s->timeout, err))
		return -1;
	v = json_object_get(root, "seed");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return dt_doc_fail(s->doc, "seed", err,
					   "expected a non-negative integer");
		s->seed = (uint64_t)json_integer_value(v);
		s->has_seed = true;
	}
	if (parse_nemeses(s, err) || parse_checkers(s, err))
		return -1;
	return 0;
}

/* The suite's `chart:` mapping as a document of its own, whose errors
 * still point into the suite's file ("chart.local.nodes" -> its mark). */
static dt_doc *inline_chart(const dt_doc *suite, char *err)
{
	dt_doc *c = calloc(1, sizeof(*c));
	const char *k;
	json_t *m;

	if (c == NULL || (c->file = strdup(suite->file)) == NULL ||
	    (c->marks = json_object()) == NULL) {
		dt_doc_free(c);
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->root = json_incref(json_object_get(suite->root, "chart"));
	json_object_foreach(suite->marks, k, m) {
		if (strcmp(k, "chart") == 0)
			json_object_set(c->marks, "", m);
		else if (strncmp(k, "chart.", 6) == 0)
			json_object_set(c->marks, k + 6, m);
	}
	return c;
}

dt_suite *dt_suite_load(const char *name, const char *suite_path,
			const char *chart_path, char *err)
{
	char file[PATH_MAX];
	dt_suite *s;

	if (dt_find_yaml("suites", name, suite_path, file, sizeof(file), err))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	s->doc = dt_doc_load(file, err);
	if (s->doc == NULL || parse_suite(s, err) != 0)
		goto fail;
	if (json_is_object(json_object_get(s->doc->root, "chart"))) {
		s->chart_doc = inline_chart(s->doc, err);
		if (s->chart_doc == NULL || check_chart(s->chart_doc, err) != 0)
			goto fail;
		return s;
	}
	/* A suite names its chart; only the command line may give paths. */
	if (dt_find_yaml_name("charts", s->chart, chart_path, file, sizeof(file), err)) {
		char msg[DT_ERRBUF_SIZE];

		snprintf(msg, sizeof(msg), "%s", err);
		dt_doc_fail(s->doc, "chart", err, "%s", msg);
		goto fail;
	}
	s->chart_doc = dt_doc_load(file, err);
	if (s->chart_doc == NULL || check_chart(s->chart_doc, err) != 0)
		goto fail;
	return s;
fail:
	dt_suite_free(s);
	return NULL;
}

void dt_suite_free(dt_suite *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncheckers; i++)
		json_decref(s->checkers[i].config);
	free(s->checkers);
	free(s->nemeses);
	json_decref(s->weights);
	dt_doc_free(s->chart_doc);
	dt_doc_free(s->doc);
	free(s);
}

int dt_suite_select_nemeses(dt_suite *s, const char *list, char *err)
{
	size_t kept = 0;
	char *copy = strdup(list), *save = NULL;

	if (copy == NULL)
		return dt_fail(err, "out of memory");
	/* Every name given must exist in the suite. */
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (size_t i = 0; i < s->nnemeses; i++)
			found |= strcmp(s->nemeses[i].name, n) == 0;
		if (!found) {
			char names[256] = "";
			size_t used = 0;

			for (size_t i = 0; i < s->nnemeses && used < sizeof(names); i++)
				used += snprintf(names + used, sizeof(names) - used,
						 "%s%s", i ? ", " : "", s->nemeses[i].name);
			dt_fail(err, "--nemesis: suite '%s' has no nemesis '%s' "
				"(it has: %s)", s->name, n, used ? names : "none");
			free(copy);
			return -1;
		}
	}
	free(copy);
	for (size_t i = 0; i < s->nnemeses; i++) {
		size_t len = strlen(s->nemeses[i].name);
		const char *p = list;
		bool keep = false;

		while ((p = strstr(p, s->nemeses[i].name)) != NULL) {
			if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
				keep = true;
			p += len;
		}
		if (keep)
			s->nemeses[kept++] = s->nemeses[i];
	}
	s->nnemeses = kept;
	return 0;
}

json_t *dt_suite_to_json(const dt_suite *s)
{
	json_t *j = json_deep_copy(s->doc->root);

	json_object_set_new(j, "concurrency", json_integer(s->concurrency));
	json_object_set_new(j, "rate", json_real(s->rate));
	json_object_set_new(j, "time-limit", json_real(s->time_limit));
	json_object_set_new(j, "timeout", json_real(s->timeout));
	json_object_set_new(j, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(j, "platform", json_string(s->platform));
	if (s->chart_doc != NULL && s->chart_doc->root != NULL)
		json_object_set_new(j, "chart", json_deep_copy(s->chart_doc->root));
	{
		json_t *nem = json_array();

		for (size_t i = 0; i < s->nnemeses; i++)
			json_array_append(nem, s->nemeses[i].config);
		json_object_set_new(j, "nemesis", nem);
	}
	return j;
}
