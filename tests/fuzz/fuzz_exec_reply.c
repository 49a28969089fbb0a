/* SPDX-License-Identifier: MIT */
/*
 * fuzz_exec_reply.c: the exec client's reply parser (plugins/exec/reply.c,
 * compiled in), on what a client program may write on its stdout.  The
 * first byte picks the id expected; the rest is the line.  A line is
 * either a reply to that id (ok, fail or info; an error a string) or
 * refused with a sentence; the quote of it for messages stays in bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t expect = size > 0 ? (int64_t)data[0] - 8 : 1;
	const char *line = size > 1 ? (const char *)data + 1 : "";
	size_t len = size > 1 ? size - 1 : 0;
	char why[DT_ERRBUF_SIZE] = "", q[40];
	exec_reply r;

	if (exec_reply_parse(line, len, expect, &r, why) == 0) {
		FUZZ_ASSERT(r.id == expect);
		FUZZ_ASSERT(r.type == DT_OP_OK || r.type == DT_OP_FAIL ||
			    r.type == DT_OP_INFO);
		FUZZ_ASSERT(why[0] == '\0');
		exec_reply_clear(&r);
		FUZZ_ASSERT(r.value == NULL && r.error == NULL);
	} else {
		FUZZ_ASSERT(why[0] != '\0' && strlen(why) < DT_ERRBUF_SIZE);
		FUZZ_ASSERT(r.value == NULL && r.error == NULL);
	}
	exec_quote(line, len, 16, q, sizeof(q));
	FUZZ_ASSERT(strlen(q) < sizeof(q) && q[0] == '\'');
	return 0;
}
