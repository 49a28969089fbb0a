/* SPDX-License-Identifier: MIT */
/*
 * paths.h: where DT finds its plugins, suites and charts, and whether
 * this binary runs from the build tree.
 *
 * DT_BUILD_DIR, DT_SOURCE_DIR, DT_PLUGIN_DIR and DT_DATA_DIR come from
 * the Makefile (absolute paths fixed at configure time).
 */
#ifndef DT_CORE_PATHS_H
#define DT_CORE_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* True when /proc/self/exe lies inside the build tree. */
bool dt_running_uninstalled(void);

/* $XDG_DATA_HOME/../SUB or ~/.local/SUB ("lib/dt/plugins"): 0 or -1. */
int dt_user_dir(const char *sub, char *buf, size_t size);

/*
 * Find NAME.yaml in the kind's path ("suites" or "charts"): `extra` (a
 * colon list from the command line), $DT_SUITE_PATH / $DT_CHART_PATH,
 * the source tree when uninstalled, then $(pkgdatadir)/KIND.  NAME may
 * also be a path to a file.  Fills buf; 0, or -1 with err.
 */
int dt_find_yaml(const char *kind, const char *name, const char *extra,
		 char *buf, size_t size, char *err);

/* The same for a name only (never a path), as files name each other. */
int dt_find_yaml_name(const char *kind, const char *name, const char *extra,
		      char *buf, size_t size, char *err);

/*
 * A search path: a NULL-terminated, malloc'd list of directories, each
 * once, in the order added.  dt_path_add appends dir (nothing for NULL,
 * "" or a directory already there; on out of memory the list stays as it
 * was); dt_path_add_colon appends each directory of a colon list.  *list
 * starts NULL with *n 0; free it with dt_path_free.
 */
void dt_path_add(char ***list, size_t *n, const char *dir);
void dt_path_add_colon(char ***list, size_t *n, const char *colon);

/* The directories of that path, NULL-terminated and malloc'd (free with
 * dt_path_free). */
char **dt_yaml_path(const char *kind, const char *extra);
void dt_path_free(char **path);

#endif
