/* SPDX-License-Identifier: MIT */
/*
 * retention.c: the store kept to a size.  keep-runs N keeps the newest N
 * finished runs of each suite; max-store B removes the oldest finished
 * runs until the run folders take at most B bytes.  Invalid runs are
 * kept either way (they are what a user comes back for) unless
 * prune-invalid says otherwise.  A pruned run's folder goes, its index
 * row stays, marked pruned with its verdict and figures, so that trends
 * keep their history.  After each run when configured, and on POST
 * /api/prune.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtd.h"

/* The runs that may go, oldest first: finished, not pruned, with a
 * folder; invalid ones only when invalid_too. */
static json_t *candidates(dtd_db *db, bool invalid_too)
{
	return dtd_db_rows(db, "SELECT id, suite, dir, bytes, verdict FROM runs "
			   "WHERE status NOT IN ('queued', 'running') AND pruned "
			   "IS NULL AND dir IS NOT NULL AND (? OR verdict IS NULL "
			   "OR verdict != 'invalid') ORDER BY id", "i",
			   (int64_t)invalid_too);
}

/* Remove a run's folder and mark its row pruned; its bytes, or -1 when
 * the folder is not one dtd may remove. */
static int64_t prune_one(dtd_ctx *ctx, const json_t *row)
{
	const char *dir = json_string_value(json_object_get(row, "dir"));
	int64_t id = json_integer_value(json_object_get(row, "id"));
	char real[PATH_MAX];
	struct timespec ts;
	int64_t bytes = json_integer_value(json_object_get(row, "bytes"));

	if (dtd_run_dir(ctx->cfg->store, dir, real, sizeof(real)) == 0) {
		if (bytes <= 0)
			bytes = (int64_t)dtd_disk_use(real);
		dtd_remove_tree(real);
	} else if (errno != ENOENT) {
		return -1; /* outside the store: never removed */
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	dtd_db_exec(ctx->db, NULL, "UPDATE runs SET pruned=?, bytes=? WHERE id=?",
		    "rii", (double)ts.tv_sec + ts.tv_nsec / 1e9, bytes, id);
	return bytes;
}

/* Bytes of a row, measured (and recorded) when the row has none. */
static int64_t bytes_of(dtd_ctx *ctx, json_t *row)
{
	json_t *b = json_object_get(row, "bytes");
	char real[PATH_MAX];
	int64_t n;

	if (json_is_integer(b) && json_integer_value(b) > 0)
		return json_integer_value(b);
	if (dtd_run_dir(ctx->cfg->store, json_string_value(json_object_get(row, "dir")),
			real, sizeof(real)) != 0)
		return 0;
	n = (int64_t)dtd_disk_use(real);
	dtd_db_exec(ctx->db, NULL, "UPDATE runs SET bytes=? WHERE id=?", "ii", n,
		    json_integer_value(json_object_get(row, "id")));
	json_object_set_new(row, "bytes", json_integer(n));
	return n;
}

json_t *dtd_retention_prune(dtd_ctx *ctx, long keep, uint64_t max_bytes,
			    bool invalid_too)
{
	json_t *pruned = json_array(), *rows, *all, *row;
	json_t *per_suite = json_object(), *old_ids = json_object();
	int64_t total = 0, freed = 0;
	size_t i;

	/* keep-runs: counted over every finished run of a suite, newest
	 * first (an invalid run kept counts as one of the N). */
	if (keep > 0) {
		all = dtd_db_rows(ctx->db, "SELECT id, suite FROM runs WHERE "
				  "status NOT IN ('queued', 'running') AND pruned "
				  "IS NULL AND dir IS NOT NULL ORDER BY id DESC", "");
		json_array_foreach(all, i, row) {
			const char *suite = json_string_value(json_object_get(row, "suite"));
			json_int_t n = json_integer_value(json_object_get(per_suite, suite)) + 1;

			json_object_set_new(per_suite, suite, json_integer(n));
			if (n > keep) {
				char key[32];

				snprintf(key, sizeof(key), "%lld", (long long)
					 json_integer_value(json_object_get(row, "id")));
				json_object_set_new(old_ids, key, json_true());
			}
		}
		rows = candidates(ctx->db, invalid_too);
		json_array_foreach(rows, i, row) {
			int64_t id = json_integer_value(json_object_get(row, "id"));
			char key[32];

			snprintf(key, sizeof(key), "%lld", (long long)id);
			if (json_object_get(old_ids, key) != NULL) {
				int64_t b = prune_one(ctx, row);

				if (b >= 0) {
					freed += b;
					json_array_append_new(pruned, json_integer(id));
				}
			}
		}
		json_decref(rows);
		json_decref(all);
	}
	/* max-store: the oldest go first until the rest fit. */
	if (max_bytes > 0) {
		all = dtd_db_rows(ctx->db, "SELECT id, dir, bytes FROM runs WHERE "
				  "pruned IS NULL AND dir IS NOT NULL", "");
		json_array_foreach(all, i, row)
			total += bytes_of(ctx, row);
		json_decref(all);
		rows = candidates(ctx->db, invalid_too);
		json_array_foreach(rows, i, row) {
			int64_t b;

			if (total <= (int64_t)max_bytes)
				break;
			b = bytes_of(ctx, row);
			if (prune_one(ctx, row) < 0)
				continue;
			total -= b;
			freed += b;
			json_array_append_new(pruned, json_integer(
				json_integer_value(json_object_get(row, "id"))));
		}
		json_decref(rows);
	}
	json_decref(per_suite);
	json_decref(old_ids);
	if (json_array_size(pruned) > 0)
		dt_log(DT_LOG_INFO, "dtd: retention pruned %zu runs (%lld bytes)",
		       json_array_size(pruned), (long long)freed);
	return json_pack("{sosIsI}", "pruned", pruned, "freed", (json_int_t)freed,
			 "store_bytes", (json_int_t)(max_bytes > 0 ? total : -1));
}
