/* SPDX-License-Identifier: MIT */
/*
 * disk.c: a node's data folder on dt-faultfs, DT's fault filesystem,
 * when the chart's `local:` or the suite's `platform:` section says
 * `disk: faulty` (faultfs/README.md: the durability model).
 *
 *   local:
 *     disk: faulty                  # plain (default) or faulty
 *     faultfs: {dirs: ext4, commit: 0s, writeback: 0s, max-dirty: 256M}
 *
 * Per node: the backing folder STORE/data/nI-disk (what is durable),
 * dt-faultfs mounted on the node's data folder STORE/data/nI before any
 * of its processes starts, its control socket STORE/data/nI-faultfs.sock
 * and its log STORE/nI-faultfs.log.  As everything the platform makes,
 * the mount is written to the state file before it is made:
 *
 *   faultfs MOUNTPOINT            a dt-faultfs mount may be there
 *   faultfspid PID START MOUNTPOINT   the daemon serving it
 *
 * and undone by teardown, the next start and `dt-run cleanup` alike
 * (lc_disk_undo, after the node processes are gone): a clean unmount
 * through the control socket when the daemon answers (it makes
 * everything durable, as umount does), else a lazy detach of the stale
 * mount (dt-faultfs mounts only, nothing else on that path), then the
 * daemon is waited for and killed if it lingers.  With --keep the
 * backing folder then takes the data folder's place, so STORE/data/nI
 * holds what the node's disk held.
 *
 * Nemeses reach a node's dt-faultfs through the platform's `disk`
 * callback (lc_disk_call): one control request, one reply.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "local.h"

#ifndef DT_SBIN_DIR
#define DT_SBIN_DIR "/usr/sbin"
#endif

struct lc_disk {
	char backing[4096];
	char sock[4096];
	char log[4096];
	char **argv;                 /* dt-faultfs's, NULL-terminated, owned */
	pid_t pid;                   /* 0 when not running */
	unsigned long long start;
};

/* Where dt-faultfs is: $DT_FAULTFS; the build tree's when this plugin
 * runs from it (tests, uninstalled runs); the configured sbin; PATH. */
static void program(char *buf, size_t size)
{
	const char *env = getenv("DT_FAULTFS");
	Dl_info info;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, size, "%s", env);
		return;
	}
	if (dladdr((void *)program, &info) != 0 && info.dli_fname != NULL &&
	    strncmp(info.dli_fname, DT_BUILD_DIR "/", sizeof(DT_BUILD_DIR)) == 0) {
		snprintf(buf, size, "%s/faultfs/dt-faultfs", DT_BUILD_DIR);
		if (access(buf, X_OK) == 0)
			return;
	}
	snprintf(buf, size, "%s/dt-faultfs", DT_SBIN_DIR);
	if (access(buf, X_OK) != 0)
		snprintf(buf, size, "dt-faultfs");
}

static void free_argv(char **argv)
{
	for (char **a = argv; a != NULL && *a != NULL; a++)
		free(*a);
	free(argv);
}

static char **make_argv(const lc_disk *d, const char *mount, const json_t *fo)
{
	char prog[4096], commit[32], wb[32], dirty[32];
	const char *dirs = fo != NULL && dt_opt_string(fo, "dirs") ?
			   dt_opt_string(fo, "dirs") : "ext4";
	char **argv = calloc(14, sizeof(*argv));
	const char *v[13];
	size_t n = 0;

	if (argv == NULL)
		return NULL;
	program(prog, sizeof(prog));
	snprintf(commit, sizeof(commit), "%gs", fo ? dt_opt_number(fo, "commit") : 0);
	snprintf(wb, sizeof(wb), "%gs", fo ? dt_opt_number(fo, "writeback") : 0);
	snprintf(dirty, sizeof(dirty), "%lld",
		 fo && dt_opt(fo, "max-dirty") ? dt_opt_int(fo, "max-dirty") :
		 256ll << 20);
	v[n++] = prog;
	v[n++] = "--control";
	v[n++] = d->sock;
	v[n++] = "--dirs";
	v[n++] = dirs;
	v[n++] = "--commit";
	v[n++] = commit;
	v[n++] = "--writeback";
	v[n++] = wb;
	v[n++] = "--max-dirty";
	v[n++] = dirty;
	v[n++] = d->backing;
	v[n++] = mount;
	for (size_t i = 0; i < n; i++) {
		argv[i] = strdup(v[i]);
		if (argv[i] == NULL) {
			free_argv(argv);
			return NULL;
		}
	}
	return argv;
}

