/* SPDX-License-Identifier: MIT */
/*
 * test_platform.c: the k8s platform plugin (dt_k8s.so, loaded as dt-run
 * loads it) against the mock API server and the helm stand-in: the whole
 * setup (namespace, crd/rbac, sub chart then chart, readiness watch,
 * pods as nodes), kill as a pod delete and restart as the wait for the
 * replacement, teardown, failures that undo what was made, and
 * `dt-run --dry-run` printing every helm command and API call.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8s.h"
#include "mockapi.h"
#include "registry.h"
#include "yamldoc.h"

static char dir[64], helm_log[128], kubeconfig[128], state[128];
static mock_api *mock;
static dt_registry *reg;
static const dt_platform_type *k8s;
static dt_doc *chart, *suite;

static const char *srcdir(void)
{
	return getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR;
}

static const char *builddir(void)
{
	return getenv("DT_BUILDDIR") ? getenv("DT_BUILDDIR") : TEST_BUILDDIR;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return s;
}

static void setup(void)
{
	char path[1024], err[DT_ERRBUF_SIZE];
	const dt_component *c;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/dt-k8s-platform-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	mock = mock_start();
	cr_assert_not_null(mock);
	snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", dir);
	f = fopen(kubeconfig, "w");
	fprintf(f, "apiVersion: v1\nkind: Config\ncurrent-context: mock\n"
		"clusters:\n- name: mock\n  cluster: {server: 'http://127.0.0.1:%d'}\n"
		"contexts:\n- name: mock\n  context: {cluster: mock, user: dt}\n"
		"users:\n- name: dt\n  user: {token: mock-token}\n", mock_port(mock));
	fclose(f);
	snprintf(helm_log, sizeof(helm_log), "%s/helm.argv", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("DT_K8S_HELM_LOG", helm_log, 1);
	snprintf(path, sizeof(path), "%s/tests/k8s/bin:%s", srcdir(), getenv("PATH"));
	setenv("PATH", path, 1);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	reg = dt_registry_new(NULL);
	c = dt_registry_get(reg, DT_KIND_PLATFORM, "k8s", err);
	cr_assert_not_null(c, "%s", err);
	k8s = c->type;
	snprintf(path, sizeof(path), "%s/tests/k8s/charts/k8s-test.yaml", srcdir());
	chart = dt_doc_load(path, err);
	cr_assert_not_null(chart, "%s", err);
	snprintf(path, sizeof(path), "%s/tests/k8s/suites/k8s-test.yaml", srcdir());
	suite = dt_doc_load(path, err);
	cr_assert_not_null(suite, "%s", err);
}

static void teardown(void)
{
	dt_doc_free(chart);
	dt_doc_free(suite);
	dt_registry_free(reg);
	mock_stop(mock);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The suite's platform options, with the mock's kubeconfig. */
static json_t *config(void)
{
	json_t *c = json_deep_copy(json_object_get(suite->root, "platform"));

	json_object_set_new(c, "kubeconfig", json_string(kubeconfig));
	json_object_set_new(c, "namespace", json_string("dt-test"));
	json_object_set_new(c, "access", json_string("pod-ip"));
	json_object_set_new(c, "ready-timeout", json_string("10s"));
	return c;
}

static void *platform_setup(json_t *conf, char *err)
{
	dt_platform_env env = {
		.run_id = "test", .store_dir = dir, .state_dir = state,
		.chart = chart->root, .suite = suite->root, .config = conf,
	};

	return k8s->create(&env, err);
}

static void routes_for_setup(bool pods)
{
	mock_route(mock, "POST", "/api/v1/namespaces", false, 201, "namespace-created.json");
	mock_route(mock, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
		   false, 409, "crd-exists.json");
	mock_route(mock, "POST", "/api/v1/namespaces/dt-test/serviceaccounts", false,
		   201, "serviceaccount-created.json");
	mock_route(mock, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/dt-test/roles",
		   false, 201, "role-created.json");
	mock_route(mock, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/dt-test/rolebindings",
		   false, 201, "rolebinding-created.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", false, 200,
		   "pods-starting.json");
	if (pods)
		mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
			   "pods-watch-ready.jsonl");
	mock_route(mock, "DELETE", "/api/v1/namespaces/dt-test/persistentvolumeclaims",
		   false, 200, "pvcs-deleted.json");
	mock_route(mock, "DELETE", "/api/v1/namespaces/dt-test", false, 200,
		   "namespace-deleting.json");
}

