/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dtd_data.c: what dtd derives from a run's files for anyone who
 * asks (core/dtd/data.c and files.c, compiled in): the input is split
 * at its first NUL byte into history.jsonl and metrics.jsonl of a run
 * folder, then the metrics (driver figures per second, nemesis
 * intervals; twice, the second from the cache) and a page of the history
 * are read.  Every reply must be JSON of the documented shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dtd.h"
#include "fuzz.h"

static void check_metrics(json_t *m)
{
	size_t i;
	json_t *v;

	FUZZ_ASSERT(json_is_array(json_object_get(m, "series")));
	FUZZ_ASSERT(json_is_array(json_object_get(m, "nemesis")));
	json_array_foreach(json_object_get(m, "nemesis"), i, v)
		FUZZ_ASSERT(json_is_number(json_object_get(v, "start")));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t hn = nul ? (size_t)(nul - data) : size;
	char err[DT_ERRBUF_SIZE];
	json_t *m, *h;

	if (fuzz_write_file("history.jsonl", data, hn) == NULL)
		return 0;
	if (nul != NULL)
		fuzz_write_file("metrics.jsonl", nul + 1, size - hn - 1);
	else
		unlink(fuzz_write_file("metrics.jsonl", data, 0));
	for (int pass = 0; pass < 2; pass++) {
		m = dtd_data_metrics(fuzz_scratch_dir(), pass ? "driver" : NULL, 0, -1, err);
		FUZZ_ASSERT(m != NULL);
		check_metrics(m);
		json_decref(m);
	}
	h = dtd_data_history(fuzz_scratch_dir(), 1, 5, err);
	FUZZ_ASSERT(h != NULL && json_is_array(json_object_get(h, "ops")));
	FUZZ_ASSERT(json_array_size(json_object_get(h, "ops")) <= 5);
	json_decref(h);
	return 0;
}
