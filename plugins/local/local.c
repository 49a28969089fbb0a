/* SPDX-License-Identifier: MIT */
/*
 * local.c: the `local` platform.  Brings a chart's `local:` recipe up as
 * N nodes on this machine: one network namespace per node (dt-RUN-nI),
 * joined by a veth pair (host side dtvRUNI, node side eth0) to a bridge
 * of the run (dtbr-RUN) that holds the first address of the run's
 * subnet.  The driver reaches the nodes over the bridge from the host
 * namespace; the namespaces get no default route, so nothing leaves the
 * machine.
 *
 * Every thing made is first written to the run's state file (state.c);
 * teardown undoes the run from that file, exactly as `dt-run cleanup`
 * does after a crash.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "local.h"

static void fmt_addr(uint32_t a, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
}

static int parse_cidr(const char *s, uint32_t *net, int *prefix)
{
	char buf[64];
	char *slash;
	struct in_addr in;
	long len = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		char *end;

		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (*end != '\0' || len < 0 || len > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*prefix = (int)len;
	*net = ntohl(in.s_addr) & (len == 0 ? 0 : ~0u << (32 - len));
	return 0;
}

static bool overlaps(uint32_t a, int la, uint32_t b, int lb)
{
	int l = la < lb ? la : lb;
	uint32_t mask = l == 0 ? 0 : ~0u << (32 - l);

	return (a & mask) == (b & mask);
}

/* Whether the run's subnet (p->net/p->prefix) overlaps a route or
 * address of the host (the default route aside); never in a dry run,
 * which looks at nothing.  Other runs' bridges show up here too. */
static int subnet_taken(const lc_platform *p, bool *taken, char *what,
			size_t wsize, char *err)
{
	static char out[65536];
	char *save = NULL;

	*taken = false;
	if (p->dry_run)
		return 0;
	if (LC_RUN(NULL, out, sizeof(out), err, "ip", "-4", "route", "show",
		   "table", "all") != 0)
		return dt_fail(err, "ip -4 route: %s", out);
	for (char *line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char w1[64] = "", w2[64] = "";
		const char *pfx;
		uint32_t rn;
		int rl;

		if (sscanf(line, "%63s %63s", w1, w2) < 1)
			continue;
		pfx = w1;
		if (strcmp(w1, "local") == 0 || strcmp(w1, "broadcast") == 0 ||
		    strcmp(w1, "unicast") == 0 || strcmp(w1, "blackhole") == 0 ||
		    strcmp(w1, "unreachable") == 0 || strcmp(w1, "prohibit") == 0 ||
		    strcmp(w1, "throw") == 0 || strcmp(w1, "anycast") == 0 ||
		    strcmp(w1, "multicast") == 0)
			pfx = w2;
		if (strcmp(pfx, "default") == 0 || parse_cidr(pfx, &rn, &rl) != 0)
			continue;
		if (overlaps(p->net, p->prefix, rn, rl)) {
			*taken = true;
			snprintf(what, wsize, "%.200s", line);
			return 0;
		}
	}
	return 0;
}

/* Two runs starting together could both find the same /24 free: the
 * choice and the bridge's address are made under one machine-wide lock
 * (within this network namespace's view; a run in a user namespace of
 * its own has nothing to clash with). */
static void subnet_lock(lc_platform *p)
{
	const char *path = lc_exists("/run/lock") ? "/run/lock/dt-local-subnet.lock" :
			   "/tmp/dt-local-subnet.lock";

	p->subnet_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (p->subnet_lock < 0)
		return; /* unlocked: the route check still catches most */
	while (flock(p->subnet_lock, LOCK_EX) != 0 && errno == EINTR)
		;
}

static void subnet_unlock(lc_platform *p)
{
	if (p->subnet_lock >= 0)
		close(p->subnet_lock);
	p->subnet_lock = -1;
}

/* The run's subnet: the suite's `platform: {subnet: ...}`, or a /24 of
 * 10.213.0.0/16 chosen from the run id, skipping those in use. */
