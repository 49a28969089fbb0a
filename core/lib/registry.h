/* SPDX-License-Identifier: MIT */
/*
 * registry.h: the name-keyed table of components, and the loader that
 * fills it from dt_*.so files along the plugin search path.
 */
#ifndef DT_CORE_REGISTRY_H
#define DT_CORE_REGISTRY_H

#include <dt/plugin.h>

typedef struct dt_component {
	dt_kind kind;
	const dt_component_info *info; /* first member of the descriptor */
	const void *type;              /* dt_client_type *, ... */
	char *file;                    /* the .so it came from, or "(built in)" */
} dt_component;

/* Search path: `extra` (colon list from --plugin-path, may be NULL), then
 * $DT_PLUGIN_PATH, the user's directory, the build tree when this binary
 * runs uninstalled, then $(pkglibdir). */
dt_registry *dt_registry_new(const char *extra);
void dt_registry_free(dt_registry *reg);

/* The directories searched, in order, NULL-terminated. */
const char *const *dt_registry_path(const dt_registry *reg);

/* Find a component (valid until the registry is freed), loading
 * dt_NAME first and scanning every plugin
 * when that file does not have it.  On failure err says why and, for an
 * unknown name, lists the names that exist.  */
const dt_component *dt_registry_get(dt_registry *reg, dt_kind kind,
				    const char *name, char *err);

/* From now on only look up, never load: a service that loaded every
 * plugin at start (dt_registry_load_all) seals its registry, which its
 * threads then share without a lock. */
void dt_registry_seal(dt_registry *reg);

/* Load one file (a path); 0, or -1 with err naming the file and reason. */
int dt_registry_load_file(dt_registry *reg, const char *path, char *err);

/* Load every plugin along the path; problems go to warn() as they come
 * (one line each) and do not stop the scan.  Returns how many failed. */
int dt_registry_load_all(dt_registry *reg,
			 void (*warn)(const char *msg, void *arg), void *arg);

size_t dt_registry_count(const dt_registry *reg);
const dt_component *dt_registry_at(const dt_registry *reg, size_t i);

#endif
