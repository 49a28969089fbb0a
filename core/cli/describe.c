/* SPDX-License-Identifier: MIT */
/*
 * describe.c: `dt-run describe NAME` (a component's options, or the
 * keys of a suite or a chart, as their tables declare them) and
 * `dt-run check-suite FILE...` (every check a run makes before it
 * starts, without starting it).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options_doc.h"
#include "registry.h"
#include "suite.h"

static void print_table(const char *title, const dt_option *table)
{
	dt_buf out = { 0 };

	if (table == NULL || table->name == NULL)
		return;
	printf("%s\n", title);
	options_describe(table, 2, &out);
	fputs(out.data ? (char *)out.data : "", stdout);
	dt_buf_free(&out);
}

static void describe_component(const dt_component *c)
{
	char title[256];

	printf("%s %s (%s, %s)\n  %s\n\n", dt_kind_name(c->kind), c->info->name,
	       c->info->version ? c->info->version : "-", c->file,
	       c->info->description ? c->info->description : "");
	if (dt_core_options[c->kind] != NULL) {
		snprintf(title, sizeof(title), "keys the core reads from a %s's section:",
			 dt_kind_name(c->kind));
		print_table(title, dt_core_options[c->kind]);
	}
	if (c->info->options != NULL && c->info->options->name != NULL)
		print_table("options:", c->info->options);
	else
		printf("options: none\n");
	if (c->kind == DT_KIND_PLATFORM) {
		const dt_platform_type *p = c->type;

		if (p->chart_section != NULL) {
			snprintf(title, sizeof(title), "\nthe chart's `%s:` section:",
				 p->chart_section);
			print_table(title, p->chart_options);
		}
	}
	if (c->kind == DT_KIND_CLIENT) {
		const dt_client_type *t = c->type;

		printf("operations:");
		for (size_t i = 0; t->operations != NULL && t->operations[i] != NULL; i++)
			printf(" %s", t->operations[i]);
		printf("%s\n", t->operations == NULL ? " any" : "");
	}
	if (c->kind == DT_KIND_WORKLOAD) {
		const dt_workload_type *t = c->type;

		printf("operations (default weight):");
		for (size_t i = 0; t->ops[i].f != NULL; i++)
			printf(" %s (%g)", t->ops[i].f, t->ops[i].weight);
		printf("\nmodel: %s\n", t->model ? t->model : "none");
	}
	putchar('\n');
}

int cli_describe(const char *name, const char *plugin_path)
{
	dt_registry *reg;
	size_t found = 0;

	if (name == NULL)
		return cli_usage_error("%s", "describe: give a component's name, "
				       "`suite` or `chart`");
	if (strcmp(name, "suite") == 0) {
		print_table("the keys of a suite (dt-suite(5)):", dt_suite_options);
		return 0;
	}
	if (strcmp(name, "chart") == 0) {
		print_table("the keys of a chart (dt-chart(5)); its platform's "
			    "section: dt-run describe local", dt_chart_options);
		return 0;
	}
	reg = dt_registry_new(plugin_path);
	if (reg == NULL)
		return DT_EXIT_INFRA;
	dt_registry_load_all(reg, NULL, NULL);
	for (size_t i = 0; i < dt_registry_count(reg); i++) {
		const dt_component *c = dt_registry_at(reg, i);

		if (strcmp(c->info->name, name) == 0) {
			describe_component(c);
			found++;
		}
	}
	if (found == 0) {
		const char *names[512];
		size_t n = 0;
		const char *close;

		for (size_t i = 0; i < dt_registry_count(reg) && n < 512; i++)
			names[n++] = dt_registry_at(reg, i)->info->name;
		close = options_closest(name, names, n);
		fprintf(stderr, "dt-run: describe: no component named '%s'%s%s%s "
			"(see `dt-run list plugins`)\n", name,
			close ? " (did you mean `" : "", close ? close : "",
			close ? "`?)" : "");
	}
	dt_registry_free(reg);
	return found ? 0 : DT_EXIT_CONFIG;
}

int cli_check_suites(char **files, int n, const dt_run_opts *o)
{
	dt_registry *reg;
	int bad = 0;

	if (n == 0)
		return cli_usage_error("%s", "check-suite: give suite files or names");
	reg = dt_registry_new(o->plugin_path);
	if (reg == NULL)
		return DT_EXIT_INFRA;
	for (int i = 0; i < n; i++) {
		char err[DT_ERRBUF_SIZE] = "";
		dt_suite *s = dt_suite_load(files[i], o->suite_path, o->chart_path, err);

		if (s == NULL || dt_suite_check(s, reg, err) != 0) {
			fprintf(stderr, "dt-run: %s\n", err);
			bad++;
		} else {
			printf("%s: ok (%s: client %s, workload %s, %zu nemeses, "
			       "%zu checkers)\n", files[i], s->name, s->client,
			       s->workload, s->nnemeses, s->ncheckers);
		}
		dt_suite_free(s);
	}
	dt_registry_free(reg);
	return bad ? DT_EXIT_CONFIG : DT_EXIT_VALID;
}
