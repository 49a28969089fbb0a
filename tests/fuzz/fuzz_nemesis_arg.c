/*
 * fuzz_nemesis_arg.c: dt-run's --nemesis argument (a comma list of
 * names to keep and NAME:MODE:ROLE:KEY=VALUE entries to add), applied to
 * a suite with two nemeses, then resolved to suite.json as a run would.
 *
 * Input: the argument's bytes (a NUL ends it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "suite.h"
#include "fuzz.h"

static const char suite[] = "name: s\nchart: c\nclient: mem\nworkload: set\n"
			    "nemesis: [kill, {name: pause, target: all}]\n";
static const char chart[] = "name: c\nlocal:\n  nodes: 0\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	char *arg = malloc(size + 1);
	const char *file;
	dt_suite *s;

	dt_log_set_level(DT_LOG_ERROR);
	if (arg == NULL)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	if (fuzz_write_file("c.yaml", (const uint8_t *)chart, sizeof(chart) - 1) == NULL ||
	    (file = fuzz_write_file("s.yaml", (const uint8_t *)suite, sizeof(suite) - 1)) == NULL) {
		free(arg);
		return 0;
	}
	s = dt_suite_load(file, NULL, fuzz_scratch_dir(), err);
	FUZZ_ASSERT(s != NULL);
	if (dt_suite_select_nemeses(s, arg, err) != 0) {
		FUZZ_ASSERT(err[0] != '\0');
	} else {
		json_t *j = dt_suite_to_json(s);

		FUZZ_ASSERT(j != NULL);
		FUZZ_ASSERT(json_array_size(json_object_get(j, "nemesis")) == s->nnemeses);
		for (size_t i = 0; i < s->nnemeses; i++)
			FUZZ_ASSERT(s->nemeses[i].name != NULL &&
				    s->nemeses[i].probability >= 0 &&
				    s->nemeses[i].probability <= 1);
		json_decref(j);
	}
	dt_suite_free(s);
	free(arg);
	return 0;
}
