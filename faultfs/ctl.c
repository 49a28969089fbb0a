/* SPDX-License-Identifier: MIT */
/*
 * ctl.c: the control socket, and the requests that act on the whole
 * file system (power loss, sync, stats).
 *
 * A unix stream socket, mode 0600, at --control (by default beside the
 * backing folder, in the run's store): a request gets its answer on the
 * same connection (a corruption's exact report, a power loss's list of
 * what was dropped), the file's mode says who may send one, a path is
 * reached from every network namespace (only the mount namespace
 * matters), and a daemon that is gone refuses connections at once
 * instead of leaving a writer blocked as a FIFO would.  Paths longer
 * than sun_path are reached through /proc/self/fd/N/NAME, N a
 * descriptor on the socket's folder.
 *
 * One thread serves one connection at a time, a line at a time
 * (proto.c parses it).  Each connection gets 30 s of silence at most.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "faultfs.h"

static int ctl_fd = -1, dir_fd = -1, stop_pipe[2] = { -1, -1 };
static pthread_t ctl_thread;
static bool ctl_running;
static char sock_name[PATH_MAX];

void ff_inval_inode(ff_fs *fs, ff_inode *in)
{
	if (fs->se == NULL)
		return;
	/* -ENOENT: the kernel does not know it any more; fine. */
	fuse_lowlevel_notify_inval_inode(fs->se, ff_node_id(fs, in), 0, 0);
}

void ff_sync_all(ff_fs *fs)
{
	size_t n;
	ff_inode **all = ff_inodes_all(fs, &n);

	for (size_t i = 0; all != NULL && i < n; i++) {
		if (ff_cache_flush(fs, all[i], false) != 0)
			ff_log("sync: writing inode %llu failed",
			       (unsigned long long)all[i]->ino);
		ff_inode_put(fs, all[i]);
	}
	free(all);
	ff_journal_commit_all(fs, false);
}

json_t *ff_power_loss(ff_fs *fs)
{
	size_t n, opens = 0;
	ff_inode **all = ff_inodes_all(fs, &n);
	json_t *files = json_array(), *undone = json_array(), *inval = json_array();
	json_t *e;
	uint64_t bytes = 0;
	size_t i;

	if (all == NULL) {
		json_decref(files);
		json_decref(undone);
		json_decref(inval);
		return NULL;
	}
	/* First ask the kernel to drop its cached pages: a dirty page of
	 * a shared mapping is written to us on the way (unsynced, so it
	 * is dropped below with the rest) instead of after the drop. */
	for (i = 0; i < n; i++)
		ff_inval_inode(fs, all[i]);
	pthread_mutex_lock(&fs->meta);
	ff_journal_undo_locked(fs, undone, inval);
	for (i = 0; i < n; i++) {
		size_t before = json_array_size(files);

		ff_cache_drop(fs, all[i], files);
		if (json_array_size(files) > before)
			bytes += (uint64_t)json_integer_value(json_object_get(
				json_array_get(files, before), "bytes"));
		opens += all[i]->opens;
	}
	pthread_mutex_unlock(&fs->meta);
	/* Then drop what the kernel cached since, and the names. */
	for (i = 0; i < n; i++) {
		ff_inval_inode(fs, all[i]);
		ff_inode_put(fs, all[i]);
	}
	free(all);
	json_array_foreach(inval, i, e) {
		ff_inode *dir = (ff_inode *)(uintptr_t)json_integer_value(json_array_get(e, 0));
		const char *name = json_string_value(json_array_get(e, 1));

		if (fs->se != NULL)
			fuse_lowlevel_notify_inval_entry(fs->se, ff_node_id(fs, dir),
							 name, strlen(name));
		ff_inode_put(fs, dir);
	}
	json_decref(inval);
	atomic_fetch_add(&fs->stats.power_losses, 1);
	ff_log("power loss: %zu file(s) lost %llu unsynced byte(s), %zu "
	       "directory change(s) undone", json_array_size(files),
	       (unsigned long long)bytes, json_array_size(undone));
	return json_pack("{s:b, s:o, s:o, s:I, s:I}", "ok", 1, "files", files,
			 "undone", undone, "bytes", (json_int_t)bytes,
			 "open_files", (json_int_t)opens);
}

