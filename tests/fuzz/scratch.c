/* SPDX-License-Identifier: MIT */
/*
 * scratch.c: a private temporary folder for the fuzz targets whose API
 * takes a file name (the history reader, suite loading).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include "fuzz.h"

static char scratch[64];

static void scratch_remove(void)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	if (scratch[0] == '\0' || (d = opendir(scratch)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(scratch);
}

const char *fuzz_scratch_dir(void)
{
	if (scratch[0] != '\0')
		return scratch;
	snprintf(scratch, sizeof(scratch), "/tmp/dt-fuzz-XXXXXX");
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		abort();
	}
	atexit(scratch_remove);
	return scratch;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	size_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	return done == size ? path : NULL;
}

/*
 * Plugins are never unloaded in a fuzz target: libFuzzer reads the
 * coverage counters of every instrumented module after each input, and
 * a module dlclose()d by the registry (dtd's API loads plugins to check
 * a request) would leave it reading unmapped memory.  Defined here, this
 * dlclose() takes the place of libc's for libltdl.
 */
int dlclose(void *handle);

int dlclose(void *handle)
{
	(void)handle;
	return 0;
}
