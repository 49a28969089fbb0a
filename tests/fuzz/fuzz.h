/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the fuzz targets share.  Each target defines
 * LLVMFuzzerTestOneInput(); built with --enable-fuzzing it is linked with
 * libFuzzer, and in every build it is also linked with replay.c, a
 * main() that feeds it the files of its seed corpus and of
 * tests/fuzz/regress/ (so that every crash found stays a regression test
 * that `make check` runs, under ASan or valgrind as the build is).
 */
#ifndef DT_TESTS_FUZZ_H
#define DT_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding for the fuzzer) when an invariant does not hold. */
#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",   \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* A private scratch folder for targets whose API reads files; made once,
 * removed at exit.  Returns its path. */
const char *fuzz_scratch_dir(void);
/* Write data to DIR/name; returns the path (static buffer) or NULL. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

#endif