static int choose_subnet(lc_platform *p, const json_t *config, char *err)
{
	const char *want = NULL;
	char what[256];
	bool taken;
	unsigned h = 0;

	if (json_is_object(config) &&
	    dt_conf_string(config, "subnet", NULL, &want, err) != 0)
		return -1;
	if (want != NULL) {
		if (parse_cidr(want, &p->net, &p->prefix) != 0 || p->prefix > 30)
			return dt_conf_fail(config, "subnet", err, "expected an "
					    "IPv4 subnet like 10.213.7.0/24");
		if ((uint64_t)p->n + 3 > (1ull << (32 - p->prefix)))
			return dt_conf_fail(config, "subnet", err, "%s has no room "
					    "for %zu nodes and the bridge", want, p->n);
		if (subnet_taken(p, &taken, what, sizeof(what), err) != 0)
			return -1;
		if (taken)
			return dt_conf_fail(config, "subnet", err, "%s clashes with "
					    "the host's route '%s'", want, what);
		return 0;
	}
	if (p->n > 250)
		return dt_fail(err, "%zu nodes do not fit the default /24: set "
			       "platform: {subnet: ...}", p->n);
	for (const char *c = p->run_id; *c != '\0'; c++)
		h = h * 31 + (unsigned char)*c;
	p->prefix = 24;
	for (unsigned t = 0; t < 256; t++) {
		p->net = (10u << 24) | (213u << 16) | (((h + t) & 255) << 8);
		if (subnet_taken(p, &taken, what, sizeof(what), err) != 0)
			return -1;
		if (!taken)
			return 0;
	}
	return dt_fail(err, "every /24 of 10.213.0.0/16 is in use: set "
		       "platform: {subnet: ...} in the suite");
}

static void sync_pids(lc_platform *p, size_t i)
{
	dt_node *nd = &p->nodes[i];

	nd->npids = p->x[i].nprocs;
	for (size_t k = 0; k < p->x[i].nprocs; k++)
		nd->pids[k] = p->x[i].procs[k].pid;
}

