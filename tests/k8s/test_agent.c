/* SPDX-License-Identifier: MIT */
/*
 * test_agent.c: dt-agent against real network namespaces.  Each test
 * makes a namespace and a process in it (`ip netns exec NS sleep`), has
 * the agent enter it by that pid and add iptables rules, a tc qdisc and
 * SIGSTOP, and checks with iptables-save, tc and /proc inside the
 * namespace that heal, an expired lease, or the platform's teardown
 * undid exactly that.  The last test goes the whole way: the k8s
 * platform plugin -> mock API server's pod proxy -> the dt-agent binary
 * -> the namespace of the process whose cgroup names the pod's container.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent.h"
#include "k8s.h"
#include "mockapi.h"
#include "registry.h"
#include "yamldoc.h"

static char ns[64], dir[64];
static pid_t target = -1, agent_pid = -1;
static int agent_port;

static const char *srcdir(void)
{
	return getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR;
}

static const char *builddir(void)
{
	return getenv("DT_BUILDDIR") ? getenv("DT_BUILDDIR") : TEST_BUILDDIR;
}

/* Output of a shell command (both streams). */
static char *sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh(const char *fmt, ...)
{
	char cmd[1024], line[1024];
	char *out = calloc(1, 65536);
	size_t len = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	f = popen(cmd, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL &&
	       len + strlen(line) < 65535) {
		strcpy(out + len, line);
		len += strlen(line);
	}
	if (f != NULL)
		pclose(f);
	return out;
}

