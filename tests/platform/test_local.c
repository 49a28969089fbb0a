/* SPDX-License-Identifier: MIT */
/*
 * The `local` platform on real namespaces: nodes up and reachable over
 * the bridge, the recipe's placeholders, readiness failures, the
 * CAP_NET_ADMIN check, and teardown after a normal end, SIGTERM and
 * SIGKILL + `dt-run cleanup` (nothing may be left in any case).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf.h"

TestSuite(local, .timeout = 60);

static const char socat3[] =
	"local:\n"
	"  nodes: 3\n"
	"  port: 7000\n"
	"  processes:\n"
	"    - name: echo\n"
	"      command: [socat, \"TCP-LISTEN:7000,bind={address},fork,reuseaddr\", \"EXEC:cat\"]\n"
	"      ready: {tcp: 7000, timeout: 10}\n";

/* iptables-save output without its dated comment lines and counters. */
static void strip_comments(char *s)
{
	char *w = s;

	for (char *l = s; *l != '\0';) {
		char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);

		if (l[0] != '#') {
			memmove(w, l, len);
			w += len;
		}
		l += len;
	}
	*w = '\0';
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

Test(local, nodes_up_reachable_and_isolated)
{
	pf f;
	bool m[9];
	char out[1024];
	const char *route[] = { "ip", "-4", "route", "show", NULL };

	pf_up(&f, socat3, "");
	cr_assert_eq(f.n, 3);
	for (size_t i = 0; i < f.n; i++) {
		dt_node *nd = &f.nodes[i];
		char name[24], path[256], link[64];
		struct stat ns;

		snprintf(name, sizeof(name), "n%zu", i + 1);
		cr_expect_str_eq(nd->name, name);
		cr_expect_eq(nd->index, (int)i);
		cr_expect_str_eq(nd->ifname, "eth0");
		cr_expect_eq(json_integer_value(json_object_get(nd->info, "port")), 7000);
		cr_expect_eq(nd->npids, 1);
		cr_expect(pf_tcp(nd->address, 7000, 1000), "%s unreachable from "
			  "the host", nd->name);
		/* The process runs inside the node's namespace. */
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)nd->pids[0]);
		cr_assert(readlink(path, link, sizeof(link)) > 0);
		snprintf(path, sizeof(path), "/run/netns/%s", nd->netns);
		cr_assert_eq(stat(path, &ns), 0);
		{
			char want[64];

			snprintf(want, sizeof(want), "net:[%lu]", (unsigned long)ns.st_ino);
			cr_expect(strncmp(link, want, strlen(want)) == 0,
				  "%s runs in %.*s, not %s", nd->name, 20, link, want);
		}
		/* IPv4 only (partitions cut IPv4). */
		{
			const char *v6[] = { "ip", "-6", "addr", "show", NULL };

			cr_expect_eq(pf_exec(&f, i, v6, out, sizeof(out)), 0);
			cr_expect(strstr(out, "inet6") == NULL, "%s has IPv6: %s",
				  nd->name, out);
		}
		/* No default route: nothing leaves the machine. */
		cr_expect_eq(pf_exec(&f, i, route, out, sizeof(out)), 0);
		cr_expect(strstr(out, "default") == NULL, "%s has a default route: "
			  "%s", nd->name, out);
		snprintf(path, sizeof(path), "%s/%s.log", f.store, nd->name);
		cr_expect_eq(access(path, F_OK), 0, "no log %s", path);
		snprintf(path, sizeof(path), "%s/data/%s", f.store, nd->name);
		cr_expect_eq(access(path, F_OK), 0, "no data dir %s", path);
	}
	pf_reach_all(&f, 7000, m);
	for (size_t i = 0; i < 9; i++)
		cr_expect(m[i], "n%zu cannot reach n%zu", i / 3 + 1, i % 3 + 1);
	pf_down(&f);
}

