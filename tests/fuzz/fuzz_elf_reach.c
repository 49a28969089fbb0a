/*
 * fuzz_elf_reach.c: the ELF reader that tells whether DT's clock shim
 * can reach a program (plugins/local/reach.c, compiled in), which reads
 * whatever file a chart's process runs.  It never reads outside the
 * input (ASan would say), and its answer is one of its three.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reach.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so that ASan sees an over-read */
	unsigned char *m = malloc(size ? size : 1);
	const char *why;

	FUZZ_ASSERT(m != NULL);
	memcpy(m, data, size);
	why = lc_elf_unreachable(m, size);
	FUZZ_ASSERT(why == NULL || strstr(why, "statically linked") != NULL ||
		    strstr(why, "Go program") != NULL);
	free(m);
	return 0;
}
