/* SPDX-License-Identifier: MIT */
/*
 * campaign.c: reading a campaign (campaign.h) and making its cells.
 *
 *   name: redis-matrix
 *   suites: [mem-bank, mem-register]     # required
 *   nemesis-sets: ["", "pause,kill"]     # "" none; absent: each suite's
 *   parameter: {name: concurrency, values: [1, 4]}   # or rate, time-limit
 *   seeds: [1, 2, 3]                     # absent: one run, a random seed
 *   time-limit: 2s                       # every run's; absent: the suite's
 *   stop-at-first-invalid: false
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"

static const char *const param_names[] = { "concurrency", "rate", "time-limit", NULL };

static const dt_option parameter_fields[] = {
	{ .name = "name", .type = DT_OPT_ENUM, .values = param_names,
	  .flags = DT_OPT_REQUIRED,
	  .doc = "the parameter that varies: concurrency, rate or time-limit" },
	{ .name = "values", .type = DT_OPT_LIST, .item = DT_OPT_ANY, .min = 1,
	  .max = 1000, .flags = DT_OPT_REQUIRED,
	  .doc = "its values, one column each" },
	{ .name = NULL }
};

const dt_option dt_campaign_options[] = {
	{ .name = "name", .type = DT_OPT_STRING, .def = "campaign",
	  .doc = "what the campaign is called" },
	{ .name = "suites", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .min = 1, .max = 1000, .flags = DT_OPT_REQUIRED,
	  .doc = "the suites, by name" },
	{ .name = "nemesis-sets", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .min = 1, .max = 1000,
	  .doc = "nemesis sets, each a comma list of the suite's nemeses "
		 "(\"\" for none); absent: each suite's own" },
	{ .name = "parameter", .type = DT_OPT_OBJECT, .fields = parameter_fields,
	  .doc = "one parameter and its values" },
	{ .name = "seeds", .type = DT_OPT_LIST, .item = DT_OPT_INT, .min = 1,
	  .max = 10000, .doc = "seeds, one run each; absent: one run, a random seed" },
	{ .name = "time-limit", .type = DT_OPT_DURATION, .min = 0.001, .max = 86400,
	  .doc = "every run's time limit; absent: each suite's" },
	{ .name = "stop-at-first-invalid", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "cancel the runs not started yet once one run is invalid" },
	{ .name = NULL }
};

/* A parameter value as a number of its unit; -1 when it is not one. */
static double param_value(const char *param, const json_t *v)
{
	double d;

	if (strcmp(param, "concurrency") == 0)
		return json_is_integer(v) && json_integer_value(v) >= 1 &&
		       json_integer_value(v) <= 100000 ?
		       (double)json_integer_value(v) : -1;
	if (strcmp(param, "rate") == 0)
		return dt_json_rate(v, &d) == 0 && d <= 1e7 ? d : -1;
	return dt_json_duration(v, &d) == 0 && d > 0 && d <= 86400 ? d : -1;
}