/* Lines of `log` that match each of want[], in this order. */
static void expect_in_order(const char *log, const char *const *want)
{
	const char *at = log;

	for (size_t i = 0; want[i] != NULL; i++) {
		const char *hit = strstr(at, want[i]);

		cr_expect_not_null(hit, "expected '%s' after position %zu in:\n%s",
				   want[i], (size_t)(at - log), log);
		if (hit != NULL)
			at = hit + strlen(want[i]);
	}
}

TestSuite(platform, .init = setup, .fini = teardown, .timeout = 30);

Test(platform, setup_kill_restart_teardown)
{
	char err[DT_ERRBUF_SIZE] = "", path[256];
	json_t *conf = config(), *values, *reqs, *del = NULL;
	dt_node *nodes;
	size_t n, i;
	struct stat st;
	char *log, *helm;
	void *p;

	routes_for_setup(true);
	mock_route(mock, "DELETE", "/api/v1/namespaces/dt-test/pods/kv-1", false, 200,
		   "pod-deleted.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", false, 200,
		   "pods-after-kill.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-replaced.jsonl");

	p = platform_setup(conf, err);
	cr_assert_not_null(p, "%s", err);

	/* pods as nodes, sorted by name, the `kv` container (not the first) */
	n = k8s->nodes(p, &nodes);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(nodes[0].name, "kv-0");
	cr_expect_str_eq(nodes[0].address, "10.244.1.10");
	cr_expect_str_eq(nodes[2].name, "kv-2");
	cr_expect_str_eq(nodes[2].address, "10.244.3.12");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[1].info, "container")), "kv");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[1].info, "containerID")),
			 "containerd://8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[1].info, "nodeName")),
			 "kind-worker2");
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(nodes[1].info,
		"ports"), 0)), 6379);

	/* the state file names what to clean up if the driver dies now */
	snprintf(path, sizeof(path), "%s/k8s-test.json", state);
	{
		json_t *s = json_load_file(path, 0, NULL);

		cr_assert_not_null(s, "no state file %s", path);
		cr_expect_str_eq(json_string_value(json_object_get(s, "namespace")), "dt-test");
		cr_expect_eq(json_array_size(json_object_get(s, "releases")), 2);
		json_decref(s);
	}

	/* the sub chart first, then the chart with the suite's values over its own */
	helm = slurp(helm_log);
	{
		char vals[256], kc[256];
		const char *want[] = {
			"install\nk8s-test-operator\noci://registry.example.org/charts/operator\n"
			"--version=0.4.0\n--namespace=dt-test\n", kc, "--kube-context=mock\n",
			"--wait\n--timeout=10s\n\n",
			"install\nk8s-test\nkvstore\n--repo=https://charts.example.org/stable\n"
			"--version=1.2.3\n--namespace=dt-test\n", vals, NULL
		};

		snprintf(kc, sizeof(kc), "--kubeconfig=%s\n", kubeconfig);
		snprintf(vals, sizeof(vals), "--values=%s/values-k8s-test.json\n", dir);
		expect_in_order(helm, want);
	}
	free(helm);
	snprintf(path, sizeof(path), "%s/values-k8s-test.json", dir);
	values = json_load_file(path, 0, NULL);
	cr_assert_not_null(values);
	{
		json_t *want = json_pack("{s:i, s:{s:b}, s:{s:s}, s:{s:s}}",
					 "replicaCount", 3, "auth", "enabled", 1,
					 "persistence", "size", "1Gi",
					 "k8s-test-operator", "watchNamespace", "dt-test");

		cr_expect(json_equal(values, want), "values: %s",
			  json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(want);
	}
	json_decref(values);
	/* the sub chart: its own values with the suite's values.NAME over them */
	snprintf(path, sizeof(path), "%s/values-k8s-test-operator.json", dir);
	values = json_load_file(path, 0, NULL);
	cr_assert_not_null(values);
	{
		json_t *want = json_pack("{s:s}", "watchNamespace", "dt-test");

		cr_expect(json_equal(values, want), "sub chart values: %s",
			  json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(want);
	}
	json_decref(values);

	/* kill: the pod deleted with grace period 0; restart: its replacement */
	cr_assert_eq(k8s->signal(p, &nodes[1], SIGKILL, err), 0, "%s", err);
	cr_assert_eq(k8s->restart(p, &nodes[1], err), 0, "%s", err);
	cr_expect_str_eq(nodes[1].name, "kv-1");
	cr_expect_str_eq(nodes[1].address, "10.244.2.27");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[1].info, "uid")),
			 "b2c3d4e5-0001-4000-8000-000000000011");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[1].info, "containerID")),
			 "containerd://5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e");
	cr_expect_str_eq(nodes[0].address, "10.244.1.10", "other nodes untouched");

	k8s->destroy(p);
	snprintf(path, sizeof(path), "%s/k8s-test.json", state);
	cr_expect_neq(stat(path, &st), 0, "state file left behind");

	log = mock_log(mock);
	{
		const char *want[] = {
			"POST /api/v1/namespaces\n",
			"POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions\n",
			"POST /api/v1/namespaces/dt-test/serviceaccounts\n",
			"POST /apis/rbac.authorization.k8s.io/v1/namespaces/dt-test/roles\n",
			"POST /apis/rbac.authorization.k8s.io/v1/namespaces/dt-test/rolebindings\n",
			"GET /api/v1/namespaces/dt-test/pods?labelSelector=app.kubernetes.io/instance%3Dk8s-test\n",
			"GET /api/v1/namespaces/dt-test/pods?labelSelector=app.kubernetes.io/instance%3Dk8s-test"
			"&watch=1&resourceVersion=1350&timeoutSeconds=",
			"DELETE /api/v1/namespaces/dt-test/pods/kv-1?gracePeriodSeconds=0\n",
			"&watch=1&resourceVersion=1405&",
			"DELETE /api/v1/namespaces/dt-test/persistentvolumeclaims\n",
			"DELETE /api/v1/namespaces/dt-test\n",
			NULL
		};

		expect_in_order(log, want);
	}
	free(log);
	reqs = mock_requests(mock);
	{
		json_t *r;

		json_array_foreach(reqs, i, r)
			if (strstr(json_string_value(json_object_get(r, "url")), "pods/kv-1"))
				del = r;
	}
	cr_assert_not_null(del);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(del, "body"),
		"gracePeriodSeconds")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(del, "auth")), "Bearer mock-token");
	json_decref(reqs);

	helm = slurp(helm_log);
	{
		const char *want[] = { "uninstall\nk8s-test\n", "uninstall\nk8s-test-operator\n",
				       NULL };

		expect_in_order(helm, want);
	}
	free(helm);
	json_decref(conf);
}

