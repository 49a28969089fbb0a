/* SPDX-License-Identifier: MIT */
/*
 * timeline.c: dt-run timeline DIR...: each run folder's timeline.html
 * written again from its history, results and suite.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "history.h"
#include "timeline.h"

int cli_timeline(char **dirs, int n)
{
	int bad = 0;

	if (n == 0)
		return cli_usage_error("%s", "timeline: give run folders");
	for (int i = 0; i < n; i++) {
		char path[4096], err[DT_ERRBUF_SIZE];
		dt_history *h;
		json_t *res, *suite;

		snprintf(path, sizeof(path), "%s/history.jsonl", dirs[i]);
		h = dt_history_read_jsonl(path, err);
		if (h == NULL) {
			fprintf(stderr, "dt-run: timeline: %s\n", err);
			bad++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/results.json", dirs[i]);
		res = json_load_file(path, 0, NULL);
		snprintf(path, sizeof(path), "%s/suite.json", dirs[i]);
		suite = json_load_file(path, 0, NULL);
		if (dt_timeline_write(dirs[i], h, res, suite, err) != 0) {
			fprintf(stderr, "dt-run: timeline: %s\n", err);
			bad++;
		} else {
			printf("%s/timeline.html\n", dirs[i]);
		}
		json_decref(res);
		json_decref(suite);
		dt_history_free(h);
	}
	return bad ? DT_EXIT_INFRA : 0;
}
