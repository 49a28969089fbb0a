/*
 * store.h: the run store.  store/SUITE/YYYYMMDDTHHMMSS/ holds a run's
 * history.jsonl, results.json, suite.json, dt.log and node logs;
 * store/SUITE/latest points at the newest run.
 */
#ifndef DT_CORE_STORE_H
#define DT_CORE_STORE_H

#include <dt/plugin.h>

/* Make the folder of a new run (exact_dir when not NULL) and point
 * `latest` at it.  Returns the malloc'd path, or NULL with err. */
char *dt_store_make_run_dir(const char *root, const char *exact_dir,
			    const char *suite, char *err);

/* Write dir/name atomically (temporary file, fsync, rename): a reader
 * sees the old file or the whole new one, never half of it. */
int dt_store_write_json(const char *dir, const char *name, const json_t *j,
			char *err);

/* dt_mkdirs is public (dt/types.h). */

#endif
