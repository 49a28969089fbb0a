/* SPDX-License-Identifier: MIT */
/*
 * pf.c: helpers of the platform tests (see pf.h).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf.h"
#include "suite.h"

bool (*pf_cancelled)(void *arg);

void pf_require_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("the local platform tests need root (network "
			     "namespaces)");
	if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 &&
	    access("/usr/bin/ip", X_OK) != 0 && access("/bin/ip", X_OK) != 0)
		cr_skip_test("iproute2 (ip) is not installed");
}

static void make_id(char *buf, size_t size)
{
	unsigned char b[3];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	cr_assert(fd >= 0);
	cr_assert_eq(read(fd, b, 3), 3);
	close(fd);
	snprintf(buf, size, "%02x%02x%02x", b[0], b[1], b[2]);
}

void *pf_try_up(pf *f, const char *chart_yaml, const char *config_yaml,
		bool dry_run, char *err)
{
	const dt_component *c;
	dt_doc *config = NULL;
	const char *sd = getenv("DT_STATE_DIR");

	memset(f, 0, sizeof(*f));
	make_id(f->run_id, sizeof(f->run_id));
	/* A space in every store: a chart's argv, files and first-start
	 * steps must keep a path one argument, as no shell ever splits it. */
	snprintf(f->store, sizeof(f->store), "/tmp/dt-pf st-%s", f->run_id);
	cr_assert_eq(mkdir(f->store, 0755), 0);
	snprintf(f->state_dir, sizeof(f->state_dir), "%s",
		 sd != NULL && sd[0] == '/' ? sd : "/tmp/dt-pf-state");
	f->reg = dt_registry_new(NULL);
	cr_assert_not_null(f->reg);
	c = dt_registry_get(f->reg, DT_KIND_PLATFORM, "local", err);
	cr_assert_not_null(c, "%s", err);
	f->pt = c->type;
	f->chart = dt_doc_parse("chart.yaml", chart_yaml, strlen(chart_yaml), err);
	cr_assert_not_null(f->chart, "%s", err);
	if (config_yaml[0] != '\0') {
		config = dt_doc_parse("suite.yaml", config_yaml,
				      strlen(config_yaml), err);
		cr_assert_not_null(config, "%s", err);
	}
	{
		dt_platform_env env = {
			.run_id = f->run_id, .store_dir = f->store,
			.state_dir = f->state_dir, .chart = f->chart->root,
			.suite = NULL, .config = config ? config->root : NULL,
			.keep = false, .dry_run = dry_run,
			.cancelled = pf_cancelled,
		};

		f->plat = f->pt->create(&env, err);
	}
	dt_doc_free(config);
	if (f->plat != NULL) {
		f->n = f->pt->nodes(f->plat, &f->nodes);
		pf_note_pids(f);
	}
	return f->plat;
}

void pf_up(pf *f, const char *chart_yaml, const char *config_yaml)
{
	char err[DT_ERRBUF_SIZE] = "";

	pf_require_root();
	cr_assert_not_null(pf_try_up(f, chart_yaml, config_yaml, false, err),
			   "setup failed: %s", err);
}

void pf_note_pids(pf *f)
{
	for (size_t i = 0; i < f->n; i++) {
		for (size_t k = 0; k < f->nodes[i].npids; k++) {
			pid_t p = f->nodes[i].pids[k];
			bool seen = p <= 0;

			for (size_t j = 0; j < f->npids && !seen; j++)
				seen = f->pids[j] == p;
			if (!seen && f->npids < sizeof(f->pids) / sizeof(*f->pids))
				f->pids[f->npids++] = p;
		}
	}
}

char pf_proc_state(pid_t pid)
{
	char path[64], buf[512];
	const char *p;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "re");
	if (fp == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	return p[2];
}

