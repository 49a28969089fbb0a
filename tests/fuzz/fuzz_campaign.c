/*
 * fuzz_campaign.c: a campaign file (dt_campaign_parse, the reader of
 * `dt-run campaign FILE` and dtd's POST /api/campaigns).
 *
 * Input: the campaign's YAML (or JSON).  Either it is refused with a
 * message, or every cell names a suite, its parameter value is one its
 * name allows, and the cells are the product of the matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "log.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_campaign *c;
	size_t want;
	const json_t *sets, *param, *seeds;

	dt_log_set_level(DT_LOG_ERROR);
	c = dt_campaign_parse("fuzz.yaml", (const char *)data, size, err);
	if (c == NULL) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	sets = json_object_get(c->spec, "nemesis-sets");
	param = json_object_get(c->spec, "parameter");
	seeds = json_object_get(c->spec, "seeds");
	want = json_array_size(json_object_get(c->spec, "suites")) *
	       (sets ? json_array_size(sets) : 1) *
	       (param ? json_array_size(json_object_get(param, "values")) : 1) *
	       (seeds ? json_array_size(seeds) : 1);
	FUZZ_ASSERT(c->ncells == want && c->ncells >= 1 &&
		    c->ncells <= DT_CAMPAIGN_MAX_CELLS);
	FUZZ_ASSERT(c->name != NULL);
	for (size_t i = 0; i < c->ncells; i++) {
		const dt_campaign_cell *cell = &c->cells[i];
		dt_run_opts o = { .time_limit = -1, .concurrency = -1, .rate = -1 };
		json_t *j = dt_campaign_cell_json(cell);

		FUZZ_ASSERT(cell->suite != NULL && cell->suite[0] != '\0' &&
			    strchr(cell->suite, '/') == NULL);
		FUZZ_ASSERT(cell->param == NULL || cell->value >= 0);
		dt_campaign_cell_opts(c, cell, &o);
		FUZZ_ASSERT(o.concurrency == -1 || o.concurrency >= 1);
		FUZZ_ASSERT(j != NULL);
		json_decref(j);
	}
	dt_campaign_free(c);
	return 0;
}
