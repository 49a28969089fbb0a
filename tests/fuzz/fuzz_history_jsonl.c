/* SPDX-License-Identifier: MIT */
/*
 * fuzz_history_jsonl.c: a whole history.jsonl (dt_history_read_jsonl).
 * A history that loads has ops indexed 0..n-1 in order and at most one
 * torn line; one that does not names the file and line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	const char *path = fuzz_write_file("history.jsonl", data, size);
	dt_history *h;

	if (path == NULL)
		return 0;
	h = dt_history_read_jsonl(path, err);
	if (h == NULL) {
		FUZZ_ASSERT(strncmp(err, path, strlen(path)) == 0);
		return 0;
	}
	FUZZ_ASSERT(h->torn <= 1);
	FUZZ_ASSERT(h->count == 0 || h->ops != NULL);
	for (size_t i = 0; i < h->count; i++) {
		FUZZ_ASSERT(h->ops[i].index == (int64_t)i);
		FUZZ_ASSERT(h->ops[i].f != NULL);
	}
	dt_history_free(h);
	return 0;
}
