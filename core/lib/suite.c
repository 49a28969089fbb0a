/* SPDX-License-Identifier: MIT */
/*
 * suite.c: reading and checking suites/NAME.yaml and charts/NAME.yaml.
 *
 * Every error names the file, line, column and key path.  A key no table
 * knows is an error, with the closest known key ("did you mean"): a typo
 * in `time-limt` must not silently run for the default time.  This file
 * checks the suite's and the chart's own keys; validate.c checks each
 * component's section against the component's options.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "suite.h"
#include "yamldoc.h"

static const dt_option schedule_fields[] = {
	{ .name = "at", .type = DT_OPT_DURATION, .flags = DT_OPT_REQUIRED, .min = 0,
	  .max = 7 * 86400, .doc = "when the fault starts, from the run's start" },
	{ .name = "nemesis", .type = DT_OPT_ANY, .flags = DT_OPT_REQUIRED,
	  .doc = "which entry of nemesis: its name (the first of that name) or index" },
	{ .name = "duration", .type = DT_OPT_DURATION, .min = 0, .max = 86400,
	  .doc = "how long it lasts (default: the entry's duration)" },
	{ .name = "nodes", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "its targets, n1 being the chart's first node (default: none)" },
	{ .name = NULL }
};

/* The suite's own keys.  Sections that name a component (client,
 * workload, platform, each nemesis and checker) are checked against the
 * component's options by dt_suite_check, once the plugins are found. */