static bool has(const char *needle, const char *fmt_cmd)
{
	char *out = sh("%s", fmt_cmd);
	bool yes = strstr(out, needle) != NULL;

	free(out);
	return yes;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Signals land when the target runs: give it up to 3 s on a busy box. */
static char wait_state(pid_t pid, char want)
{
	char st = proc_state(pid);

	for (int i = 0; i < 300 && st != want; i++) {
		usleep(10000);
		st = proc_state(pid);
	}
	return st;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void setup(void)
{
	char self[128], other[128], path[64], *out;
	int tries;

	if (geteuid() != 0)
		cr_skip_test("dt-agent tests need root (network namespaces)");
	snprintf(ns, sizeof(ns), "dtk8s-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/dt-k8s-agent-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	out = sh("ip netns add %s && ip netns exec %s ip link set lo up", ns, ns);
	cr_assert_str_empty(out, "ip netns add: %s", out);
	free(out);
	target = fork();
	if (target == 0) {
		execlp("ip", "ip", "netns", "exec", ns, "sleep", "120", (char *)NULL);
		_exit(127);
	}
	/* wait until the child is in the namespace (ip execs sleep there) */
	{
		ssize_t n = readlink("/proc/self/ns/net", self, sizeof(self) - 1);

		self[n > 0 ? n : 0] = '\0';
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)target);
	for (tries = 0; tries < 200; tries++) {
		ssize_t n = readlink(path, other, sizeof(other) - 1);

		if (n > 0) {
			other[n] = '\0';
			if (strcmp(other, self) != 0 && proc_state(target) == 'S')
				break;
		}
		usleep(10000);
	}
	cr_assert_lt(tries, 200, "the target never entered %s", ns);
}

static void stop_agent(void)
{
	if (agent_pid > 0) {
		kill(agent_pid, SIGTERM);
		waitpid(agent_pid, NULL, 0);
		agent_pid = -1;
	}
}

static void teardown(void)
{
	stop_agent();
	if (target > 0) {
		kill(target, SIGKILL);
		waitpid(target, NULL, 0);
	}
	if (ns[0] != '\0')
		free(sh("ip netns del %s", ns));
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Start the dt-agent binary on a free port of 127.0.0.1. */
static void start_agent(const char *proc_root, const char *token_file)
{
	int pfd[2];
	char buf[256] = "";
	ssize_t n, got = 0;

	cr_assert_eq(pipe(pfd), 0);
	agent_pid = fork();
	if (agent_pid == 0) {
		char bin[512];

		dup2(pfd[1], 1);
		close(pfd[0]);
		snprintf(bin, sizeof(bin), "%s/plugins/k8s/agent/dt-agent", builddir());
		if (token_file != NULL)
			execl(bin, bin, "--listen", "127.0.0.1:0", "--proc", proc_root,
			      "--token-file", token_file, (char *)NULL);
		else
			execl(bin, bin, "--listen", "127.0.0.1:0", "--proc", proc_root,
			      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got < (ssize_t)sizeof(buf) - 1 && strchr(buf, '\n') == NULL &&
	       (n = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0) {
		got += n;
		buf[got] = '\0';
	}
	close(pfd[0]);
	cr_assert(sscanf(buf, "dt-agent: listening on 127.0.0.1:%d", &agent_port) == 1,
		  "dt-agent said: %s", buf);
}

typedef struct body {
	char *data;
	size_t len;
} body;

static size_t on_body(char *p, size_t s, size_t n, void *arg)
{
	body *b = arg;

	b->data = realloc(b->data, b->len + s * n + 1);
	memcpy(b->data + b->len, p, s * n);
	b->len += s * n;
	b->data[b->len] = '\0';
	return s * n;
}

/* POST a JSON order to the agent over HTTP; returns the HTTP status. */
static long order(const char *what, json_t *req, json_t **resp)
{
	char url[128], *text = json_dumps(req, JSON_COMPACT);
	CURL *h = curl_easy_init();
	body b = { 0 };
	long code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/%s", agent_port, what);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	cr_assert_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	*resp = b.data ? json_loads(b.data, 0, NULL) : NULL;
	free(b.data);
	free(text);
	json_decref(req);
	return code;
}

TestSuite(undo);

Test(undo, inverse_orders)
{
	struct { const char *in, *out; } cases[] = {
		{ "[\"iptables\",\"-w\",\"-I\",\"INPUT\",\"-s\",\"10.0.0.2/32\",\"-j\",\"DROP\"]",
		  "[\"iptables\",\"-w\",\"-D\",\"INPUT\",\"-s\",\"10.0.0.2/32\",\"-j\",\"DROP\"]" },
		{ "[\"iptables\",\"-I\",\"INPUT\",\"1\",\"-s\",\"10.0.0.2\",\"-j\",\"DROP\"]",
		  "[\"iptables\",\"-D\",\"INPUT\",\"-s\",\"10.0.0.2\",\"-j\",\"DROP\"]" },
		{ "[\"/sbin/ip6tables\",\"--append\",\"OUTPUT\",\"-j\",\"DROP\"]",
		  "[\"/sbin/ip6tables\",\"-D\",\"OUTPUT\",\"-j\",\"DROP\"]" },
		{ "[\"tc\",\"qdisc\",\"add\",\"dev\",\"eth0\",\"root\",\"handle\",\"1:\",\"tbf\",\"rate\",\"1mbit\"]",
		  "[\"tc\",\"qdisc\",\"del\",\"dev\",\"eth0\",\"root\"]" },
		{ "[\"tc\",\"qdisc\",\"replace\",\"dev\",\"eth0\",\"parent\",\"1:1\",\"htb\"]",
		  "[\"tc\",\"qdisc\",\"del\",\"dev\",\"eth0\",\"parent\",\"1:1\"]" },
		{ "[\"iptables\",\"-w\",\"-n\",\"-L\",\"INPUT\"]", NULL },
		{ "[\"tc\",\"qdisc\",\"show\"]", NULL },
		{ "[\"ip\",\"link\",\"set\",\"eth0\",\"down\"]", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *in = json_loads(cases[i].in, 0, NULL);
		json_t *got = agent_undo_of(in);
		json_t *want = cases[i].out ? json_loads(cases[i].out, 0, NULL) : NULL;

		if (want == NULL)
			cr_expect_null(got, "%s", cases[i].in);
		else
			cr_expect(got && json_equal(got, want), "%s -> %s", cases[i].in,
				  got ? json_dumps(got, 0) : "NULL");
		json_decref(in);
		json_decref(got);
		json_decref(want);
	}
}

TestSuite(netns, .init = setup, .fini = teardown, .timeout = 30);

Test(netns, exec_in_the_pods_namespace_then_heal)
{
	agent_opts o = { .proc_root = "/proc" };
	agent *a = agent_new(&o);
	char req[512], cmd[128];
	json_t *resp;
	int code;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s iptables-save", ns);
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"lease\":30,\"target\":{\"pid\":%d},"
		 "\"argv\":[\"iptables\",\"-w\",\"-I\",\"INPUT\",\"-s\",\"10.99.0.1/32\","
		 "\"-j\",\"DROP\"]}", (int)target);
	code = agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp);
	cr_assert_eq(code, 200, "%s", json_dumps(resp, 0));
	cr_expect_eq(json_integer_value(json_object_get(resp, "status")), 0, "%s",
		     json_string_value(json_object_get(resp, "output")));
	json_decref(resp);
	cr_expect(has("-A INPUT -s 10.99.0.1/32 -j DROP", cmd), "rule not in %s", ns);
	cr_expect(!has("10.99.0.1/32", "iptables-save"), "rule leaked to the host");

	code = agent_handle(a, "GET", "/v1/status", NULL, NULL, 0, &resp);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(json_object_get(resp,
		"owners"), "run1"), "undo")), 1);
	json_decref(resp);

	/* the nemesis's heal closes the record */
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"lease\":30,\"target\":{\"pid\":%d},"
		 "\"argv\":[\"iptables\",\"-w\",\"-D\",\"INPUT\",\"-s\",\"10.99.0.1/32\","
		 "\"-j\",\"DROP\"]}", (int)target);
	cr_assert_eq(agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp), 200);
	json_decref(resp);
	cr_expect(!has("10.99.0.1", cmd));
	agent_handle(a, "GET", "/v1/status", NULL, NULL, 0, &resp);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(json_object_get(resp,
		"owners"), "run1"), "undo")), 0);
	json_decref(resp);

	/* a failing command reports its status and output, records nothing */
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
		 "\"argv\":[\"iptables\",\"-w\",\"-D\",\"INPUT\",\"-s\",\"10.99.0.1/32\","
		 "\"-j\",\"DROP\"]}", (int)target);
	agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp);
	cr_expect_neq(json_integer_value(json_object_get(resp, "status")), 0);
	cr_expect(strstr(json_string_value(json_object_get(resp, "output")), "rule") != NULL ||
		  strstr(json_string_value(json_object_get(resp, "output")), "exist") != NULL,
		  "%s", json_string_value(json_object_get(resp, "output")));
	json_decref(resp);

	/* a rule added twice needs two deletes: one record each */
	for (int k = 0; k < 3; k++) {
		snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
			 "\"argv\":[\"iptables\",\"-w\",\"%s\",\"INPUT\",\"-s\","
			 "\"10.99.0.9/32\",\"-j\",\"DROP\"]}", (int)target,
			 k < 2 ? "-A" : "-D");
		agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp);
		cr_expect_eq(json_integer_value(json_object_get(resp, "status")), 0);
		json_decref(resp);
	}
	cr_expect(has("10.99.0.9/32", cmd), "both copies were deleted");
	/* deleting the root qdisc closes every qdisc record of the device */
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
		 "\"argv\":[\"tc\",\"qdisc\",\"add\",\"dev\",\"lo\",\"root\","
		 "\"handle\",\"1:\",\"tbf\",\"rate\",\"1mbit\",\"burst\",\"32kbit\","
		 "\"latency\",\"50ms\"]}", (int)target);
	agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp);
	cr_expect_eq(json_integer_value(json_object_get(resp, "status")), 0, "%s",
		     json_string_value(json_object_get(resp, "output")));
	json_decref(resp);
	agent_handle(a, "GET", "/v1/status", NULL, NULL, 0, &resp);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(json_object_get(resp,
		"owners"), "run1"), "undo")), 2, "one iptables copy and the qdisc");
	json_decref(resp);
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
		 "\"argv\":[\"tc\",\"qdisc\",\"del\",\"dev\",\"lo\",\"root\"]}",
		 (int)target);
	agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp);
	json_decref(resp);
	agent_handle(a, "GET", "/v1/status", NULL, NULL, 0, &resp);
	cr_expect_eq(json_array_size(json_object_get(json_object_get(json_object_get(resp,
		"owners"), "run1"), "undo")), 1);
	json_decref(resp);
	/* what is left is undone by heal */
	snprintf(req, sizeof(req), "{\"owner\":\"run1\"}");
	cr_expect_eq(agent_handle(a, "POST", "/v1/heal", NULL, req, strlen(req), &resp), 200);
	cr_expect_eq(json_integer_value(json_object_get(resp, "healed")), 1);
	json_decref(resp);
	cr_expect(!has("10.99.0.9/32", cmd), "heal left the second copy");

	/* only the fault tools, never a path or a shell */
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
		 "\"argv\":[\"sh\",\"-c\",\"touch /tmp/dt-k8s-pwned\"]}", (int)target);
	cr_expect_eq(agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp), 403);
	json_decref(resp);
	snprintf(req, sizeof(req), "{\"owner\":\"run1\",\"target\":{\"pid\":%d},"
		 "\"argv\":[\"/tmp/iptables\",\"-L\"]}", (int)target);
	cr_expect_eq(agent_handle(a, "POST", "/v1/exec", NULL, req, strlen(req), &resp), 403);
	json_decref(resp);
	cr_expect_neq(access("/tmp/dt-k8s-pwned", F_OK), 0);
	agent_free(a);
}

