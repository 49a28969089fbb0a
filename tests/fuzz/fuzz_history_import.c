/* SPDX-License-Identifier: MIT */
/*
 * fuzz_history_import.c: histories from other tools (dt_history_parse):
 * porcupine etcd and kv logs, Jepsen EDN, DT's JSONL, and the format
 * guess.  The first byte picks the format, the rest is the text.  A
 * history that loads is indexed 0..n-1 and every op has an f.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_import.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const dt_history_format fmts[] = {
		DT_HFMT_AUTO, DT_HFMT_JSONL, DT_HFMT_ETCD, DT_HFMT_KV, DT_HFMT_EDN
	};
	char err[DT_ERRBUF_SIZE] = "";
	dt_history_format fmt;
	const char *text;
	dt_history *h;

	if (size < 1)
		return 0;
	fmt = fmts[data[0] % 5];
	text = (const char *)data + 1;
	size--;
	(void)dt_history_format_guess(text, size);
	h = dt_history_parse(text, size, fmt, "fuzz", err);
	if (h == NULL) {
		FUZZ_ASSERT(strncmp(err, "fuzz", 4) == 0);
		return 0;
	}
	FUZZ_ASSERT(h->count == 0 || h->ops != NULL);
	for (size_t i = 0; i < h->count; i++) {
		FUZZ_ASSERT(h->ops[i].index == (int64_t)i);
		FUZZ_ASSERT(h->ops[i].f != NULL);
		FUZZ_ASSERT(h->ops[i].type >= DT_OP_INVOKE && h->ops[i].type <= DT_OP_INFO);
	}
	dt_history_free(h);
	return 0;
}
