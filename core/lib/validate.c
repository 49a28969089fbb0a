/* SPDX-License-Identifier: MIT */
/*
 * validate.c: everything about a suite that can be checked before the
 * platform is asked to do anything.  Each component the suite names is
 * found, its section checked against its declared options (an unknown
 * key is an error, defaults filled in, units converted), the workload's
 * operations against the client's, and then each component's own
 * validate callback runs.  A real run, --dry-run, `dt-run check-suite`
 * and dtd all go through here, so an error is the same error, exit 4,
 * found before any node starts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options_doc.h"
#include "registry.h"
#include "suite.h"
#include "yamldoc.h"

/* The component of kind called name, or an error placed at path. */
static const void *find(const dt_suite *s, dt_registry *reg, dt_kind kind,
			const char *name, const char *path, char *err)
{
	char e[DT_ERRBUF_SIZE];
	const dt_component *c = dt_registry_get(reg, kind, name, e);

	if (c == NULL) {
		dt_doc_fail(s->doc, path, err, "%s", e);
		return NULL;
	}
	return c->type;
}

/* Check section against the core's keys for kind, the component's and
 * (for a checker) its model's. */
static int apply(dt_kind kind, const dt_component_info *info,
		 const dt_component_info *model, json_t *section, char *err)
{
	const dt_option *tables[3];
	size_t n = 0;

	if (dt_core_options[kind] != NULL)
		tables[n++] = dt_core_options[kind];
	if (info->options != NULL)
		tables[n++] = info->options;
	if (model != NULL && model->options != NULL)
		tables[n++] = model->options;
	return dt_options_apply(tables, n, section, err);
}

bool dt_suite_has_nodes(const dt_suite *s)
{
	const json_t *local = json_object_get(s->chart_doc->root, "local");
	const json_t *nodes = json_object_get(local, "nodes");

	if (strcmp(s->platform, "local") != 0)
		return true;
	return local != NULL && !(json_is_integer(nodes) &&
				  json_integer_value(nodes) == 0);
}

/* The operations the workload will issue: those the suite weighs above
 * 0, or, when it weighs none, the workload's own with a weight above 0.
 * Unknown names in `operations` are an error. */
