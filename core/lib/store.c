/*
 * store.c: run folders and atomic JSON files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

int dt_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The run folder as an absolute path: node processes start in their own
 * data directories, and `dt-run cleanup` may run from anywhere, so a
 * relative --store (the default, ./store) must not reach them as such. */
static char *absolute(const char *dir)
{
	char *abs = realpath(dir, NULL);

	return abs != NULL ? abs : strdup(dir);
}

char *dt_store_make_run_dir(const char *root, const char *exact_dir,
			    const char *suite, char *err)
{
	char dir[PATH_MAX + 64], base[PATH_MAX], link[PATH_MAX + 16], tmp[PATH_MAX + 32];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	bool bad = suite[0] == '\0' || suite[0] == '.' || strchr(suite, '/') != NULL;

	for (const char *c = suite; *c && !bad; c++)
		bad = (unsigned char)*c < 0x20 || *c == 0x7f;
	if (bad) {
		dt_fail(err, "suite name '%s' cannot name a store folder", suite);
		return NULL;
	}
	if (exact_dir != NULL) {
		if (dt_mkdirs(exact_dir) != 0) {
			dt_fail(err, "%s: %s", exact_dir, strerror(errno));
			return NULL;
		}
		return absolute(exact_dir);
	}
	snprintf(base, sizeof(base), "%s/%s", root, suite);
	if (dt_mkdirs(base) != 0) {
		dt_fail(err, "store %s: %s", base, strerror(errno));
		return NULL;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (int i = 1;; i++) {
		if (i == 1)
			snprintf(dir, sizeof(dir), "%s/%s", base, stamp);
		else
			snprintf(dir, sizeof(dir), "%s/%s-%d", base, stamp, i);
		if (mkdir(dir, 0755) == 0)
			break;
		if (errno != EEXIST || i > 1000) {
			dt_fail(err, "store %s: %s", dir, strerror(errno));
			return NULL;
		}
	}
	/* latest -> the new folder, replaced atomically */
	snprintf(link, sizeof(link), "%s/latest", base);
	snprintf(tmp, sizeof(tmp), "%s/.latest.%ld", base, (long)getpid());
	unlink(tmp);
	if (symlink(strrchr(dir, '/') + 1, tmp) == 0 && rename(tmp, link) != 0)
		unlink(tmp);
	return absolute(dir);
}

int dt_store_write_json(const char *dir, const char *name, const json_t *j,
			char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	int fd;
	char *text;
	size_t len, done = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		return dt_fail(err, "%s: out of memory", path);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(text);
		return dt_fail(err, "%s: %s", tmp, strerror(errno));
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(text);
	if (done < len || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return dt_fail(err, "%s: %s", path, strerror(e ? e : EIO));
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return dt_fail(err, "%s: %s", path, strerror(e));
	}
	return 0;
}
