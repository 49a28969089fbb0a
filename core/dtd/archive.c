/* SPDX-License-Identifier: MIT */
/*
 * archive.c: a run handed to someone else.  GET /api/runs/ID/archive
 * is a tar.gz of the run folder (history, results, suite as resolved,
 * logs, metrics: everything `dt-run check` or another dtd needs to
 * check it again), made by tar(1) into an unlinked temporary file of
 * the state folder and streamed from there.  `dtd import ARCHIVE...`
 * unpacks each into the store (never outside it: tar drops leading
 * slashes and members with "..", and only regular files and folders
 * are kept) and indexes it as rebuild-index would, under a new id.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtd.h"

extern char **environ;

/* Run argv with stdout on out_fd (-1: /dev/null) and stderr on
 * /dev/null; its exit status, or -1. */
static int run_tool(char *const *argv, int out_fd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int dtd_archive_make(const char *dir, const char *name, const char *tmpdir,
		     off_t *size, char *err)
{
	char parent[PATH_MAX], base[PATH_MAX], *slash;
	char *argv[] = { "tar", "--create", "--gzip", "--file", "-",
			 "--directory", parent, "--transform", NULL, base, NULL };
	char transform[PATH_MAX + 32];
	struct stat st;
	int fd;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		return dt_fail(err, "%s: not a run folder", dir);
	*slash = '\0';
	snprintf(base, sizeof(base), "%s", slash + 1);
	/* The folder's name in the archive: the suite's and the run's. */
	snprintf(transform, sizeof(transform), "s|^%s|%s|", base, name);
	argv[8] = transform;
	fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return dt_fail(err, "%s: a temporary file: %s", tmpdir, strerror(errno));
	if (run_tool(argv, fd) != 0) {
		close(fd);
		return dt_fail(err, "tar could not archive %s", dir);
	}
	if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return dt_fail(err, "%s: %s", tmpdir, strerror(errno));
	}
	*size = st.st_size;
	return fd;
}

/* Remove what is neither a regular file nor a folder (links, FIFOs,
 * devices) under dir; false when something could not be. */
static bool only_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool ok = true;

	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0)
			ok = false;
		else if (S_ISDIR(st.st_mode))
			ok &= only_files(path);
		else if (!S_ISREG(st.st_mode) && unlink(path) != 0)
			ok = false;
		else if (S_ISREG(st.st_mode))
			chmod(path, 0644);
	}
	closedir(d);
	return ok;
}

/* One archive: unpack, find its one run folder, move it into
 * STORE/SUITE/, index it.  The new id, or -1 with err. */
static int64_t import_one(const dtd_config *cfg, dtd_db *db, const char *file,
			  char *err)
{
	char tmp[PATH_MAX], top[PATH_MAX + 256], sj[PATH_MAX + 272], dest[PATH_MAX];
	char *argv[] = { "tar", "--extract", "--gzip", "--file", (char *)file,
			 "--directory", tmp, "--no-same-owner",
			 "--no-same-permissions", NULL };
	DIR *d;
	struct dirent *e;
	int count = 0;
	json_t *suite = NULL;
	const char *name;
	int64_t id = -1;

	snprintf(tmp, sizeof(tmp), "%s/.import-XXXXXX", cfg->store);
	if (mkdtemp(tmp) == NULL) {
		dt_fail(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (access(file, R_OK) != 0) {
		dt_fail(err, "%s: %s", file, strerror(errno));
		goto out;
	}
	if (run_tool(argv, -1) != 0 || !only_files(tmp)) {
		dt_fail(err, "%s: not a tar.gz that tar can unpack", file);
		goto out;
	}
	d = opendir(tmp);
	top[0] = '\0';
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		count++;
		snprintf(top, sizeof(top), "%s/%s", tmp, e->d_name);
	}
	if (d != NULL)
		closedir(d);
	snprintf(sj, sizeof(sj), "%s/suite.json", top);
	if (count != 1 || (suite = json_load_file(sj, 0, NULL)) == NULL) {
		dt_fail(err, "%s: not a run archive (one folder holding suite.json)",
			file);
		goto out;
	}
	name = json_string_value(json_object_get(suite, "name"));
	if (name == NULL || name[0] == '\0' || name[0] == '.' ||
	    strchr(name, '/') != NULL || strlen(name) > 200) {
		dt_fail(err, "%s: its suite.json names no suite", file);
		goto out;
	}
	snprintf(dest, sizeof(dest), "%s/%s", cfg->store, name);
	if (mkdir(dest, 0755) != 0 && errno != EEXIST) {
		dt_fail(err, "%s: %s", dest, strerror(errno));
		goto out;
	}
	for (int i = 1; i < 10000; i++) {
		snprintf(dest, sizeof(dest), "%s/%s/imported-%d", cfg->store, name, i);
		if (rename(top, dest) == 0)
			break;
		if (errno != EEXIST && errno != ENOTEMPTY) {
			dt_fail(err, "%s: %s", dest, strerror(errno));
			goto out;
		}
	}
	id = dtd_index_folder(db, name, dest);
	if (id <= 0)
		dt_fail(err, "%s: the index cannot be written", file);
out:
	json_decref(suite);
	dtd_remove_tree(tmp);
	return id;
}

int dtd_import(const dtd_config *cfg, char *const *archives, int n, char *err)
{
	char path[PATH_MAX];
	dtd_db *db;
	int status = 0, failed = 0;

	snprintf(path, sizeof(path), "%s/dtd.db", cfg->state_dir);
	db = dtd_db_open(path, err);
	if (db == NULL)
		return DT_EXIT_INFRA;
	for (int i = 0; i < n; i++) {
		char e[DT_ERRBUF_SIZE];
		int64_t id = import_one(cfg, db, archives[i], e);

		if (id > 0) {
			printf("dtd: %s: run %lld\n", archives[i], (long long)id);
		} else {
			if (n > 1)
				fprintf(stderr, "dtd: %s\n", e);
			snprintf(err, DT_ERRBUF_SIZE, "%s", e);
			failed++;
			status = DT_EXIT_INFRA;
		}
	}
	dtd_db_close(db);
	if (n > 1 && failed > 0)
		snprintf(err, DT_ERRBUF_SIZE, "%d of %d archives not imported", failed, n);
	return status;
}