/* Reap process k of node i if it has exited; returns true when it runs. */
static bool proc_alive(lc_platform *p, size_t i, size_t k, int *status)
{
	lc_proc *pr = &p->x[i].procs[k];
	pid_t w;

	if (pr->pid <= 0)
		return false;
	while ((w = waitpid(pr->pid, status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (w == 0)
		return true;
	/* Not ours to reap any more (SIGCHLD ignored, or reaped by someone
	 * else): alive while /proc shows the same process. */
	if (w < 0 && errno == ECHILD && lc_proc_start(pr->pid) == pr->start) {
		char st = lc_proc_state(pr->pid);

		if (st != '\0' && st != 'Z' && st != 'X')
			return true;
	}
	if (w < 0 && status != NULL)
		*status = 0;
	pr->pid = 0;
	sync_pids(p, i);
	return false;
}

/* After SIGKILL: reap process k of node i, waiting at most 10 s (a
 * process stuck in the kernel must not hang the nemesis thread).
 * Returns true when it is gone. */
static bool reap_killed(lc_platform *p, size_t i, size_t k)
{
	dt_deadline d;

	dt_deadline_set(&d, 10);
	while (proc_alive(p, i, k, NULL)) {
		if (dt_deadline_expired(&d))
			return false;
		dt_sleep(0.005);
	}
	return true;
}

/* A line in the node's log, as start_proc writes one. */
static void log_note(const lc_platform *p, size_t i, const char *what,
		     const char *proc, const char *detail)
{
	FILE *log = fopen(p->x[i].log_path, "ae");

	if (log != NULL) {
		fprintf(log, "--- dt: %s %s: %s\n", what, proc, detail);
		fclose(log);
	}
}

/* Run a wait step until its command exits 0 with the output it needs,
 * or its time is up. */
static int wait_step(lc_platform *p, size_t i, const lc_proc *pr,
		     const lc_step *st, char *err)
{
	dt_node *nd = &p->nodes[i];
	char out[16384];
	char e[DT_ERRBUF_SIZE];
	dt_deadline d;
	double nap = 0.005;

	log_note(p, i, "before", pr->spec->name, st->argv[0]);
	dt_deadline_set(&d, st->timeout);
	for (;;) {
		out[0] = '\0';
		if (lc_run(nd->netns, (const char *const *)st->argv, 5, out,
			   sizeof(out), e) == 0 &&
		    (st->output == NULL || strstr(out, st->output) != NULL))
			return 0;
		if (dt_deadline_expired(&d))
			break;
		if (p->cancelled != NULL && p->cancelled(p->cancelled_arg))
			return dt_fail(err, "node %s: cancelled while waiting "
				       "before %s's first start", nd->name,
				       pr->spec->name);
		dt_sleep(nap);
		nap = nap * 2 > 0.1 ? 0.1 : nap * 2;
	}
	return dt_fail(err, "node %s: %s: first-start wait for %s%s%s%s not met "
		       "after %g s; its last output: %.300s", nd->name,
		       pr->spec->name, st->argv[0], st->output ? " (expect '" : "",
		       st->output ? st->output : "", st->output ? "')" : "",
		       st->timeout, out[0] ? out : e);
}

/* Before a process's first start in the run: its first-start steps, in
 * order (a restart keeps what the process made of them since). */
static int first_start(lc_platform *p, size_t i, size_t k, char *err)
{
	lc_proc *pr = &p->x[i].procs[k];
	char e[DT_ERRBUF_SIZE];

	for (size_t j = 0; j < pr->nsteps; j++) {
		const lc_step *st = &pr->steps[j];

		if (st->argv != NULL) {
			if (wait_step(p, i, pr, st, err) != 0)
				return -1;
			continue;
		}
		log_note(p, i, "before", pr->spec->name, st->path);
		if (lc_write_file(st->path, st->content, e) != 0)
			return dt_fail(err, "node %s: %s: first-start file: %s",
				       p->nodes[i].name, pr->spec->name, e);
	}
	return 0;
}

static int start_proc(lc_platform *p, size_t i, size_t k, char *err)
{
	lc_node *x = &p->x[i];
	lc_proc *pr = &x->procs[k];
	dt_node *nd = &p->nodes[i];
	FILE *log;
	char e[DT_ERRBUF_SIZE];

	if (!pr->started && first_start(p, i, k, err) != 0)
		return -1;
	pr->started = true;
	log = fopen(x->log_path, "ae");
	if (log != NULL) {
		fprintf(log, "--- dt: starting %s on %s:", pr->spec->name, nd->name);
		for (char **a = pr->argv; *a != NULL; a++)
			fprintf(log, " %s", *a);
		fprintf(log, "\n");
		fclose(log);
	}
	pr->pid = lc_spawn(nd->netns, pr->argv, x->envp, x->data_dir, x->log_path, e);
	if (pr->pid < 0) {
		pr->pid = 0;
		return dt_fail(err, "node %s: %s: %s", nd->name, pr->spec->name, e);
	}
	pr->start = lc_proc_start(pr->pid);
	lc_state_add(&p->state, "pid %d %llu", (int)pr->pid, pr->start);
	sync_pids(p, i);
	dt_log(DT_LOG_DEBUG, "local: %s: started %s as pid %d", nd->name,
	       pr->spec->name, (int)pr->pid);
	return 0;
}

static bool tcp_accepts(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool ok = false;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		ok = true;
	} else if (errno == EINPROGRESS) {
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (poll(&pf, 1, 300) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
		    soerr == 0)
			ok = true;
	}
	close(fd);
	return ok;
}

/* Whether a process's ready command says it is ready: it exits 0 and
 * its output holds every text of ready.expect. */
static bool ready_command(const dt_node *nd, const lc_proc *pr, char *err)
{
	const json_t *expect = pr->ready->expect;
	char out[8192];
	size_t i;
	json_t *v;

	if (lc_run(nd->netns, (const char *const *)pr->ready_argv, 5,
		   expect ? out : NULL, sizeof(out), err) != 0)
		return false;
	if (json_is_string(expect))
		return strstr(out, json_string_value(expect)) != NULL;
	json_array_foreach(expect, i, v)
		if (strstr(out, json_string_value(v)) == NULL)
			return false;
	return true;
}

int lc_node_wait(lc_platform *p, size_t i, size_t k, char *err)
{
	lc_proc *pr = &p->x[i].procs[k];
	const lc_spec *sp = pr->spec;
	dt_node *nd = &p->nodes[i];
	dt_deadline d;
	char how[128], tail[200], e[DT_ERRBUF_SIZE];
	int status = 0;
	double nap = 0.005;

	dt_deadline_set(&d, sp->timeout);

	if (pr->ready->port != 0)
		snprintf(how, sizeof(how), "tcp %s:%d", nd->address, pr->ready->port);
	else
		snprintf(how, sizeof(how), "command %s", pr->ready_argv[0]);
	for (;;) {
		if (!proc_alive(p, i, k, &status)) {
			lc_tail(p->x[i].log_path, tail, sizeof(tail));
			return dt_fail(err, "node %s: %s exited (%s %d) before it "
				       "was ready; end of %s:\n%s", nd->name,
				       sp->name, WIFSIGNALED(status) ? "signal" :
				       "status", WIFSIGNALED(status) ?
				       WTERMSIG(status) : WEXITSTATUS(status),
				       p->x[i].log_path, tail);
		}
		if (pr->ready->port != 0 ? tcp_accepts(nd->address, pr->ready->port) :
		    ready_command(nd, pr, e))
			return lc_clock_check(p, i, k, err);
		if (dt_deadline_expired(&d))
			break;
		if (p->cancelled != NULL && p->cancelled(p->cancelled_arg))
			return dt_fail(err, "node %s: cancelled while waiting for "
				       "%s to get ready", nd->name, sp->name);
		/* Most servers listen within milliseconds: poll fast at
		 * first, then back off to 100 ms. */
		dt_sleep(nap);
		nap = nap * 2 > 0.1 ? 0.1 : nap * 2;
	}
	lc_tail(p->x[i].log_path, tail, sizeof(tail));
	return dt_fail(err, "node %s: %s not ready after %g s (%s); end of "
		       "%s:\n%s", nd->name, sp->name, sp->timeout, how,
		       p->x[i].log_path, tail);
}

/* Start every process of the nodes idx[0..n) that is not running, as
 * create does: each process on every node, then wait for it on every
 * node (etcd's members are ready only once a quorum of them runs). */
static int nodes_start(lc_platform *p, const size_t *idx, size_t n, char *err)
{
	uint64_t started;

	for (size_t k = 0; k < LC_MAX_PROCS; k++) {
		started = 0;
		for (size_t j = 0; j < n && j < 64; j++) {
			size_t i = idx[j];
			int status;

			if (k >= p->x[i].nprocs || proc_alive(p, i, k, &status))
				continue;
			if (start_proc(p, i, k, err) != 0)
				return -1;
			started |= 1ull << j;
		}
		for (size_t j = 0; j < n && j < 64; j++)
			if ((started >> j & 1) && lc_node_wait(p, idx[j], k, err) != 0)
				return -1;
	}
	return 0;
}

int lc_node_start(lc_platform *p, size_t i, char *err)
{
	return nodes_start(p, &i, 1, err);
}

/* Stop every process: SIGTERM (and SIGCONT, in case one is paused), up
 * to 5 s of grace, then SIGKILL.  All are reaped. */
/* Stop node i: SIGTERM (and SIGCONT, for a paused one) to each of its
 * processes, as long as their stop-timeout allows, then SIGKILL. */
static void stop_node(lc_platform *p, size_t i)
{
	dt_deadline d;
	double most = 0;
	bool left = false;

	for (size_t k = 0; k < p->x[i].nprocs; k++) {
		lc_proc *pr = &p->x[i].procs[k];

		if (pr->pid <= 0)
			continue;
		if (pr->spec->stop_timeout > most)
			most = pr->spec->stop_timeout;
		/* The group, and the process itself: a child just forked
		 * may not have made its group yet. */
		kill(-pr->pid, SIGTERM);
		kill(pr->pid, SIGTERM);
		kill(-pr->pid, SIGCONT);
		kill(pr->pid, SIGCONT);
	}
	dt_deadline_set(&d, most);
	do {
		left = false;
		for (size_t k = 0; k < p->x[i].nprocs; k++)
			if (proc_alive(p, i, k, NULL))
				left = true;
		if (left)
			dt_sleep(0.01);
	} while (left && !dt_deadline_expired(&d));
	for (size_t k = 0; left && k < p->x[i].nprocs; k++) {
		lc_proc *pr = &p->x[i].procs[k];

		if (pr->pid <= 0)
			continue;
		dt_log(DT_LOG_WARN, "local: %s: %s ignored SIGTERM for %g s: "
		       "SIGKILL", p->nodes[i].name, pr->spec->name,
		       pr->spec->stop_timeout);
		kill(-pr->pid, SIGKILL);
		kill(pr->pid, SIGKILL);
		if (!reap_killed(p, i, k))
			dt_log(DT_LOG_ERROR, "local: %s: pid %d survives SIGKILL "
			       "(left for the state file's undo)", p->nodes[i].name,
			       (int)pr->pid);
	}
}

/*
 * Stop the nodes one at a time, the last first, as a cluster is meant to
 * be shut down: a leader among them is stopped while a quorum of the
 * others still runs, and hands its leadership over at once (etcd's
 * leader, stopped with its followers at the same moment, waited 5 s for
 * a transfer that could not happen, until SIGKILL).
 */
static void stop_all(lc_platform *p)
{
	for (size_t i = p->n; i-- > 0;)
		stop_node(p, i);
}

static void platform_free(lc_platform *p)
{
	if (p == NULL)
		return;
	lc_recipe_free(p);
	for (size_t i = 0; p->nodes != NULL && i < p->n; i++)
		json_decref(p->nodes[i].info);
	free(p->nodes);
	lc_disk_free(p);
	lc_clock_free(p);
	free(p->x);
	free(p);
}

static void local_destroy(void *data)
{
	lc_platform *p = data;
	char e[DT_ERRBUF_SIZE];

	if (p == NULL)
		return;
	subnet_unlock(p);
	if (!p->dry_run) {
		stop_all(p);
		if (p->state_open) {
			lc_state_close(&p->state);
			if (lc_state_undo(p->state.path, e) != 0)
				dt_log(DT_LOG_ERROR, "local: teardown: %s (run "
				       "`dt-run cleanup` to retry)", e);
			else
				dt_log(DT_LOG_INFO, "local: torn down run %s",
				       p->run_id);
		}
	}
	platform_free(p);
}

/*
 * With br_netfilter loaded (bridge-nf-call-iptables = 1) bridged packets
 * between two nodes cross the host's FORWARD chain; a host whose policy
 * there is DROP (Docker sets that) would cut every node from every other.
 * Then one rule lets the run's bridge talk to itself, recorded in the
 * state file like everything else.
 */
static int allow_forward(lc_platform *p, char *err)
{
	char buf[8] = "", out[4096] = "", e[DT_ERRBUF_SIZE] = "";
	FILE *f = fopen("/proc/sys/net/bridge/bridge-nf-call-iptables", "re");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	if (buf[0] != '1')
		return 0;
	if (LC_RUN(NULL, out, sizeof(out), e, "iptables", "-w", "-S", "FORWARD") != 0 ||
	    strstr(out, "-P FORWARD ACCEPT") != NULL)
		return 0;
	if (lc_state_add(&p->state, "hostrule " LC_HOSTRULE, p->bridge, p->bridge,
			 p->run_id) != 0)
		return dt_fail(err, "state file %s: %s", p->state.path,
			       strerror(errno));
	if (lc_hostrule("-I", p->bridge, p->run_id, out, sizeof(out), e) != 0)
		return dt_fail(err, "the host drops forwarded packets and "
			       "iptables -I " LC_HOSTRULE " failed: %s", p->bridge,
			       p->bridge, p->run_id, e[0] ? e : out);
	dt_log(DT_LOG_INFO, "local: host FORWARD policy is not ACCEPT: "
	       "added " LC_HOSTRULE, p->bridge, p->bridge, p->run_id);
	return 0;
}

/* ADDRESS/PREFIX, one argument of ip addr add. */
static void with_prefix(const char *address, int prefix, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%d", address, prefix);
}

/* Make the bridge, and per node its namespace, veth pair and address. */
static int make_network(lc_platform *p, char *err)
{
	char br_addr[32], cidr[80], e[DT_ERRBUF_SIZE], out[1024];
	const char *ns;

	fmt_addr(p->net + 1, br_addr, sizeof(br_addr));
#define NOTE(...)                                                              \
	do {                                                                   \
		if (lc_state_add(&p->state, __VA_ARGS__) != 0)                \
			return dt_fail(err, "state file %s: %s",               \
				       p->state.path, strerror(errno));        \
	} while (0)
#define RUN(netns, ...)                                                        \
	do {                                                                   \
		if (LC_RUN(netns, out, sizeof(out), e, __VA_ARGS__) != 0)     \
			return dt_fail(err, "%s", e[0] ? e : out);             \
		e[0] = '\0';                                                   \
	} while (0)
	e[0] = '\0';
	/* One line for the whole data folder of the run's store. */
	NOTE("datadir %s/data", p->store_dir);
	NOTE("bridge %s", p->bridge);
	RUN(NULL, "ip", "link", "add", p->bridge, "type", "bridge");
	with_prefix(br_addr, p->prefix, cidr, sizeof(cidr));
	RUN(NULL, "ip", "addr", "add", cidr, "dev", p->bridge);
	subnet_unlock(p); /* the subnet now shows in the routes */
	RUN(NULL, "ip", "link", "set", p->bridge, "up");
	if (allow_forward(p, err) != 0)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		dt_node *nd = &p->nodes[i];

		ns = nd->netns;
		NOTE("netns %s", ns);
		RUN(NULL, "ip", "netns", "add", ns);
		NOTE("veth %s", p->x[i].veth);
		RUN(NULL, "ip", "link", "add", p->x[i].veth, "type", "veth",
		    "peer", "name", nd->ifname, "netns", ns);
		RUN(NULL, "ip", "link", "set", p->x[i].veth, "master", p->bridge, "up");
		with_prefix(nd->address, p->prefix, cidr, sizeof(cidr));
		RUN(ns, "ip", "addr", "add", cidr, "dev", nd->ifname);
		RUN(ns, "ip", "link", "set", nd->ifname, "up");
		RUN(ns, "ip", "link", "set", "lo", "up");
		/* IPv4 only: the partition nemesis cuts IPv4 addresses, and
		 * link-local IPv6 between nodes would slip past it. */
		if (LC_RUN(ns, out, sizeof(out), e, "sysctl", "-q", "-w",
			   "net.ipv6.conf.all.disable_ipv6=1",
			   "net.ipv6.conf.default.disable_ipv6=1") != 0)
			dt_log(DT_LOG_DEBUG, "local: %s: IPv6 stays on: %s", ns,
			       e[0] ? e : out);
		e[0] = '\0';
		if (lc_mkdirs(p->x[i].data_dir, false, err) != 0)
			return -1;
	}
#undef RUN
#undef NOTE
	return 0;
}

/* Print one argument, quoted when a reader would misread it. */
static void print_arg(const char *a)
{
	if (a[0] == '\0' || strpbrk(a, " \t'\"") != NULL)
		printf(" '%s'", a);
	else
		printf(" %s", a);
}

static void print_steps(const dt_node *nd, const lc_proc *pr)
{
	for (size_t j = 0; j < pr->nsteps; j++) {
		const lc_step *st = &pr->steps[j];

		printf("local: %s: before %s's first start,", nd->name, pr->spec->name);
		if (st->argv == NULL) {
			printf(" write");
			print_arg(st->path);
			printf(" (%zu bytes)\n", strlen(st->content));
			continue;
		}
		printf(" wait (%g s) for", st->timeout);
		for (char **a = st->argv; *a != NULL; a++)
			print_arg(*a);
		if (st->output != NULL) {
			printf(" to print");
			print_arg(st->output);
		}
		printf("\n");
	}
}

static void print_plan(const lc_platform *p)
{
	char net[32];

	fmt_addr(p->net, net, sizeof(net));
	printf("local: bridge %s with %s/%d, %zu node(s)\n", p->bridge, net,
	       p->prefix, p->n);
	for (size_t i = 0; i < p->n; i++) {
		printf("local: %s at %s in netns %s (veth %s), data %s, log %s\n",
		       p->nodes[i].name, p->nodes[i].address, p->nodes[i].netns,
		       p->x[i].veth, p->x[i].data_dir, p->x[i].log_path);
		lc_disk_print(p, i);
		lc_clock_print(p, i);
		for (size_t k = 0; k < p->x[i].nprocs; k++) {
			print_steps(&p->nodes[i], &p->x[i].procs[k]);
			printf("local: %s: run", p->nodes[i].name);
			for (char **a = p->x[i].procs[k].argv; *a != NULL; a++)
				print_arg(*a);
			printf("\n");
		}
	}
	fflush(stdout);
}

/* Addresses and info of the nodes, once the subnet is known. */
static void name_nodes(lc_platform *p)
{
	for (size_t i = 0; i < p->n; i++) {
		dt_node *nd = &p->nodes[i];
		lc_node *x = &p->x[i];

		fmt_addr(p->net + 2 + (uint32_t)i, nd->address, sizeof(nd->address));
		json_decref(nd->info);
		nd->info = json_pack("{s:i, s:s, s:s, s:s}", "port", p->port,
				     "data_dir", x->data_dir, "log", x->log_path,
				     "veth", x->veth);
		lc_disk_info(p, i);
		lc_clock_info(p, i);
	}
}

/*
 * The run as planned from the chart and the suite's platform section:
 * the recipe read, the nodes named, their folders and logs, every
 * argv expanded (with the subnet the caller chose, or 10.213.0.0/24 for
 * validation).  Nothing is made; NULL with err on a config error.
 */
static lc_platform *plan(const json_t *chart, const json_t *config,
			 const char *run_id, const char *store_dir, char *err)
{
	lc_platform *p;
	long long n = lc_recipe_nodes(chart, err);

	if (n < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	p->state.fd = -1;
	p->subnet_lock = -1;
	p->n = (size_t)n;
	p->net = (10u << 24) | (213u << 16);
	p->prefix = 24;
	snprintf(p->run_id, sizeof(p->run_id), "%s", run_id);
	snprintf(p->bridge, sizeof(p->bridge), "dtbr-%s", run_id);
	snprintf(p->store_dir, sizeof(p->store_dir), "%s",
		 store_dir != NULL ? store_dir : "STORE");
	p->nodes = calloc(p->n ? p->n : 1, sizeof(*p->nodes));
	p->x = calloc(p->n ? p->n : 1, sizeof(*p->x));
	if (p->nodes == NULL || p->x == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	if (lc_recipe_load(p, chart, config, err) != 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++) {
		dt_node *nd = &p->nodes[i];
		lc_node *x = &p->x[i];

		nd->index = (int)i;
		if (snprintf(nd->name, sizeof(nd->name), "n%zu", i + 1) < 0 ||
		    snprintf(nd->netns, sizeof(nd->netns), "dt-%s-n%zu",
			     p->run_id, i + 1) >= (int)sizeof(nd->netns) ||
		    snprintf(x->veth, sizeof(x->veth), "dtv%s%zu", p->run_id,
			     i + 1) >= (int)sizeof(x->veth) ||
		    snprintf(x->data_dir, sizeof(x->data_dir), "%s/data/%s",
			     p->store_dir, nd->name) >= (int)sizeof(x->data_dir) ||
		    snprintf(x->log_path, sizeof(x->log_path), "%s/%s.log",
			     p->store_dir, nd->name) >= (int)sizeof(x->log_path)) {
			dt_fail(err, "names too long for node %zu", i + 1);
			goto fail;
		}
		snprintf(nd->ifname, sizeof(nd->ifname), "eth0");
	}
	if (lc_disk_plan(p, chart, config, err) != 0)
		goto fail;
	name_nodes(p);
	if (lc_recipe_expand(p, err) != 0 ||
	    lc_clock_plan(p, chart, config, err) != 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++)
		lc_clock_info(p, i);
	return p;
fail:
	local_destroy(p);
	return NULL;
}

static void *local_create(const dt_platform_env *env, char *err)
{
	lc_platform *p = NULL;
	char e[DT_ERRBUF_SIZE] = "";
	int cleaned;

	if (!env->dry_run && !lc_has_net_admin()) {
		/* Not root: a user namespace of our own gives the rights
		 * where the kernel allows it. */
		if (geteuid() == 0 || lc_enter_userns(e) != 0) {
			dt_fail(err, "the local platform needs CAP_NET_ADMIN to "
				"make network namespaces, veths and a bridge%s%s: "
				"run dt-run as root (sudo dt-run ...), or use "
				"--platform k8s", geteuid() ? ", and " : "",
				geteuid() ? e : "");
			return NULL;
		}
		dt_log(DT_LOG_INFO, "local: not root: running the cluster in a "
		       "user namespace of its own");
	}
	if (strlen(env->run_id) > 6) {
		dt_fail(err, "run id '%s' longer than 6 characters does not fit "
			"interface names", env->run_id);
		return NULL;
	}
	if (!env->dry_run) {
		cleaned = lc_cleanup(env->state_dir, e);
		if (cleaned < 0)
			dt_log(DT_LOG_WARN, "local: cleaning crashed runs: %s", e);
		else if (cleaned > 0)
			dt_log(DT_LOG_WARN, "local: cleaned up after %d crashed "
			       "run(s)", cleaned);
	}
	p = plan(env->chart, env->config, env->run_id, env->store_dir, err);
	if (p == NULL)
		return NULL;
	p->keep = env->keep;
	p->cancelled = env->cancelled;
	p->cancelled_arg = env->cancelled_arg;
	p->dry_run = env->dry_run;
	if ((subnet_lock(p), choose_subnet(p, env->config, err)) != 0)
		goto fail;
	name_nodes(p);
	lc_recipe_free_argv(p);
	if (lc_recipe_expand(p, err) != 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++)
		sync_pids(p, i);
	if (p->dry_run) {
		subnet_unlock(p);
		print_plan(p);
		return p;
	}
	if (lc_state_open(&p->state, env->state_dir, p->run_id, err) != 0)
		goto fail;
	p->state_open = true;
	/* The run's store: the only place a `datadir` line may name. */
	if (lc_state_add(&p->state, "store %s", p->store_dir) != 0) {
		dt_fail(err, "state file %s: %s", p->state.path, strerror(errno));
		goto fail;
	}
	if (p->keep)
		lc_state_add(&p->state, "keep 1");
	if (make_network(p, err) != 0 || lc_disk_mount(p, err) != 0 ||
	    lc_clock_make(p, err) != 0)
		goto fail;
	/* Each process on every node, then wait for it on every node: a
	 * cluster (etcd) may need all its members up before any is ready. */
	for (size_t k = 0; p->n > 0 && k < p->x[0].nprocs; k++) {
		for (size_t i = 0; i < p->n; i++)
			if (start_proc(p, i, k, err) != 0)
				goto fail;
		for (size_t i = 0; i < p->n; i++)
			if (lc_node_wait(p, i, k, err) != 0)
				goto fail;
	}
	dt_log(DT_LOG_INFO, "local: %zu node(s) ready on %s", p->n, p->bridge);
	return p;
fail:
	local_destroy(p);
	return NULL;
}

/* The chart's recipe and the suite's section, planned for 10.213.0.0/24
 * (the subnet itself is chosen at create, against the host's routes). */
static int local_validate(const dt_validate_env *env, char *err)
{
	lc_platform *p = plan(env->chart, env->config, "check", NULL, err);
	const char *want = dt_opt_string(env->config, "subnet");

	if (p == NULL)
		return -1;
	if (want != NULL) {
		uint32_t net;
		int prefix;

		if (parse_cidr(want, &net, &prefix) != 0 || prefix > 30) {
			local_destroy(p);
			return dt_conf_fail(env->config, "subnet", err, "expected an "
					    "IPv4 subnet like 10.213.7.0/24");
		}
		if ((uint64_t)p->n + 3 > (1ull << (32 - prefix))) {
			local_destroy(p);
			return dt_conf_fail(env->config, "subnet", err, "%s has no "
					    "room for %zu nodes and the bridge",
					    want, p->n);
		}
	} else if (p->n > 250) {
		local_destroy(p);
		return dt_fail(err, "%zu nodes do not fit the default /24: set "
			       "platform: {subnet: ...}", p->n);
	}
	local_destroy(p);
	return 0;
}

static const dt_option local_options[] = {
	{ .name = "subnet", .type = DT_OPT_STRING,
	  .doc = "the nodes' IPv4 subnet (default: a free /24 of 10.213.0.0/16)" },
	{ .name = "options", .type = DT_OPT_MAP,
	  .doc = "values for the chart's local.options ({option:NAME}, when:)" },
	{ .name = "disk", .type = DT_OPT_ENUM, .values = lc_disk_types,
	  .doc = "plain or faulty (each node's data folder on dt-faultfs); "
		 "default: the chart's local.disk" },
	{ .name = "faultfs", .type = DT_OPT_OBJECT, .fields = lc_faultfs_options,
	  .doc = "dt-faultfs's settings, over the chart's local.faultfs" },
	{ .name = "clock", .type = DT_OPT_ENUM, .values = lc_clock_types,
	  .doc = "real or fake (each node's processes under DT's clock shim, "
		 "for the clock nemeses); default: the chart's local.clock" },
	{ .name = NULL }
};

static size_t local_nodes(void *data, dt_node **nodes)
{
	lc_platform *p = data;

	*nodes = p->nodes;
	return p->n;
}

static int local_signal(void *data, dt_node *node, int sig, char *err)
{
	lc_platform *p = data;
	size_t i = (size_t)node->index;

	if (i >= p->n || &p->nodes[i] != node)
		return dt_fail(err, "not a node of this platform");
	for (size_t k = 0; k < p->x[i].nprocs; k++) {
		lc_proc *pr = &p->x[i].procs[k];

		if (pr->pid <= 0)
			continue;
		/* The whole process group: a server's own children too. */
		if (kill(-pr->pid, sig) != 0 && kill(pr->pid, sig) != 0)
			return dt_fail(err, "node %s: kill %d: %s", node->name,
				       (int)pr->pid, strerror(errno));
		if (sig == SIGKILL && !reap_killed(p, i, k))
			return dt_fail(err, "node %s: pid %d survives SIGKILL for "
				       "10 s", node->name, (int)pr->pid);
	}
	sync_pids(p, i);
	return 0;
}

static int local_restart(void *data, dt_node *node, char *err)
{
	lc_platform *p = data;
	size_t i = (size_t)node->index;

	if (i >= p->n || &p->nodes[i] != node)
		return dt_fail(err, "not a node of this platform");
	return lc_node_start(p, i, err);
}

static int local_restart_nodes(void *data, dt_node *const *nodes, size_t n,
			       char *err)
{
	lc_platform *p = data;
	size_t idx[64];

	if (n > 64)
		return dt_fail(err, "at most 64 nodes restarted together");
	for (size_t j = 0; j < n; j++) {
		idx[j] = (size_t)nodes[j]->index;
		if (idx[j] >= p->n || &p->nodes[idx[j]] != nodes[j])
			return dt_fail(err, "not a node of this platform");
	}
	return nodes_start(p, idx, n, err);
}

static int local_exec(void *data, const dt_node *node, const char *const *argv,
		      char *out, size_t outlen, char *err)
{
	(void)data;
	return lc_run(node->netns[0] ? node->netns : NULL, argv, 30, out,
		      outlen, err);
}

static const dt_platform_type local_platform = {
	.size = sizeof(dt_platform_type),
	.info = { .name = "local", .version = "1.0",
		  .description = "N nodes in network namespaces on this machine",
		  .options = local_options, .validate = local_validate },
	.chart_section = "local",
	.chart_options = lc_chart_options,
	.create = local_create,
	.nodes = local_nodes,
	.signal = local_signal,
	.restart = local_restart,
	.exec = local_exec,
	.destroy = local_destroy,
	.cleanup = lc_cleanup,
	.disk = lc_disk_call,
	.restart_nodes = local_restart_nodes,
};

static int local_plugin(dt_registry *reg)
{
	return dt_register_platform(reg, &local_platform);
}

DT_PLUGIN_DEFINE(local_plugin)