Test(platform, forbidden_namespace_stops_setup)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *conf = config(), *reqs;
	struct stat st;

	mock_route(mock, "POST", "/api/v1/namespaces", false, 403, "namespace-forbidden.json");
	cr_expect_null(platform_setup(conf, err));
	cr_expect(strstr(err, "namespaces is forbidden: User") != NULL, "%s", err);
	reqs = mock_requests(mock);
	cr_expect_eq(json_array_size(reqs), 1, "nothing made, nothing to undo");
	json_decref(reqs);
	cr_expect_neq(stat(helm_log, &st), 0, "helm was run");
	json_decref(conf);
}

Test(platform, helm_failure_undoes_the_namespace)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *conf = config();
	char *log, *helm;

	routes_for_setup(true);
	setenv("DT_K8S_HELM_EXIT", "1", 1);
	cr_expect_null(platform_setup(conf, err));
	unsetenv("DT_K8S_HELM_EXIT");
	cr_expect(strstr(err, "helm install k8s-test-operator: exit 1") != NULL, "%s", err);
	cr_expect(strstr(err, "INSTALLATION FAILED") != NULL, "%s", err);
	log = mock_log(mock);
	cr_expect(strstr(log, "DELETE /api/v1/namespaces/dt-test\n") != NULL, "%s", log);
	cr_expect(strstr(log, "/pods") == NULL, "%s", log);
	free(log);
	helm = slurp(helm_log);
	cr_expect(strstr(helm, "uninstall") == NULL, "nothing was installed: %s", helm);
	free(helm);
	json_decref(conf);
}

