/* SPDX-License-Identifier: MIT */
/*
 * fuzz_edn.c: the EDN reader (dt_edn_parse, dt_edn_next) that Jepsen
 * histories go through.  Errors must say where; values must serialise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>
#include "edn.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_edn_reader r;
	json_t *v;
	int rc, n = 0;

	v = dt_edn_parse((const char *)data, size, err);
	if (v == NULL)
		FUZZ_ASSERT(err[0] != '\0');
	json_decref(v);
	dt_edn_reader_init(&r, (const char *)data, size);
	while ((rc = dt_edn_next(&r, &v, err)) == 1) {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		FUZZ_ASSERT(text != NULL);
		free(text);
		json_decref(v);
		FUZZ_ASSERT(++n <= (int)size + 1); /* always progresses */
	}
	if (rc < 0)
		FUZZ_ASSERT(strncmp(err, "line ", 5) == 0);
	return 0;
}