Test(local, placeholders_options_first_rest)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 3\n"
		"  port: 7000\n"
		"  peer: \"{name}=http://{address}:2380\"\n"
		"  options: {flavour: plain, extra: false}\n"
		"  processes:\n"
		"    - name: holder\n"
		"      command: [sh, -c, \"sleep 60; :\", x, \"{name}\", \"{index}\",\n"
		"                \"{primary}\", \"{nodes}\", \"{option:flavour}\",\n"
		"                \"{peers}\", \"{data_dir}\"]\n"
		"      first: [FIRST]\n"
		"      rest: [REST, \"{primary}\"]\n"
		"      ready: {command: [\"true\"], timeout: 5}\n"
		"    - name: skipped\n"
		"      when: extra\n"
		"      command: [\"false\"]\n"
		"      ready: {command: [\"true\"]}\n";
	pf f;

	pf_up(&f, chart, "options: {flavour: spicy}\n");
	for (size_t i = 0; i < f.n; i++) {
		char path[64], buf[4096], want[4096], peers[256];
		FILE *fp;
		size_t len;

		cr_assert_eq(f.nodes[i].npids, 1, "the `when: extra` process ran");
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)f.nodes[i].pids[0]);
		/* `ready: true` may answer before the child has exec'd. */
		for (int t = 0; t < 200; t++) {
			fp = fopen(path, "r");
			cr_assert_not_null(fp);
			len = fread(buf, 1, sizeof(buf) - 1, fp);
			fclose(fp);
			if (len >= 3 && memcmp(buf, "sh", 3) == 0)
				break;
			nap_ms(10);
		}
		for (size_t k = 0; k < len; k++)
			if (buf[k] == '\0')
				buf[k] = ' ';
		buf[len] = '\0';
		snprintf(peers, sizeof(peers), "n1=http://%s:2380,n2=http://%s:2380,"
			 "n3=http://%s:2380", f.nodes[0].address,
			 f.nodes[1].address, f.nodes[2].address);
		if (i == 0)
			snprintf(want, sizeof(want), "sh -c sleep 60; : x n1 0 %s 3 "
				 "spicy %s %s/data/n1 FIRST ", f.nodes[0].address,
				 peers, f.store);
		else
			snprintf(want, sizeof(want), "sh -c sleep 60; : x n%zu %zu %s 3 "
				 "spicy %s %s/data/n%zu REST %s ", i + 1, i,
				 f.nodes[0].address, peers, f.store, i + 1,
				 f.nodes[0].address);
		cr_expect_str_eq(buf, want);
	}
	pf_down(&f);
}

Test(local, unknown_placeholder_names_file_line_key)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 2\n"
		"  processes:\n"
		"    - name: bad\n"
		"      command: [socat, \"{adress}\"]\n"
		"      ready: {tcp: 1}\n";
	pf f;
	char err[DT_ERRBUF_SIZE] = "";

	pf_require_root();
	cr_assert_null(pf_try_up(&f, chart, "", false, err));
	cr_expect(strstr(err, "chart.yaml:5") != NULL, "%s", err);
	cr_expect(strstr(err, "command") != NULL, "%s", err);
	cr_expect(strstr(err, "{adress}") != NULL, "%s", err);
	pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
	pf_down(&f);
}

Test(local, not_ready_names_node_and_shows_log)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 2\n"
		"  processes:\n"
		"    - name: mute\n"
		"      command: [sh, -c, \"echo starting up; sleep 30\"]\n"
		"      ready: {tcp: 7000, timeout: 1}\n";
	pf f;
	char err[DT_ERRBUF_SIZE] = "";

	pf_require_root();
	cr_assert_null(pf_try_up(&f, chart, "", false, err));
	cr_expect(strstr(err, "node n1: mute not ready after 1 s") != NULL, "%s", err);
	cr_expect(strstr(err, "starting up") != NULL, "no log tail: %s", err);
	pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
	pf_down(&f);
}

Test(local, exit_before_ready_is_reported)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 1\n"
		"  processes:\n"
		"    - name: quitter\n"
		"      command: [sh, -c, \"echo cannot bind; exit 3\"]\n"
		"      ready: {tcp: 7000, timeout: 10}\n";
	pf f;
	char err[DT_ERRBUF_SIZE] = "";

	pf_require_root();
	cr_assert_null(pf_try_up(&f, chart, "", false, err));
	cr_expect(strstr(err, "node n1: quitter exited (status 3)") != NULL, "%s", err);
	cr_expect(strstr(err, "cannot bind") != NULL, "%s", err);
	pf_down(&f);
}

