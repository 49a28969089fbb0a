/*
 * dt/plugin.h: the one header a DT plugin includes.
 *
 * A plugin is a shared object (a libtool module, -module -avoid-version)
 * named dt_NAME.so.  It exports two symbols, most easily through
 * DT_PLUGIN_DEFINE():
 *
 *   const unsigned dt_plugin_abi;              equal to DT_ABI_VERSION
 *   int dt_plugin_register(dt_registry *reg);  registers its components
 *
 * dt_plugin_register() calls dt_register_*() once per component: one .so
 * may register several components of several kinds.  The core knows a
 * component only by its kind and name, as the suite YAML spells it.
 *
 * Ownership: unless a comment says otherwise, pointers passed to a
 * callback are borrowed for the duration of the call; values a callback
 * returns through an out-parameter belong to the caller.  Every callback
 * that can fail takes `char *err` (DT_ERRBUF_SIZE bytes) and fills it with
 * a sentence that names what failed; the core adds the file and plugin.
 *
 * Sections by kind: dt/types.h (ops, nodes, histories, logging), then one
 * header per kind: platform, client, workload, nemesis, checker, model.
 */
#ifndef DT_PLUGIN_H
#define DT_PLUGIN_H

#include <dt/types.h>
#include <dt/platform.h>
#include <dt/client.h>
#include <dt/workload.h>
#include <dt/nemesis.h>
#include <dt/model.h>
#include <dt/checker.h>
#include <dt/command.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct or callback in these headers changes shape,
 * counting from the first release (0.1.0), which froze version 1. */
#define DT_ABI_VERSION 1u

typedef enum dt_kind {
	DT_KIND_PLATFORM = 0,
	DT_KIND_CLIENT,
	DT_KIND_WORKLOAD,
	DT_KIND_NEMESIS,
	DT_KIND_CHECKER,
	DT_KIND_MODEL,
	DT_KIND_COUNT
} dt_kind;

/* "platform", "client", ...; "?" for an out-of-range value. */
const char *dt_kind_name(dt_kind kind);

typedef struct dt_registry dt_registry;

/*
 * Each registers the component described by a static descriptor, which
 * must outlive the plugin (a `static const` in the plugin is right).
 * Returns 0, or -1 when the name is taken or the descriptor is
 * incomplete; the registry then records the reason and the core refuses
 * the plugin with it.
 */
int dt_register_platform(dt_registry *reg, const dt_platform_type *type);
int dt_register_client(dt_registry *reg, const dt_client_type *type);
int dt_register_workload(dt_registry *reg, const dt_workload_type *type);
int dt_register_nemesis(dt_registry *reg, const dt_nemesis_type *type);
int dt_register_checker(dt_registry *reg, const dt_checker_type *type);
int dt_register_model(dt_registry *reg, const dt_model_type *type);

/* Look up a component (for example, a checker that needs a model),
 * loading its plugin along the search path if need be.  Returns NULL
 * when none has that kind and name.  Main thread only. */
const void *dt_registry_find(dt_registry *reg, dt_kind kind, const char *name);

/* The entry points, declared for DT_PLUGIN_DEFINE and the loader. */
extern const unsigned dt_plugin_abi;
int dt_plugin_register(dt_registry *reg);

#define DT_PLUGIN_DEFINE(register_fn)                                   \
	__attribute__((visibility("default")))                          \
	const unsigned dt_plugin_abi = DT_ABI_VERSION;                  \
	__attribute__((visibility("default")))                          \
	int dt_plugin_register(dt_registry *reg) { return register_fn(reg); }

#ifdef __cplusplus
}
#endif
#endif /* DT_PLUGIN_H */
