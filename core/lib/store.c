/* SPDX-License-Identifier: MIT */
/*
 * store.c: run folders and atomic JSON files.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dt/buf.h>

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
		char parent[PATH_MAX], *slash;

		/* Made here and now, never an existing folder taken over: an
		 * index rebuilt or lost, or a second service on the same
		 * store, would otherwise write over a kept history. */
		snprintf(parent, sizeof(parent), "%s", exact_dir);
		slash = strrchr(parent, '/');
		if (slash != NULL && slash != parent) {
			*slash = '\0';
			if (dt_mkdirs(parent) != 0) {
				dt_fail(err, "store %s: %s", parent, strerror(errno));
				return NULL;
			}
		}
		if (mkdir(exact_dir, 0755) != 0) {
			dt_fail(err, "run folder %s: %s%s", exact_dir, strerror(errno),
				errno == EEXIST ? " (it holds another run: not "
				"written over)" : "");
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

int dt_store_write_file(const char *dir, const char *name, const char *text,
			size_t len, char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	size_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return dt_fail(err, "%s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || fsync(fd) != 0) {
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

int dt_store_write_json(const char *dir, const char *name, const json_t *j,
			char *err)
{
	dt_buf b = { 0 };
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc;

	if (text == NULL || dt_buf_printf(&b, "%s\n", text) != 0) {
		free(text);
		dt_buf_free(&b);
		return dt_fail(err, "%s/%s: out of memory", dir, name);
	}
	free(text);
	rc = dt_store_write_file(dir, name, (const char *)b.data, b.len, err);
	dt_buf_free(&b);
	return rc;
}

/* ---- runs in progress ------------------------------------------------------ */

/* Field 22 of /proc/PID/stat (its start time), 0 when it is gone. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL) {
		/* after "pid (comm)": state is field 3, start time field 22 */
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &v) != 1)
			v = 0;
	}
	fclose(f);
	return v;
}

static void claim_path(char *buf, size_t size, const char *state_dir,
		       const char *run_id)
{
	snprintf(buf, size, "%s/run-%s.json", state_dir, run_id);
}

int dt_store_claim(const char *state_dir, const char *run_id, const char *dir,
		   char *err)
{
	char path[PATH_MAX];
	json_t *j;

	if (dt_mkdirs(state_dir) != 0)
		return dt_fail(err, "state folder %s: %s", state_dir, strerror(errno));
	claim_path(path, sizeof(path), state_dir, run_id);
	j = json_pack("{s:i, s:I, s:s}", "pid", (int)getpid(), "start",
		      (json_int_t)proc_start(getpid()), "dir", dir);
	if (j == NULL)
		return dt_fail(err, "out of memory");
	{
		char name[64];
		int rc;

		snprintf(name, sizeof(name), "run-%s.json", run_id);
		rc = dt_store_write_json(state_dir, name, j, err);
		json_decref(j);
		return rc;
	}
}

void dt_store_release(const char *state_dir, const char *run_id)
{
	char path[PATH_MAX];

	claim_path(path, sizeof(path), state_dir, run_id);
	unlink(path);
}

int dt_store_cleanup(const char *state_dir,
		     void (*found)(const char *dir, void *arg), void *arg,
		     char *err)
{
	DIR *d = opendir(state_dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : dt_fail(err, "%s: %s", state_dir,
						     strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		json_t *j;
		pid_t pid;
		unsigned long long start;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "run-", 4) != 0 || len < 9 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, e->d_name);
		/* Only a claim of this user's own names a folder to trim. */
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		j = json_load_file(path, 0, NULL);
		pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
		start = (unsigned long long)json_integer_value(json_object_get(j, "start"));
		/* A run whose owner still lives (the same process: pid and
		 * start time) is in progress: left alone. */
		if (j != NULL && pid > 0 && proc_start(pid) == start && start != 0) {
			json_decref(j);
			continue;
		}
		if (json_is_string(json_object_get(j, "dir")))
			found(json_string_value(json_object_get(j, "dir")), arg);
		json_decref(j);
		unlink(path);
		n++;
	}
	closedir(d);
	return n;
}
