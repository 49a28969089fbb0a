/* SPDX-License-Identifier: MIT */
/*
 * replay.c: main() for a fuzz target in a build without libFuzzer.
 * Runs LLVMFuzzerTestOneInput() once on each file named, and on each
 * file of each folder named; exits non-zero when a file cannot be read.
 * A crash or an ASan/valgrind report is the failure `make check` sees.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *grown;

			cap = cap ? cap * 2 : 4096;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int files = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char **names = NULL;
		size_t n = 0;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed += replay_file(argv[i]) != 0;
			files++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			failed++;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char **grown;

			if (e->d_name[0] == '.')
				continue;
			grown = realloc(names, (n + 1) * sizeof(*names));
			if (grown == NULL)
				break;
			names = grown;
			names[n++] = strdup(e->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		for (size_t j = 0; j < n; j++) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]);
			failed += replay_file(path) != 0;
			files++;
			free(names[j]);
		}
		free(names);
	}
	printf("%s: %d input(s) replayed, %d unreadable\n", argv[0], files, failed);
	return failed ? 1 : 0;
}