Test(platform, pods_never_ready_times_out)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *conf = config();

	routes_for_setup(false);
	/* the watch ends without kv-2 getting ready: list, watch, again */
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-replaced.jsonl");
	json_object_set_new(conf, "ready-timeout", json_integer(1));
	cr_expect_null(platform_setup(conf, err));
	cr_expect(strstr(err, "2 of 3 ready after 1 s") != NULL, "%s", err);
	json_decref(conf);
}

Test(platform, cleanup_removes_what_a_crashed_run_left)
{
	char err[DT_ERRBUF_SIZE] = "", path[256];
	json_t *st;
	char *log, *helm;

	mkdir(state, 0755);
	snprintf(path, sizeof(path), "%s/k8s-crashed.json", state);
	st = json_pack("{s:s, s:s, s:b, s:[{s:s, s:s}], s:s, s:s, s:s}", "run", "crashed",
		       "namespace", "dt-test", "own", 1, "releases", "name", "k8s-test",
		       "ns", "dt-test", "kubeconfig", kubeconfig, "context", "mock",
		       "helm", "helm");
	json_dump_file(st, path, 0);
	json_decref(st);
	routes_for_setup(true);
	cr_expect_eq(k8s->cleanup(state, err), 1, "%s", err);
	log = mock_log(mock);
	cr_expect(strstr(log, "DELETE /api/v1/namespaces/dt-test\n") != NULL, "%s", log);
	free(log);
	helm = slurp(helm_log);
	cr_expect(strstr(helm, "uninstall\nk8s-test\n--namespace=dt-test\n") != NULL, "%s", helm);
	free(helm);
	cr_expect_neq(access(path, F_OK), 0);

	/* the state of a run whose driver still lives is left alone */
	{
		char stat_text[1024] = "", *q;
		long long start;
		FILE *sf = fopen("/proc/self/stat", "r");
		size_t n;

		cr_assert_not_null(sf);
		n = fread(stat_text, 1, sizeof(stat_text) - 1, sf);
		fclose(sf);
		stat_text[n] = '\0';
		q = strrchr(stat_text, ')');
		cr_assert_not_null(q);
		cr_assert_eq(sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				    "%*u %*u %*u %*d %*d %*d %*d %*d %*d %lld", &start), 1);
		st = json_pack("{s:s, s:s, s:b, s:[], s:s, s:i, s:I}", "run", "alive",
			       "namespace", "dt-alive", "own", 1, "releases",
			       "kubeconfig", kubeconfig, "pid", (int)getpid(),
			       "start", (json_int_t)start);
		snprintf(path, sizeof(path), "%s/k8s-alive.json", state);
		json_dump_file(st, path, 0);
		json_decref(st);
		cr_expect_eq(k8s->cleanup(state, err), 0, "%s", err);
		cr_expect_eq(access(path, F_OK), 0, "a live run's state was removed");
		log = mock_log(mock);
		cr_expect(strstr(log, "dt-alive") == NULL, "%s", log);
		free(log);
	}
}

