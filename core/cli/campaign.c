/* SPDX-License-Identifier: MIT */
/*
 * campaign.c: dt-run campaign FILE, Jepsen's test-all.  Runs every cell
 * of a campaign (core/lib/campaign.h: suites x nemesis sets x one
 * parameter's values x seeds) one after the other, a line each as it
 * ends, and prints a summary table: a row per suite and nemesis set, a
 * column per parameter value and seed, each cell the run's verdict,
 * then each run's folder.  stop-at-first-invalid: the cells after the
 * first invalid run are skipped.  The exit status is the worst verdict
 * (invalid over unknown over valid); 5 when a run could not be done
 * and none was invalid.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "cli.h"

typedef struct outcome {
	int status;           /* DT_EXIT_*, or -1: skipped */
	char dir[512];
	long long ok;
	double rate;          /* ok per second */
} outcome;

static const char *word(int status)
{
	switch (status) {
	case -1: return "skipped";
	case DT_EXIT_VALID: return "valid";
	case DT_EXIT_INVALID: return "INVALID";
	case DT_EXIT_UNKNOWN: return "unknown";
	default: return "error";
	}
}

/* What a cell's column says: "concurrency=4 seed=2", or "-". */
static void column_name(const dt_campaign_cell *c, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->param != NULL)
		n += (size_t)snprintf(buf, size, "%s=%g", c->param, c->value);
	if (c->has_seed && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sseed=%llu", n ? " " : "",
				      (unsigned long long)c->seed);
	if (n == 0)
		snprintf(buf, size, "run");
}

static void row_name(const dt_campaign_cell *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", c->suite, c->nemesis == NULL ? "" :
		 c->nemesis[0] == '\0' ? " [no nemesis]" : " [",
		 c->nemesis == NULL || c->nemesis[0] == '\0' ? "" : c->nemesis);
	if (c->nemesis != NULL && c->nemesis[0] != '\0' &&
	    strlen(buf) + 1 < size)
		strcat(buf, "]");
}

static void print_table(const dt_campaign *c, const outcome *out)
{
	size_t cols, rows, wrow = 5;
	char name[256];

	/* Cells are suite-major, then nemesis set, value, seed: a row is
	 * values x seeds cells in a row. */
	/* the product gives it exactly: values x seeds */
	{
		const json_t *p = json_object_get(c->spec, "parameter");
		const json_t *s = json_object_get(c->spec, "seeds");

		cols = (p ? json_array_size(json_object_get(p, "values")) : 1) *
		       (s ? json_array_size(s) : 1);
	}
	rows = c->ncells / cols;
	for (size_t r = 0; r < rows; r++) {
		row_name(&c->cells[r * cols], name, sizeof(name));
		if (strlen(name) > wrow)
			wrow = strlen(name);
	}
	printf("\ncampaign %s: %zu runs\n\n%-*s", c->name, c->ncells, (int)wrow, "suite");
	for (size_t k = 0; k < cols; k++) {
		column_name(&c->cells[k], name, sizeof(name));
		printf("  %-*s", k + 1 < cols ? (int)(strlen(name) > 8 ?
		       strlen(name) : 8) : 0, name);
	}
	printf("\n");
	for (size_t r = 0; r < rows; r++) {
		row_name(&c->cells[r * cols], name, sizeof(name));
		printf("%-*s", (int)wrow, name);
		for (size_t k = 0; k < cols; k++) {
			char col[256];

			column_name(&c->cells[k], col, sizeof(col));
			/* the last column unpadded: no trailing blanks */
			printf("  %-*s", k + 1 < cols ? (int)(strlen(col) > 8 ?
			       strlen(col) : 8) : 0, word(out[r * cols + k].status));
		}
		printf("\n");
	}
	printf("\n");
	for (size_t i = 0; i < c->ncells; i++)
		if (out[i].dir[0] != '\0')
			printf("%3zu  %-8s  %8lld ok  %8.1f ops/s  %s\n", i + 1,
			       word(out[i].status), out[i].ok, out[i].rate, out[i].dir);
}

int cli_campaign(const char *file, const dt_run_opts *base)
{
	char err[DT_ERRBUF_SIZE];
	dt_campaign *c = dt_campaign_load(file, err);
	outcome *out;
	int worst = DT_EXIT_VALID;
	bool failed = false, stop = false;

	if (c == NULL) {
		fprintf(stderr, "dt-run: %s\n", err);
		return DT_EXIT_CONFIG;
	}
	out = calloc(c->ncells, sizeof(*out));
	if (out == NULL) {
		dt_campaign_free(c);
		return DT_EXIT_INFRA;
	}
	cli_install_signal_handlers();
	for (size_t i = 0; i < c->ncells; i++) {
		dt_run_opts o = *base;
		char row[256], col[256];
		dt_run *r;
		const json_t *res;

		if (stop || cli_stop_requested()) {
			out[i].status = -1;
			continue;
		}
		dt_campaign_cell_opts(c, &c->cells[i], &o);
		row_name(&c->cells[i], row, sizeof(row));
		column_name(&c->cells[i], col, sizeof(col));
		r = dt_run_new(&o, err);
		if (r == NULL) {
			fprintf(stderr, "dt-run: run %zu (%s): %s\n", i + 1, row, err);
			out[i].status = DT_EXIT_CONFIG;
			failed = true;
			continue;
		}
		cli_set_run(r);
		out[i].status = dt_run_execute(r, err);
		cli_set_run(NULL);
		res = dt_run_results(r);
		if (dt_run_dir(r) != NULL)
			snprintf(out[i].dir, sizeof(out[i].dir), "%s", dt_run_dir(r));
		out[i].ok = json_integer_value(json_object_get(json_object_get(res,
			"counts"), "ok"));
		if (json_number_value(json_object_get(res, "ran-seconds")) > 0)
			out[i].rate = (double)out[i].ok /
				json_number_value(json_object_get(res, "ran-seconds"));
		dt_run_free(r);
		printf("run %zu of %zu: %s %s: %s%s%s\n", i + 1, c->ncells, row, col,
		       word(out[i].status), out[i].status >= DT_EXIT_USAGE ? ": " : "",
		       out[i].status >= DT_EXIT_USAGE ? err : "");
		fflush(stdout);
		if (out[i].status == DT_EXIT_INVALID) {
			worst = DT_EXIT_INVALID;
			stop = c->stop_at_first_invalid;
		} else if (out[i].status == DT_EXIT_UNKNOWN && worst == DT_EXIT_VALID) {
			worst = DT_EXIT_UNKNOWN;
		} else if (out[i].status >= DT_EXIT_USAGE) {
			failed = true;
		}
	}
	print_table(c, out);
	free(out);
	dt_campaign_free(c);
	if (worst == DT_EXIT_VALID && failed)
		return DT_EXIT_INFRA;
	return worst;
}
