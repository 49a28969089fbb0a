/* SPDX-License-Identifier: MIT */
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
 * Sections by kind: dt/types.h (ops, nodes, histories, logging),
 * dt/options.h (declared options, durations, sizes, rates), then one
 * header per kind: platform, client, workload, nemesis, checker, model;
 * and the pieces plugins share: dt/yaml.h (YAML with source marks),
 * dt/map.h (a hash map), dt/buf.h (a growable buffer), dt/base64.h,
 * dt/command.h (running a program under a deadline).  These headers are
 * the whole of what a plugin may use: libdt exports nothing else.
 *
 * Growing without breaking: every descriptor begins with its size
 * (`.size = sizeof(dt_client_type)`, ...).  The core copies a
 * descriptor into one of its own shape, so a plugin built against an
 * older header of the same ABI version, whose descriptor lacks the
 * callbacks added since, reads them as NULL (new callbacks are always
 * optional and always added at the end).  A change that cannot be made
 * that way (a struct in an array, a callback's signature) bumps
 * DT_ABI_VERSION; tests/core/test_abi.c pins every public struct's
 * layout so that such a change is noticed, not remembered.
 */
#ifndef DT_PLUGIN_H
#define DT_PLUGIN_H

#include <dt/types.h>
#include <dt/options.h>
#include <dt/platform.h>
#include <dt/client.h>
#include <dt/workload.h>
#include <dt/nemesis.h>
#include <dt/model.h>
#include <dt/checker.h>
#include <dt/command.h>
#include <dt/yaml.h>
#include <dt/map.h>
#include <dt/buf.h>
#include <dt/base64.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a change cannot be made by appending to a descriptor
 * (see above).  Version 1 was DT 0.1.0's; version 2 brought sizes,
 * declared options, validate and dt_reply. */
#define DT_ABI_VERSION 2u

typedef struct dt_registry dt_registry;

/*
 * Each registers the component described by a static descriptor, which
 * must outlive the plugin (a `static const` in the plugin is right).
 * Returns 0, or -1 when the name is taken or the descriptor is
 * incomplete; the registry then records the reason and the core refuses
 * the plugin with it.
 */
DT_EXTERN int dt_register_platform(dt_registry *reg, const dt_platform_type *type);
DT_EXTERN int dt_register_client(dt_registry *reg, const dt_client_type *type);
DT_EXTERN int dt_register_workload(dt_registry *reg, const dt_workload_type *type);
DT_EXTERN int dt_register_nemesis(dt_registry *reg, const dt_nemesis_type *type);
DT_EXTERN int dt_register_checker(dt_registry *reg, const dt_checker_type *type);
DT_EXTERN int dt_register_model(dt_registry *reg, const dt_model_type *type);

/*
 * Look up a component (for example, a checker that needs a model),
 * loading its plugin along the search path if need be.  Returns its
 * descriptor (the core's copy, of the current shape), or NULL with err
 * (when not NULL) saying why: no such name (listing those that exist,
 * "did you mean" one close to it), or its file failed to load.  A
 * registry a service has sealed (dtd loads every plugin at start) only
 * looks up, from any thread; otherwise main thread only.
 */
DT_EXTERN const void *dt_registry_find(dt_registry *reg, dt_kind kind,
				       const char *name, char *err);

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