void pf_assert_clean(const char *run_id, const char *state_dir,
		     const pid_t *pids, size_t npids)
{
	char path[256], prefix[64];
	DIR *d;
	struct dirent *de;
	struct if_nameindex *ifs;

	snprintf(prefix, sizeof(prefix), "dt-%s-", run_id);
	d = opendir("/run/netns");
	while (d != NULL && (de = readdir(d)) != NULL)
		cr_expect(strncmp(de->d_name, prefix, strlen(prefix)) != 0,
			  "namespace %s left", de->d_name);
	if (d != NULL)
		closedir(d);
	/* Interfaces of this network namespace (not /sys's). */
	snprintf(prefix, sizeof(prefix), "dtv%s", run_id);
	snprintf(path, sizeof(path), "dtbr-%s", run_id);
	ifs = if_nameindex();
	cr_assert_not_null(ifs);
	for (struct if_nameindex *i = ifs; i->if_index != 0; i++) {
		cr_expect(strncmp(i->if_name, prefix, strlen(prefix)) != 0,
			  "veth %s left", i->if_name);
		cr_expect(strcmp(i->if_name, path) != 0, "bridge %s left", path);
	}
	if_freenameindex(ifs);
	/* No rule of the run in the host's iptables (the nodes' went with
	 * their namespaces). */
	{
		const char *argv[] = { "iptables-save", NULL };
		char out[65536], tag[32];

		snprintf(tag, sizeof(tag), "dt-%s", run_id);
		if (pf_cmd(argv, out, sizeof(out)) == 0)
			cr_expect(strstr(out, tag) == NULL, "host iptables rule "
				  "of %s left", tag);
	}
	snprintf(path, sizeof(path), "%s/local-%s.state", state_dir, run_id);
	cr_expect(access(path, F_OK) != 0, "state file %s left", path);
	/* Processes: gone, or zombies not yet reaped by init. */
	for (size_t i = 0; i < npids; i++) {
		char st = pf_proc_state(pids[i]);

		for (int t = 0; t < 50 && st != 0 && st != 'Z'; t++) {
			struct timespec ts = { 0, 20000000 };

			nanosleep(&ts, NULL);
			st = pf_proc_state(pids[i]);
		}
		cr_expect(st == 0 || st == 'Z', "process %d left (state %c)",
			  (int)pids[i], st);
	}
}

void pf_down(pf *f)
{
	char path[128];

	if (f->plat != NULL) {
		pf_note_pids(f);
		f->pt->destroy(f->plat);
		f->plat = NULL;
		pf_assert_clean(f->run_id, f->state_dir, f->pids, f->npids);
		snprintf(path, sizeof(path), "%s/data", f->store);
		cr_expect(access(path, F_OK) != 0, "data folder left");
	}
	if (f->store[0] != '\0') {
		char cmd[160];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->store);
		cr_expect_eq(system(cmd), 0);
	}
	dt_doc_free(f->chart);
	f->chart = NULL;
	if (f->reg != NULL)
		dt_registry_free(f->reg);
	f->reg = NULL;
}

