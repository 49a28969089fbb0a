/* SPDX-License-Identifier: MIT */
/*
 * bench_faultfs.c: what dt-faultfs costs a node.  redis-server with
 * `appendonly yes`, `appendfsync always` (an fdatasync before every
 * answer) is loaded by redis-benchmark (SET, on a unix socket, so that
 * the network is not what is measured) twice per round: with its data
 * folder on the backing file system directly, and on dt-faultfs over a
 * folder of that same file system.  Rounds alternate, so that a machine
 * whose load changes shifts both alike; the ratio reported is the median
 * of the rounds' (target: 0.5, dt-faultfs keeps at least half).  Also
 * printed: dt-faultfs's fsyncs per request, which shows that redis
 * really synced through it.
 *
 * dt-faultfs never fsyncs its backing folder (its durability is its own,
 * dropped by its power loss): on a disk, redis on dt-faultfs does not
 * wait for the device, and may beat redis on the disk itself.  On tmpfs
 * the comparison is of the FUSE round trips alone.
 *
 * Usage: dt-bench-faultfs [-d DIR] [-n REQUESTS] [-c CLIENTS] [-R ROUNDS] [-k]
 *   -d  the backing file system's folder (default /dev/shm, tmpfs)
 *   -k  keep the temporary folder
 * Needs root (a FUSE mount), redis-server and redis-benchmark; dt-faultfs
 * from the build tree ($DT_BUILDDIR, else the directory this was built
 * in).  Exit status 0 when the target is met, 1 when not, 2 on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dt/command.h>
#include <jansson.h>

#include "client.h"

typedef struct bench {
	const char *base;
	long requests;
	int clients, rounds;
	bool keep;
	char dir[256];
} bench;

static const char *faultfs_bin(void)
{
	static char path[1024];
	const char *b = getenv("DT_BUILDDIR");

	snprintf(path, sizeof(path), "%s/faultfs/dt-faultfs", b ? b : BENCH_BUILDDIR);
	return path;
}

static pid_t start(const char *const *argv, const char *log)
{
	dt_command c = { .argv = argv, .log_path = log, .die_with_parent = true };
	char err[DT_ERRBUF_SIZE];
	pid_t pid = dt_command_spawn(&c, err);

	if (pid < 0)
		fprintf(stderr, "dt-bench-faultfs: %s\n", err);
	return pid;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* redis-server on a unix socket with its data in dir; waits until it
 * answers.  Its pid, or -1. */
static pid_t start_redis(const char *dir, const char *sock)
{
	char log[512];
	const char *argv[] = { "redis-server", "--port", "0", "--unixsocket", sock,
			       "--dir", dir, "--save", "", "--appendonly", "yes",
			       "--appendfsync", "always", NULL };
	const char *ping[] = { "redis-cli", "-s", sock, "ping", NULL };
	pid_t pid;

	snprintf(log, sizeof(log), "%s.log", sock);
	pid = start(argv, log);
	for (int i = 0; pid > 0 && i < 500; i++) {
		dt_command c = { .argv = ping, .timeout = 5 };
		char err[DT_ERRBUF_SIZE];
		struct timespec ts = { 0, 10000000 };

		if (dt_command_run(&c, err) == 0)
			return pid;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "dt-bench-faultfs: redis-server on %s did not start (%s)\n",
		dir, log);
	stop(pid);
	return -1;
}

/* SET requests a second, from redis-benchmark --csv ("SET","12345.67"). */
static double load(const bench *b, const char *sock)
{
	char n[32], c[16], out[4096];
	const char *argv[] = { "redis-benchmark", "-s", sock, "-t", "set", "-n", n,
			       "-c", c, "-r", "100000", "--csv", NULL };
	dt_command cmd = { .argv = argv, .timeout = 600, .out = out,
			   .outlen = sizeof(out) };
	char err[DT_ERRBUF_SIZE];
	const char *line;
	double rps = -1;

	snprintf(n, sizeof(n), "%ld", b->requests);
	snprintf(c, sizeof(c), "%d", b->clients);
	if (dt_command_run(&cmd, err) != 0) {
		fprintf(stderr, "dt-bench-faultfs: redis-benchmark: %s%s\n", err, out);
		return -1;
	}
	line = strstr(out, "\"SET\",\"");
	if (line != NULL)
		rps = strtod(line + 7, NULL);
	return rps > 0 ? rps : -1;
}

static double one_plain(const bench *b, int round)
{
	char dir[512], sock[600];
	pid_t redis;
	double rps;

	snprintf(dir, sizeof(dir), "%s/plain-%d", b->dir, round);
	snprintf(sock, sizeof(sock), "%s/plain-%d.sock", b->dir, round);
	if (mkdir(dir, 0755) != 0 || (redis = start_redis(dir, sock)) < 0)
		return -1;
	rps = load(b, sock);
	stop(redis);
	return rps;
}