Test(local, subnet_from_the_suite)
{
	char conf[64], want[32], err[DT_ERRBUF_SIZE] = "";
	unsigned octet = 0;
	pf f;

	pf_require_root();
	/* Another run of these tests may hold a subnet: try a few. */
	for (int t = 0; t < 5; t++) {
		octet = (unsigned)(getpid() + t * 37) % 250 + 1;
		snprintf(conf, sizeof(conf), "subnet: 10.214.%u.16/28\n", octet);
		if (pf_try_up(&f, socat3, conf, false, err) != NULL)
			break;
		cr_assert(strstr(err, "clashes") != NULL, "%s", err);
		pf_down(&f);
	}
	cr_assert_not_null(f.plat, "%s", err);
	snprintf(want, sizeof(want), "10.214.%u.18", octet);
	cr_expect_str_eq(f.nodes[0].address, want);
	snprintf(want, sizeof(want), "10.214.%u.20", octet);
	cr_expect_str_eq(f.nodes[2].address, want);
	cr_expect(pf_tcp(f.nodes[2].address, 7000, 1000));
	pf_down(&f);
}

/* A subnet that clashes with the host's routes is refused, naming it. */
Test(local, subnet_clash_is_refused)
{
	char conf[128], err[DT_ERRBUF_SIZE] = "";
	pf f, g;

	pf_up(&f, socat3, "");
	snprintf(conf, sizeof(conf), "subnet: %s/29\n", f.nodes[1].address);
	cr_expect_null(pf_try_up(&g, socat3, conf, false, err));
	cr_expect(strstr(err, "suite.yaml:1") && strstr(err, "clashes"), "%s", err);
	pf_down(&g);
	pf_down(&f);
}

/* A host that drops forwarded packets (Docker's FORWARD policy DROP,
 * with br_netfilter): the nodes still reach each other, and the host's
 * iptables is as before once the run is down.  The test plays the host
 * in a network namespace of its own, so the machine's rules are never
 * touched. */
Test(local, host_forward_drop_policy)
{
	const char *drop[] = { "iptables", "-w", "-P", "FORWARD", "DROP", NULL };
	const char *save[] = { "iptables-save", NULL };
	char before[4096], after[4096], err[DT_ERRBUF_SIZE];
	bool m[9];
	FILE *fp;
	pf f;

	pf_require_root();
	cr_assert_eq(unshare(CLONE_NEWNET), 0);
	fp = fopen("/proc/sys/net/bridge/bridge-nf-call-iptables", "r");
	if (fp == NULL)
		cr_skip_test("br_netfilter is not loaded");
	fclose(fp);
	cr_assert_eq(pf_cmd(drop, NULL, 0), 0);
	cr_assert_eq(pf_cmd(save, before, sizeof(before)), 0);
	pf_up(&f, socat3, "");
	pf_reach_all(&f, 7000, m);
	for (size_t i = 0; i < 9; i++)
		cr_expect(m[i], "n%zu cannot reach n%zu", i / 3 + 1, i % 3 + 1);
	cr_assert_eq(pf_cmd(save, after, sizeof(after)), 0);
	cr_expect(strstr(after, "dtbr-") != NULL, "no FORWARD rule was needed?");
	pf_down(&f);
	cr_assert_eq(pf_cmd(save, after, sizeof(after)), 0);
	strip_comments(before);
	strip_comments(after);
	cr_expect_str_eq(after, before);
	(void)err;
}

/* Replace a file's content; 0 or -1. */
static int replace_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/* A state file's host rule is undone only when it is exactly the rule
 * DT adds, rebuilt from its bridge and run id: other text (a damaged or
 * forged line) is refused by name and never becomes iptables arguments,
 * and its file is kept.  `dt-run cleanup` runs in a network namespace of
 * its own, so that no host rule could be touched whatever it did. */