Test(netns, lease_runs_out_and_the_agent_heals)
{
	char ipt[128], tcq[128];
	json_t *resp;
	int tries;

	start_agent("/proc", NULL);
	snprintf(ipt, sizeof(ipt), "ip netns exec %s iptables-save", ns);
	snprintf(tcq, sizeof(tcq), "ip netns exec %s tc qdisc show dev lo", ns);
	cr_assert_eq(order("exec", json_pack("{s:s, s:i, s:{s:i}, s:[sssssssss]}",
		"owner", "run2", "lease", 1, "target", "pid", (int)target, "argv",
		"iptables", "-w", "-I", "INPUT", "-s", "10.99.0.2/32", "-j", "DROP", "-w"),
		&resp), 200);
	cr_expect_eq(json_integer_value(json_object_get(resp, "status")), 0, "%s",
		     json_string_value(json_object_get(resp, "output")));
	json_decref(resp);
	cr_assert_eq(order("exec", json_pack("{s:s, s:i, s:{s:i}, s:[sssssssssssss]}",
		"owner", "run2", "lease", 1, "target", "pid", (int)target, "argv",
		"tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1mbit",
		"burst", "32kbit", "latency", "50ms"), &resp), 200);
	cr_expect_eq(json_integer_value(json_object_get(resp, "status")), 0, "%s",
		     json_string_value(json_object_get(resp, "output")));
	json_decref(resp);
	cr_assert_eq(order("signal", json_pack("{s:s, s:i, s:{s:i}, s:i}", "owner", "run2",
		"lease", 1, "target", "pid", (int)target, "signal", SIGSTOP), &resp), 200);
	json_decref(resp);
	cr_expect(has("10.99.0.2/32", ipt));
	cr_expect(has("qdisc tbf", tcq));
	cr_expect_eq(wait_state(target, 'T'), 'T');

	/* the driver is gone: nobody renews; within ~1 s the agent heals */
	for (tries = 0; tries < 50 && (proc_state(target) == 'T' ||
				       has("10.99.0.2/32", ipt) || has("qdisc tbf", tcq));
	     tries++)
		usleep(100000);
	cr_expect_neq(proc_state(target), 'T', "still stopped after 5 s");
	cr_expect(!has("10.99.0.2/32", ipt), "rule left after the lease ran out");
	cr_expect(!has("qdisc tbf", tcq), "qdisc left after the lease ran out");
}