json_t *ff_stats_report(ff_fs *fs)
{
	ff_stats *s = &fs->stats;
	json_t *ops = json_object(), *unsynced = json_array(), *o;
	size_t n, journal;
	ff_inode **all = ff_inodes_all(fs, &n);

	for (unsigned b = 0; b < 10; b++)
		json_object_set_new(ops, ff_op_name(1u << b),
				    json_integer((json_int_t)atomic_load(&s->ops[b])));
	for (size_t i = 0; all != NULL && i < n; i++) {
		json_t *r = ff_cache_report(fs, all[i]);

		if (r != NULL)
			json_array_append_new(unsynced, r);
		ff_inode_put(fs, all[i]);
	}
	free(all);
	pthread_mutex_lock(&fs->meta);
	journal = fs->njrecs;
	pthread_mutex_unlock(&fs->meta);
	o = json_pack("{s:b, s:o, s:I, s:I, s:o, s:o}", "ok", 1, "ops", ops,
		      "journal", (json_int_t)journal, "inodes", (json_int_t)n,
		      "unsynced", unsynced, "rules", ff_rules_report(fs));
	{
		static const struct { const char *name; size_t off; } counters[] = {
#define C(f) { #f, offsetof(ff_stats, f) }
			C(bytes_read), C(bytes_written), C(fsyncs), C(fdatasyncs),
			C(dir_fsyncs), C(sync_writes), C(flushes), C(flushed_bytes),
			C(commits), C(forced_commits), C(writebacks),
			C(writeback_bytes), C(power_losses), C(dropped_bytes),
			C(dropped_pages), C(undone), C(errors), C(delays),
			C(delay_ns), C(enospc), C(lost_pages), C(corruptions),
			C(dirty_bytes),
#undef C
		};

		for (size_t i = 0; o != NULL && i < sizeof(counters) / sizeof(*counters); i++) {
			_Atomic uint64_t *v = (_Atomic uint64_t *)((char *)s + counters[i].off);

			json_object_set_new(o, counters[i].name,
					    json_integer((json_int_t)atomic_load(v)));
		}
	}
	return o;
}

static json_t *error_reply(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *unmount(ff_fs *fs, bool lazy)
{
	char e[PATH_MAX + 128];

	ff_sync_all(fs);
	if (umount2(fs->mountpoint, lazy ? MNT_DETACH : 0) != 0) {
		snprintf(e, sizeof(e), "umount %s: %s%s", fs->mountpoint,
			 strerror(errno), errno == EBUSY ?
			 " (files are open: \"lazy\": true detaches it)" : "");
		return error_reply(e);
	}
	atomic_store(&fs->stopping, true);
	ff_log("unmounted %s%s", fs->mountpoint, lazy ? " (lazily)" : "");
	return json_pack("{s:b, s:s}", "ok", 1, "unmounted", fs->mountpoint);
}

static json_t *handle(ff_fs *fs, const char *line, size_t len)
{
	ff_request req;
	char err[512];
	json_t *r;
	uint64_t id;

	if (ff_request_parse(line, len, &req, err, sizeof(err)) != 0)
		return error_reply(err);
	switch (req.cmd) {
	case FF_CMD_PING:
		return json_pack("{s:b, s:i, s:s, s:s, s:s, s:f, s:f, s:I}",
				 "ok", 1, "pid", (int)getpid(),
				 "mount", fs->mountpoint, "backing", fs->backing,
				 "dirs", fs->strict ? "strict" : "ext4",
				 "commit", fs->commit_s, "writeback", fs->writeback_s,
				 "max_dirty", (json_int_t)fs->max_dirty);
	case FF_CMD_STATS:
		return ff_stats_report(fs);
	case FF_CMD_POWER_LOSS:
		r = ff_power_loss(fs);
		return r != NULL ? r : error_reply("out of memory");
	case FF_CMD_SYNC:
		ff_sync_all(fs);
		return json_pack("{s:b}", "ok", 1);
	case FF_CMD_FAULT:
		id = ff_rule_add(fs, &req.rule, err, sizeof(err));
		if (id == 0)
			return error_reply(err);
		r = ff_rule_report(fs, id);
		ff_log("rule %llu: %s on %s", (unsigned long long)id,
		       ff_rule_kind_name(req.rule.kind),
		       req.rule.pattern[0] ? req.rule.pattern : "every file");
		return json_pack("{s:b, s:I, s:o}", "ok", 1, "id", (json_int_t)id,
				 "rule", r != NULL ? r : json_null());
	case FF_CMD_CLEAR:
		r = ff_rule_clear(fs, req.has_id ? req.id : 0);
		if (r == NULL) {
			snprintf(err, sizeof(err), "no rule %llu",
				 (unsigned long long)req.id);
			return error_reply(err);
		}
		ff_log("cleared %zu rule(s)", json_array_size(r));
		return json_pack("{s:b, s:o}", "ok", 1, "cleared", r);
	case FF_CMD_CORRUPT:
		r = ff_corrupt(fs, &req.corrupt, err, sizeof(err));
		if (r == NULL)
			return error_reply(err);
		json_object_set_new(r, "ok", json_true());
		ff_log("corrupted %zu file(s) matching %s",
		       json_array_size(json_object_get(r, "corrupted")),
		       req.corrupt.pattern);
		return r;
	case FF_CMD_UNMOUNT:
		return unmount(fs, req.lazy);
	}
	return error_reply("unknown command");
}

/* Write all of buf; false when the peer is gone. */
static bool send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static bool answer(ff_fs *fs, int fd, const char *line, size_t len)
{
	json_t *r = handle(fs, line, len);
	char *text = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
	bool ok;

	json_decref(r);
	if (text == NULL)
		return send_all(fd, "{\"ok\":false,\"error\":\"out of memory\"}\n", 37);
	ok = send_all(fd, text, strlen(text)) && send_all(fd, "\n", 1);
	free(text);
	return ok;
}

/* One connection: requests a line each until EOF, 30 s of silence, or
 * the daemon stops. */
static void serve(ff_fs *fs, int fd)
{
	static char buf[FF_LINE_MAX + 1];
	size_t len = 0;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = stop_pipe[0], .events = POLLIN },
		};
		ssize_t n;
		char *nl;
		int r = poll(p, 2, 30000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (p[1].revents & POLLIN))
			return;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A last request without its newline. */
			if (len > 0)
				answer(fs, fd, buf, len);
			return;
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t one = (size_t)(nl - buf);

			if (one > 0 && !answer(fs, fd, buf, one))
				return;
			memmove(buf, nl + 1, len - one - 1);
			len -= one + 1;
		}
		if (len == sizeof(buf) - 1) {
			char msg[96];

			snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"request "
				 "longer than %d bytes\"}\n", FF_LINE_MAX);
			send_all(fd, msg, strlen(msg));
			return;
		}
	}
}