Test(local, cleanup_runs_only_the_host_rule_dt_writes)
{
	const char *build = getenv("DT_BUILDDIR");
	char dir[] = "/tmp/dt-pf-hr-XXXXXX", exe[512], path[300], out[4096] = "";
	int status;
	pid_t pid;
	FILE *fp;

	pf_require_root();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/local-hrgood.state", dir);
	cr_assert_eq(replace_file(path, "owner 0 0\nhostrule FORWARD -i dtbr-hrgood "
				  "-o dtbr-hrgood -m comment --comment dt-hrgood "
				  "-j ACCEPT\n"), 0);
	snprintf(path, sizeof(path), "%s/local-hrbad.state", dir);
	cr_assert_eq(replace_file(path, "owner 0 0\nhostrule FORWARD -j DROP\n"), 0);
	snprintf(exe, sizeof(exe), "%s/core/dt-run", build ? build : TEST_BUILDDIR);
	snprintf(path, sizeof(path), "%s/err", dir);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0)
			_exit(124);
		setenv("DT_STATE_DIR", dir, 1);
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen(path, "w", stderr) == NULL)
			_exit(126);
		execl(exe, exe, "cleanup", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	fp = fopen(path, "r");
	cr_assert_not_null(fp);
	out[fread(out, 1, sizeof(out) - 1, fp)] = '\0';
	fclose(fp);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 5, "status %d: %s",
		  status, out);
	cr_expect(strstr(out, "local-hrbad.state: not a rule DT adds: "
			 "FORWARD -j DROP") != NULL, "%s", out);
	cr_expect(strstr(out, "hrgood") == NULL, "%s", out);
	snprintf(path, sizeof(path), "%s/local-hrgood.state", dir);
	cr_expect_neq(access(path, F_OK), 0, "the rule DT writes was not undone");
	snprintf(path, sizeof(path), "%s/local-hrbad.state", dir);
	cr_expect_eq(access(path, F_OK), 0, "a refused state file was removed");
	snprintf(exe, sizeof(exe), "rm -rf '%s'", dir);
	cr_expect_eq(system(exe), 0);
}

/* A file's whole content (NUL-terminated) into buf; false without it. */
static bool slurp_into(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return true;
}

/* SIGKILL process k of node i and restart the node through the
 * platform, as the kill nemesis does: a new process runs in its place. */
static void kill_and_restart(pf *f, size_t i, size_t k)
{
	pid_t old = f->nodes[i].pids[k];
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(kill(old, SIGKILL), 0);
	/* restart starts only what is not running: wait for the death */
	for (int t = 0; t < 500 && pf_proc_state(old) != 0 && pf_proc_state(old) != 'Z'; t++)
		usleep(10000);
	cr_assert(pf_proc_state(old) == 0 || pf_proc_state(old) == 'Z',
		  "pid %d outlived SIGKILL", (int)old);
	cr_assert_eq(f->pt->restart(f->plat, &f->nodes[i], err), 0, "%s", err);
	pf_note_pids(f);
	cr_expect(f->nodes[i].pids[k] > 0 && f->nodes[i].pids[k] != old,
		  "n%zu: process %zu was not started again", i + 1, k);
}

/* How many times text occurs in s. */
static int occurrences(const char *s, const char *text)
{
	int n = 0;

	for (const char *p = strstr(s, text); p != NULL; p = strstr(p + 1, text))
		n++;
	return n;
}

static const char greeter[] =
	"local:\n"
	"  nodes: 2\n"
	"  processes:\n"
	"    - name: greeter\n"
	"      first-start:\n"
	"        - file: {path: greeting, content: \"hello from {name} at {address}\\n\"}\n"
	"        - wait: {command: [cat, \"{data_dir}/greeting\"], expect: \"from {name}\"}\n"
	"      command: [socat, \"TCP-LISTEN:7000,bind={address},fork,reuseaddr\",\n"
	"                \"OPEN:{data_dir}/greeting\"]\n"
	"      ready: {tcp: 7000, timeout: 10}\n";

/* first-start: before the first start, the file is written in the data
 * directory (the store's path has a space: pf's) and the wait sees it;
 * a restart (the kill nemesis's heal) takes neither step again, so what
 * the process made of the file since stays (were the wait run again, it
 * would fail: the text it waits for is gone). */
Test(local, first_start_steps_run_before_the_first_start_only)
{
	char path[512], text[512], want[256];
	pf f;

	pf_require_root();
	pf_up(&f, greeter, "");
	cr_assert_not_null(strchr(f.store, ' '), "%s", f.store);
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/data/%s/greeting", f.store, f.nodes[i].name);
		cr_assert(slurp_into(path, text, sizeof(text)), "no %s", path);
		snprintf(want, sizeof(want), "hello from %s at %s\n", f.nodes[i].name,
			 f.nodes[i].address);
		cr_expect_str_eq(text, want);
	}
	snprintf(path, sizeof(path), "%s/data/n1/greeting", f.store);
	cr_assert_eq(replace_file(path, "rewritten by the process\n"), 0);
	kill_and_restart(&f, 0, 0);
	cr_assert(slurp_into(path, text, sizeof(text)));
	cr_expect_str_eq(text, "rewritten by the process\n");
	snprintf(path, sizeof(path), "%s/n1.log", f.store);
	cr_assert(slurp_into(path, text, sizeof(text)));
	cr_expect_eq(occurrences(text, "--- dt: before greeter: "), 2, "%s", text);
	cr_expect_eq(occurrences(text, "--- dt: starting greeter"), 2, "%s", text);
	pf_down(&f);
}

