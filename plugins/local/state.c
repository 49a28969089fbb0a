/* SPDX-License-Identifier: MIT */
/*
 * state.c: the local platform's state files.  Before it makes anything
 * (bridge, namespace, veth, process, data directory) a run appends a line
 * naming it to STATE_DIR/local-RUNID.state; teardown, the next start and
 * `dt-run cleanup` all undo a run by reading that file, so a run killed
 * with SIGKILL is cleaned exactly like one that ended well.
 *
 * A file whose owner (pid and start time) is still alive belongs to a
 * run in progress and is left alone.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

int lc_state_open(lc_state *st, const char *state_dir, const char *run_id,
		  char *err)
{
	if (lc_mkdirs(state_dir, true, err) != 0)
		return -1;
	char tmp[sizeof(st->path) + 8];

	snprintf(st->path, sizeof(st->path), "%s/local-%s.state", state_dir,
		 run_id);
	/* Made under another name and renamed once it names its owner: a
	 * cleanup running at the same moment must never see a state file
	 * without its owner line (it would take the run for a dead one). */
	snprintf(tmp, sizeof(tmp), "%s.new", st->path);
	st->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		      0600);
	if (st->fd < 0)
		return dt_fail(err, "state file %s: %s", tmp, strerror(errno));
	if (lc_state_add(st, "owner %d %llu", (int)getpid(),
			 lc_proc_start(getpid())) != 0 ||
	    rename(tmp, st->path) != 0) {
		dt_fail(err, "state file %s: %s", st->path, strerror(errno));
		close(st->fd);
		st->fd = -1;
		unlink(tmp);
		return -1;
	}
	return 0;
}

