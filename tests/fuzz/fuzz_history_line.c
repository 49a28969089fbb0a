/* SPDX-License-Identifier: MIT */
/*
 * fuzz_history_line.c: one history.jsonl line (dt_op_from_json).  An op
 * that parses must survive dt_op_to_json and parse again to the same op.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_op op, again;
	char *line;

	if (dt_op_from_json((const char *)data, size, &op, err) != 0) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(op.index >= 0 && op.f != NULL && op.value != NULL);
	FUZZ_ASSERT(op.process >= 0 || op.process == DT_PROCESS_NEMESIS);
	FUZZ_ASSERT(op.type >= DT_OP_INVOKE && op.type <= DT_OP_INFO);
	line = dt_op_to_json(&op);
	FUZZ_ASSERT(line != NULL);
	FUZZ_ASSERT(dt_op_from_json(line, strlen(line), &again, err) == 0);
	FUZZ_ASSERT(again.index == op.index && again.process == op.process &&
		    again.type == op.type && again.time == op.time);
	FUZZ_ASSERT(strcmp(again.f, op.f) == 0);
	FUZZ_ASSERT((again.key == NULL) == (op.key == NULL));
	FUZZ_ASSERT((again.error == NULL) == (op.error == NULL));
	FUZZ_ASSERT(json_equal(again.value, op.value));
	free(line);
	dt_op_clear(&again);
	dt_op_clear(&op);
	return 0;
}