static void *ctl_main(void *arg)
{
	ff_fs *fs = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = ctl_fd, .events = POLLIN },
			{ .fd = stop_pipe[0], .events = POLLIN },
		};
		int c;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN)
			break;
		c = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve(fs, c);
		close(c);
	}
	return NULL;
}

/* The address of the socket: its path, or /proc/self/fd/N/NAME when the
 * path does not fit. */
static int address(ff_fs *fs, struct sockaddr_un *sa, char *err, size_t errlen)
{
	char copy[PATH_MAX], dir[PATH_MAX];

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(copy, sizeof(copy), "%s", fs->control);
	snprintf(sock_name, sizeof(sock_name), "%s", basename(copy));
	snprintf(copy, sizeof(copy), "%s", fs->control);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		snprintf(err, errlen, "control socket folder %s: %s", dir,
			 strerror(errno));
		return -1;
	}
	if (strlen(fs->control) < sizeof(sa->sun_path))
		snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", fs->control);
	else if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path),
				  "/proc/self/fd/%d/%s", dir_fd, sock_name) >=
		 sizeof(sa->sun_path)) {
		snprintf(err, errlen, "control socket name %s is too long",
			 sock_name);
		return -1;
	}
	return 0;
}

int ff_ctl_start(ff_fs *fs, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;

	if (address(fs, &sa, err, errlen) != 0)
		goto fail;
	if (fstatat(dir_fd, sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool alive;

		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 fs->control);
			if (probe >= 0)
				close(probe);
			goto fail;
		}
		alive = probe >= 0 &&
			connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (probe >= 0)
			close(probe);
		if (alive) {
			snprintf(err, errlen, "another dt-faultfs answers on %s",
				 fs->control);
			goto fail;
		}
		/* Left by a dt-faultfs that was killed. */
		unlinkat(dir_fd, sock_name, 0);
	}
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_fd < 0 || pipe2(stop_pipe, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	{
		mode_t old = umask(077);
		int rc = bind(ctl_fd, (struct sockaddr *)&sa, sizeof(sa));

		umask(old);
		if (rc != 0 || listen(ctl_fd, 16) != 0) {
			snprintf(err, errlen, "control socket %s: %s", fs->control,
				 strerror(errno));
			goto fail;
		}
	}
	if (pthread_create(&ctl_thread, NULL, ctl_main, fs) != 0) {
		snprintf(err, errlen, "control thread: %s", strerror(errno));
		unlinkat(dir_fd, sock_name, 0);
		goto fail;
	}
	ctl_running = true;
	return 0;
fail:
	ff_ctl_stop(fs);
	return -1;
}

void ff_ctl_stop(ff_fs *fs)
{
	(void)fs;
	if (ctl_running) {
		if (write(stop_pipe[1], "x", 1) != 1)
			ff_log("control thread: could not signal it to stop");
		pthread_join(ctl_thread, NULL);
		ctl_running = false;
		unlinkat(dir_fd, sock_name, 0);
	}
	if (ctl_fd >= 0)
		close(ctl_fd);
	for (int i = 0; i < 2; i++)
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
	if (dir_fd >= 0)
		close(dir_fd);
	ctl_fd = dir_fd = stop_pipe[0] = stop_pipe[1] = -1;
}