/* A wait whose output never comes fails the start after its timeout,
 * naming the node, the process and what it waited for, with the last
 * output; nothing is left. */
Test(local, a_first_start_wait_that_never_holds_fails_the_run)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 1\n"
		"  processes:\n"
		"    - name: srv\n"
		"      first-start:\n"
		"        - wait: {command: [echo, not yet], expect: ready, timeout: 0.3}\n"
		"      command: [sleep, \"30\"]\n"
		"      ready: {tcp: 7000}\n";
	char err[DT_ERRBUF_SIZE] = "";
	pf f;

	pf_require_root();
	cr_assert_null(pf_try_up(&f, chart, "", false, err));
	cr_expect_str_eq(err, "node n1: srv: first-start wait for echo (expect "
			 "'ready') not met after 0.3 s; its last output: not yet\n");
	pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
	pf_down(&f);
}

/* The redis chart's sentinels (charts/redis.yaml, sentinel: true) in a
 * store whose path has a space: no shell, so the path stays one
 * argument.  Each sentinel's first start waited for the replicas and
 * wrote its config; each monitors the primary with both replicas; a
 * sentinel killed and restarted keeps the config it rewrote (its myid
 * line, which the chart's template does not have). */
Test(local, redis_sentinels_start_in_a_store_with_a_space, .timeout = 90)
{
	char *chart, path[256], conf[8192], myid[128];
	const char *line;
	FILE *fp;
	long size;
	pf f;

	pf_require_root();
	fp = fopen(TEST_SRCDIR "/charts/redis.yaml", "r");
	cr_assert_not_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	chart = calloc(1, (size_t)size + 1);
	cr_assert_eq(fread(chart, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	pf_up(&f, chart, "options: {sentinel: true}\n");
	free(chart);
	cr_assert_not_null(strchr(f.store, ' '), "%s", f.store);
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = { "redis-cli", "-h", f.nodes[i].address, "-p", "26379",
				       "sentinel", "master", "dt", NULL };
		char out[4096] = "";

		cr_expect_eq(pf_exec(&f, i, argv, out, sizeof(out)), 0, "%s", out);
		cr_expect(strstr(out, f.nodes[0].address) != NULL, "n%zu: %s", i + 1, out);
		cr_expect(strstr(out, "num-slaves\n2\n") != NULL, "n%zu: %s", i + 1, out);
	}
	snprintf(path, sizeof(path), "%s/data/n2/sentinel.conf", f.store);
	cr_assert(slurp_into(path, conf, sizeof(conf)), "no %s", path);
	line = strstr(conf, "sentinel myid ");
	cr_assert_not_null(line, "the sentinel did not rewrite %s:\n%s", path, conf);
	snprintf(myid, sizeof(myid), "%.*s", (int)strcspn(line, "\n"), line);
	kill_and_restart(&f, 1, 1);
	cr_assert(slurp_into(path, conf, sizeof(conf)));
	cr_expect(strstr(conf, myid) != NULL, "the restart lost '%s':\n%s", myid, conf);
	pf_down(&f);
}

/* Without CAP_NET_ADMIN, setup stops before making anything. */
Test(local, needs_cap_net_admin)
{
	pid_t pid;
	int status;

	pf_require_root();
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		pf f;
		char err[DT_ERRBUF_SIZE] = "";

		if (syscall(SYS_capget, &h, d) != 0)
			_exit(10);
		d[0].effective &= ~(1u << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d) != 0)
			_exit(11);
		if (pf_try_up(&f, socat3, "", false, err) != NULL)
			_exit(12);
		rmdir(f.store); /* nothing was made in it */
		if (strstr(err, "CAP_NET_ADMIN") == NULL)
			_exit(13);
		pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status));
	cr_expect_eq(WEXITSTATUS(status), 0, "child step %d failed",
		     WEXITSTATUS(status));
}

