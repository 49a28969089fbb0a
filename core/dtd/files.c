/* SPDX-License-Identifier: MIT */
/*
 * files.c: how dtd reaches the files it serves: a run's store folder
 * (the path the index holds) and the dashboard's files.  What lies there
 * may not be what dtd wrote: a symbolic link to the token or to
 * /etc/shadow, a FIFO that blocks whoever opens it, a row of the index
 * pointing outside the store.  So a run folder is taken only when its
 * real path lies under the store, and a file is opened relative to its
 * folder, one component at a time, never following a link
 * (O_NOFOLLOW), never waiting (O_NONBLOCK), and served only when it is a
 * regular file of dtd's own user.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtd.h"

int dtd_run_dir(const char *store, const char *dir, char *out, size_t size)
{
	char *real;
	size_t n = strlen(store);
	struct stat st;

	if (dir == NULL || dir[0] != '/') {
		errno = ENOENT;
		return -1;
	}
	real = realpath(dir, NULL);
	if (real == NULL)
		return -1; /* errno: ENOENT when it is gone */
	if (strncmp(real, store, n) != 0 || real[n] != '/' ||
	    lstat(real, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || strlen(real) >= size) {
		free(real);
		errno = EPERM;
		return -1;
	}
	memcpy(out, real, strlen(real) + 1);
	free(real);
	return 0;
}

/* The owner a served file may have: dtd's user, or root (a dashboard
 * installed by the package, served by a dtd of another user). */
static bool owner_ok(const struct stat *st, bool root_ok)
{
	return st->st_uid == geteuid() || (root_ok && st->st_uid == 0);
}

int dtd_open_under(const char *base, const char *rel, bool root_ok,
		   struct stat *st)
{
	char part[NAME_MAX + 1];
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = rel;

	if (dfd < 0)
		return -1;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		int fd;

		if (len == 0 || len > NAME_MAX || (len <= 2 && p[0] == '.' &&
						  (len == 1 || p[1] == '.'))) {
			close(dfd);
			errno = ENOENT;
			return -1;
		}
		memcpy(part, p, len);
		part[len] = '\0';
		fd = openat(dfd, part, (slash ? O_DIRECTORY : 0) | O_RDONLY |
			    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		close(dfd);
		if (fd < 0)
			return -1; /* ELOOP for a symbolic link */
		if (fstat(fd, st) != 0 || !owner_ok(st, root_ok) ||
		    (slash ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))) {
			close(fd);
			errno = ENOENT;
			return -1;
		}
		if (slash == NULL)
			return fd;
		dfd = fd;
		p = slash + 1;
	}
}
