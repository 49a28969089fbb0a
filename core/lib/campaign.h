/*
 * campaign.h: a campaign, Jepsen's test-all: a matrix of suites x
 * nemesis sets x the values of one parameter x seeds, each cell a run.
 * Read from YAML (dt-run campaign FILE) or JSON (dtd's POST
 * /api/campaigns), both checked against one option table.
 */
#ifndef DT_CORE_CAMPAIGN_H
#define DT_CORE_CAMPAIGN_H

#include <dt/plugin.h>

#include "run.h"

#define DT_CAMPAIGN_MAX_CELLS 10000

typedef struct dt_campaign_cell {
	const char *suite;     /* borrowed from the spec */
	const char *nemesis;   /* comma list ("" none); NULL: the suite's */
	const char *param;     /* "concurrency", "rate", "time-limit" or NULL */
	double value;          /* the parameter's (seconds, per second) */
	bool has_seed;
	uint64_t seed;
} dt_campaign_cell;

typedef struct dt_campaign {
	json_t *spec;          /* checked, defaults filled, units converted */
	const char *name;      /* borrowed from spec */
	bool stop_at_first_invalid;
	double time_limit;     /* < 0: each suite's */
	size_t ncells;
	dt_campaign_cell *cells; /* suite-major, then nemesis set, value, seed */
} dt_campaign;

extern const dt_option dt_campaign_options[];

/* A campaign from a file, or from text (name stands for the file in
 * messages); NULL with err "FILE:LINE:COL: key: why". */
dt_campaign *dt_campaign_load(const char *file, char *err);
dt_campaign *dt_campaign_parse(const char *name, const char *text, size_t len,
			       char *err);
void dt_campaign_free(dt_campaign *c);
/* The cell as {"suite", "nemesis", "param", "value", "seed"} (new). */
json_t *dt_campaign_cell_json(const dt_campaign_cell *cell);
/* The cell's overrides into a run's options (the rest untouched). */
void dt_campaign_cell_opts(const dt_campaign *c, const dt_campaign_cell *cell,
			   dt_run_opts *o);

#endif
