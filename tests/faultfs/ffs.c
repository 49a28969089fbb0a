/* SPDX-License-Identifier: MIT */
/*
 * ffs.c: helpers of the dt-faultfs tests (see ffs.h).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "ffs.h"

#define DAEMON TEST_BUILDDIR "/faultfs/dt-faultfs"

void ffs_require(void)
{
	if (geteuid() != 0)
		cr_skip_test("the dt-faultfs tests need root (a FUSE mount)");
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		cr_skip_test("no /dev/fuse");
	if (access(DAEMON, X_OK) != 0)
		cr_skip_test("dt-faultfs was not built (--disable-faultfs?)");
}

void ffs_mount(ffs_mnt *f, const char *const *args)
{
	const char *argv[32];
	size_t n = 0;
	char err[512];
	pid_t pid;

	argv[n++] = DAEMON;
	argv[n++] = "--control";
	argv[n++] = f->sock;
	for (; args != NULL && *args != NULL && n < 28; args++)
		argv[n++] = *args;
	argv[n++] = f->backing;
	argv[n++] = f->mnt;
	argv[n] = NULL;
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int log = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* A test that dies takes its daemon with it, which then
		 * unmounts cleanly: nothing outlives a failed test. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		execv(DAEMON, (char *const *)argv);
		_exit(127);
	}
	f->pid = pid;
	if (dt_faultfs_wait(f->sock, pid, 10, err) != 0) {
		char tail[2048] = "";
		FILE *l = fopen(f->log, "r");

		if (l != NULL) {
			size_t got = fread(tail, 1, sizeof(tail) - 1, l);

			tail[got] = '\0';
			fclose(l);
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		f->pid = 0;
		cr_assert_fail("dt-faultfs did not start: %s\n%s", err, tail);
	}
	cr_assert_eq(dt_faultfs_mounted(f->mnt), 1, "not mounted on %s", f->mnt);
}

void ffs_start(ffs_mnt *f, const char *const *args)
{
	ffs_require();
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/dt-ffs-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->backing, sizeof(f->backing), "%s/backing", f->dir);
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/ctl.sock", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/faultfs.log", f->dir);
	cr_assert_eq(mkdir(f->backing, 0755), 0);
	cr_assert_eq(mkdir(f->mnt, 0755), 0);
	ffs_mount(f, args);
}

void ffs_stop(ffs_mnt *f)
{
	char err[512];
	int status = 0;

	if (f->pid <= 0)
		return;
	cr_assert_eq(dt_faultfs_unmount(f->sock, false, err), 0,
		     "unmount: %s", err);
	cr_assert_eq(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "dt-faultfs ended with status %d", status);
	cr_expect_eq(dt_faultfs_mounted(f->mnt), 0, "mount left on %s", f->mnt);
	cr_expect(access(f->sock, F_OK) != 0, "control socket left");
	cr_expect(access(ffs_disk(f, ".dt-faultfs"), F_OK) != 0,
		  "hidden folder left in the backing folder after a clean end");
}

void ffs_done(ffs_mnt *f)
{
	char cmd[128], err[512];

	if (f->dir[0] == '\0')
		return;
	if (f->pid > 0) {
		/* A test that failed half way: take it down for good. */
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	if (dt_faultfs_mounted(f->mnt) > 0)
		dt_faultfs_detach(f->mnt, err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	cr_expect_eq(system(cmd), 0);
	f->dir[0] = '\0';
}

json_t *ffs_call(ffs_mnt *f, const char *request)
{
	json_error_t je;
	json_t *req = json_loads(request, 0, &je), *reply = NULL;
	char err[512];

	cr_assert_not_null(req, "bad JSON in the test: %s", je.text);
	cr_assert_eq(dt_faultfs_call(f->sock, req, 30, &reply, err), 0,
		     "%s: %s", request, err);
	json_decref(req);
	return reply;
}

const char *ffs_fail(ffs_mnt *f, const char *request)
{
	static char err[512];
	json_error_t je;
	json_t *req = json_loads(request, 0, &je), *reply = NULL;

	cr_assert_not_null(req, "bad JSON in the test: %s", je.text);
	cr_assert_eq(dt_faultfs_call(f->sock, req, 30, &reply, err), -1,
		     "%s succeeded", request);
	json_decref(req);
	return err;
}

const char *ffs_raw(ffs_mnt *f, const char *line)
{
	static char reply[65536];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t len = 0;

	cr_assert(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	{
		/* One send; the daemon may close after a line too long
		 * before all of it arrived: its answer is still there. */
		size_t n = strlen(line);
		char *buf = malloc(n + 1);

		cr_assert_not_null(buf);
		memcpy(buf, line, n);
		buf[n] = '\n';
		cr_assert(send(fd, buf, n + 1, MSG_NOSIGNAL) > 0);
		free(buf);
	}
	while (len < sizeof(reply) - 1) {
		ssize_t n = recv(fd, reply + len, sizeof(reply) - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(reply, '\n', len) != NULL)
			break;
	}
	close(fd);
	reply[len] = '\0';
	if (len > 0 && reply[len - 1] == '\n')
		reply[len - 1] = '\0';
	return reply;
}

static const char *at(const char *root, const char *name)
{
	static char bufs[8][256];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, 256, "%s/%s", root, name);
	return b;
}

const char *ffs_at(ffs_mnt *f, const char *name)
{
	return at(f->mnt, name);
}

const char *ffs_disk(ffs_mnt *f, const char *name)
{
	return at(f->backing, name);
}

void ffs_put(const char *path, const void *data, size_t len, bool append,
	     bool sync)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len, "write %s: %s", path,
		     strerror(errno));
	if (sync)
		cr_assert_eq(fsync(fd), 0, "fsync %s: %s", path, strerror(errno));
	cr_assert_eq(close(fd), 0);
}

void ffs_sync(const char *path, bool datasync)
{
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(datasync ? fdatasync(fd) : fsync(fd), 0, "fsync %s: %s",
		     path, strerror(errno));
	close(fd);
}

char *ffs_get(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

bool ffs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
