/* SPDX-License-Identifier: MIT */
/*
 * list.c: dt-run list suites|charts|plugins.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "paths.h"
#include "registry.h"

void cli_warn_line(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "dt-run: warning: %s\n", msg);
}

static void list_yaml(const char *kind, const char *extra)
{
	char **path = dt_yaml_path(kind, extra);

	for (size_t i = 0; path != NULL && path[i] != NULL; i++) {
		struct dirent **names;
		int n = scandir(path[i], &names, NULL, alphasort);

		for (int j = 0; j < n; j++) {
			size_t len = strlen(names[j]->d_name);

			if (len > 5 && strcmp(names[j]->d_name + len - 5, ".yaml") == 0)
				printf("%-24.*s %s/%s\n", (int)len - 5, names[j]->d_name,
				       path[i], names[j]->d_name);
			free(names[j]);
		}
		if (n >= 0)
			free(names);
	}
	dt_path_free(path);
}

static int list_plugins(const char *plugin_path)
{
	dt_registry *reg = dt_registry_new(plugin_path);

	if (reg == NULL)
		return DT_EXIT_INFRA;
	dt_registry_load_all(reg, cli_warn_line, NULL);
	printf("%-9s %-20s %-8s %-50s %s\n", "KIND", "NAME", "VERSION",
	       "DESCRIPTION", "FILE");
	for (int k = 0; k < DT_KIND_COUNT; k++)
		for (size_t i = 0; i < dt_registry_count(reg); i++) {
			const dt_component *c = dt_registry_at(reg, i);

			if ((int)c->kind != k)
				continue;
			printf("%-9s %-20s %-8s %-50s %s\n", dt_kind_name(c->kind),
			       c->info->name, c->info->version ? c->info->version : "-",
			       c->info->description ? c->info->description : "",
			       c->file);
		}
	dt_registry_free(reg);
	return 0;
}

int cli_list(char **args, int n, const dt_run_opts *o)
{
	const char *what = n > 0 ? args[0] : "";

	if (strcmp(what, "plugins") == 0)
		return list_plugins(o->plugin_path);
	if (strcmp(what, "suites") == 0 || strcmp(what, "charts") == 0) {
		list_yaml(what, what[0] == 's' ? o->suite_path : o->chart_path);
		return 0;
	}
	return cli_usage_error("list: expected suites, charts or plugins, not '%s'", what);
}
