/* SPDX-License-Identifier: MIT */
/*
 * dt/yaml.h: YAML files read into jansson values, remembering where each
 * value came from, so that any later check can say "file:line:col: key".
 * The core reads suites and charts with it; plugins read their own YAML
 * (kubeconfigs, manifests) with it too.
 *
 * Scalars are typed as in YAML 1.2's core schema; anchors, aliases,
 * duplicate keys and keys that are not scalars are refused.
 *
 * Threads: a document is used by one thread at a time; the table that
 * dt_conf_fail() searches is locked.
 */
#ifndef DT_YAML_H
#define DT_YAML_H

#include <dt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits on hostile input: bytes of a file, nesting depth. */
#define DT_YAML_MAX_BYTES (8u << 20)
#define DT_YAML_MAX_DEPTH 64

/* A document; owned by its caller, freed with dt_doc_free.  Every
 * mapping in root is known to dt_conf_fail() until then. */
typedef struct dt_doc {
	char *file;    /* as given */
	json_t *root;  /* the document; NULL for an empty file */
	json_t *marks; /* "key.path[2]" -> [line, column], 1-based */
} dt_doc;

/* Parse a file.  NULL with err ("file:line:col: reason") on failure. */
DT_EXTERN dt_doc *dt_doc_load(const char *file, char *err);
/* Parse a string; `name` stands for the file in messages. */
DT_EXTERN dt_doc *dt_doc_parse(const char *name, const char *text, size_t len,
			       char *err);
DT_EXTERN void dt_doc_free(dt_doc *doc);

/*
 * Fill err with "file:line:col: path: message", using the mark of path or
 * of its nearest parent that has one.  Returns -1.
 */
DT_EXTERN int dt_doc_fail(const dt_doc *doc, const char *path, char *err,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "parent.key" or "parent[i]" into buf; returns buf. */
DT_EXTERN char *dt_path_key(char *buf, size_t size, const char *parent,
			    const char *key);
DT_EXTERN char *dt_path_index(char *buf, size_t size, const char *parent,
			      size_t i);

#ifdef __cplusplus
}
#endif
#endif /* DT_YAML_H */