int lc_state_add(lc_state *st, const char *fmt, ...)
{
	char line[4200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -1;
	line[n++] = '\n';
	/* One write() with O_APPEND: a crash leaves whole lines. */
	return write(st->fd, line, (size_t)n) == n ? 0 : -1;
}

void lc_state_close(lc_state *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

/* SIGKILL a recorded process (and its process group) if it is still the
 * same process and this user's, and reap it when it is our child. */
static void kill_recorded(pid_t pid, unsigned long long start)
{
	if (pid <= 1 || start == 0 || lc_proc_start(pid) != start ||
	    !lc_proc_mine(pid))
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	for (int i = 0; i < 200; i++) {
		pid_t w = waitpid(pid, NULL, WNOHANG);
		char st;

		if (w == pid || (w < 0 && errno == ECHILD &&
				 lc_proc_start(pid) != start))
			return;
		if (w < 0 && errno == ECHILD) {
			/* Not our child: gone once /proc says it is a
			 * zombie or absent. */
			st = lc_proc_state(pid);
			if (st == '\0' || st == 'Z')
				return;
		}
		dt_sleep(0.01);
	}
}

/* Kill whatever still runs in a namespace (children the servers forked,
 * processes of a crashed run we did not record). */
static void kill_netns_pids(const char *netns)
{
	char out[8192], e[DT_ERRBUF_SIZE];
	char *save = NULL;

	if (LC_RUN(NULL, out, sizeof(out), e, "ip", "netns", "pids", netns) != 0)
		return;
	for (char *w = strtok_r(out, " \n", &save); w != NULL;
	     w = strtok_r(NULL, " \n", &save)) {
		pid_t pid = (pid_t)atoi(w);

		if (pid > 1 && pid != getpid())
			kill_recorded(pid, lc_proc_start(pid));
	}
}

/* Whether st is a file or folder of this user's that no one else may
 * write: what a state file names is undone only from such a file. */
static bool own_stat(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 022);
}

/*
 * A data folder a state file names is removed only when it is its run's:
 * STORE/data, STORE being the run's store folder that the file's `store`
 * line names, both folders this user's with no symbolic link on the way
 * (each path is its own real path).  Anything else is left.
 */
static bool own_real_dir(const char *dir)
{
	char *real = realpath(dir, NULL);
	struct stat st;
	bool ok = real != NULL && strcmp(real, dir) == 0 && lstat(dir, &st) == 0 &&
		  S_ISDIR(st.st_mode) && own_stat(&st);

	free(real);
	return ok;
}

static bool run_data_dir(const char *store, const char *dir)
{
	size_t n = store ? strlen(store) : 0;

	return store != NULL && strncmp(dir, store, n) == 0 &&
	       strcmp(dir + n, "/data") == 0 && own_real_dir(store) &&
	       own_real_dir(dir);
}

int lc_hostrule(const char *op, const char *bridge, const char *id,
		char *out, size_t outlen, char *err)
{
	char comment[32];

	snprintf(comment, sizeof(comment), "dt-%s", id);
	return LC_RUN(NULL, out, outlen, err, "iptables", "-w", op, "FORWARD",
		      "-i", bridge, "-o", bridge, "-m", "comment", "--comment",
		      comment, "-j", "ACCEPT");
}

int lc_hostrule_parse(const char *rule, char bridge[16], char id[16])
{
	char in[16], outif[16], again[128];
	int end = -1;

	if (sscanf(rule, "FORWARD -i %15s -o %15s -m comment --comment dt-%15s "
		   "-j ACCEPT%n", in, outif, id, &end) != 3 ||
	    end != (int)strlen(rule) || strcmp(in, outif) != 0)
		return -1;
	/* the one spelling DT writes, spaces and all */
	snprintf(again, sizeof(again), LC_HOSTRULE, in, in, id);
	if (strcmp(again, rule) != 0)
		return -1;
	memcpy(bridge, in, sizeof(in));
	return 0;
}

int lc_state_undo(const char *path, char *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f;
	struct stat fst;
	char line[4200], e[DT_ERRBUF_SIZE], sys[128];
	char **items = NULL;
	const char *store = NULL;
	size_t n = 0, cap = 0;
	bool keep = false;
	int failed = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 :
		       dt_fail(err, "%s: %s", path, strerror(errno));
	/* Only a state file of this user's own says what to undo: one
	 * planted by someone else would name their choice of processes
	 * and folders. */
	if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) || !own_stat(&fst)) {
		close(fd);
		return dt_fail(err, "%s is not a state file of yours (owner uid %u, "
			       "mode %04o): left alone, nothing it names was "
			       "touched; remove it", path, (unsigned)fst.st_uid,
			       (unsigned)(fst.st_mode & 07777));
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return dt_fail(err, "%s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		if (len == 0 || line[len - 1] != '\n')
			continue; /* torn by a crash mid-write: never made */
		line[len - 1] = '\0';
		if (strcmp(line, "keep 1") == 0)
			keep = true;
		if (dt_grow(&items, &cap, n + 1, sizeof(*items)) != 0)
			break;
		items[n] = strdup(line);
		if (items[n] != NULL)
			n++;
	}
	fclose(f);

	for (size_t i = 0; i < n; i++)
		if (strncmp(items[i], "store ", 6) == 0)
			store = items[i] + 6;
	/* Processes first, then what they lived in, newest first. */
	for (size_t i = 0; i < n; i++) {
		int pid;
		unsigned long long start;

		if (sscanf(items[i], "pid %d %llu", &pid, &start) == 2)
			kill_recorded((pid_t)pid, start);
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(items[i], "netns ", 6) == 0)
			kill_netns_pids(items[i] + 6);
	/* Then the dt-faultfs mounts, before the data folders go. */
	if (lc_disk_undo(items, n, keep, e) != 0) {
		dt_fail(err, "%s", e);
		failed++;
	}
	for (size_t i = n; i-- > 0;) {
		const char *it = items[i];

		if (strncmp(it, "netns ", 6) == 0) {
			snprintf(sys, sizeof(sys), "/run/netns/%s", it + 6);
			if (lc_exists(sys) &&
			    LC_RUN(NULL, NULL, 0, e, "ip", "netns", "del", it + 6) != 0 &&
			    lc_exists(sys)) {
				dt_fail(err, "could not delete network namespace %s",
					it + 6);
				failed++;
			}
		} else if (strncmp(it, "veth ", 5) == 0 ||
			   strncmp(it, "bridge ", 7) == 0) {
			const char *name = strchr(it, ' ') + 1;

			/* if_nametoindex asks this network namespace; /sys
			 * may show another one. */
			if (if_nametoindex(name) != 0 &&
			    LC_RUN(NULL, NULL, 0, e, "ip", "link", "del", name) != 0 &&
			    if_nametoindex(name) != 0) {
				dt_fail(err, "could not delete interface %s", name);
				failed++;
			}
		} else if (strncmp(it, "hostrule ", 9) == 0) {
			char bridge[16], id[16];

			/* Only the one rule DT adds, rebuilt from its
			 * names: nothing else in the file becomes iptables
			 * arguments.  Deleted while it is there (it may
			 * never have been added if the run crashed right
			 * after this line). */
			if (lc_hostrule_parse(it + 9, bridge, id) != 0) {
				dt_fail(err, "not a rule DT adds: %s", it + 9);
				failed++;
				continue;
			}
			while (lc_hostrule("-C", bridge, id, NULL, 0, e) == 0) {
				if (lc_hostrule("-D", bridge, id, NULL, 0, e) != 0) {
					dt_fail(err, "could not delete host rule %s",
						it + 9);
					failed++;
					break;
				}
			}
		} else if (strncmp(it, "datadir ", 8) == 0 && !keep) {
			if (lc_exists(it + 8) && !run_data_dir(store, it + 8)) {
				dt_log(DT_LOG_WARN, "local: %s: %s is not the data "
				       "folder of the run's store (%s): left", path,
				       it + 8, store ? store : "none named");
			} else if (lc_rmtree(it + 8, e) != 0) {
				dt_fail(err, "%s", e);
				failed++;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
	if (failed)
		return -1;
	if (unlink(path) != 0 && errno != ENOENT)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	return 0;
}

/* Whether the run that wrote a state file is still going. */
static bool owner_alive(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;
	unsigned long long start = 0;
	bool alive = false;

	if (f == NULL)
		return false;
	if (fscanf(f, "owner %d %llu", &pid, &start) == 2 && pid > 0)
		alive = lc_proc_start((pid_t)pid) == start && start != 0;
	fclose(f);
	return alive;
}

int lc_cleanup(const char *state_dir, char *err)
{
	DIR *d;
	struct dirent *de;
	struct stat dst;
	int cleaned = 0, failed = 0;
	char path[PATH_MAX], e[DT_ERRBUF_SIZE];

	/* The core checked the folder (dt_owned_dir); a platform called
	 * by another program checks it again, simply. */
	if (lstat(state_dir, &dst) != 0)
		return errno == ENOENT ? 0 :
		       dt_fail(err, "%s: %s", state_dir, strerror(errno));
	if (!S_ISDIR(dst.st_mode) || !own_stat(&dst))
		return dt_fail(err, "state folder %s is not a folder of yours that "
			       "only you may write (owner uid %u, mode %04o): "
			       "nothing cleaned", state_dir, (unsigned)dst.st_uid,
			       (unsigned)(dst.st_mode & 07777));
	d = opendir(state_dir);
	if (d == NULL)
		return errno == ENOENT ? 0 :
		       dt_fail(err, "%s: %s", state_dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "local-", 6) != 0 || len < 7)
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, de->d_name);
		if (len > 10 && strcmp(de->d_name + len - 10, ".state.new") == 0) {
			struct stat sb;

			/* A run that died before its state file was in
			 * place made nothing: drop the file once it is
			 * clearly not being written. */
			if (stat(path, &sb) == 0 && !owner_alive(path) &&
			    time(NULL) - sb.st_mtime > 60)
				unlink(path);
			continue;
		}
		if (strcmp(de->d_name + len - 6, ".state") != 0)
			continue;
		if (owner_alive(path))
			continue;
		if (lc_state_undo(path, e) != 0) {
			dt_fail(err, "%s: %s", path, e);
			failed++;
			continue;
		}
		dt_log(DT_LOG_INFO, "local: cleaned what %s listed", path);
		cleaned++;
	}
	closedir(d);
	return failed ? -1 : cleaned;
}
