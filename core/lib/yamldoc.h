/* SPDX-License-Identifier: MIT */
/*
 * yamldoc.h: the core's side of dt/yaml.h: where a config value came
 * from, for checks that build their own key paths.
 */
#ifndef DT_CORE_YAMLDOC_H
#define DT_CORE_YAMLDOC_H

#include <dt/plugin.h>

/* The document and key path of a mapping or list read from YAML (any
 * value dt_conf_fail would place); false when it came from elsewhere. */
bool dt_conf_where(const json_t *conf, const dt_doc **doc, char *path,
		   size_t size);
/* Make value (a mapping or list made by the core, such as a nemesis
 * written as a bare name) known to dt_conf_fail as path of doc, until
 * doc is freed. */
void dt_conf_remember(const json_t *value, dt_doc *doc, const char *path);

#endif