/* ---- dt-run: signals, crashes, cleanup ------------------------------- */

typedef struct bg_run {
	pid_t pid;
	char state_dir[64];
	char store[64];
	char run_id[8];
	uid_t uid;          /* run as this user when not 0 */
	const char *suite;  /* pf-redis when NULL */
	int nprocs;         /* processes it starts (3 when 0) */
	bool relative;      /* run in the store folder with --store store */
} bg_run;

/* In a child: become b->uid (its group too) when asked. */
static void become(const bg_run *b)
{
	if (b->uid == 0)
		return;
	if (setgroups(0, NULL) != 0 || setresgid(b->uid, b->uid, b->uid) != 0 ||
	    setresuid(b->uid, b->uid, b->uid) != 0)
		_exit(125);
}

/* Start dt-run on tests/platform's pf-redis suite with its own state
 * dir, and wait until its three nodes run. */
static void bg_start_args(bg_run *b, const char *extra);

static void bg_start(bg_run *b)
{
	bg_start_args(b, NULL);
}

static void bg_start_args(bg_run *b, const char *extra)
{
	const char *src = getenv("DT_SRCDIR"), *build = getenv("DT_BUILDDIR");
	char suites[512], charts[512], exe[512];

	pf_require_root();
	if (src == NULL)
		src = TEST_SRCDIR;
	if (build == NULL)
		build = TEST_BUILDDIR;
	if (b->suite == NULL)
		b->suite = "pf-redis";
	if (b->nprocs == 0)
		b->nprocs = 3;
	snprintf(b->state_dir, sizeof(b->state_dir), "/tmp/dt-pf-st-XXXXXX");
	cr_assert_not_null(mkdtemp(b->state_dir));
	snprintf(b->store, sizeof(b->store), "/tmp/dt-pf-store-XXXXXX");
	cr_assert_not_null(mkdtemp(b->store));
	if (b->uid != 0) {
		cr_assert_eq(chown(b->state_dir, b->uid, b->uid), 0);
		cr_assert_eq(chown(b->store, b->uid, b->uid), 0);
	}
	snprintf(suites, sizeof(suites), "%s/tests/platform/suites", src);
	snprintf(charts, sizeof(charts), "%s/tests/platform/charts", src);
	snprintf(exe, sizeof(exe), "%s/core/dt-run", build);
	b->pid = fork();
	cr_assert(b->pid >= 0);
	if (b->pid == 0) {
		setenv("DT_STATE_DIR", b->state_dir, 1);
		become(b);
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		if (b->relative && chdir(b->store) != 0)
			_exit(126);
		if (extra != NULL)
			execl(exe, exe, "--suite-path", suites, "--chart-path",
			      charts, "--store", b->relative ? "store" : b->store,
			      "-s", b->suite, "-t", "1", extra, (char *)NULL);
		else
			execl(exe, exe, "--suite-path", suites, "--chart-path",
			      charts, "--store", b->store, "-s", b->suite, "-t",
			      "60", (char *)NULL);
		_exit(127);
	}
	/* The state file, then its three pids. */
	for (int t = 0; t < 300; t++) {
		DIR *d = opendir(b->state_dir);
		struct dirent *de;
		int pids = 0;

		while (d != NULL && (de = readdir(d)) != NULL) {
			char path[400], line[512];
			FILE *fp;

			if (strncmp(de->d_name, "local-", 6) != 0)
				continue;
			snprintf(b->run_id, sizeof(b->run_id), "%.6s", de->d_name + 6);
			snprintf(path, sizeof(path), "%s/%s", b->state_dir, de->d_name);
			fp = fopen(path, "r");
			while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
				pids += strncmp(line, "pid ", 4) == 0;
			if (fp != NULL)
				fclose(fp);
		}
		if (d != NULL)
			closedir(d);
		if (pids == b->nprocs)
			break;
		nap_ms(50);
	}
	cr_assert(b->run_id[0] != '\0', "dt-run made no state file");
	nap_ms(500); /* into the run proper */
}