Test(platform, dry_run_prints_every_command_without_a_cluster)
{
	char cmd[2048], line[4096];
	size_t len = 0;
	char *out = calloc(1, 65536);
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "cd %s && env -u KUBECONFIG HOME=%s %s/core/dt-run "
		 "--platform k8s --dry-run --suite-path %s/tests/k8s/suites "
		 "--chart-path %s/tests/k8s/charts --suite k8s-test 2>&1",
		 dir, dir, builddir(), srcdir(), srcdir());
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL && len + strlen(line) < 65535) {
		strcpy(out + len, line);
		len += strlen(line);
	}
	rc = pclose(f);
	cr_expect_eq(WEXITSTATUS(rc), 0, "%s", out);
	{
		const char *want[] = {
			"API POST /api/v1/namespaces {\"apiVersion\":\"v1\",\"kind\":\"Namespace\"",
			"helm install k8s-test-operator oci://registry.example.org/charts/operator "
			"--version=0.4.0 --namespace=dt-",
			"API POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions {",
			"API POST /apis/rbac.authorization.k8s.io/v1/namespaces/dt-",
			"/rolebindings {",
			"helm install k8s-test kvstore --repo=https://charts.example.org/stable "
			"--version=1.2.3",
			"\"persistence\":{\"size\":\"1Gi\"},\"replicaCount\":3}",
			"API GET /api/v1/namespaces/dt-",
			"/pods?labelSelector=app.kubernetes.io/instance%3Dk8s-test&watch=1",
			"# nemesis kill: API DELETE /api/v1/namespaces/dt-",
			"/pods/POD?gracePeriodSeconds=0",
			"# nemesis partition: API GET /api/v1/namespaces/dt-system/pods?"
			"labelSelector=app.kubernetes.io/name%3Ddt-agent&fieldSelector=",
			"/proxy/v1/exec",
			"helm uninstall k8s-test --namespace=dt-",
			"helm uninstall k8s-test-operator",
			"API DELETE /api/v1/namespaces/dt-",
			NULL
		};

		expect_in_order(out, want);
	}
	cr_expect(strstr(out, "no cluster access") != NULL, "%s", out);
	free(out);
	{
		json_t *reqs = mock_requests(mock);

		cr_expect_eq(json_array_size(reqs), 0, "the dry run called the API");
		json_decref(reqs);
	}
}

/* Connect to addr:port, send a line, read it back (socat echoes). */
static bool echo_through(const char *addr, int port)
{
	char cmd[256], *out;
	bool ok;
	FILE *f;
	char buf[64] = "";

	snprintf(cmd, sizeof(cmd), "printf 'ping\\n' | timeout 3 socat -t1 - "
		 "TCP:%s:%d 2>/dev/null", addr, port);
	f = popen(cmd, "r");
	if (f == NULL)
		return false;
	out = fgets(buf, sizeof(buf), f);
	pclose(f);
	ok = out != NULL && strcmp(buf, "ping\n") == 0;
	return ok;
}

