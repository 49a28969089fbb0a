/* SPDX-License-Identifier: MIT */
/*
 * sys.c: running commands and processes for the local platform, inside a
 * named network namespace when asked, through dt/command.h (fork/execve,
 * never a shell: a value from a YAML file can not become a command; safe
 * from the nemesis thread while other threads run); small file-system
 * and process helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local.h"

bool lc_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

int lc_run(const char *netns, const char *const *argv, double timeout,
	   char *out, size_t outlen, char *err)
{
	dt_command c = {
		.argv = argv, .netns = netns,
		.timeout = timeout > 0 ? timeout : 30,
		.out = out, .outlen = outlen,
	};

	return dt_command_run(&c, err);
}

pid_t lc_spawn(const char *netns, char *const *argv, char *const *envp,
	       const char *cwd, const char *logpath, char *err)
{
	/* A node must not outlive dt-run: were dt-run killed between this
	 * fork and recording the pid in the state file, nothing would know
	 * to stop it.  (The signal follows the thread that forked; those
	 * end only after the run is over.) */
	dt_command c = {
		.argv = (const char *const *)argv, .envp = envp,
		.netns = netns, .cwd = cwd,
		.log_path = logpath, .die_with_parent = true,
	};

	return dt_command_spawn(&c, err);
}

/* The fields of /proc/PID/stat after the command name (" S 1 ..."),
 * read into buf; NULL when there is no such process.  The command name
 * may hold spaces and parentheses: the fields start after the last ')',
 * with the state (field 3). */
static const char *proc_stat(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	p = fgets(buf, (int)size, f);
	fclose(f);
	if (p == NULL)
		return NULL;
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p + 1 : NULL;
}

unsigned long long lc_proc_start(pid_t pid)
{
	char buf[1024];
	const char *p = proc_stat(pid, buf, sizeof(buf));
	int field;

	/* " S ..." is field 3; the start time is field 22. */
	for (field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

bool lc_proc_mine(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	bool mine = false;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long ruid, euid;

		if (sscanf(line, "Uid: %lu %lu", &ruid, &euid) == 2) {
			mine = ruid == (unsigned long)geteuid() &&
			       euid == (unsigned long)geteuid();
			break;
		}
	}
	fclose(f);
	return mine;
}

char lc_proc_state(pid_t pid)
{
	char buf[1024];
	const char *p = proc_stat(pid, buf, sizeof(buf));

	return p != NULL ? p[1] : '\0';
}

bool lc_has_net_admin(void)
{
	char line[256];
	bool ok = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			unsigned long long caps = strtoull(line + 7, NULL, 16);

			ok = (caps >> 12) & 1; /* CAP_NET_ADMIN */
			break;
		}
	}
	fclose(f);
	return ok;
}

int lc_mkdirs(const char *path, bool private_dir, char *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return dt_fail(err, "bad directory name '%s'", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return dt_fail(err, "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, private_dir ? 0700 : 0755) != 0 && errno != EEXIST)
		return dt_fail(err, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) != 0 && errno != ENOENT ? -1 : 0;
}

int lc_rmtree(const char *path, char *err)
{
	if (!lc_exists(path))
		return 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return dt_fail(err, "removing %s: %s", path, strerror(errno));
	return 0;
}

void lc_tail(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t r;

	buf[0] = '\0';
	if (fd < 0 || size < 2) {
		if (fd >= 0)
			close(fd);
		return;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)(size - 1))
		lseek(fd, end - (off_t)(size - 1), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	r = read(fd, buf, size - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
}

int lc_write_file(const char *path, const char *text, char *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text), done = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.dt-new", path) >= (int)sizeof(tmp))
		return dt_fail(err, "%s: name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return dt_fail(err, "%s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			dt_fail(err, "%s: %s", tmp, w < 0 ? strerror(errno) : "short write");
			goto fail;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		dt_fail(err, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		dt_fail(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text), w;

	if (fd < 0)
		return -1;
	w = write(fd, text, (size_t)len);
	close(fd);
	return w == len ? 0 : -1;
}

static int threads_of_self(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

int lc_enter_userns(char *err)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	const char *netns_dir = "/run/netns";

	if (threads_of_self() != 1)
		return dt_fail(err, "dt-run already runs threads, so it can not "
			       "enter a user namespace");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0)
		return dt_fail(err, "unprivileged user namespaces are not allowed "
			       "here (unshare: %s)", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/setgroups", "deny") != 0 ||
	    write_file("/proc/self/uid_map", map) != 0)
		return dt_fail(err, "user namespace: uid_map: %s", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		return dt_fail(err, "user namespace: gid_map: %s", strerror(errno));
	/* `ip netns` keeps namespaces as files under /run/netns: give this
	 * mount namespace a private, writable one. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return dt_fail(err, "user namespace: private mounts: %s",
			       strerror(errno));
	if (!lc_exists(netns_dir)) {
		if (mount("dt", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") != 0)
			return dt_fail(err, "user namespace: tmpfs on /run: %s",
				       strerror(errno));
		if (mkdir(netns_dir, 0755) != 0)
			return dt_fail(err, "user namespace: mkdir %s: %s",
				       netns_dir, strerror(errno));
	} else if (mount("dt", netns_dir, "tmpfs", MS_NOSUID | MS_NODEV,
			 "mode=755") != 0) {
		return dt_fail(err, "user namespace: tmpfs on %s: %s", netns_dir,
			       strerror(errno));
	}
	return 0;
}
