/* SPDX-License-Identifier: MIT */
/*
 * cleanup.c: dt-run cleanup: what killed runs left.  Histories cut at
 * their last whole line (dt-run check then marks them incomplete), and
 * every platform's cleanup over the state folder.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"
#include "owned.h"
#include "paths.h"
#include "registry.h"
#include "store.h"

/* A killed run's folder: its history cut at its last whole line (the
 * writer's reserved zeros, a torn line), so that any JSONL reader takes
 * it; `dt-run check` then marks it incomplete. */
static void trim_killed(const char *dir, void *arg)
{
	char path[4096], err[DT_ERRBUF_SIZE];
	bool cut;
	int64_t last;

	(void)arg;
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (access(path, F_OK) != 0)
		return;
	if (dt_history_trim(path, &cut, &last, err) != 0)
		fprintf(stderr, "dt-run: cleanup: %s\n", err);
	else if (cut)
		printf("%s: history cut at its last event (%.1f s): the run was "
		       "killed; `dt-run check %s` checks what it recorded\n", dir,
		       last >= 0 ? (double)last / 1e9 : 0, dir);
}

int cli_cleanup(const char *plugin_path)
{
	dt_registry *reg = dt_registry_new(plugin_path);
	int failed = 0, cleaned = 0;
	char err[DT_ERRBUF_SIZE];
	struct stat st;

	if (reg == NULL)
		return DT_EXIT_INFRA;
	/* What the state files there name is removed and signalled: only
	 * from a folder of the user's own. */
	if (lstat(dt_state_dir(), &st) != 0 && errno == ENOENT) {
		dt_registry_free(reg);
		printf("cleaned up after 0 run(s)\n");
		return 0;
	}
	if (dt_owned_dir(dt_state_dir(), "state folder", false, err) != 0) {
		dt_registry_free(reg);
		fprintf(stderr, "dt-run: cleanup: %s; nothing was cleaned\n", err);
		return DT_EXIT_INFRA;
	}
	if (dt_store_cleanup(dt_state_dir(), trim_killed, NULL, err) < 0) {
		fprintf(stderr, "dt-run: cleanup: %s\n", err);
		failed++;
	}
	dt_registry_load_all(reg, cli_warn_line, NULL);
	for (size_t i = 0; i < dt_registry_count(reg); i++) {
		const dt_component *c = dt_registry_at(reg, i);
		const dt_platform_type *pt = c->type;
		int n;

		err[0] = '\0';
		if (c->kind != DT_KIND_PLATFORM || pt->cleanup == NULL)
			continue;
		n = pt->cleanup(dt_state_dir(), err);
		if (n < 0) {
			fprintf(stderr, "dt-run: cleanup (%s): %s\n", c->info->name, err);
			failed++;
		} else {
			cleaned += n;
		}
	}
	dt_registry_free(reg);
	printf("cleaned up after %d run(s)\n", cleaned);
	return failed ? DT_EXIT_INFRA : 0;
}