Test(platform, port_forwards_when_outside_the_cluster)
{
	char err[DT_ERRBUF_SIZE] = "", kubectl_log[128], *kl;
	const char *rule[] = { "iptables", "-w", "-I", "INPUT", "-s", "127.0.1.2/32",
			       "-j", "DROP", NULL };
	json_t *conf = config(), *reqs, *r, *found = NULL;
	int port = 20000 + (int)(getpid() % 20000);
	char out[64];
	dt_node *nodes;
	size_t i;
	void *p;

	if (system("command -v socat >/dev/null") != 0)
		cr_skip_test("socat is not installed");
	snprintf(kubectl_log, sizeof(kubectl_log), "%s/kubectl.argv", dir);
	setenv("DT_K8S_KUBECTL_LOG", kubectl_log, 1);
	json_object_set_new(conf, "access", json_string("port-forward"));
	json_object_set_new(conf, "ports", json_pack("[i]", port));
	routes_for_setup(true);
	mock_route(mock, "GET", "/api/v1/namespaces/dt-system/pods", false, 200,
		   "agent-pods-worker1.json");
	mock_route(mock, "POST", "/api/v1/namespaces/dt-system/pods/dt-agent-xk2pq:7946/proxy/v1/*",
		   false, 200, "agent-exec-ok.json");

	p = platform_setup(conf, err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(k8s->nodes(p, &nodes), 3);
	cr_expect_str_eq(nodes[0].address, "127.0.1.1");
	cr_expect_str_eq(nodes[2].address, "127.0.1.3");
	cr_expect(echo_through("127.0.1.1", port), "no forward on 127.0.1.1:%d", port);
	cr_expect(echo_through("127.0.1.3", port), "no forward on 127.0.1.3:%d", port);
	kl = slurp(kubectl_log);
	{
		char pf[256];
		const char *want[] = { "port-forward\n--address=127.0.1.1\n--namespace=dt-test\n",
				       "pod/kv-0\n", pf, NULL };

		snprintf(pf, sizeof(pf), "%d\n", port);
		expect_in_order(kl, want);
	}
	free(kl);

	/* a forwarded address in an order means the pod's IP inside the pods */
	cr_expect_eq(k8s->exec(p, &nodes[0], rule, out, sizeof(out), err), 0, "%s", err);
	reqs = mock_requests(mock);
	json_array_foreach(reqs, i, r)
		if (strstr(json_string_value(json_object_get(r, "url")), "/proxy/v1/exec"))
			found = r;
	r = found;
	cr_assert_not_null(r, "no order sent");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(r,
		"body"), "argv"), 5)), "10.244.2.11/32");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(r,
		"body"), "target"), "container")),
		"containerd://3f9a6c1e8b7d4a2f9e0c1b2a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a");
	json_decref(reqs);

	k8s->destroy(p);
	cr_expect(!echo_through("127.0.1.1", port), "forward left after teardown");
	json_decref(conf);
}

Test(platform, dt_run_with_the_kill_nemesis)
{
	char cmd[2048], line[1024], path[256];
	char *out = calloc(1, 65536), *log, *hist;
	size_t len = 0;
	json_t *res;
	FILE *f;
	int rc;

	routes_for_setup(true);
	mock_route(mock, "DELETE", "/api/v1/namespaces/dt-test/pods/kv-1", false, 200,
		   "pod-deleted.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", false, 200,
		   "pods-after-kill.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-replaced.jsonl");
	snprintf(cmd, sizeof(cmd), "cd %s && KUBECONFIG=%s DT_STATE_DIR=%s %s/core/dt-run "
		 "--suite-path %s/tests/k8s/suites --chart-path %s/tests/k8s/charts "
		 "--suite k8s-kill --store %s/store --seed 7 2>&1",
		 dir, kubeconfig, state, builddir(), srcdir(), srcdir(), dir);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL && len + strlen(line) < 65535) {
		strcpy(out + len, line);
		len += strlen(line);
	}
	rc = pclose(f);
	cr_expect_eq(WEXITSTATUS(rc), 0, "dt-run: %s", out);
	snprintf(path, sizeof(path), "%s/store/k8s-kill/latest/results.json", dir);
	res = json_load_file(path, 0, NULL);
	cr_expect(json_is_true(json_object_get(res, "valid")), "%s: %s", path, out);
	json_decref(res);
	snprintf(path, sizeof(path), "%s/store/k8s-kill/latest/history.jsonl", dir);
	hist = slurp(path);
	cr_expect(strstr(hist, "\"kv-1\"") != NULL, "no kill of kv-1 in the history");
	free(hist);
	log = mock_log(mock);
	{
		const char *want[] = {
			"POST /api/v1/namespaces\n",
			"DELETE /api/v1/namespaces/dt-test/pods/kv-1?gracePeriodSeconds=0\n",
			"&watch=1&resourceVersion=1405&",
			"DELETE /api/v1/namespaces/dt-test\n",
			NULL
		};

		expect_in_order(log, want);
	}
	free(log);
	snprintf(path, sizeof(path), "%s/store/k8s-kill/latest/k8s-api.log", dir);
	log = slurp(path);
	cr_expect(strstr(log, "API DELETE /api/v1/namespaces/dt-test/pods/kv-1") != NULL,
		  "the run's API log: %s", log);
	free(log);
	free(out);
}

