/* SPDX-License-Identifier: MIT */
/*
 * main.c: dt-faultfs, DT's fault filesystem.
 *
 *   dt-faultfs [OPTIONS] BACKING MOUNTPOINT
 *
 * Mounts a FUSE passthrough of BACKING on MOUNTPOINT that keeps what
 * was written but not made durable in memory (README.md: the model),
 * answers control requests on a unix socket (ctl.c), and runs in the
 * foreground until it is unmounted (the `unmount` request, umount(8),
 * fusermount3 -u) or gets SIGTERM, SIGINT or SIGHUP; a clean end makes
 * everything durable first, as unmounting a real file system does.
 * SIGKILL is a power loss of the daemon itself: the unsynced data is
 * gone, and the stale mount must be unmounted (umount -l).
 *
 * The mount is ready once the control socket answers `ping`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faultfs.h"
#include "ops.h"
#include <dt/options.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

int64_t ff_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ff_log(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%02d:%02d:%02d.%03ld dt-faultfs[%d]: %s\n", tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, (int)getpid(), line);
}

static void ff_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	/* Write-through and no readdirplus (ops_file.c says why); the
	 * kernel drops cached pages whose mtime or size changed. */
	conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_READDIRPLUS |
				  FUSE_CAP_READDIRPLUS_AUTO);
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void ff_destroy(void *data)
{
	ff_fs *fs = data;

	/* A clean unmount: everything durable, as umount(8) syncs. */
	ff_sync_all(fs);
	ff_log("clean end: everything written is durable");
}

const struct fuse_lowlevel_ops ff_ops = {
	.init = ff_init,
	.destroy = ff_destroy,
	.lookup = ff_op_lookup,
	.forget = ff_op_forget,
	.forget_multi = ff_op_forget_multi,
	.getattr = ff_op_getattr,
	.setattr = ff_op_setattr,
	.readlink = ff_op_readlink,
	.mknod = ff_op_mknod,
	.mkdir = ff_op_mkdir,
	.symlink = ff_op_symlink,
	.link = ff_op_link,
	.unlink = ff_op_unlink,
	.rmdir = ff_op_rmdir,
	.rename = ff_op_rename,
	.opendir = ff_op_opendir,
	.readdir = ff_op_readdir,
	.releasedir = ff_op_releasedir,
	.fsyncdir = ff_op_fsyncdir,
	.statfs = ff_op_statfs,
	.open = ff_op_open,
	.create = ff_op_create,
	.release = ff_op_release,
	.flush = ff_op_flush,
	.read = ff_op_read,
	.write = ff_op_write,
	.fsync = ff_op_fsync,
	.fallocate = ff_op_fallocate,
};

/* ---- the timer: periodic commit, writeback, the memory bound -------- */

static pthread_t timer;
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond = PTHREAD_COND_INITIALIZER;
static bool timer_stop;

static void writeback_old(ff_fs *fs, int64_t now)
{
	size_t n;
	ff_inode **all = ff_inodes_all(fs, &n);
	bool over = fs->max_dirty > 0 &&
		    atomic_load(&fs->stats.dirty_bytes) > fs->max_dirty;

	for (size_t i = 0; all != NULL && i < n; i++) {
		ff_inode *in = all[i];
		int64_t since;

		pthread_mutex_lock(&in->lock);
		since = in->dirty_since;
		pthread_mutex_unlock(&in->lock);
		if (since != 0 && (over || (fs->writeback_s > 0 &&
			   (double)(now - since) / 1e9 >= fs->writeback_s)))
			ff_cache_flush(fs, in, true);
		ff_inode_put(fs, in);
	}
	free(all);
}

static void *timer_main(void *arg)
{
	ff_fs *fs = arg;

	pthread_mutex_lock(&timer_lock);
	while (!timer_stop) {
		struct timespec ts;
		int64_t now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
		if (timer_stop)
			break;
		pthread_mutex_unlock(&timer_lock);
		now = ff_now_ns();
		if (fs->commit_s > 0) {
			pthread_mutex_lock(&fs->meta);
			if ((double)(now - fs->last_commit) / 1e9 >= fs->commit_s)
				ff_journal_commit_locked(fs, fs->njrecs, false);
			pthread_mutex_unlock(&fs->meta);
		}
		if (fs->writeback_s > 0 || (fs->max_dirty > 0 &&
		    atomic_load(&fs->stats.dirty_bytes) > fs->max_dirty))
			writeback_old(fs, now);
		pthread_mutex_lock(&timer_lock);
	}
	pthread_mutex_unlock(&timer_lock);
	return NULL;
}

