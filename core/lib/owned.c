/* SPDX-License-Identifier: MIT */
/*
 * owned.c: the checks of owned.h.  They follow OpenSSH's check of
 * authorized_keys (every folder on the way owned by root or the user,
 * none writable by others) with the sticky exception that lets a folder
 * of one's own live in /tmp.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dt/plugin.h>

#include "owned.h"

/* "group", "others" or "group and others" for the write bits of mode. */
static const char *writers(mode_t mode)
{
	if ((mode & 022) == 022)
		return "group and others";
	return mode & 020 ? "group" : "others";
}

/* Make a missing folder: parents 0755, the folder itself 0700. */
static int make(const char *path, const char *what, char *err)
{
	char parent[PATH_MAX];
	char *slash;

	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return dt_fail(err, "%s %s: path too long", what, path);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		if (dt_mkdirs(parent) != 0)
			return dt_fail(err, "%s %s: cannot make %s: %s", what, path,
				       parent, strerror(errno));
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return dt_fail(err, "%s %s: %s", what, path, strerror(errno));
	return 0;
}

/* Every folder from / down to dir (resolved) is owned by root or us and
 * is not writable by others unless sticky. */
static int check_parents(const char *path, const char *what, char *err)
{
	char *real = realpath(path, NULL);
	char *p;
	int rc = 0;

	if (real == NULL)
		return dt_fail(err, "%s %s: %s", what, path, strerror(errno));
	/* From the parent up to /: each prefix of the resolved path. */
	while ((p = strrchr(real, '/')) != NULL) {
		struct stat st;

		if (p == real)
			p[1] = '\0';
		else
			*p = '\0';
		if (stat(real, &st) != 0) {
			rc = dt_fail(err, "%s %s: %s: %s", what, path, real, strerror(errno));
			break;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			rc = dt_fail(err, "%s %s lies in %s, which belongs to uid %u: "
				     "that user could replace it; choose a folder of "
				     "your own", what, path, real, (unsigned)st.st_uid);
			break;
		}
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
			rc = dt_fail(err, "%s %s lies in %s, which %s may write (mode "
				     "%04o, not sticky): they could replace it; "
				     "chmod go-w %s or choose another folder", what,
				     path, real, writers(st.st_mode),
				     (unsigned)(st.st_mode & 07777), real);
			break;
		}
		if (strcmp(real, "/") == 0)
			break;
	}
	free(real);
	return rc;
}

int dt_owned_dir(const char *path, const char *what, bool create, char *err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno != ENOENT || !create)
			return dt_fail(err, "%s %s: %s", what, path, strerror(errno));
		if (make(path, what, err) != 0)
			return -1;
		if (lstat(path, &st) != 0)
			return dt_fail(err, "%s %s: %s", what, path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return dt_fail(err, "%s %s is a symbolic link: DT keeps its state only "
			       "in a real folder of its own (remove the link, or "
			       "choose another folder)", what, path);
	if (!S_ISDIR(st.st_mode))
		return dt_fail(err, "%s %s is not a folder", what, path);
	if (st.st_uid != geteuid())
		return dt_fail(err, "%s %s belongs to uid %u, not to you (uid %u): "
			       "whoever owns it controls what DT would read there; "
			       "remove it or choose another folder", what, path,
			       (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return dt_fail(err, "%s %s is writable by %s (mode %04o): chmod go-w "
			       "%s (and check what it holds)", what, path,
			       writers(st.st_mode), (unsigned)(st.st_mode & 07777), path);
	return check_parents(path, what, err);
}

int dt_owned_file(int fd, const char *path, const char *what, bool secret,
		  char *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return dt_fail(err, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return dt_fail(err, "%s %s is not a regular file", what, path);
	if (st.st_uid != geteuid())
		return dt_fail(err, "%s %s belongs to uid %u, not to you (uid %u): "
			       "remove it", what, path, (unsigned)st.st_uid,
			       (unsigned)geteuid());
	if (st.st_mode & (secret ? 077 : 022))
		return dt_fail(err, "%s %s is %s by %s (mode %04o): chmod %s %s",
			       what, path, st.st_mode & 022 ? "writable" : "readable",
			       st.st_mode & 022 ? writers(st.st_mode) :
			       (st.st_mode & 044) == 044 ? "group and others" :
			       st.st_mode & 040 ? "group" : "others",
			       (unsigned)(st.st_mode & 07777), secret ? "600" : "go-w",
			       path);
	return 0;
}
