/* SPDX-License-Identifier: MIT */
/*
 * client.c: the client of dt-faultfs's control socket (see client.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* Replies are one line; a stats reply with many files is the largest. */
#define REPLY_MAX (64u << 20)

/* Connect to the socket, through /proc/self/fd/N/NAME when its path
 * does not fit sun_path.  The fd, or -1 with errno. */
static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), dir = -1, rc;

	if (fd < 0)
		return -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	} else {
		char a[4096], b[4096];

		snprintf(a, sizeof(a), "%s", path);
		snprintf(b, sizeof(b), "%s", path);
		dir = open(dirname(a), O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0 || (size_t)snprintf(sa.sun_path, sizeof(sa.sun_path),
						"/proc/self/fd/%d/%s", dir,
						basename(b)) >= sizeof(sa.sun_path)) {
			int e = dir < 0 ? errno : ENAMETOOLONG;

			if (dir >= 0)
				close(dir);
			close(fd);
			errno = e;
			return -1;
		}
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (dir >= 0) {
		int e = errno;

		close(dir);
		errno = e;
	}
	if (rc != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Wait for fd to be ready for ev until the deadline; 0, or -1. */
static int wait_fd(int fd, short ev, const dt_deadline *deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = ev };
		double left = dt_deadline_left(deadline);
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int dt_faultfs_call(const char *socket, const json_t *request, double timeout,
		    json_t **reply, char *err)
{
	dt_deadline deadline;
	char *text = json_dumps(request, JSON_COMPACT), *buf = NULL;
	size_t len = 0, cap = 0, sent = 0, tlen;
	json_t *r = NULL;
	json_error_t je;
	int fd = -1, rc = -1;

	dt_deadline_set(&deadline, timeout > 0 ? timeout : 30);
	if (reply != NULL)
		*reply = NULL;
	if (text == NULL)
		return dt_fail(err, "dt-faultfs request: not serialisable");
	tlen = strlen(text);
	text[tlen] = '\0';
	fd = connect_to(socket);
	if (fd < 0) {
		dt_fail(err, "dt-faultfs control %s: %s", socket, strerror(errno));
		goto out;
	}
	while (sent < tlen + 1) {
		ssize_t n;

		if (wait_fd(fd, POLLOUT, &deadline) != 0) {
			dt_fail(err, "dt-faultfs control %s: no answer after %g s",
			     socket, timeout > 0 ? timeout : 30);
			goto out;
		}
		n = sent < tlen ? send(fd, text + sent, tlen - sent, MSG_NOSIGNAL) :
		    send(fd, "\n", 1, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			dt_fail(err, "dt-faultfs control %s: %s", socket,
			     strerror(errno));
			goto out;
		}
		sent += (size_t)n;
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *g;

			cap = cap ? cap * 2 : 8192;
			if (cap > REPLY_MAX) {
				dt_fail(err, "dt-faultfs control %s: reply over "
				     "%u bytes", socket, REPLY_MAX);
				goto out;
			}
			g = realloc(buf, cap);
			if (g == NULL) {
				dt_fail(err, "out of memory");
				goto out;
			}
			buf = g;
		}
		if (wait_fd(fd, POLLIN, &deadline) != 0) {
			dt_fail(err, "dt-faultfs control %s: no answer after %g s",
			     socket, timeout > 0 ? timeout : 30);
			goto out;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			dt_fail(err, "dt-faultfs control %s: %s", socket,
			     strerror(errno));
			goto out;
		}
		if (n == 0) {
			dt_fail(err, "dt-faultfs control %s: closed without an "
			     "answer", socket);
			goto out;
		}
		len += (size_t)n;
		if (memchr(buf + len - n, '\n', (size_t)n) != NULL)
			break;
	}
	r = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &je);
	if (!json_is_object(r)) {
		dt_fail(err, "dt-faultfs control %s: not a JSON reply: %s",
		     socket, je.text);
		goto out;
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		const char *e = json_string_value(json_object_get(r, "error"));

		dt_fail(err, "dt-faultfs: %s", e != NULL ? e : "failed");
		goto out;
	}
	rc = 0;
	if (reply != NULL) {
		*reply = r;
		r = NULL;
	}
out:
	json_decref(r);
	free(buf);
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}

int dt_faultfs_simple(const char *socket, const char *cmd, double timeout,
		      json_t **reply, char *err)
{
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	int rc = dt_faultfs_call(socket, req, timeout, reply, err);

	json_decref(req);
	return rc;
}

int dt_faultfs_power_loss(const char *socket, json_t **report, char *err)
{
	return dt_faultfs_simple(socket, "power-loss", 60, report, err);
}