/* ---- command line ------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: dt-faultfs [OPTIONS] BACKING MOUNTPOINT\n"
"\n"
"Mount a fault filesystem over BACKING on MOUNTPOINT: data not made\n"
"durable (fsync, fdatasync, O_SYNC) is kept in memory, so that a power\n"
"loss asked on the control socket drops exactly that.\n"
"\n"
"  -c, --control PATH      control socket (default: BACKING.sock)\n"
"  -d, --dirs MODEL        ext4 (default: any fsync commits the directory\n"
"                          changes before it) or strict (only a directory's\n"
"                          fsync makes its entries durable)\n"
"      --commit DURATION   commit directory changes this often (ext4's\n"
"                          commit=5); default 0: only fsync commits\n"
"      --writeback DURATION  make data this old durable (the kernel's\n"
"                          dirty_expire); default 0: only fsync does\n"
"      --max-dirty SIZE    memory for unsynced pages before writers' files\n"
"                          are written back (default 256M; 0: no bound)\n"
"      --seed N            seed of the fault rules without their own\n"
"      --cache-timeout S   how long the kernel keeps names and attributes\n"
"                          (default 1)\n"
"      --debug             log every FUSE request (libfuse's -d)\n"
"  -h, --help              this help\n"
"  -V, --version           the version\n"
"\n"
"Exit status: 0 after a clean unmount, 1 when it could not mount, 2 for\n"
"a bad command line.  See dt-faultfs(8).\n");
}

static int resolve(const char *what, const char *path, char *out)
{
	struct stat st;

	if (realpath(path, out) == NULL || stat(out, &st) != 0) {
		fprintf(stderr, "dt-faultfs: %s %s: %s\n", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dt-faultfs: %s %s: not a directory\n", what, path);
		return -1;
	}
	return 0;
}

/* a inside b (or the same)? */
static bool inside(const char *a, const char *b)
{
	size_t n = strlen(b);

	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/' ||
					 strcmp(b, "/") == 0);
}

static int parse_args(int argc, char **argv, ff_fs *fs, bool *debug)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "dirs", required_argument, NULL, 'd' },
		{ "commit", required_argument, NULL, 'C' },
		{ "writeback", required_argument, NULL, 'W' },
		{ "max-dirty", required_argument, NULL, 'M' },
		{ "seed", required_argument, NULL, 'S' },
		{ "cache-timeout", required_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *control = NULL;
	int c;

	fs->max_dirty = 256ull << 20;
	fs->timeout = 1;
	fs->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "c:d:hV", opts, NULL)) != -1) {
		double secs;
		uint64_t bytes;
		char *end;

		switch (c) {
		case 'c':
			control = optarg;
			break;
		case 'd':
			if (strcmp(optarg, "ext4") != 0 && strcmp(optarg, "strict") != 0) {
				fprintf(stderr, "dt-faultfs: --dirs %s: expected ext4 or "
					"strict\n", optarg);
				return 2;
			}
			fs->strict = strcmp(optarg, "strict") == 0;
			break;
		case 'C':
		case 'W':
			if (dt_parse_duration(optarg, &secs) != 0) {
				fprintf(stderr, "dt-faultfs: --%s %s: expected a duration "
					"(5, 5s, 500ms)\n", c == 'C' ? "commit" :
					"writeback", optarg);
				return 2;
			}
			*(c == 'C' ? &fs->commit_s : &fs->writeback_s) = secs;
			break;
		case 'M':
			if (dt_parse_size(optarg, &bytes) != 0) {
				fprintf(stderr, "dt-faultfs: --max-dirty %s: expected a "
					"size (256M, 1G, 0)\n", optarg);
				return 2;
			}
			fs->max_dirty = bytes;
			break;
		case 'S':
			errno = 0;
			fs->seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '\0' ||
			    optarg[0] == '-') {
				fprintf(stderr, "dt-faultfs: --seed %s: expected a "
					"non-negative integer\n", optarg);
				return 2;
			}
			break;
		case 'T':
			if (dt_parse_duration(optarg, &secs) != 0) {
				fprintf(stderr, "dt-faultfs: --cache-timeout %s: expected "
					"seconds\n", optarg);
				return 2;
			}
			fs->timeout = secs;
			break;
		case 'D':
			*debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dt-faultfs %s (libfuse %s)\n", PACKAGE_VERSION,
			       fuse_pkgversion());
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "dt-faultfs: expected BACKING and MOUNTPOINT\n");
		usage(stderr);
		return 2;
	}
	if (resolve("backing folder", argv[optind], fs->backing) != 0 ||
	    resolve("mount point", argv[optind + 1], fs->mountpoint) != 0)
		return 1;
	if (inside(fs->backing, fs->mountpoint) || inside(fs->mountpoint, fs->backing)) {
		fprintf(stderr, "dt-faultfs: the backing folder %s and the mount "
			"point %s must not contain each other\n", fs->backing,
			fs->mountpoint);
		return 1;
	}
	if ((size_t)snprintf(fs->control, sizeof(fs->control), "%s%s",
			     control != NULL ? control : fs->backing,
			     control != NULL ? "" : ".sock") >= sizeof(fs->control)) {
		fprintf(stderr, "dt-faultfs: control socket path too long\n");
		return 2;
	}
	return 0;
}