const dt_option dt_suite_options[] = {
	{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the suite's name: its folder in the store" },
	{ .name = "description", .type = DT_OPT_STRING,
	  .doc = "one line, shown by `dt-run list suites`" },
	{ .name = "chart", .type = DT_OPT_ANY, .flags = DT_OPT_REQUIRED,
	  .doc = "the chart's name (charts/NAME.yaml), or a chart written inline" },
	{ .name = "values", .type = DT_OPT_MAP,
	  .doc = "Helm values for the k8s platform (values.SUB for sub chart SUB)" },
	{ .name = "platform", .type = DT_OPT_ANY,
	  .doc = "local (the default) or k8s, or {name: P, OPTION: ...}" },
	{ .name = "client", .type = DT_OPT_ANY, .flags = DT_OPT_REQUIRED,
	  .doc = "the client: a name, or {name: N, OPTION: ...}" },
	{ .name = "workload", .type = DT_OPT_ANY, .flags = DT_OPT_REQUIRED,
	  .doc = "the workload: a name, or {name: N, operations: {F: WEIGHT}, OPTION: ...}" },
	{ .name = "concurrency", .type = DT_OPT_INT, .def = "4", .min = 1, .max = 4096,
	  .doc = "client workers, one logical process each" },
	{ .name = "rate", .type = DT_OPT_RATE, .def = "0", .min = 0, .max = 1e9,
	  .doc = "operations a second over all workers; 0: as fast as they go" },
	{ .name = "time-limit", .type = DT_OPT_DURATION, .def = "30s", .min = 0.1,
	  .max = 7 * 86400, .doc = "how long the workload and the nemeses run" },
	{ .name = "timeout", .type = DT_OPT_DURATION, .def = "5s", .min = 0.001,
	  .max = 3600, .doc = "per operation; past it the outcome is unknown (info)" },
	{ .name = "seed", .type = DT_OPT_INT, .min = 0, .max = 4611686018427387904.0,
	  .doc = "the seed of every random choice (default: from the clock)" },
	{ .name = "nemesis", .type = DT_OPT_LIST,
	  .doc = "the faults: a name, or {name: N, probability, interval, duration, target, OPTION: ...}" },
	{ .name = "checkers", .type = DT_OPT_LIST,
	  .doc = "the checkers: a name, or {name: N, OPTION: ...}" },
	{ .name = "schedule", .type = DT_OPT_LIST, .item = DT_OPT_OBJECT,
	  .fields = schedule_fields,
	  .doc = "exactly these faults instead of the nemeses' chances (dt-run shrink writes it)" },
	{ .name = "recovery", .type = DT_OPT_DURATION, .def = "0s", .min = 0,
	  .max = 86400, .doc = "after the time limit every fault is healed, then the "
	  "cluster is left alone this long before the final reads" },
	{ .name = "recovery-workload", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "the workload keeps running during the recovery (no fault)" },
	{ .name = "final-reads", .type = DT_OPT_BOOL, .def = "true",
	  .doc = "after the recovery, the workload's final reads (a set workload "
	  "reads its set), recorded with final: true for the checkers" },
	{ .name = "final-reads-timeout", .type = DT_OPT_DURATION, .def = "30s",
	  .min = 0.1, .max = 3600, .doc = "how long each final read is retried "
	  "until it succeeds" },
	{ .name = NULL }
};

static const dt_option source_options[] = {
	{ .name = "type", .type = DT_OPT_ENUM, .def = "repo",
	  .values = (const char *const[]){ "repo", "oci", "local", "path", NULL },
	  .doc = "repo (a Helm repository), oci (a registry), local or path (a folder)" },
	{ .name = "location", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the repository's URL (oci://... for a registry), or the folder" },
	{ .name = "chart", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the Helm chart's name" },
	{ .name = "version", .type = DT_OPT_ANY, .doc = "the Helm chart's version" },
	{ .name = "wait", .type = DT_OPT_BOOL, .def = "true",
	  .doc = "helm install --wait (until the release's pods are ready)" },
	{ .name = NULL }
};

/* A chart's own keys; its platform's section (local:) is checked by the
 * platform's chart_options in dt_suite_check. */
const dt_option dt_chart_options[] = {
	{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the chart's name" },
	{ .name = "description", .type = DT_OPT_STRING, .doc = "one line" },
	{ .name = "source", .type = DT_OPT_OBJECT, .fields = source_options,
	  .doc = "where Helm finds the chart (k8s)" },
	{ .name = "values", .type = DT_OPT_MAP, .doc = "Helm values (k8s)" },
	{ .name = "crd", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "manifests applied before the chart (k8s), relative to the chart file" },
	{ .name = "rbac", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "RBAC manifests applied before the chart (k8s)" },
	{ .name = "sub", .type = DT_OPT_LIST,
	  .doc = "charts installed, in order, before this one (k8s)" },
	{ .name = "local", .type = DT_OPT_OBJECT,
	  .doc = "the recipe of the local platform (dt-run describe local)" },
	{ .name = NULL }
};

static const dt_option *const suite_table = dt_suite_options;
static const dt_option *const chart_table = dt_chart_options;

/* What the core reads of each component's section, besides the
 * component's own options. */
static const dt_option name_option[] = {
	{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the component" },
	{ .name = NULL }
};

const dt_option *const dt_core_options[DT_KIND_COUNT] = {
	[DT_KIND_PLATFORM] = name_option,
	[DT_KIND_CLIENT] = name_option,
	[DT_KIND_WORKLOAD] = (const dt_option[]){
		{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
		  .doc = "the workload" },
		{ .name = "operations", .type = DT_OPT_MAP, .item = DT_OPT_NUMBER,
		  .doc = "weight of each operation (0 leaves it out); omitted: the workload's" },
		{ .name = NULL } },
	[DT_KIND_NEMESIS] = (const dt_option[]){
		{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
		  .doc = "the nemesis" },
		{ .name = "probability", .type = DT_OPT_NUMBER, .def = "1", .min = 0,
		  .max = 1, .doc = "chance of striking at each interval" },
		{ .name = "interval", .type = DT_OPT_DURATION, .def = "10s",
		  .min = 0.01, .max = 86400, .doc = "time between chances" },
		{ .name = "duration", .type = DT_OPT_DURATION, .def = "5s", .min = 0,
		  .max = 86400, .doc = "how long a fault lasts before its heal" },
		{ .name = "target", .type = DT_OPT_ANY, .def = "one",
		  .doc = "one, all, {mode: fixed|fixed-percent|random-max-percent, value: N}, "
			 "a list of node names, or a role resolved when the fault "
			 "starts: primary (leader), replicas (followers), "
			 "minority-with-primary, majority-without-primary" },
		{ .name = NULL } },
	[DT_KIND_CHECKER] = (const dt_option[]){
		{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
		  .doc = "the checker" },
		{ .name = "timeout", .type = DT_OPT_DURATION, .min = 0, .max = 7 * 86400,
		  .doc = "the checker's time budget (past it: unknown); none by default" },
		{ .name = "minimize", .type = DT_OPT_DURATION, .def = "20s", .min = 0,
		  .max = 86400, .doc = "time to find the minimal failing history of an "
		  "invalid verdict (minimal.jsonl; 0: none)" },
		{ .name = NULL } },
	[DT_KIND_MODEL] = NULL,
};

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
	if (dt_json_duration(v, &d) != 0 || d < min || d > max)
		return dt_doc_fail(doc, dt_path_key(p, sizeof(p), path, key), err,
				   "expected a duration between %gs and %gs "
				   "(250ms, 1.5s, 2m, 1h30m; a bare number is "
				   "seconds)", min, max);
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

/*
 * `key: NAME` or `key: {name: NAME, options...}`, made a mapping in
 * either case (in the document, so that suite.json shows it whole and
 * the component's defaults can be filled in).  *section gets it, or NULL
 * when the key is absent and not required.
 */
static int get_section(dt_doc *doc, const char *key, bool required,
		       const char **name, json_t **section, char *err)
{
	json_t *root = doc->root;
	json_t *v = json_object_get(root, key);
	char p[256];

	*name = NULL;
	*section = NULL;
	if (v == NULL) {
		if (required)
			return dt_doc_fail(doc, key, err, "missing key '%s'", key);
		return 0;
	}
	if (json_is_string(v)) {
		json_t *obj = json_pack("{sO}", "name", v);

		if (obj == NULL || json_object_set_new(root, key, obj) != 0)
			return dt_fail(err, "out of memory");
		dt_conf_remember(obj, doc, key);
		v = obj;
	}
	if (!json_is_object(v))
		return dt_doc_fail(doc, key, err,
				   "expected a name or a mapping with a name");
	if (!json_is_string(json_object_get(v, "name")))
		return dt_doc_fail(doc, dt_path_key(p, sizeof(p), key, "name"),
				   err, "expected the name of a %s", key);
	*name = json_string_value(json_object_get(v, "name"));
	*section = v;
	return 0;
}

/* A list entry (nemesis, checker) written as a bare name becomes
 * {name: NAME}, in the document. */
static json_t *entry_object(dt_doc *doc, json_t *list, size_t i,
			    const char *path)
{
	json_t *e = json_array_get(list, i);

	if (json_is_string(e)) {
		json_t *obj = json_pack("{sO}", "name", e);

		if (obj == NULL || json_array_set_new(list, i, obj) != 0)
			return NULL;
		dt_conf_remember(obj, doc, path);
		e = obj;
	}
	return e;
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
		{ "primary", DT_TARGET_PRIMARY, false },
		{ "leader", DT_TARGET_PRIMARY, false },
		{ "replicas", DT_TARGET_REPLICAS, false },
		{ "followers", DT_TARGET_REPLICAS, false },
		{ "minority-with-primary", DT_TARGET_MINORITY_WITH_PRIMARY, false },
		{ "minority-with-leader", DT_TARGET_MINORITY_WITH_PRIMARY, false },
		{ "majority-without-primary", DT_TARGET_MAJORITY_WITHOUT_PRIMARY, false },
		{ "majority-without-leader", DT_TARGET_MAJORITY_WITHOUT_PRIMARY, false },
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
				   "fixed-percent, random-max-percent), a role "
				   "(primary, replicas, minority-with-primary, "
				   "majority-without-primary), "
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
			   "fixed, fixed-percent, random-max-percent, primary, "
			   "leader, replicas, followers, minority-with-primary, "
			   "majority-without-primary)", mode);
}

const char *dt_target_mode_name(dt_target_mode m)
{
	static const char *const names[] = {
		"one", "all", "fixed", "fixed-percent", "random-max-percent",
		"named", "primary", "replicas", "minority-with-primary",
		"majority-without-primary"
	};

	return (size_t)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* One nemesis entry (an object with a name) of doc at path. */
static int parse_nemesis(const dt_doc *doc, json_t *e, const char *p,
			 dt_nemesis_conf *nc, char *err)
{
	char pn[128];

	if (!json_is_object(e) || !json_is_string(json_object_get(e, "name")))
		return dt_doc_fail(doc, dt_path_key(pn, sizeof(pn), p, "name"),
				   err, "each nemesis needs a name");
	nc->name = json_string_value(json_object_get(e, "name"));
	nc->config = e;
	nc->probability = 1.0;
	nc->interval = 10;
	nc->duration = 5;
	if (get_number(doc, e, p, "probability", 0, 1, &nc->probability, err) ||
	    get_duration(doc, e, p, "interval", 0.01, 86400, &nc->interval, err) ||
	    get_duration(doc, e, p, "duration", 0, 86400, &nc->duration, err) ||
	    parse_target(doc, nc, p, err))
		return -1;
	return 0;
}

static int parse_nemeses(dt_suite *s, char *err)
{
	const json_t *list = json_object_get(s->doc->root, "nemesis");
	size_t i;
	json_t *e;

	if (list == NULL)
		return 0;
	s->nemeses = calloc(json_array_size(list) + 1, sizeof(*s->nemeses));
	if (s->nemeses == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, e) {
		char p[64];

		dt_path_index(p, sizeof(p), "nemesis", i);
		e = entry_object(s->doc, (json_t *)list, i, p);
		if (e == NULL)
			return dt_fail(err, "out of memory");
		if (parse_nemesis(s->doc, e, p, &s->nemeses[i], err) != 0)
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

	if (list == NULL)
		return 0;
	s->checkers = calloc(json_array_size(list) + 1, sizeof(*s->checkers));
	if (s->checkers == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, e) {
		char p[64];

		dt_path_index(p, sizeof(p), "checkers", i);
		e = entry_object(s->doc, (json_t *)list, i, p);
		if (e == NULL)
			return dt_fail(err, "out of memory");
		if (json_is_object(e) && json_is_string(json_object_get(e, "name"))) {
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
	if (!json_is_object(c->root))
		return dt_doc_fail(c, "", err, "a chart must be a mapping");
	return dt_options_apply(&chart_table, 1, c->root, err);
}

/* `schedule:` (already checked against schedule_fields): each entry's
 * nemesis found among the suite's, its nodes as indexes. */
static int parse_schedule(dt_suite *s, char *err)
{
	const json_t *list = json_object_get(s->doc->root, "schedule");
	size_t i;
	json_t *e;

	if (list == NULL)
		return 0;
	s->has_schedule = true;
	s->schedule = calloc(json_array_size(list) + 1, sizeof(*s->schedule));
	if (s->schedule == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, e) {
		dt_schedule_entry *se = &s->schedule[s->nschedule];
		const json_t *nem = json_object_get(e, "nemesis");
		size_t k;
		json_t *nd;
		bool found = false;

		se->at = dt_opt_number(e, "at");
		if (json_is_integer(nem) && json_integer_value(nem) >= 0 &&
		    (size_t)json_integer_value(nem) < s->nnemeses) {
			se->nemesis = (size_t)json_integer_value(nem);
			found = true;
		}
		for (size_t j = 0; json_is_string(nem) && j < s->nnemeses && !found; j++)
			if (strcmp(s->nemeses[j].name, json_string_value(nem)) == 0) {
				se->nemesis = j;
				found = true;
			}
		if (!found)
			return dt_conf_fail(e, "nemesis", err, "no such entry in nemesis: "
					    "give its name or index");
		se->duration = dt_opt(e, "duration") ? dt_opt_number(e, "duration") :
			       s->nemeses[se->nemesis].duration;
		json_array_foreach(json_object_get(e, "nodes"), k, nd) {
			const char *name = json_string_value(nd);
			char *end;
			unsigned long n = name && name[0] == 'n' ? strtoul(name + 1, &end, 10) : 0;

			if (n == 0 || *end != '\0' || se->ntargets == 64)
				return dt_conf_fail(json_object_get(e, "nodes"), NULL, err,
						    "node %zu: expected n1, n2, ... (the "
						    "chart's nodes, at most 64)", k);
			se->targets[se->ntargets++] = n - 1;
		}
		s->nschedule++;
	}
	return 0;
}

static int parse_suite(dt_suite *s, char *err)
{
	json_t *root = s->doc->root;
	const json_t *v;

	if (!json_is_object(root))
		return dt_doc_fail(s->doc, "", err, "a suite must be a mapping");
	if (dt_options_apply(&suite_table, 1, root, err) != 0)
		return -1;
	s->name = json_string_value(json_object_get(root, "name"));
	/* A chart's name, or the chart itself (as suite.json keeps it). */
	v = json_object_get(root, "chart");
	if (json_is_object(v))
		v = json_object_get(v, "name");
	if (!json_is_string(v))
		return dt_doc_fail(s->doc, "chart", err, "expected a chart's name, "
				   "or a chart (a mapping with a name)");
	s->chart = json_string_value(v);

	if (get_section(s->doc, "platform", false, &s->platform,
			&s->platform_config, err) ||
	    get_section(s->doc, "client", true, &s->client, &s->client_config, err) ||
	    get_section(s->doc, "workload", true, &s->workload,
			&s->workload_config, err) ||
	    parse_weights(s, err))
		return -1;
	if (s->platform == NULL)
		s->platform = "local";
	s->concurrency = dt_opt_int(root, "concurrency");
	s->rate = dt_opt_number(root, "rate");
	s->time_limit = dt_opt_number(root, "time-limit");
	s->timeout = dt_opt_number(root, "timeout");
	if (dt_opt(root, "seed") != NULL) {
		s->seed = (uint64_t)dt_opt_int(root, "seed");
		s->has_seed = true;
	}
	s->recovery = dt_opt_number(root, "recovery");
	s->recovery_workload = dt_opt_bool(root, "recovery-workload");
	s->final_reads = dt_opt_bool(root, "final-reads");
	s->final_timeout = dt_opt_number(root, "final-reads-timeout");
	if (parse_nemeses(s, err) || parse_checkers(s, err) || parse_schedule(s, err))
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
	free(s->nemesis_types);
	free(s->operations);
	free(s->schedule);
	for (size_t i = 0; i < s->nextra_docs; i++)
		dt_doc_free(s->extra_docs[i]);
	free(s->extra_docs);
	json_decref(s->weights);
	dt_doc_free(s->chart_doc);
	dt_doc_free(s->doc);
	free(s);
}

/* Whether a --nemesis part names a role target (`primary`, ...). */
static bool is_role(const char *part)
{
	static const char *const roles[] = {
		"primary", "leader", "replicas", "followers",
		"minority-with-primary", "minority-with-leader",
		"majority-without-primary", "majority-without-leader", NULL
	};

	for (size_t i = 0; roles[i] != NULL; i++)
		if (strcmp(roles[i], part) == 0)
			return true;
	return false;
}

/*
 * One --nemesis item with a colon, NAME:PART:PART..., as a YAML
 * document of its own named after the item (so that an error in it
 * reads "--nemesis ITEM:LINE:COL: key: ..."): a role part is `target`,
 * KEY=VALUE a key (VALUE read as YAML: a number stays one), another
 * bare part `mode`.  Appended to the suite's nemeses, its document kept
 * by the suite.
 */
static int add_nemesis(dt_suite *s, const char *item, char *err)
{
	char *copy = strdup(item), *save = NULL, *part, *text = NULL;
	size_t len = 0, cap = 0;
	char name[600];
	dt_doc *doc = NULL, **docs;
	dt_nemesis_conf *grown;
	json_t *list;
	int rc = -1;

	snprintf(name, sizeof(name), "--nemesis %s", item);
	if (copy == NULL)
		return dt_fail(err, "out of memory");
	for (part = strtok_r(copy, ":", &save); part != NULL;
	     part = strtok_r(NULL, ":", &save)) {
		const char *key, *value;
		char *eq = strchr(part, '=');
		int n;

		if (len == 0) {
			key = "name";
			value = part;
		} else if (eq != NULL) {
			*eq = '\0';
			key = part;
			value = eq + 1;
		} else {
			key = is_role(part) ? "target" : "mode";
			value = part;
		}
		for (const char *k = key; *k; k++)
			if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
			      *k == '-' || *k == '_')) {
				dt_fail(err, "%s: '%s' is not a key (KEY=VALUE, or a "
					"mode, or a role such as primary)", name, key);
				goto out;
			}
		if (dt_grow((void **)&text, &cap, len + strlen(key) + strlen(value) + 4, 1) != 0) {
			dt_fail(err, "out of memory");
			goto out;
		}
		n = snprintf(text + len, cap - len, "%s: %s\n", key, value);
		len += (size_t)n;
	}
	if (len == 0) {
		dt_fail(err, "%s: expected NAME:MODE:ROLE:KEY=VALUE...", name);
		goto out;
	}
	doc = dt_doc_parse(name, text, len, err);
	if (doc == NULL)
		goto out;
	/* Lines and columns of the text made here mean nothing to the
	 * user: errors name the argument and the key alone. */
	json_object_clear(doc->marks);
	if (!json_is_object(doc->root) || !json_is_string(json_object_get(doc->root, "name"))) {
		dt_fail(err, "%s: expected NAME:MODE:ROLE:KEY=VALUE...", name);
		goto out;
	}
	docs = realloc(s->extra_docs, (s->nextra_docs + 1) * sizeof(*docs));
	grown = realloc(s->nemeses, (s->nnemeses + 2) * sizeof(*grown));
	if (docs != NULL)
		s->extra_docs = docs;
	if (grown != NULL)
		s->nemeses = grown;
	list = json_object_get(s->doc->root, "nemesis");
	if (list == NULL) {
		list = json_array();
		if (list != NULL && json_object_set_new(s->doc->root, "nemesis", list) != 0)
			list = NULL;
	}
	if (docs == NULL || grown == NULL || list == NULL ||
	    json_array_append(list, doc->root) != 0) {
		dt_fail(err, "out of memory");
		goto out;
	}
	s->extra_docs[s->nextra_docs++] = doc;
	memset(&s->nemeses[s->nnemeses], 0, 2 * sizeof(*s->nemeses));
	if (parse_nemesis(doc, doc->root, "", &s->nemeses[s->nnemeses], err) != 0) {
		doc = NULL; /* the suite frees it */
		goto out;
	}
	s->nnemeses++;
	doc = NULL;
	rc = 0;
out:
	dt_doc_free(doc);
	free(text);
	free(copy);
	return rc;
}

int dt_suite_select_nemeses(dt_suite *s, const char *list, char *err)
{
	size_t kept = 0, had;
	char *copy, *save = NULL;

	if (s->has_schedule)
		return dt_fail(err, "--nemesis: suite '%s' has a schedule of its "
			       "own (schedule:); remove faults from it instead",
			       s->name);
	copy = strdup(list);
	if (copy == NULL)
		return dt_fail(err, "out of memory");
	/* Every name given alone must exist in the suite. */
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (strchr(n, ':') != NULL)
			continue; /* an entry to add */
		for (size_t i = 0; i < s->nnemeses; i++)
			found |= strcmp(s->nemeses[i].name, n) == 0;
		if (!found) {
			char names[256] = "";
			size_t used = 0;

			for (size_t i = 0; i < s->nnemeses && used < sizeof(names); i++)
				used += snprintf(names + used, sizeof(names) - used,
						 "%s%s", i ? ", " : "", s->nemeses[i].name);
			dt_fail(err, "--nemesis: suite '%s' has no nemesis '%s' "
				"(it has: %s; NAME:MODE:ROLE adds one, as in "
				"partition:isolate-primary:primary)", s->name, n,
				used ? names : "none");
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
	had = kept;
	copy = strdup(list);
	if (copy == NULL)
		return dt_fail(err, "out of memory");
	save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save))
		if (strchr(n, ':') != NULL && add_nemesis(s, n, err) != 0) {
			free(copy);
			return -1;
		}
	free(copy);
	if (s->nnemeses > had)
		dt_log(DT_LOG_DEBUG, "--nemesis added %zu entries", s->nnemeses - had);
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