static int connect_start(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

bool pf_tcp(const char *addr, int port, int timeout_ms)
{
	int fd = connect_start(addr, port), soerr = 0;
	struct pollfd pd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(soerr);
	bool ok;

	if (fd < 0)
		return false;
	ok = poll(&pd, 1, timeout_ms) == 1 &&
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0;
	close(fd);
	return ok;
}

void pf_reach_from(const pf *f, size_t a, int port, bool *ok)
{
	int pipefd[2];
	char path[128];
	pid_t pid;
	unsigned mask = 0;
	int status;

	cr_assert_eq(pipe(pipefd), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", f->nodes[a].netns);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* In the child: enter a's namespace, connect to all at once. */
		int ns = open(path, O_RDONLY), fds[PF_MAX_NODES];
		struct pollfd pfd[PF_MAX_NODES];
		unsigned m = 0;
		struct timespec t0, t1;

		if (ns < 0 || setns(ns, CLONE_NEWNET) != 0)
			_exit(2);
		for (size_t b = 0; b < f->n; b++) {
			fds[b] = connect_start(f->nodes[b].address, port);
			pfd[b].fd = fds[b];
			pfd[b].events = POLLOUT;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			long left;
			bool pending = false;

			for (size_t b = 0; b < f->n; b++)
				pending |= pfd[b].fd >= 0;
			if (!pending)
				break;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			left = 500 - ((t1.tv_sec - t0.tv_sec) * 1000 +
				      (t1.tv_nsec - t0.tv_nsec) / 1000000);
			if (left <= 0 || poll(pfd, f->n, (int)left) <= 0)
				break;
			for (size_t b = 0; b < f->n; b++) {
				int soerr = 0;
				socklen_t len = sizeof(soerr);

				if (pfd[b].fd < 0 || !(pfd[b].revents & (POLLOUT | POLLERR | POLLHUP)))
					continue;
				if (getsockopt(pfd[b].fd, SOL_SOCKET, SO_ERROR,
					       &soerr, &len) == 0 && soerr == 0)
					m |= 1u << b;
				pfd[b].fd = -1;
			}
		}
		if (write(pipefd[1], &m, sizeof(m)) != sizeof(m))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	cr_assert_eq(read(pipefd[0], &mask, sizeof(mask)), (ssize_t)sizeof(mask));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (size_t b = 0; b < f->n; b++)
		ok[b] = (mask >> b) & 1;
}

void pf_reach_all(const pf *f, int port, bool *m)
{
	for (size_t a = 0; a < f->n; a++)
		pf_reach_from(f, a, port, m + a * f->n);
}

int pf_exec(const pf *f, size_t node, const char *const *argv, char *out,
	    size_t outlen)
{
	char err[DT_ERRBUF_SIZE] = "";
	int rc = f->pt->exec(f->plat, &f->nodes[node], argv, out, outlen, err);

	cr_assert(rc >= 0, "exec %s on %s: %s", argv[0], f->nodes[node].name, err);
	return rc;
}

void *pf_nemesis(pf *f, const char *name, const char *entry_yaml,
		 const dt_nemesis_type **type, dt_doc **doc, char *err)
{
	const dt_component *c = dt_registry_get(f->reg, DT_KIND_NEMESIS, name, err);
	dt_nemesis_env env;

	cr_assert_not_null(c, "%s", err);
	*type = c->type;
	*doc = dt_doc_parse("suite.yaml", entry_yaml, strlen(entry_yaml), err);
	cr_assert_not_null(*doc, "%s", err);
	env = (dt_nemesis_env){
		.platform = f->pt, .platform_data = f->plat,
		.nodes = f->nodes, .nnodes = f->n,
		.config = (*doc)->root, .run_id = f->run_id,
	};
	/* What the core does before a run: the entry checked against the
	 * core's keys and the nemesis's options, then its validate. */
	{
		const dt_option *tables[2] = { dt_core_options[DT_KIND_NEMESIS],
					       (*type)->info.options };
		dt_validate_env venv = { .kind = DT_KIND_NEMESIS, .name = name,
					 .config = (*doc)->root, .nnodes = f->n,
					 .platform = f->pt->info.name,
					 .chart = f->chart ? f->chart->root : NULL };

		if (dt_options_apply(tables, tables[1] ? 2 : 1, (*doc)->root, err) != 0 ||
		    ((*type)->info.validate != NULL &&
		     (*type)->info.validate(&venv, err) != 0))
			return NULL;
	}
	return (*type)->create(&env, err);
}

void pf_iptables(const pf *f, size_t node, char *out, size_t size)
{
	const char *argv[] = { "iptables-save", NULL };
	char raw[8192], *save = NULL;
	size_t len = 0;

	cr_assert_eq(pf_exec(f, node, argv, raw, sizeof(raw)), 0);
	out[0] = '\0';
	for (char *l = strtok_r(raw, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char *br;

		if (l[0] == '#')
			continue;
		/* Chain counters change with traffic: drop them. */
		if (l[0] == ':' && (br = strchr(l, '[')) != NULL)
			*br = '\0';
		len += (size_t)snprintf(out + len, size - len, "%s\n", l);
		if (len >= size)
			break;
	}
}

int pf_cmd(const char *const *argv, char *out, size_t outlen)
{
	dt_command cmd = { .argv = argv, .out = out, .outlen = outlen,
			   .timeout = 60 };
	char err[DT_ERRBUF_SIZE];
	int rc = dt_command_run(&cmd, err);

	cr_assert_geq(rc, 0, "%s", err);
	return rc;
}