static dt_campaign *from_doc(dt_doc *doc, char *err)
{
	const dt_option *table = dt_campaign_options;
	dt_campaign *c;
	json_t *root = doc->root, *suites, *sets, *param, *values = NULL, *seeds;
	const char *pname = NULL;
	size_t nsuites, nsets, nvalues, nseeds, n, k = 0;

	if (root == NULL || !json_is_object(root)) {
		dt_doc_fail(doc, "", err, "a campaign is a mapping (suites, "
			    "nemesis-sets, parameter, seeds, ...)");
		return NULL;
	}
	if (dt_options_apply(&table, 1, root, err) != 0)
		return NULL;
	suites = json_object_get(root, "suites");
	sets = json_object_get(root, "nemesis-sets");
	param = json_object_get(root, "parameter");
	seeds = json_object_get(root, "seeds");
	if (param != NULL) {
		pname = json_string_value(json_object_get(param, "name"));
		values = json_object_get(param, "values");
		for (size_t i = 0; i < json_array_size(values); i++) {
			char at[64];

			if (param_value(pname, json_array_get(values, i)) >= 0)
				continue;
			snprintf(at, sizeof(at), "parameter.values[%zu]", i);
			dt_doc_fail(doc, at, err, "must be %s", strcmp(pname,
				    "concurrency") == 0 ? "an integer from 1 to 100000" :
				    strcmp(pname, "rate") == 0 ? "a rate (\"200/s\", 0: no limit)" :
				    "a duration (\"2s\")");
			return NULL;
		}
	}
	for (size_t i = 0; i < json_array_size(suites); i++) {
		const char *s = json_string_value(json_array_get(suites, i));
		char at[64];

		if (s[0] != '\0' && strchr(s, '/') == NULL && s[0] != '.')
			continue;
		snprintf(at, sizeof(at), "suites[%zu]", i);
		dt_doc_fail(doc, at, err, "must be a suite's name (found along "
			    "the suite path)");
		return NULL;
	}
	nsuites = json_array_size(suites);
	nsets = sets ? json_array_size(sets) : 1;
	nvalues = values ? json_array_size(values) : 1;
	nseeds = seeds ? json_array_size(seeds) : 1;
	if ((double)nsuites * nsets * nvalues * nseeds > DT_CAMPAIGN_MAX_CELLS) {
		dt_doc_fail(doc, "suites", err, "%zu x %zu x %zu x %zu runs: at most "
			    "%d a campaign", nsuites, nsets, nvalues, nseeds,
			    DT_CAMPAIGN_MAX_CELLS);
		return NULL;
	}
	n = nsuites * nsets * nvalues * nseeds;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->cells = calloc(n, sizeof(*c->cells))) == NULL) {
		free(c);
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->spec = json_incref(root);
	c->name = json_string_value(json_object_get(root, "name"));
	c->stop_at_first_invalid = json_is_true(json_object_get(root,
		"stop-at-first-invalid"));
	c->time_limit = json_object_get(root, "time-limit") ?
		json_number_value(json_object_get(root, "time-limit")) : -1;
	c->ncells = n;
	for (size_t a = 0; a < nsuites; a++)
		for (size_t b = 0; b < nsets; b++)
			for (size_t v = 0; v < nvalues; v++)
				for (size_t s = 0; s < nseeds; s++) {
					dt_campaign_cell *cell = &c->cells[k++];

					cell->suite = json_string_value(json_array_get(suites, a));
					cell->nemesis = sets ? json_string_value(
						json_array_get(sets, b)) : NULL;
					if (values != NULL) {
						cell->param = pname;
						cell->value = param_value(pname,
							json_array_get(values, v));
					}
					if (seeds != NULL) {
						cell->has_seed = true;
						cell->seed = (uint64_t)json_integer_value(
							json_array_get(seeds, s));
					}
				}
	return c;
}

dt_campaign *dt_campaign_parse(const char *name, const char *text, size_t len,
			       char *err)
{
	dt_doc *doc = dt_doc_parse(name, text, len, err);
	dt_campaign *c;

	if (doc == NULL)
		return NULL;
	c = from_doc(doc, err);
	dt_doc_free(doc);
	return c;
}

dt_campaign *dt_campaign_load(const char *file, char *err)
{
	dt_doc *doc = dt_doc_load(file, err);
	dt_campaign *c;

	if (doc == NULL)
		return NULL;
	c = from_doc(doc, err);
	dt_doc_free(doc);
	return c;
}

void dt_campaign_free(dt_campaign *c)
{
	if (c == NULL)
		return;
	json_decref(c->spec);
	free(c->cells);
	free(c);
}

json_t *dt_campaign_cell_json(const dt_campaign_cell *cell)
{
	json_t *o = json_pack("{ss}", "suite", cell->suite);

	json_object_set_new(o, "nemesis", cell->nemesis ? json_string(cell->nemesis) :
			    json_null());
	json_object_set_new(o, "param", cell->param ? json_string(cell->param) :
			    json_null());
	json_object_set_new(o, "value", cell->param ? json_real(cell->value) :
			    json_null());
	json_object_set_new(o, "seed", cell->has_seed ?
			    json_integer((json_int_t)cell->seed) : json_null());
	return o;
}

void dt_campaign_cell_opts(const dt_campaign *c, const dt_campaign_cell *cell,
			   dt_run_opts *o)
{
	o->suite = cell->suite;
	o->nemesis = cell->nemesis;
	if (c->time_limit > 0)
		o->time_limit = c->time_limit;
	if (cell->param != NULL) {
		if (strcmp(cell->param, "concurrency") == 0)
			o->concurrency = (long long)cell->value;
		else if (strcmp(cell->param, "rate") == 0)
			o->rate = cell->value;
		else
			o->time_limit = cell->value;
	}
	o->has_seed = cell->has_seed;
	o->seed = cell->seed;
}
