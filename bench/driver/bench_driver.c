/* SPDX-License-Identifier: MIT */
/*
 * bench_driver.c: how fast DT drives a system, against how fast the
 * system can be driven.
 *
 *   1. A redis-server on 127.0.0.1 (an ephemeral port, a temporary
 *      folder), loaded by redis-benchmark with SET and GET at the given
 *      concurrency: the ceiling, in requests a second.
 *   2. dt-run against the same server at the same concurrency, no rate
 *      limit, the register workload as GET (read) and SET (write) half
 *      and half, every operation recorded in history.jsonl: its ops/s,
 *      and the ratio to redis-benchmark's (target: 80% or more).
 *   3. dt-run with the in-process `mem` client on 2 workers: nothing but
 *      the scheduler and the recorder (target: 1M ops/s or more).
 *
 * Steps 1 and 2 alternate for -R rounds (default 3) so that a machine
 * whose load changes during the benchmark shifts both alike; the ratio
 * reported is the median of the rounds'.  The load average is printed.
 *
 * Usage: dt-bench-driver [-c CONCURRENCY] [-n REQUESTS] [-t SECONDS]
 *        [-m MEM_SECONDS] [-R ROUNDS] [-k]  (-k keeps the temporary folder)
 * Needs redis-server and redis-benchmark on PATH; dt-run from the build
 * tree ($DT_BUILDDIR, else the directory this was built in).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

typedef struct bench {
	int rounds;
	int concurrency;
	long requests;
	int seconds, mem_seconds;
	bool keep;
	char dir[256];
	int port;
	pid_t redis;
} bench;

/* CPU seconds used so far by waited-for children. */
static double children_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool port_ready(int port, int tries)
{
	for (int i = 0; i < tries; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
		struct timespec ts = { 0, 20000000 };

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
		if (rc == 0)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static pid_t spawn(char *const *argv, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int run_wait(char *const *argv, const char *log)
{
	pid_t pid = spawn(argv, log);
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int start_redis(bench *b)
{
	char port[16], log[300];
	char *argv[] = { "redis-server", "--bind", "127.0.0.1", "--port", port,
			 "--dir", b->dir, "--save", "", "--appendonly", "no", NULL };

	b->port = free_port();
	snprintf(port, sizeof(port), "%d", b->port);
	snprintf(log, sizeof(log), "%s/redis.log", b->dir);
	b->redis = spawn(argv, log);
	if (b->redis < 0 || !port_ready(b->port, 250)) {
		fprintf(stderr, "dt-bench-driver: redis-server did not start (see %s)\n", log);
		return -1;
	}
	return 0;
}

/*
 * redis-benchmark --csv prints one line a test: "SET","123456.79",...
 * (redis 7 adds a header line and latency columns).
 */
static int redis_benchmark(bench *b, double *set, double *get)
{
	char cmd[512], line[1024];
	FILE *p;

	*set = *get = 0;
	snprintf(cmd, sizeof(cmd), "redis-benchmark -h 127.0.0.1 -p %d -c %d -n %ld "
		 "-t set,get -r 1000 --csv 2>/dev/null", b->port, b->concurrency,
		 b->requests);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		char name[32];
		double rps;

		if (sscanf(line, "\"%31[^\"]\",\"%lf\"", name, &rps) != 2)
			continue;
		if (strcmp(name, "SET") == 0)
			*set = rps;
		else if (strcmp(name, "GET") == 0)
			*get = rps;
	}
	return pclose(p) == 0 && *set > 0 && *get > 0 ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static const char *dt_run_bin(void)
{
	static char path[1024];
	const char *b = getenv("DT_BUILDDIR");

	snprintf(path, sizeof(path), "%s/core/dt-run", b ? b : BENCH_BUILDDIR);
	return path;
}

/* Run a suite file with dt-run; completed operations a second (ok +
 * fail over the history's span) from the stats checker, or -1. */
static double dt_ops_per_second(bench *b, const char *suite_name, uint64_t *total)
{
	char suite[300], store[300], charts[300], results[600], log[300];
	char *argv[] = { (char *)dt_run_bin(), "--suite", suite, "--store", store,
			 "--chart-path", charts, "-q", NULL };
	json_t *r, *ops, *o;
	const char *f;
	double secs, n = 0;

	snprintf(suite, sizeof(suite), "%s/%s.yaml", b->dir, suite_name);
	snprintf(store, sizeof(store), "%s/store", b->dir);
	snprintf(charts, sizeof(charts), "%s", b->dir);
	snprintf(log, sizeof(log), "%s/%s.out", b->dir, suite_name);
	if (run_wait(argv, log) != 0) {
		fprintf(stderr, "dt-bench-driver: dt-run %s failed (see %s)\n", suite, log);
		return -1;
	}
	snprintf(results, sizeof(results), "%s/%s/latest/results.json", store, suite_name);
	r = json_load_file(results, 0, NULL);
	o = json_object_get(json_object_get(r, "checkers"), "stats");
	ops = json_object_get(o, "operations");
	secs = json_number_value(json_object_get(o, "seconds_of_history"));
	json_object_foreach(ops, f, o)
		n += (double)json_integer_value(json_object_get(o, "ok")) +
		     (double)json_integer_value(json_object_get(o, "fail"));
	json_decref(r);
	*total = (uint64_t)n;
	return secs > 0 ? n / secs : -1;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void usage(void)
{
	fprintf(stderr, "usage: dt-bench-driver [-c CONCURRENCY] [-n REQUESTS] "
		"[-t SECONDS] [-m MEM_SECONDS] [-k]\n");
	exit(3);
}

int main(int argc, char **argv)
{
	bench b = { .rounds = 3, .concurrency = 4, .requests = 100000,
		    .seconds = 5, .mem_seconds = 5 };
	char text[2048], path[300];
	double set, get, mix, dt_redis, dt_mem, ratios[9];
	uint64_t n_redis = 0, n_mem = 0;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "c:n:t:m:R:k")) != -1) {
		switch (opt) {
		case 'R': b.rounds = atoi(optarg); break;
		case 'c': b.concurrency = atoi(optarg); break;
		case 'n': b.requests = atol(optarg); break;
		case 't': b.seconds = atoi(optarg); break;
		case 'm': b.mem_seconds = atoi(optarg); break;
		case 'k': b.keep = true; break;
		default: usage();
		}
	}
	if (b.concurrency < 1 || b.requests < 1 || b.seconds < 1 ||
	    b.mem_seconds < 1 || b.rounds < 1 || b.rounds > 9)
		usage();
	signal(SIGPIPE, SIG_IGN);
	snprintf(b.dir, sizeof(b.dir), "/tmp/dt-bench-driver-XXXXXX");
	if (mkdtemp(b.dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (start_redis(&b) != 0)
		goto out;

	/* A chart with no nodes: the suite names the server itself. */
	snprintf(path, sizeof(path), "%s/bench-external.yaml", b.dir);
	write_file(path, "name: bench-external\nlocal:\n  nodes: 0\n");
	snprintf(text, sizeof(text),
		 "name: bench-redis\nchart: bench-external\n"
		 "client: {name: redis, endpoints: [\"127.0.0.1:%d\"]}\n"
		 "workload: {name: register, keys: 1000, values: 1000, "
		 "operations: {read: 1, write: 1}}\n"
		 "concurrency: %d\nrate: 0\ntime-limit: %d\ntimeout: 2s\n"
		 "checkers: [stats]\n", b.port, b.concurrency, b.seconds);
	snprintf(path, sizeof(path), "%s/bench-redis.yaml", b.dir);
	write_file(path, text);
	snprintf(text, sizeof(text),
		 "name: bench-mem\nchart: mem\nclient: {name: mem}\n"
		 "workload: {name: register, keys: 1000, values: 1000, "
		 "operations: {read: 1, write: 1}}\n"
		 "concurrency: 2\nrate: 0\ntime-limit: %d\ntimeout: 2s\n"
		 "checkers: [stats]\n", b.mem_seconds);
	snprintf(path, sizeof(path), "%s/bench-mem.yaml", b.dir);
	write_file(path, text);

	{
		FILE *f = fopen("/proc/loadavg", "r");
		char load[64] = "?";

		if (f != NULL) {
			if (fgets(load, sizeof(load), f) == NULL)
				snprintf(load, sizeof(load), "?");
			fclose(f);
		}
		load[strcspn(load, "\n")] = '\0';
		printf("driver benchmark: redis-server on 127.0.0.1, concurrency %d "
		       "(load average %s)\n", b.concurrency, load);
	}
	printf("  (client CPU per request in microseconds: redis-benchmark's, and "
	       "dt-run's including its check afterwards)\n");
	for (int r = 0; r < b.rounds; r++) {
		double c0 = children_cpu(), c1, c2;

		if (redis_benchmark(&b, &set, &get) != 0) {
			fprintf(stderr, "dt-bench-driver: redis-benchmark failed\n");
			goto out;
		}
		/* Half SETs, half GETs: one of each per two requests. */
		mix = 2 / (1 / set + 1 / get);
		c1 = children_cpu();
		dt_redis = dt_ops_per_second(&b, "bench-redis", &n_redis);
		if (dt_redis < 0)
			goto out;
		c2 = children_cpu();
		ratios[r] = dt_redis / mix;
		printf("  round %d: redis-benchmark SET %7.0f/s GET %7.0f/s, half and "
		       "half %7.0f/s (%.1fus CPU); dt-run %7.0f ops/s (%llu ops, history "
		       "recorded, %.1fus CPU): %5.1f%%\n", r + 1, set, get, mix,
		       (c1 - c0) * 1e6 / (2.0 * (double)b.requests), dt_redis,
		       (unsigned long long)n_redis,
		       n_redis ? (c2 - c1) * 1e6 / (double)n_redis : 0, 100 * ratios[r]);
	}
	/* The median ratio. */
	for (int i = 1; i < b.rounds; i++)
		for (int j = i; j > 0 && ratios[j - 1] > ratios[j]; j--) {
			double t = ratios[j];

			ratios[j] = ratios[j - 1];
			ratios[j - 1] = t;
		}
	printf("  ratio dt-run / redis-benchmark (median of %d): %.1f%% "
	       "(target >= 80%%): %s\n", b.rounds, 100 * ratios[b.rounds / 2],
	       ratios[b.rounds / 2] >= 0.8 ? "met" : "NOT met");
	dt_mem = dt_ops_per_second(&b, "bench-mem", &n_mem);
	if (dt_mem < 0)
		goto out;
	printf("  dt-run mem, 2 workers  %9.0f ops/s  (%llu ops in %ds; target >= 1000000): %s\n",
	       dt_mem, (unsigned long long)n_mem, b.mem_seconds,
	       dt_mem >= 1e6 ? "met" : "NOT met");
	rc = 0;
out:
	if (b.redis > 0) {
		kill(b.redis, SIGKILL);
		waitpid(b.redis, NULL, 0);
	}
	if (b.keep)
		fprintf(stderr, "dt-bench-driver: kept %s\n", b.dir);
	else
		nftw(b.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
