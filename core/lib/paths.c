/* SPDX-License-Identifier: MIT */
/*
 * paths.c: search paths for plugins, suites and charts.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dt/plugin.h>
#include "paths.h"

bool dt_running_uninstalled(void)
{
	char exe[PATH_MAX], build[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t len;

	if (n <= 0 || realpath(DT_BUILD_DIR, build) == NULL)
		return false;
	exe[n] = '\0';
	len = strlen(build);
	return strncmp(exe, build, len) == 0 && exe[len] == '/';
}

int dt_user_dir(const char *sub, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	/* XDG_DATA_HOME is ~/.local/share; its sibling ~/.local/lib holds
	 * per-user libraries. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/../%s", xdg, sub);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, size, "%s/.local/%s", home, sub);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

void dt_path_add(char ***list, size_t *n, const char *dir)
{
	char **grown, *copy;

	if (dir == NULL || *dir == '\0')
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], dir) == 0)
			return;
	grown = realloc(*list, (*n + 2) * sizeof(char *));
	if (grown == NULL)
		return;
	*list = grown;
	if ((copy = strdup(dir)) == NULL) {
		(*list)[*n] = NULL;
		return;
	}
	(*list)[(*n)++] = copy;
	(*list)[*n] = NULL;
}

void dt_path_add_colon(char ***list, size_t *n, const char *colon)
{
	char *copy, *save = NULL;

	if (colon == NULL || (copy = strdup(colon)) == NULL)
		return;
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
		dt_path_add(list, n, p);
	free(copy);
}

char **dt_yaml_path(const char *kind, const char *extra)
{
	char **list = NULL;
	size_t n = 0;
	char env[32], dir[PATH_MAX];

	dt_path_add_colon(&list, &n, extra);
	/* "suites" -> DT_SUITE_PATH, "charts" -> DT_CHART_PATH */
	snprintf(env, sizeof(env), "DT_%.*s_PATH", (int)strlen(kind) - 1, kind);
	for (char *p = env; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	dt_path_add_colon(&list, &n, getenv(env));
	if (dt_running_uninstalled()) {
		snprintf(dir, sizeof(dir), "%s/%s", DT_SOURCE_DIR, kind);
		dt_path_add(&list, &n, dir);
	}
	snprintf(dir, sizeof(dir), "%s/%s", DT_DATA_DIR, kind);
	dt_path_add(&list, &n, dir);
	return list;
}

void dt_path_free(char **path)
{
	if (path == NULL)
		return;
	for (size_t i = 0; path[i] != NULL; i++)
		free(path[i]);
	free(path);
}

static bool valid_name(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 100)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

int dt_find_yaml(const char *kind, const char *name, const char *extra,
		 char *buf, size_t size, char *err)
{
	size_t len = strlen(name);

	/* A path to a file is taken as it is. */
	if (strchr(name, '/') != NULL ||
	    (len > 5 && strcmp(name + len - 5, ".yaml") == 0)) {
		if (access(name, R_OK) != 0)
			return dt_fail(err, "%s: cannot read this file", name);
		snprintf(buf, size, "%s", name);
		return 0;
	}
	return dt_find_yaml_name(kind, name, extra, buf, size, err);
}

int dt_find_yaml_name(const char *kind, const char *name, const char *extra,
		      char *buf, size_t size, char *err)
{
	char **path;

	if (!valid_name(name))
		return dt_fail(err, "'%s' is not a valid name for one of the %s "
			       "(letters, digits, '-', '_' and '.' only)", name, kind);
	path = dt_yaml_path(kind, extra);
	for (size_t i = 0; path != NULL && path[i] != NULL; i++) {
		snprintf(buf, size, "%s/%s.yaml", path[i], name);
		if (access(buf, R_OK) == 0) {
			dt_path_free(path);
			return 0;
		}
	}
	dt_path_free(path);
	return dt_fail(err, "no %.*s named '%s' (try `dt-run list %s`)",
		       (int)strlen(kind) - 1, kind, name, kind);
}

int dt_chart_find(const char *name, char *path, size_t size, char *err)
{
	return dt_find_yaml_name("charts", name, NULL, path, size, err);
}