static int setup(ff_fs *fs, char *err, size_t errlen)
{
	struct stat st;

	fs->root_fd = open(fs->backing, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fs->trash_fd = -1;
	if (fs->root_fd < 0 || fstat(fs->root_fd, &st) != 0) {
		snprintf(err, errlen, "backing folder %.300s: %s", fs->backing,
			 strerror(errno));
		return -1;
	}
	fs->root_dev = st.st_dev;
	fs->root.fd = fs->root_fd;
	fs->root.data_fd = -1;
	fs->root.is_dir = true;
	fs->root.dev = st.st_dev;
	fs->root.ino = st.st_ino;
	fs->root.nlookup = 2;
	pthread_mutex_init(&fs->root.lock, NULL);
	pthread_rwlock_init(&fs->rules_lock, NULL);
	if (ff_itab_init(fs) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return ff_journal_init(fs, err, errlen);
}

int main(int argc, char **argv)
{
	static ff_fs fs;
	struct fuse_loop_config *cfg = NULL;
	char *fargv[] = { argv[0], "-o", "fsname=dt-faultfs,subtype=dt-faultfs,"
			  "default_permissions,allow_other", "-d", NULL };
	struct fuse_args args;
	char err[512];
	bool debug = false, mounted = false, timer_on = false;
	int rc;

	rc = parse_args(argc, argv, &fs, &debug);
	if (rc != 0)
		return rc;
	args = (struct fuse_args)FUSE_ARGS_INIT(debug ? 4 : 3, fargv);
	/* The kernel applied the caller's umask already. */
	umask(0);
	if (setup(&fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "dt-faultfs: %s\n", err);
		rc = 1;
		goto out;
	}
	fs.se = fuse_session_new(&args, &ff_ops, sizeof(ff_ops), &fs);
	if (fs.se == NULL) {
		fprintf(stderr, "dt-faultfs: could not start a FUSE session\n");
		rc = 1;
		goto out;
	}
	if (fuse_set_signal_handlers(fs.se) != 0 ||
	    fuse_session_mount(fs.se, fs.mountpoint) != 0) {
		fprintf(stderr, "dt-faultfs: could not mount on %s (needs root or "
			"fusermount3, and /dev/fuse)\n", fs.mountpoint);
		rc = 1;
		goto out;
	}
	mounted = true;
	if (ff_ctl_start(&fs, err, sizeof(err)) != 0) {
		fprintf(stderr, "dt-faultfs: %s\n", err);
		rc = 1;
		goto out;
	}
	timer_on = pthread_create(&timer, NULL, timer_main, &fs) == 0;
	ff_log("mounted %s over %s (dirs %s, commit %gs, writeback %gs, "
	       "max-dirty %llu), control %s", fs.mountpoint, fs.backing,
	       fs.strict ? "strict" : "ext4", fs.commit_s, fs.writeback_s,
	       (unsigned long long)fs.max_dirty, fs.control);
	cfg = fuse_loop_cfg_create();
	if (cfg == NULL) {
		rc = 1;
		goto out;
	}
	/* Enough threads that operations held by a delay rule do not
	 * stall the others. */
	fuse_loop_cfg_set_max_threads(cfg, 64);
	fuse_loop_cfg_set_idle_threads(cfg, 16);
	rc = fuse_session_loop_mt(fs.se, cfg);
	/* libfuse returns the signal that ended the loop: a clean end. */
	if (rc == SIGTERM || rc == SIGINT || rc == SIGHUP) {
		ff_log("signal %d: unmounting", rc);
		rc = 0;
	}
	rc = rc == 0 ? 0 : 1;
	fuse_loop_cfg_destroy(cfg);
out:
	if (timer_on) {
		pthread_mutex_lock(&timer_lock);
		timer_stop = true;
		pthread_cond_signal(&timer_cond);
		pthread_mutex_unlock(&timer_lock);
		pthread_join(timer, NULL);
	}
	ff_ctl_stop(&fs);
	if (fs.se != NULL) {
		if (mounted)
			fuse_session_unmount(fs.se);
		fuse_remove_signal_handlers(fs.se);
		/* Calls ff_destroy (the last sync) when the kernel had
		 * initialised the session. */
		fuse_session_destroy(fs.se);
		fs.se = NULL;
	}
	ff_journal_free(&fs);
	ff_rules_free(&fs);
	if (fs.hash != NULL)
		ff_itab_free(&fs);
	if (fs.root_fd >= 0)
		close(fs.root_fd);
	fuse_opt_free_args(&args);
	return rc;
}