Test(netns, renew_keeps_the_fault_heal_undoes_it)
{
	char ipt[128];
	json_t *resp;

	start_agent("/proc", NULL);
	snprintf(ipt, sizeof(ipt), "ip netns exec %s iptables-save", ns);
	cr_assert_eq(order("exec", json_pack("{s:s, s:i, s:{s:i}, s:[ssssssss]}",
		"owner", "run3", "lease", 1, "target", "pid", (int)target, "argv",
		"iptables", "-w", "-I", "INPUT", "-s", "10.99.0.3/32", "-j", "DROP"),
		&resp), 200);
	json_decref(resp);
	for (int i = 0; i < 6; i++) {
		usleep(300000);
		cr_assert_eq(order("renew", json_pack("{s:s, s:i}", "owner", "run3",
						      "lease", 1), &resp), 200);
		cr_expect_eq(json_integer_value(json_object_get(resp, "pending")), 1);
		json_decref(resp);
	}
	cr_expect(has("10.99.0.3/32", ipt), "healed although renewed");
	cr_assert_eq(order("heal", json_pack("{s:s}", "owner", "run3"), &resp), 200);
	cr_expect_eq(json_integer_value(json_object_get(resp, "healed")), 1);
	json_decref(resp);
	cr_expect(!has("10.99.0.3/32", ipt));
	cr_assert_eq(order("exec", json_pack("{s:s, s:{s:s}, s:[s]}", "owner", "x",
		"target", "container", "containerd://0000000000000000dead", "argv", "true"),
		&resp), 404);
	json_decref(resp);
}

