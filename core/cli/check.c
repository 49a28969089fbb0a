/* SPDX-License-Identifier: MIT */
/*
 * check.c: dt-run check DIR...: stored runs checked again, and the
 * verdict printed as a run prints it.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "registry.h"

/* The verdict of a run folder, its counts and each checker's summary. */
void cli_print_results(const char *dir, int status, const json_t *res)
{
	const json_t *counts = json_object_get(res, "counts");
	const char *key;
	json_t *v;

	printf("%s: %s%s%s\n", dir, status == DT_EXIT_VALID ? "valid" :
	       status == DT_EXIT_INVALID ? "INVALID" : "unknown",
	       json_is_string(json_object_get(res, "reason")) ? ": " : "",
	       json_is_string(json_object_get(res, "reason")) ?
	       json_string_value(json_object_get(res, "reason")) : "");
	printf("  ops: %lld ok, %lld fail, %lld info\n",
	       (long long)json_integer_value(json_object_get(counts, "ok")),
	       (long long)json_integer_value(json_object_get(counts, "fail")),
	       (long long)json_integer_value(json_object_get(counts, "info")));
	json_object_foreach((json_t *)json_object_get(res, "checkers"), key, v) {
		const json_t *valid = json_object_get(v, "valid");
		const json_t *summary = json_object_get(v, "summary");

		printf("  %-14s %s%s%s\n", key,
		       json_is_true(valid) ? "valid" : json_is_false(valid) ?
		       "INVALID" : "unknown",
		       json_is_string(summary) ? ": " : "",
		       json_is_string(summary) ? json_string_value(summary) : "");
	}
}

/* `dt-run check DIR...`: each run folder's history checked again with
 * the checkers of the suite as it ran.  The worst verdict's status:
 * invalid over unknown over valid; 4 when a folder can not be checked. */
int cli_recheck(char **dirs, int n, const char *plugin_path)
{
	dt_registry *reg;
	int worst = DT_EXIT_VALID;
	char err[DT_ERRBUF_SIZE];

	if (n == 0)
		return cli_usage_error("%s", "check: give run folders (store/SUITE/latest, ...)");
	reg = dt_registry_new(plugin_path);
	if (reg == NULL) {
		fprintf(stderr, "dt-run: out of memory\n");
		return DT_EXIT_INFRA;
	}
	for (int i = 0; i < n; i++) {
		json_t *res = dt_run_recheck(reg, dirs[i], err);
		int code;

		if (res == NULL) {
			fprintf(stderr, "dt-run: check: %s\n", err);
			worst = DT_EXIT_CONFIG;
			continue;
		}
		code = dt_verdict_code(json_object_get(res, "valid"));
		cli_print_results(dirs[i], code, res);
		json_decref(res);
		if (worst == DT_EXIT_CONFIG)
			continue;
		if (code == DT_EXIT_INVALID || (code == DT_EXIT_UNKNOWN &&
						worst == DT_EXIT_VALID))
			worst = code;
	}
	dt_registry_free(reg);
	return worst;
}