/* The section that says: the suite's `platform:` over the chart's
 * `local:`.  *faulty, and its faultfs options (borrowed, or NULL). */
static int read_conf(const json_t *chart, const json_t *config, bool *faulty,
		     const json_t **fo, char *err)
{
	const json_t *local = json_object_get(chart, "local");
	const json_t *from = NULL;
	int t;

	if (json_is_object(config) && dt_opt(config, "disk") != NULL)
		from = config;
	else if (json_is_object(local))
		from = local;
	t = from != NULL ? dt_opt_enum(from, "disk", lc_disk_types) : 0;
	if (from != NULL && dt_opt(from, "disk") != NULL && t < 0)
		return dt_conf_fail(from, "disk", err, "expected plain or faulty");
	*faulty = t == 1;
	*fo = NULL;
	if (json_is_object(config) && dt_opt(config, "faultfs") != NULL)
		*fo = dt_opt(config, "faultfs");
	else if (json_is_object(local) && dt_opt(local, "faultfs") != NULL)
		*fo = dt_opt(local, "faultfs");
	if (*fo != NULL && !*faulty)
		return dt_conf_fail(*fo == dt_opt(config, "faultfs") ? config : local,
				    "faultfs", err, "set, but the disk is plain: "
				    "add disk: faulty");
	return 0;
}