static double one_faultfs(const bench *b, int round, double *fsyncs)
{
	char back[512], mnt[512], ctl[600], sock[600], log[600], err[512];
	const char *argv[] = { faultfs_bin(), "--control", ctl, back, mnt, NULL };
	json_t *st = NULL;
	pid_t ffs, redis = -1;
	double rps = -1;

	snprintf(back, sizeof(back), "%s/backing-%d", b->dir, round);
	snprintf(mnt, sizeof(mnt), "%s/mnt-%d", b->dir, round);
	snprintf(ctl, sizeof(ctl), "%s/faultfs-%d.sock", b->dir, round);
	snprintf(sock, sizeof(sock), "%s/redis-ffs-%d.sock", b->dir, round);
	snprintf(log, sizeof(log), "%s/faultfs-%d.log", b->dir, round);
	if (mkdir(back, 0755) != 0 || mkdir(mnt, 0755) != 0)
		return -1;
	ffs = start(argv, log);
	if (ffs < 0 || dt_faultfs_wait(ctl, ffs, 10, err) != 0) {
		fprintf(stderr, "dt-bench-faultfs: dt-faultfs: %s (%s)\n", err, log);
		stop(ffs);
		return -1;
	}
	redis = start_redis(mnt, sock);
	if (redis > 0) {
		rps = load(b, sock);
		stop(redis);
	}
	if (dt_faultfs_simple(ctl, "stats", 10, &st, err) == 0)
		*fsyncs = (double)(json_integer_value(json_object_get(st, "fsyncs")) +
				   json_integer_value(json_object_get(st, "fdatasyncs")));
	json_decref(st);
	if (dt_faultfs_unmount(ctl, true, err) != 0)
		fprintf(stderr, "dt-bench-faultfs: unmount: %s\n", err);
	waitpid(ffs, NULL, 0);
	return rps;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	bench b = { .base = "/dev/shm", .requests = 100000, .clients = 50,
		    .rounds = 3 };
	double plain[9], ffs[9], ratio[9], fsyncs = 0;
	const char *rm[] = { "rm", "-rf", b.dir, NULL };
	int opt, rc = 2;

	while ((opt = getopt(argc, argv, "d:n:c:R:k")) != -1) {
		switch (opt) {
		case 'd': b.base = optarg; break;
		case 'n': b.requests = atol(optarg); break;
		case 'c': b.clients = atoi(optarg); break;
		case 'R': b.rounds = atoi(optarg); break;
		case 'k': b.keep = true; break;
		default:
			fprintf(stderr, "usage: dt-bench-faultfs [-d DIR] [-n REQUESTS] "
				"[-c CLIENTS] [-R ROUNDS] [-k]\n");
			return 2;
		}
	}
	if (b.rounds < 1 || b.rounds > 9 || b.requests < 1 || b.clients < 1) {
		fprintf(stderr, "dt-bench-faultfs: -R 1..9, -n and -c at least 1\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "dt-bench-faultfs: needs root (a FUSE mount)\n");
		return 2;
	}
	snprintf(b.dir, sizeof(b.dir), "%s/dt-bench-faultfs-XXXXXX", b.base);
	if (mkdtemp(b.dir) == NULL) {
		fprintf(stderr, "dt-bench-faultfs: %s: %s\n", b.dir, strerror(errno));
		return 2;
	}
	printf("redis-server appendfsync always, redis-benchmark -t set -n %ld -c %d "
	       "on a unix socket; backing %s\n", b.requests, b.clients, b.base);
	for (int r = 0; r < b.rounds; r++) {
		double f = 0;

		plain[r] = one_plain(&b, r);
		ffs[r] = one_faultfs(&b, r, &f);
		if (plain[r] <= 0 || ffs[r] <= 0)
			goto out;
		ratio[r] = ffs[r] / plain[r];
		fsyncs = f;
		printf("round %d: direct %.0f SET/s, dt-faultfs %.0f SET/s (%.2f), "
		       "%.2f fsyncs a request through dt-faultfs\n", r + 1, plain[r],
		       ffs[r], ratio[r], fsyncs / (double)b.requests);
	}
	{
		double m = median(ratio, b.rounds);

		printf("median: direct %.0f SET/s, dt-faultfs %.0f SET/s, ratio %.2f "
		       "(target 0.50): %s\n", median(plain, b.rounds),
		       median(ffs, b.rounds), m, m >= 0.5 ? "met" : "NOT met");
		rc = m >= 0.5 ? 0 : 1;
	}
out:
	if (rc == 2)
		fprintf(stderr, "dt-bench-faultfs: a round failed (logs in %s)\n", b.dir);
	if (!b.keep && rc != 2) {
		dt_command c = { .argv = rm, .timeout = 60 };
		char err[DT_ERRBUF_SIZE];

		dt_command_run(&c, err);
	}
	return rc;
}