/* A copy of obj with "cmd": cmd. */
static int call_with(const char *socket, const char *cmd, const json_t *obj,
		     json_t **reply, char *err)
{
	json_t *req = obj != NULL ? json_deep_copy(obj) : json_object();
	int rc;

	if (!json_is_object(req)) {
		json_decref(req);
		return dt_fail(err, "dt-faultfs %s: expected an object", cmd);
	}
	json_object_set_new(req, "cmd", json_string(cmd));
	rc = dt_faultfs_call(socket, req, 60, reply, err);
	json_decref(req);
	return rc;
}

int dt_faultfs_fault(const char *socket, const json_t *rule, json_t **reply, char *err)
{
	return call_with(socket, "fault", rule, reply, err);
}

int dt_faultfs_clear(const char *socket, uint64_t id, json_t **reply, char *err)
{
	json_t *o = id ? json_pack("{s:I}", "id", (json_int_t)id) : json_object();
	int rc = call_with(socket, "clear", o, reply, err);

	json_decref(o);
	return rc;
}

int dt_faultfs_corrupt(const char *socket, const json_t *spec,
		       json_t **report, char *err)
{
	return call_with(socket, "corrupt", spec, report, err);
}

int dt_faultfs_unmount(const char *socket, bool lazy, char *err)
{
	json_t *o = json_pack("{s:b}", "lazy", lazy);
	int rc = call_with(socket, "unmount", o, NULL, err);

	json_decref(o);
	return rc;
}

int dt_faultfs_wait(const char *socket, pid_t pid, double timeout, char *err)
{
	dt_deadline deadline;
	double nap = 0.002;
	char e[DT_ERRBUF_SIZE] = "";

	dt_deadline_set(&deadline, timeout > 0 ? timeout : 10);
	for (;;) {
		if (dt_faultfs_simple(socket, "ping", 2, NULL, e) == 0)
			return 0;
		if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
			return dt_fail(err, "dt-faultfs (pid %d) exited before "
				    "it answered on %s", (int)pid, socket);
		if (pid > 0) {
			/* A zombie child is gone too. */
			siginfo_t si = { 0 };

			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid)
				return dt_fail(err, "dt-faultfs (pid %d) exited "
					    "(status %d) before it answered on %s",
					    (int)pid, si.si_status, socket);
		}
		if (dt_deadline_expired(&deadline))
			return dt_fail(err, "dt-faultfs did not answer on %s "
				    "within %g s: %s", socket, timeout, e);
		dt_deadline_nap(&deadline, nap);
		nap = nap * 2 > 0.05 ? 0.05 : nap * 2;
	}
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The canonical path of mountpoint as mountinfo shows it: its folder
 * resolved (the mount point itself can not be: a stale FUSE mount
 * answers ENOTCONN), then its name. */
static void canonical(const char *mountpoint, char *out, size_t size)
{
	char a[4096], b[4096], dir[4096];

	snprintf(a, sizeof(a), "%s", mountpoint);
	snprintf(b, sizeof(b), "%s", mountpoint);
	if (realpath(dirname(a), dir) == NULL ||
	    strlen(dir) + strlen(basename(b)) + 2 > size)
		snprintf(out, size, "%s", mountpoint);
	else
		snprintf(out, size, "%.2000s/%.2000s", strcmp(dir, "/") ? dir : "",
			 basename(b));
}

int dt_faultfs_mounted(const char *mountpoint)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, want[4096];
	size_t cap = 0;
	int n = 0;

	if (f == NULL)
		return -1;
	canonical(mountpoint, want, sizeof(want));
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], type[256];
		const char *dash = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - TYPE SOURCE ... */
		if (dash == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%255s", type) != 1)
			continue;
		unescape(mp);
		if (strcmp(mp, want) == 0 && strcmp(type, "fuse.dt-faultfs") == 0)
			n++;
	}
	free(line);
	fclose(f);
	return n;
}

/* fusermount3 -u -z MOUNTPOINT, for when umount2 is not allowed (a
 * user namespace without the right over that mount). */
static int fusermount(const char *mountpoint)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("fusermount3", "fusermount3", "-u", "-z", mountpoint, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int dt_faultfs_detach(const char *mountpoint, char *err)
{
	int n = 0, left;

	char mp[4096];

	canonical(mountpoint, mp, sizeof(mp));
	while ((left = dt_faultfs_mounted(mp)) > 0) {
		if (umount2(mp, MNT_DETACH) != 0 && fusermount(mp) != 0)
			return dt_fail(err, "could not unmount the dt-faultfs "
				    "mount on %s: %s", mountpoint, strerror(errno));
		n++;
		if (n > 16)
			return dt_fail(err, "%s: dt-faultfs mounts keep "
				    "coming back", mountpoint);
	}
	if (left < 0)
		return dt_fail(err, "/proc/self/mountinfo: %s", strerror(errno));
	return n;
}