int lc_disk_plan(lc_platform *p, const json_t *chart, const json_t *config,
		 char *err)
{
	bool faulty = false;
	const json_t *fo;

	if (read_conf(chart, config, &faulty, &fo, err) != 0)
		return -1;
	if (!faulty)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		lc_disk *d = calloc(1, sizeof(*d));
		const char *mount = p->x[i].data_dir;

		if (d == NULL)
			return dt_fail(err, "out of memory");
		p->x[i].disk = d;
		if ((size_t)snprintf(d->backing, sizeof(d->backing), "%s-disk",
				     mount) >= sizeof(d->backing) ||
		    (size_t)snprintf(d->sock, sizeof(d->sock), "%s-faultfs.sock",
				     mount) >= sizeof(d->sock) ||
		    (size_t)snprintf(d->log, sizeof(d->log), "%s/%s-faultfs.log",
				     p->store_dir, p->nodes[i].name) >= sizeof(d->log))
			return dt_fail(err, "node %s: paths too long for its disk",
				       p->nodes[i].name);
		d->argv = make_argv(d, mount, fo);
		if (d->argv == NULL)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

void lc_disk_info(lc_platform *p, size_t i)
{
	const lc_disk *d = p->x[i].disk;

	if (d == NULL || p->nodes[i].info == NULL)
		return;
	json_object_set_new(p->nodes[i].info, "disk", json_pack(
		"{s:s, s:s, s:s, s:s}", "type", "faulty", "backing", d->backing,
		"control", d->sock, "log", d->log));
}

void lc_disk_print(const lc_platform *p, size_t i)
{
	const lc_disk *d = p->x[i].disk;

	if (d == NULL)
		return;
	printf("local: %s: mount", p->nodes[i].name);
	for (char **a = d->argv; *a != NULL; a++)
		printf(" %s", *a);
	printf("\n");
}

/* Has the process gone (reaped when it is our child)? */
static bool gone(pid_t pid, unsigned long long start)
{
	pid_t w = waitpid(pid, NULL, WNOHANG);
	char st;

	if (w == pid)
		return true;
	if (lc_proc_start(pid) != start)
		return true;
	st = lc_proc_state(pid);
	return st == '\0' || st == 'Z' || st == 'X';
}

/* Wait up to seconds for a daemon to exit, then SIGKILL it. */
static void finish_daemon(pid_t pid, unsigned long long start, double seconds)
{
	dt_deadline d;

	if (pid <= 1 || start == 0)
		return;
	dt_deadline_set(&d, seconds);
	while (!gone(pid, start)) {
		if (dt_deadline_expired(&d)) {
			if (lc_proc_start(pid) == start)
				kill(pid, SIGKILL);
			dt_deadline_set(&d, 5);
			while (!gone(pid, start) && !dt_deadline_expired(&d))
				dt_sleep(0.01);
			return;
		}
		dt_sleep(0.01);
	}
}

int lc_disk_mount(lc_platform *p, char *err)
{
	for (size_t i = 0; i < p->n; i++) {
		lc_disk *d = p->x[i].disk;
		const char *mount = p->x[i].data_dir;
		char e[DT_ERRBUF_SIZE], tail[400];

		if (d == NULL)
			continue;
		if (lc_mkdirs(d->backing, false, err) != 0)
			return -1;
		if (lc_state_add(&p->state, "faultfs %s", mount) != 0)
			return dt_fail(err, "state file %s: %s", p->state.path,
				       strerror(errno));
		d->pid = lc_spawn(NULL, d->argv, NULL, p->store_dir, d->log, e);
		if (d->pid < 0) {
			d->pid = 0;
			return dt_fail(err, "node %s: dt-faultfs: %s (built with "
				       "--disable-faultfs? set DT_FAULTFS to its path)",
				       p->nodes[i].name, e);
		}
		d->start = lc_proc_start(d->pid);
		lc_state_add(&p->state, "faultfspid %d %llu %s", (int)d->pid,
			     d->start, mount);
		if (dt_faultfs_wait(d->sock, d->pid, 10, e) != 0) {
			lc_tail(d->log, tail, sizeof(tail));
			return dt_fail(err, "node %s: %s; end of %s:\n%s",
				       p->nodes[i].name, e, d->log, tail);
		}
		dt_log(DT_LOG_DEBUG, "local: %s: dt-faultfs (pid %d) on %s over %s",
		       p->nodes[i].name, (int)d->pid, mount, d->backing);
	}
	return 0;
}

int lc_disk_call(void *data, dt_node *node, const json_t *request,
		 json_t **reply, char *err)
{
	lc_platform *p = data;
	size_t i = (size_t)node->index;

	if (reply != NULL)
		*reply = NULL;
	if (i >= p->n || &p->nodes[i] != node)
		return dt_fail(err, "not a node of this platform");
	if (p->x[i].disk == NULL)
		return dt_fail(err, "node %s has no fault filesystem: the chart's "
			       "local: section or the suite's platform: section "
			       "needs disk: faulty", node->name);
	return dt_faultfs_call(p->x[i].disk->sock, request, 60, reply, err);
}

void lc_disk_free(lc_platform *p)
{
	for (size_t i = 0; p->x != NULL && i < p->n; i++) {
		if (p->x[i].disk == NULL)
			continue;
		free_argv(p->x[i].disk->argv);
		free(p->x[i].disk);
		p->x[i].disk = NULL;
	}
}

/* With --keep: the backing folder takes the (now empty) mount point's
 * place. */
static void keep_backing(const char *mount)
{
	char backing[4200];

	snprintf(backing, sizeof(backing), "%s-disk", mount);
	if (!lc_exists(backing) || rmdir(mount) != 0 || rename(backing, mount) != 0)
		dt_log(DT_LOG_WARN, "local: kept %s (the disk of %s)", backing, mount);
}

int lc_disk_undo(char *const *items, size_t n, bool keep, char *err)
{
	int failed = 0;

	for (size_t i = n; i-- > 0;) {
		const char *mount;
		char sock[4200], e[DT_ERRBUF_SIZE];
		int mounted;

		if (strncmp(items[i], "faultfs ", 8) != 0)
			continue;
		mount = items[i] + 8;
		snprintf(sock, sizeof(sock), "%s-faultfs.sock", mount);
		mounted = dt_faultfs_mounted(mount);
		/* A daemon that answers unmounts cleanly (everything made
		 * durable); lazily, so that nothing can hold it busy. */
		if (mounted > 0 && dt_faultfs_unmount(sock, true, e) != 0)
			dt_log(DT_LOG_DEBUG, "local: %s: %s; detaching", mount, e);
		if (dt_faultfs_mounted(mount) > 0 &&
		    dt_faultfs_detach(mount, e) < 0) {
			dt_fail(err, "%s", e);
			failed++;
		}
		for (size_t j = 0; j < n; j++) {
			int pid, at = 0;
			unsigned long long start;

			if (sscanf(items[j], "faultfspid %d %llu %n", &pid, &start,
				   &at) == 2 && at > 0 && strcmp(items[j] + at, mount) == 0)
				finish_daemon((pid_t)pid, start, 5);
		}
		/* A socket left by a daemon that was killed. */
		unlink(sock);
		if (keep && dt_faultfs_mounted(mount) == 0)
			keep_backing(mount);
	}
	return failed ? -1 : 0;
}