/* The pids the state file lists. */
static size_t bg_pids(const bg_run *b, pid_t *pids, size_t max)
{
	char path[256], line[512];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/local-%s.state", b->state_dir, b->run_id);
	fp = fopen(path, "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL && n < max) {
		int pid;

		if (sscanf(line, "pid %d", &pid) == 1)
			pids[n++] = pid;
	}
	if (fp != NULL)
		fclose(fp);
	return n;
}

static void bg_finish(bg_run *b)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", b->state_dir, b->store);
	cr_expect_eq(system(cmd), 0);
}

static int run_cleanup(const bg_run *b)
{
	const char *build = getenv("DT_BUILDDIR");
	char exe[512];
	pid_t pid;
	int status;

	snprintf(exe, sizeof(exe), "%s/core/dt-run", build ? build : TEST_BUILDDIR);
	pid = fork();
	if (pid == 0) {
		setenv("DT_STATE_DIR", b->state_dir, 1);
		become(b);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execl(exe, exe, "cleanup", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The history of a background run has a nemesis start record. */
static bool bg_started(const bg_run *b, const char *nemesis)
{
	char path[256], line[8192], want[64];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/latest/history.jsonl", b->store,
		 b->suite);
	snprintf(want, sizeof(want), "\"nemesis\":\"%s\"", nemesis);
	fp = fopen(path, "r");
	while (fp != NULL && !found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, "\"f\":\"start\"") != NULL &&
			strstr(line, "\"type\":\"info\"") != NULL &&
			strstr(line, want) != NULL;
	if (fp != NULL)
		fclose(fp);
	return found;
}

/* SIGKILL while every nemesis is active (rules, qdiscs, stopped and
 * killed processes in place), then `dt-run cleanup`. */
Test(local, sigkill_then_dt_run_cleanup_leaves_nothing)
{
	bg_run b = { .suite = "pf-socat-all", .nprocs = 10 };
	pid_t pids[16];
	size_t n;
	int status, t;
	char path[256];

	bg_start(&b);
	n = bg_pids(&b, pids, 16);
	cr_assert_eq(n, 10);
	/* A live run is not cleaned. */
	cr_expect_eq(run_cleanup(&b), 0);
	for (size_t i = 0; i < n; i++)
		cr_expect(pf_proc_state(pids[i]) != 0 && pf_proc_state(pids[i]) != 'Z',
			  "cleanup killed a live run's process %d", (int)pids[i]);
	for (t = 0; t < 200; t++) {
		if (bg_started(&b, "partition") && bg_started(&b, "throttle") &&
		    bg_started(&b, "pause") && bg_started(&b, "kill"))
			break;
		nap_ms(50);
	}
	cr_expect_lt(t, 200, "the nemeses never started");
	kill(b.pid, SIGKILL);
	waitpid(b.pid, &status, 0);
	n = bg_pids(&b, pids, 16); /* with the restarted ones */
	/* What the crash left: the namespaces and the servers. */
	snprintf(path, sizeof(path), "/run/netns/dt-%s-n1", b.run_id);
	cr_assert_eq(access(path, F_OK), 0, "the crash left nothing to clean?");
	cr_expect_eq(run_cleanup(&b), 0);
	pf_assert_clean(b.run_id, b.state_dir, pids, n);
	snprintf(path, sizeof(path), "%s/%s/latest/data", b.store, b.suite);
	cr_expect(access(path, F_OK) != 0, "data folder left");
	bg_finish(&b);
}

Test(local, sigterm_tears_down)
{
	bg_run b = { 0 };
	pid_t pids[8];
	size_t n;
	int status;

	bg_start(&b);
	n = bg_pids(&b, pids, 8);
	kill(b.pid, SIGTERM);
	waitpid(b.pid, &status, 0);
	cr_expect(WIFEXITED(status), "dt-run died of signal %d", WTERMSIG(status));
	pf_assert_clean(b.run_id, b.state_dir, pids, n);
	bg_finish(&b);
}

/* A crashed run is cleaned by the next start on the same machine. */
Test(local, next_start_cleans_crashed_run)
{
	bg_run b = { 0 };
	pid_t pids[8];
	size_t n;
	int status;
	pf f;
	char err[DT_ERRBUF_SIZE] = "";

	bg_start(&b);
	n = bg_pids(&b, pids, 8);
	kill(b.pid, SIGKILL);
	waitpid(b.pid, &status, 0);
	setenv("DT_STATE_DIR", b.state_dir, 1);
	cr_assert_not_null(pf_try_up(&f, socat3, "", false, err), "%s", err);
	pf_assert_clean(b.run_id, b.state_dir, pids, n);
	pf_down(&f);
	bg_finish(&b);
}

/* Run with --keep to its end: exit 0, and nothing left but the data
 * folders. */
static void bg_run_keep(bg_run *b)
{
	pid_t pids[8];
	size_t n;
	int status;

	bg_start_args(b, "--keep");
	n = bg_pids(b, pids, 8);
	waitpid(b->pid, &status, 0);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "dt-run --keep%s: status %d", b->relative ? " --store store" : "",
		  status);
	pf_assert_clean(b->run_id, b->state_dir, pids, n);
}

/* The default store is relative (./store): the nodes, which start in
 * their own data folders, must still get paths that reach them. */
Test(local, relative_store_reaches_the_nodes)
{
	bg_run b = { .relative = true };
	char path[256];

	bg_run_keep(&b);
	snprintf(path, sizeof(path), "%s/store/pf-redis/latest/results.json", b.store);
	cr_expect_eq(access(path, F_OK), 0, "no %s", path);
	snprintf(path, sizeof(path), "%s/store/pf-redis/latest/data/n2", b.store);
	cr_expect_eq(access(path, F_OK), 0, "no data folder %s", path);
	bg_finish(&b);
}

/* --keep: the data folders stay, everything else goes. */
Test(local, keep_keeps_data_only)
{
	bg_run b = { 0 };
	char path[256];

	bg_run_keep(&b);
	snprintf(path, sizeof(path), "%s/pf-redis/latest/data/n2", b.store);
	cr_expect_eq(access(path, F_OK), 0, "--keep lost %s", path);
	bg_finish(&b);
}

/* Not root: dt-run enters a user namespace of its own, and a run killed
 * there is still cleaned by `dt-run cleanup` of the same user. */
Test(local, unprivileged_user_namespace)
{
	bg_run b = { .uid = 65534 };
	const char *build = getenv("DT_BUILDDIR"), *src = getenv("DT_SRCDIR");
	char probe[600];
	pid_t pids[8];
	size_t n;
	int status;
	pid_t pid;

	pf_require_root();
	/* Can nobody read the build and the sources, and make a user
	 * namespace? */
	snprintf(probe, sizeof(probe), "%s/core/dt-run",
		 build ? build : TEST_BUILDDIR);
	pid = fork();
	if (pid == 0) {
		become(&b);
		if (access(probe, X_OK) != 0)
			_exit(1);
		snprintf(probe, sizeof(probe), "%s/tests/platform/suites/pf-redis.yaml",
			 src ? src : TEST_SRCDIR);
		if (access(probe, R_OK) != 0)
			_exit(1);
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		cr_skip_test("user 65534 can not read the build or make user "
			     "namespaces here");
	bg_start(&b);
	n = bg_pids(&b, pids, 8);
	cr_assert_eq(n, 3);
	kill(b.pid, SIGKILL);
	waitpid(b.pid, &status, 0);
	cr_assert(pf_proc_state(pids[0]) != 0, "nothing left to clean?");
	cr_expect_eq(run_cleanup(&b), 0);
	pf_assert_clean(b.run_id, b.state_dir, pids, n);
	bg_finish(&b);
}

static bool always_cancelled(void *arg)
{
	(void)arg;
	return true;
}

/* A cancelled run stops waiting for a slow node at once. */
Test(local, cancel_stops_the_wait)
{
	static const char chart[] =
		"local:\n"
		"  nodes: 1\n"
		"  processes:\n"
		"    - name: slow\n"
		"      command: [sleep, \"30\"]\n"
		"      ready: {tcp: 7000, timeout: 20}\n";
	char err[DT_ERRBUF_SIZE] = "";
	struct timespec t0, t1;
	pf f;

	pf_require_root();
	pf_cancelled = always_cancelled;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_null(pf_try_up(&f, chart, "", false, err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pf_cancelled = NULL;
	cr_expect(strstr(err, "cancelled") != NULL, "%s", err);
	cr_expect_lt(t1.tv_sec - t0.tv_sec, 5, "waited for the timeout");
	pf_assert_clean(f.run_id, f.state_dir, NULL, 0);
	pf_down(&f);
}