static int operations(dt_suite *s, char *err)
{
	const dt_workload_op *ops = s->workload_type->ops;
	size_t n = 0, used = 0;
	const char *names[256];

	while (ops[n].f != NULL && n < 256) {
		names[n] = ops[n].f;
		n++;
	}
	s->operations = calloc(n + 1, sizeof(*s->operations));
	if (s->operations == NULL)
		return dt_fail(err, "out of memory");
	if (s->weights != NULL) {
		const char *f;
		json_t *w;

		json_object_foreach(s->weights, f, w) {
			bool found = false;

			for (size_t i = 0; i < n; i++)
				found |= strcmp(names[i], f) == 0;
			if (!found) {
				const char *close = options_closest(f, names, n);
				char list[512];
				size_t len = 0;

				list[0] = '\0';
				for (size_t i = 0; i < n && len < sizeof(list); i++)
					len += (size_t)snprintf(list + len, sizeof(list) - len,
								"%s%s", i ? ", " : "", names[i]);
				if (close != NULL)
					return dt_conf_fail(s->weights, f, err, "workload %s "
							    "has no operation '%s' (did you mean "
							    "`%s`?; it has: %s)", s->workload,
							    f, close, list);
				return dt_conf_fail(s->weights, f, err, "workload %s has "
						    "no operation '%s' (it has: %s)",
						    s->workload, f, list);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *w = s->weights ? json_object_get(s->weights, ops[i].f) : NULL;
		double weight = s->weights ? (w ? json_number_value(w) : 0) : ops[i].weight;

		if (weight > 0)
			s->operations[used++] = ops[i].f;
	}
	if (used == 0)
		return dt_doc_fail(s->doc, s->weights ? "workload.operations" : "workload",
				   err, "workload %s: every operation has weight 0",
				   s->workload);
	return 0;
}

/* Every operation the workload issues must be one the client performs. */
static int client_ops(const dt_suite *s, char *err)
{
	const char *const *mine = s->client_type->operations;

	if (mine == NULL)
		return 0;
	for (size_t i = 0; s->operations[i] != NULL; i++) {
		bool found = false;
		char list[512];
		size_t len = 0;

		for (size_t j = 0; mine[j] != NULL && !found; j++)
			found = strcmp(mine[j], s->operations[i]) == 0;
		if (found)
			continue;
		list[0] = '\0';
		for (size_t j = 0; mine[j] != NULL && len < sizeof(list); j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						j ? ", " : "", mine[j]);
		return dt_doc_fail(s->doc, "client.name", err, "client %s cannot "
				   "perform operation '%s' of workload %s (it "
				   "performs: %s)", s->client, s->operations[i],
				   s->workload, list);
	}
	return 0;
}

/* The model a checker's section names (a COMPONENT option of kind
 * model), or the workload's when it names none; NULL when the checker
 * takes no model. */
static int checker_model(dt_suite *s, dt_registry *reg, size_t i,
			 const dt_component_info *info,
			 const dt_component_info **model, char *err)
{
	json_t *conf = s->checkers[i].config;

	*model = NULL;
	for (const dt_option *o = info->options; o != NULL && o->name != NULL; o++) {
		const json_t *v;
		const char *name;
		const dt_model_type *m;
		char path[128];

		if (o->type != DT_OPT_COMPONENT || o->kind != DT_KIND_MODEL)
			continue;
		v = json_object_get(conf, o->name);
		if (v != NULL && !json_is_string(v))
			return dt_conf_fail(conf, o->name, err, "expected a model's name");
		name = v ? json_string_value(v) : s->workload_type->model;
		if (name == NULL)
			return 0;
		snprintf(path, sizeof(path), "checkers[%zu]%s%s", i,
			 v ? "." : "", v ? o->name : "");
		m = find(s, reg, DT_KIND_MODEL, name, path, err);
		if (m == NULL)
			return -1;
		*model = &m->info;
		s->checkers[i].model = m->info.name;
		s->checkers[i].model_type = m;
		return 0;
	}
	return 0;
}

static int call_validate(const dt_suite *s, dt_registry *reg, dt_kind kind,
			 const dt_component_info *info, const json_t *config,
			 const char *model, size_t nnodes, char *err)
{
	dt_validate_env env = {
		.kind = kind, .name = info->name, .config = config,
		.suite = s->doc->root, .chart = s->chart_doc->root,
		.workload = s->workload, .workload_config = s->workload_config,
		.operations = s->operations, .model = model,
		.platform = s->platform_type ? s->platform : NULL,
		.nnodes = nnodes, .registry = reg,
	};
	char e[DT_ERRBUF_SIZE] = "";

	if (info->validate == NULL || info->validate(&env, e) == 0)
		return 0;
	/* A message that names its file already keeps it; otherwise name
	 * the component's section. */
	if (strncmp(e, s->doc->file, strlen(s->doc->file)) == 0 ||
	    strncmp(e, s->chart_doc->file, strlen(s->chart_doc->file)) == 0)
		return dt_fail(err, "%s", e);
	return dt_conf_fail(config, NULL, err, "%s %s: %s", dt_kind_name(kind),
			    info->name, e);
}

/* The nodes the chart declares for its platform (its section's
 * `nodes`), 0 when it does not say. */
static size_t chart_nodes(const dt_suite *s)
{
	const char *sec = s->platform_type ? s->platform_type->chart_section : NULL;
	const json_t *n = sec ? json_object_get(json_object_get(s->chart_doc->root,
								 sec), "nodes") : NULL;

	return json_is_integer(n) && json_integer_value(n) > 0 ?
	       (size_t)json_integer_value(n) : 0;
}

static int check_platform(dt_suite *s, dt_registry *reg, char *err)
{
	const dt_platform_type *p;
	const char *sec;

	if (!dt_suite_has_nodes(s))
		return 0;
	p = find(s, reg, DT_KIND_PLATFORM, s->platform,
		 s->platform_config ? "platform.name" : "platform", err);
	if (p == NULL)
		return -1;
	s->platform_type = p;
	if (s->platform_config == NULL) {
		json_t *obj = json_pack("{ss}", "name", s->platform);

		if (obj == NULL || json_object_set_new(s->doc->root, "platform", obj) != 0)
			return dt_fail(err, "out of memory");
		dt_conf_remember(obj, s->doc, "platform");
		s->platform_config = obj;
		s->platform = json_string_value(json_object_get(obj, "name"));
	}
	if (apply(DT_KIND_PLATFORM, &p->info, NULL, s->platform_config, err) != 0)
		return -1;
	sec = p->chart_section;
	if (sec != NULL && p->chart_options != NULL) {
		json_t *section = json_object_get(s->chart_doc->root, sec);
		const dt_option *t = p->chart_options;

		if (section != NULL && dt_options_apply(&t, 1, section, err) != 0)
			return -1;
	}
	return 0;
}

int dt_suite_check(dt_suite *s, dt_registry *reg, char *err)
{
	size_t nnodes;

	s->client_type = find(s, reg, DT_KIND_CLIENT, s->client, "client.name", err);
	if (s->client_type == NULL ||
	    apply(DT_KIND_CLIENT, &s->client_type->info, NULL, s->client_config, err))
		return -1;
	s->workload_type = find(s, reg, DT_KIND_WORKLOAD, s->workload,
				"workload.name", err);
	if (s->workload_type == NULL ||
	    apply(DT_KIND_WORKLOAD, &s->workload_type->info, NULL,
		  s->workload_config, err) ||
	    operations(s, err) || client_ops(s, err) || check_platform(s, reg, err))
		return -1;
	free(s->nemesis_types);
	s->nemesis_types = calloc(s->nnemeses + 1, sizeof(*s->nemesis_types));
	if (s->nemesis_types == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < s->nnemeses; i++) {
		char p[64];

		snprintf(p, sizeof(p), "nemesis[%zu].name", i);
		s->nemesis_types[i] = find(s, reg, DT_KIND_NEMESIS, s->nemeses[i].name,
					   p, err);
		if (s->nemesis_types[i] == NULL ||
		    apply(DT_KIND_NEMESIS, &s->nemesis_types[i]->info, NULL,
			  s->nemeses[i].config, err) != 0)
			return -1;
		/* A role is resolved through the client when the fault starts. */
		if (DT_TARGET_IS_ROLE(s->nemeses[i].target) &&
		    s->client_type->roles == NULL)
			return dt_conf_fail(s->nemeses[i].config, "target", err,
					    "target %s needs a client that reports "
					    "each node's role, and %s does not",
					    dt_target_mode_name(s->nemeses[i].target),
					    s->client);
	}
	for (size_t i = 0; i < s->ncheckers; i++) {
		const dt_checker_type *c;
		const dt_component_info *model;
		char p[64];

		snprintf(p, sizeof(p), "checkers[%zu]", i);
		c = find(s, reg, DT_KIND_CHECKER, s->checkers[i].name, p, err);
		if (c == NULL || checker_model(s, reg, i, &c->info, &model, err) ||
		    apply(DT_KIND_CHECKER, &c->info, model, s->checkers[i].config, err))
			return -1;
		s->checkers[i].type = c;
	}

	/* The rules no table states, once every section is whole. */
	nnodes = chart_nodes(s);
	for (size_t i = 0; i < s->nschedule; i++)
		for (size_t k = 0; k < s->schedule[i].ntargets; k++)
			if (nnodes > 0 && s->schedule[i].targets[k] >= nnodes) {
				char p[64];

				snprintf(p, sizeof(p), "schedule[%zu].nodes", i);
				return dt_doc_fail(s->doc, p, err, "n%zu: the chart has "
						   "%zu nodes", s->schedule[i].targets[k] + 1,
						   nnodes);
			}
	if (call_validate(s, reg, DT_KIND_CLIENT, &s->client_type->info,
			  s->client_config, NULL, nnodes, err) ||
	    call_validate(s, reg, DT_KIND_WORKLOAD, &s->workload_type->info,
			  s->workload_config, NULL, nnodes, err))
		return -1;
	if (s->platform_type != NULL &&
	    call_validate(s, reg, DT_KIND_PLATFORM, &s->platform_type->info,
			  s->platform_config, NULL, nnodes, err))
		return -1;
	for (size_t i = 0; i < s->nnemeses; i++)
		if (call_validate(s, reg, DT_KIND_NEMESIS, &s->nemesis_types[i]->info,
				  s->nemeses[i].config, NULL, nnodes, err))
			return -1;
	for (size_t i = 0; i < s->ncheckers; i++) {
		const dt_checker_conf *c = &s->checkers[i];

		if (call_validate(s, reg, DT_KIND_CHECKER, &c->type->info, c->config,
				  c->model, nnodes, err) ||
		    (c->model_type != NULL &&
		     call_validate(s, reg, DT_KIND_MODEL, &c->model_type->info,
				   c->config, c->model, nnodes, err)))
			return -1;
	}
	return 0;
}
