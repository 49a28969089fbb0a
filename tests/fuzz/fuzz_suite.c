/* SPDX-License-Identifier: MIT */
/*
 * fuzz_suite.c: a suite and its chart, loaded and checked
 * (dt_suite_load), then resolved to suite.json as a run would.
 *
 * Input: the suite's YAML; when it contains a line "#CHART", what
 * follows is the chart's YAML, else a minimal valid chart is used.  The
 * suite names the chart as `chart: c`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "suite.h"
#include "fuzz.h"

static const char default_chart[] = "name: c\nlocal:\n  nodes: 0\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	const uint8_t *chart = (const uint8_t *)default_chart;
	size_t suite_len = size, chart_len = sizeof(default_chart) - 1;
	const char *file;
	dt_suite *s;

	dt_log_set_level(DT_LOG_ERROR);
	for (size_t i = 0; i + 7 <= size; i++) {
		if (memcmp(data + i, "#CHART\n", 7) == 0 &&
		    (i == 0 || data[i - 1] == '\n')) {
			suite_len = i;
			chart = data + i + 7;
			chart_len = size - i - 7;
			break;
		}
	}
	if (fuzz_write_file("c.yaml", chart, chart_len) == NULL)
		return 0;
	file = fuzz_write_file("s.yaml", data, suite_len);
	if (file == NULL)
		return 0;
	s = dt_suite_load(file, NULL, fuzz_scratch_dir(), err);
	if (s == NULL) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(s->name != NULL && s->client != NULL && s->workload != NULL);
	FUZZ_ASSERT(s->concurrency >= 1 && s->concurrency <= 4096);
	FUZZ_ASSERT(s->time_limit > 0 && s->timeout > 0);
	for (size_t i = 0; i < s->nnemeses; i++)
		FUZZ_ASSERT(s->nemeses[i].name != NULL &&
			    s->nemeses[i].probability >= 0 &&
			    s->nemeses[i].probability <= 1);
	{
		json_t *j = dt_suite_to_json(s);
		char *text = json_dumps(j, 0);

		FUZZ_ASSERT(text != NULL);
		free(text);
		json_decref(j);
	}
	if (s->nnemeses > 0) {
		/* keep the first nemesis only, by name */
		char list[256];

		snprintf(list, sizeof(list), "%s", s->nemeses[0].name);
		if (strchr(list, ',') == NULL && list[0] != '\0' &&
		    strlen(s->nemeses[0].name) < sizeof(list))
			FUZZ_ASSERT(dt_suite_select_nemeses(s, list, err) == 0);
	}
	{
		long long n;
		double d;
		bool b;
		const char *str;

		/* plugins read their options with these */
		dt_conf_int(s->client_config, "n", 0, 0, 100, &n, err);
		dt_conf_double(s->client_config, "latency", 0, 0, 1e4, &d, err);
		dt_conf_bool(s->client_config, "b", false, &b, err);
		dt_conf_string(s->client_config, "bug", "none", &str, err);
		dt_conf_fail(s->workload_config, "x", err, "probe");
	}
	dt_suite_free(s);
	return 0;
}