/* ---- the whole way: platform -> API server proxy -> agent -> netns ----- */

Test(netns, platform_orders_go_through_the_agent)
{
	char path[512], err[DT_ERRBUF_SIZE] = "", kc[256], prefix[256], base[64];
	const char *cid = "3f9a6c1e8b7d4a2f9e0c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a";
	const char *rule[] = { "iptables", "-w", "-I", "INPUT", "-s", "10.244.2.11/32",
			       "-j", "DROP", NULL };
	char ipt[128], out[256], *log;
	mock_api *mock = mock_start();
	dt_registry *reg;
	const dt_component *c;
	dt_doc *chart, *suite;
	dt_node *nodes;
	json_t *conf;
	void *p;
	FILE *f;

	/* a /proc where the sleeper's cgroup names kv-0's container */
	snprintf(path, sizeof(path), "%s/proc/%d/ns", dir, (int)target);
	free(sh("mkdir -p %s", path));
	snprintf(path, sizeof(path), "%s/proc/%d/cgroup", dir, (int)target);
	f = fopen(path, "w");
	fprintf(f, "0::/kubepods.slice/kubepods-besteffort.slice/"
		"cri-containerd-%s.scope\n", cid);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)target);
	snprintf(kc, sizeof(kc), "%s/proc/%d/ns/net", dir, (int)target);
	cr_assert_eq(symlink(path, kc), 0);
	snprintf(kc, sizeof(kc), "%s/agent-token", dir);
	f = fopen(kc, "w");
	fprintf(f, "tok-%d\n", (int)getpid());
	fclose(f);
	snprintf(path, sizeof(path), "%s/proc", dir);
	start_agent(path, kc);
	{
		json_t *resp;

		/* without the token the agent refuses */
		cr_expect_eq(order("exec", json_pack("{s:s, s:{s:i}, s:[s]}", "owner",
			"x", "target", "pid", (int)target, "argv", "true"), &resp), 403);
		json_decref(resp);
	}

	cr_assert_not_null(mock);
	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	f = fopen(kc, "w");
	fprintf(f, "current-context: m\nclusters: [{name: m, cluster: {server: "
		"'http://127.0.0.1:%d'}}]\ncontexts: [{name: m, context: {cluster: m, "
		"user: u}}]\nusers: [{name: u, user: {token: t}}]\n", mock_port(mock));
	fclose(f);
	mock_route(mock, "POST", "/api/v1/namespaces", false, 201, "namespace-created.json");
	mock_route(mock, "POST", "/apis/*", false, 201, "role-created.json");
	mock_route(mock, "POST", "/api/v1/namespaces/dt-test/serviceaccounts", false,
		   201, "serviceaccount-created.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", false, 200,
		   "pods-ready.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-system/pods", false, 200,
		   "agent-pods-worker1.json");
	snprintf(prefix, sizeof(prefix),
		 "/api/v1/namespaces/dt-system/pods/dt-agent-xk2pq:7946/proxy");
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", agent_port);
	mock_proxy(mock, prefix, base);

	snprintf(path, sizeof(path), "%s/tests/k8s/bin:%s", srcdir(), getenv("PATH"));
	setenv("PATH", path, 1);
	reg = dt_registry_new(NULL);
	c = dt_registry_get(reg, DT_KIND_PLATFORM, "k8s", err);
	cr_assert_not_null(c, "%s", err);
	snprintf(path, sizeof(path), "%s/tests/k8s/charts/k8s-test.yaml", srcdir());
	chart = dt_doc_load(path, err);
	snprintf(path, sizeof(path), "%s/tests/k8s/suites/k8s-test.yaml", srcdir());
	suite = dt_doc_load(path, err);
	conf = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s+}", "kubeconfig", kc,
			 "namespace", "dt-test", "container", "kv", "access", "pod-ip",
			 "replicas", 3, "lease", 3, "agent-token-file", dir, "/agent-token");
	{
		dt_platform_env env = {
			.run_id = "agent-test", .store_dir = dir, .state_dir = dir,
			.chart = chart->root, .suite = suite->root, .config = conf,
		};
		const dt_platform_type *k8s = c->type;

		p = k8s->create(&env, err);
		cr_assert_not_null(p, "%s", err);
		cr_assert_eq(k8s->nodes(p, &nodes), 3);
		cr_assert_str_eq(nodes[0].name, "kv-0");

		snprintf(ipt, sizeof(ipt), "ip netns exec %s iptables-save", ns);
		cr_assert_eq(k8s->exec(p, &nodes[0], rule, out, sizeof(out), err), 0,
			     "%s %s", err, out);
		cr_expect(has("-A INPUT -s 10.244.2.11/32 -j DROP", ipt));
		cr_assert_eq(k8s->signal(p, &nodes[0], SIGSTOP, err), 0, "%s", err);
		cr_expect_eq(wait_state(target, 'T'), 'T');
		/* longer than the lease: the platform's thread renews it */
		sleep(4);
		cr_expect(has("10.244.2.11/32", ipt), "healed while the driver lived");
		cr_expect_eq(wait_state(target, 'T'), 'T');

		/* no heal by the nemesis: teardown's /v1/heal undoes it all */
		k8s->destroy(p);
	}
	cr_expect(!has("10.244.2.11/32", ipt), "rule left after teardown");
	cr_expect_eq(wait_state(target, 'S'), 'S', "left stopped after teardown");
	log = mock_log(mock);
	cr_expect(strstr(log, "GET /api/v1/namespaces/dt-system/pods?labelSelector="
			 "app.kubernetes.io/name%3Ddt-agent&fieldSelector=spec.nodeName"
			 "%3Dkind-worker1\n") != NULL, "%s", log);
	cr_expect(strstr(log, "dt-agent-xk2pq:7946/proxy/v1/exec\n") != NULL, "%s", log);
	cr_expect(strstr(log, "dt-agent-xk2pq:7946/proxy/v1/signal\n") != NULL, "%s", log);
	cr_expect(strstr(log, "dt-agent-xk2pq:7946/proxy/v1/renew\n") != NULL, "%s", log);
	cr_expect(strstr(log, "dt-agent-xk2pq:7946/proxy/v1/heal\n") != NULL, "%s", log);
	free(log);
	json_decref(conf);
	dt_doc_free(chart);
	dt_doc_free(suite);
	dt_registry_free(reg);
	mock_stop(mock);
}
