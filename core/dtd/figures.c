/* SPDX-License-Identifier: MIT */
/*
 * figures.c: what the trends show of a run, kept in its index row when
 * it ends: throughput (completed operations a second), latency
 * percentiles (the worst operation's p50, p95, p99 of the stats
 * checker), the nemesis set it ran with, the version of the system
 * under test when its client reported one, and the bytes its folder
 * takes.  A pruned run keeps these, so a trend keeps its history.
 */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtd.h"

static uint64_t du_total;

static int du_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	du_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t dtd_disk_use(const char *dir)
{
	static pthread_mutex_t du_lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t n;

	pthread_mutex_lock(&du_lock);
	du_total = 0;
	nftw(dir, du_entry, 16, FTW_PHYS | FTW_MOUNT);
	n = du_total;
	pthread_mutex_unlock(&du_lock);
	return n;
}

/* The names of suite.json's nemeses, comma separated ("" for none). */
static void nemesis_names(const char *dir, char *out, size_t size)
{
	char path[PATH_MAX + 16];
	json_t *s, *n;
	size_t i, len = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/suite.json", dir);
	s = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(s, "nemesis"), i, n) {
		const char *name = json_is_string(n) ? json_string_value(n) :
				   json_string_value(json_object_get(n, "name"));

		if (name != NULL && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
						len ? "," : "", name);
	}
	json_decref(s);
}

/* The worst operation's percentile p of the stats checker, or -1. */
static double worst(const json_t *results, const char *p)
{
	const json_t *ops = json_object_get(json_object_get(json_object_get(
		results, "checkers"), "stats"), "operations");
	const char *k;
	json_t *o;
	double w = -1;

	json_object_foreach((json_t *)ops, k, o) {
		json_t *v = json_object_get(json_object_get(o, "latency_ms"), p);

		if (json_is_number(v) && json_number_value(v) > w)
			w = json_number_value(v);
	}
	return w;
}

void dtd_record_figures(dtd_db *db, int64_t id, const char *dir,
			const json_t *results)
{
	char nemesis[1024];
	json_t *loaded = NULL;
	const json_t *counts;
	double secs, tput = -1;
	const char *version;

	if (dir == NULL)
		return;
	if (results == NULL) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/results.json", dir);
		results = loaded = json_load_file(path, 0, NULL);
	}
	nemesis_names(dir, nemesis, sizeof(nemesis));
	counts = json_object_get(results, "counts");
	secs = json_number_value(json_object_get(results, "ran-seconds"));
	if (counts != NULL && secs > 0)
		tput = (double)json_integer_value(json_object_get(counts, "ok")) / secs;
	version = json_string_value(json_object_get(results, "server-version"));
	if (dtd_db_exec(db, NULL, "UPDATE runs SET throughput=nullif(?, -1), "
			"p50=nullif(?, -1), p95=nullif(?, -1), p99=nullif(?, -1), "
			"nemesis=?, version=?, bytes=? WHERE id=?", "rrrrttii", tput,
			worst(results, "p50"), worst(results, "p95"),
			worst(results, "p99"), nemesis, version,
			(int64_t)dtd_disk_use(dir), id) < 0)
		dt_log(DT_LOG_WARN, "dtd: run %lld: its figures could not be "
		       "recorded", (long long)id);
	json_decref(loaded);
}
