/* SPDX-License-Identifier: MIT */
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
int dt_store_write_file(const char *dir, const char *name, const char *text,
			size_t len, char *err);

/* dt_mkdirs is public (dt/types.h). */

/*
 * A run in progress says so in STATE_DIR/run-RUNID.json (its pid, the
 * pid's start time, its folder) from the moment its folder exists until
 * it ends, so that `dt-run cleanup` finds what a killed run left: a
 * history with its reserved tail.  claim: 0 or -1 with err; release
 * removes the file.  cleanup calls found(dir) for each run whose owner
 * is gone and removes its file; returns how many, or -1 with err.
 */
int dt_store_claim(const char *state_dir, const char *run_id, const char *dir,
		   char *err);
void dt_store_release(const char *state_dir, const char *run_id);
int dt_store_cleanup(const char *state_dir,
		     void (*found)(const char *dir, void *arg), void *arg,
		     char *err);

#endif