Test(platform, server_side_apply_of_manifests)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *conf = config(), *reqs, *r;
	size_t i, patches = 0;
	void *p;

	json_object_set_new(conf, "manifests", json_string("apply"));
	routes_for_setup(true);
	mock_route(mock, "PATCH", "/apis/*", false, 200, "role-created.json");
	mock_route(mock, "PATCH", "/api/v1/namespaces/dt-test/serviceaccounts/kv", false,
		   200, "serviceaccount-created.json");
	p = platform_setup(conf, err);
	cr_assert_not_null(p, "%s", err);
	k8s->destroy(p);
	reqs = mock_requests(mock);
	json_array_foreach(reqs, i, r) {
		const char *url = json_string_value(json_object_get(r, "url"));

		if (strcmp(json_string_value(json_object_get(r, "method")), "PATCH") != 0)
			continue;
		patches++;
		cr_expect(strstr(url, "?fieldManager=dt&force=true") != NULL, "%s", url);
		cr_expect_str_eq(json_string_value(json_object_get(r, "type")),
				 "application/apply-patch+yaml");
		cr_expect_not_null(json_object_get(json_object_get(r, "body"), "kind"));
	}
	cr_expect_eq(patches, 4, "crd, service account, role, binding");
	{
		char *log = mock_log(mock);

		cr_expect(strstr(log, "PATCH /apis/apiextensions.k8s.io/v1/"
				 "customresourcedefinitions/kvclusters.example.org?") != NULL,
			  "%s", log);
		cr_expect(strstr(log, "PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/"
				 "dt-test/rolebindings/kv-peers?") != NULL, "%s", log);
		free(log);
	}
	json_decref(reqs);
	json_decref(conf);
}

Test(platform, sigterm_then_restart_waits_for_the_kubelet)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *conf = config(), *reqs, *r, *sigreq = NULL;
	dt_node *nodes;
	size_t i;
	void *p;

	routes_for_setup(true);
	mock_route(mock, "GET", "/api/v1/namespaces/dt-system/pods", false, 200,
		   "agent-pods-worker1.json");
	mock_route(mock, "POST", "/api/v1/namespaces/dt-system/pods/dt-agent-xk2pq:7946/proxy/v1/signal",
		   false, 200, "agent-signal-ok.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods/kv-0", false, 200,
		   "pod-kv0.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods/kv-0", false, 200,
		   "pod-kv0-restarting.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods/kv-0", false, 200,
		   "pod-kv0-restarted.json");
	p = platform_setup(conf, err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(k8s->nodes(p, &nodes), 3);
	cr_assert_eq(k8s->signal(p, &nodes[0], SIGTERM, err), 0, "%s", err);
	cr_assert_eq(k8s->restart(p, &nodes[0], err), 0, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(nodes[0].info, "containerID")),
			 "containerd://0d15ea5e0d15ea5e0d15ea5e0d15ea5e0d15ea5e0d15ea5e0d15ea5e0d15ea5e");
	cr_expect_str_eq(json_string_value(json_object_get(nodes[0].info, "uid")),
			 "a1b2c3d4-0000-4000-8000-000000000000", "the same pod");
	reqs = mock_requests(mock);
	json_array_foreach(reqs, i, r)
		if (strstr(json_string_value(json_object_get(r, "url")), "/proxy/v1/signal"))
			sigreq = r;
	cr_assert_not_null(sigreq);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(sigreq, "body"),
		"signal")), SIGTERM);
	json_decref(reqs);
	{
		char *log = mock_log(mock);
		const char *want[] = { "GET /api/v1/namespaces/dt-test/pods/kv-0\n",
				       "/proxy/v1/signal\n",
				       "GET /api/v1/namespaces/dt-test/pods/kv-0\n",
				       "GET /api/v1/namespaces/dt-test/pods/kv-0\n", NULL };

		expect_in_order(log, want);
		cr_expect(strstr(log, "DELETE /api/v1/namespaces/dt-test/pods/") == NULL,
			  "SIGTERM must not delete the pod: %s", log);
		free(log);
	}
	k8s->destroy(p);
	json_decref(conf);
}
