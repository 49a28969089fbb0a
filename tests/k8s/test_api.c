/* SPDX-License-Identifier: MIT */
/*
 * test_api.c: the k8s platform's pieces against real shapes: kubeconfig
 * files (contexts, inline and file credentials, tokens, namespaces), the
 * in-cluster service account, REST calls and Status errors (201, 409
 * AlreadyExists, 403 Forbidden) and watch streams served by the mock API
 * server, and multi-document manifests.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s.h"
#include "mockapi.h"

static char dir[64];

static void setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dt-k8s-api-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void teardown_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* "hello CA\n" and friends, base64 */
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmNhCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"

static const char kubeconfig_text[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: kind-dt\n"
	"clusters:\n"
	"- name: kind-dt\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:6443/\n"
	"    certificate-authority-data: " CA_B64 "\n"
	"- name: prod\n"
	"  cluster:\n"
	"    server: https://prod.example.org\n"
	"    certificate-authority: certs/ca.crt\n"
	"contexts:\n"
	"- name: kind-dt\n"
	"  context: {cluster: kind-dt, user: kind-dt}\n"
	"- name: prod\n"
	"  context: {cluster: prod, user: ci, namespace: chaos}\n"
	"users:\n"
	"- name: kind-dt\n"
	"  user:\n"
	"    client-certificate-data: " CA_B64 "\n"
	"    client-key-data: " CA_B64 "\n"
	"- name: ci\n"
	"  user:\n"
	"    tokenFile: token\n"
	"preferences: {}\n";

TestSuite(kubeconfig, .init = setup_dir, .fini = teardown_dir);

Test(kubeconfig, current_context_with_inline_credentials)
{
	char path[128], err[DT_ERRBUF_SIZE];
	k8s_conn c;

	snprintf(path, sizeof(path), "%s/config", dir);
	write_file(path, kubeconfig_text);
	setenv("KUBECONFIG", path, 1);
	cr_assert_eq(k8s_conn_load(&c, NULL, NULL, err), 0, "%s", err);
	cr_expect_str_eq(c.server, "https://127.0.0.1:6443");
	cr_expect_str_eq(c.context, "kind-dt");
	cr_expect_str_eq(c.namespace, "default");
	cr_expect_str_eq(c.kubeconfig, path);
	cr_assert_not_null(c.ca_data);
	cr_expect(strstr(c.ca_data, "BEGIN CERTIFICATE") != NULL);
	cr_expect_eq(c.ca_len, strlen(c.ca_data));
	cr_expect_not_null(c.cert_data);
	cr_expect_not_null(c.key_data);
	cr_expect_null(c.token);
	cr_expect(!c.in_cluster);
	k8s_conn_clear(&c);
}

Test(kubeconfig, other_context_files_relative_to_the_config)
{
	char path[128], tok[160], err[DT_ERRBUF_SIZE], want[160];
	k8s_conn c;

	snprintf(path, sizeof(path), "%s/config", dir);
	write_file(path, kubeconfig_text);
	snprintf(tok, sizeof(tok), "%s/token", dir);
	write_file(tok, "s3cr3t-token\n");
	cr_assert_eq(k8s_conn_load(&c, path, "prod", err), 0, "%s", err);
	cr_expect_str_eq(c.server, "https://prod.example.org");
	cr_expect_str_eq(c.namespace, "chaos");
	cr_expect_str_eq(c.token, "s3cr3t-token");
	snprintf(want, sizeof(want), "%s/certs/ca.crt", dir);
	cr_expect_str_eq(c.ca_file, want);
	k8s_conn_clear(&c);
}

Test(kubeconfig, errors_name_the_file_and_context)
{
	char path[128], err[DT_ERRBUF_SIZE];
	k8s_conn c;

	snprintf(path, sizeof(path), "%s/config", dir);
	write_file(path, kubeconfig_text);
	cr_expect_eq(k8s_conn_load(&c, path, "staging", err), -1);
	cr_expect(strstr(err, "no context named 'staging'") != NULL, "%s", err);
	cr_expect(strstr(err, path) != NULL, "%s", err);
	write_file(path, "current-context: a\ncontexts:\n- name: a\n  context: "
		   "{cluster: gone, user: u}\n");
	cr_expect_eq(k8s_conn_load(&c, path, NULL, err), -1);
	cr_expect(strstr(err, "no cluster 'gone'") != NULL, "%s", err);
	cr_expect_eq(k8s_conn_load(&c, "/nonexistent/kubeconfig", NULL, err), -1);
	cr_expect(strstr(err, "/nonexistent/kubeconfig") != NULL, "%s", err);
}

Test(kubeconfig, in_cluster_service_account)
{
	char p[128], err[DT_ERRBUF_SIZE];
	k8s_conn c;

	snprintf(p, sizeof(p), "%s/token", dir);
	write_file(p, "eyJhbGciOiJSUzI1NiJ9.sa\n");
	snprintf(p, sizeof(p), "%s/namespace", dir);
	write_file(p, "dt-driver");
	setenv("DT_K8S_SA_DIR", dir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	unsetenv("KUBECONFIG");
	setenv("HOME", dir, 1);
	cr_assert_eq(k8s_conn_load(&c, NULL, NULL, err), 0, "%s", err);
	cr_expect(c.in_cluster);
	cr_expect_str_eq(c.server, "https://10.96.0.1:443");
	cr_expect_str_eq(c.token, "eyJhbGciOiJSUzI1NiJ9.sa");
	cr_expect_str_eq(c.namespace, "dt-driver");
	snprintf(p, sizeof(p), "%s/ca.crt", dir);
	cr_expect_str_eq(c.ca_file, p);
	k8s_conn_clear(&c);
}

/* ---- REST against the mock server ---------------------------------------- */

static mock_api *mock;
static k8s_conn conn;
static k8s_api api;

static void setup_mock(void)
{
	char server[64];

	mock = mock_start();
	cr_assert_not_null(mock);
	snprintf(server, sizeof(server), "http://127.0.0.1:%d", mock_port(mock));
	memset(&conn, 0, sizeof(conn));
	conn.server = strdup(server);
	conn.token = strdup("t0ken");
	api = (k8s_api){ .conn = &conn };
}

static void teardown_mock(void)
{
	mock_stop(mock);
	k8s_conn_clear(&conn);
}

TestSuite(rest, .init = setup_mock, .fini = teardown_mock);

Test(rest, create_conflict_forbidden)
{
	char err[DT_ERRBUF_SIZE];
	json_t *body = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1",
				 "kind", "Namespace", "metadata", "name", "dt-test");
	json_t *resp, *reqs;

	mock_route(mock, "POST", "/api/v1/namespaces", false, 201, "namespace-created.json");
	mock_route(mock, "POST", "/api/v1/namespaces", false, 409, "namespace-exists.json");
	mock_route(mock, "POST", "/api/v1/namespaces", false, 403, "namespace-forbidden.json");

	cr_assert_eq(k8s_request(&api, "POST", "/api/v1/namespaces", body, NULL,
				 &resp, err), 201, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(resp,
		"status"), "phase")), "Active");
	json_decref(resp);

	cr_expect_eq(k8s_request(&api, "POST", "/api/v1/namespaces", body, NULL,
				 &resp, err), 409);
	cr_expect(strstr(err, "409 AlreadyExists: namespaces \"dt-test\" already exists")
		  != NULL, "%s", err);
	json_decref(resp);

	cr_expect_eq(k8s_request(&api, "POST", "/api/v1/namespaces", body, NULL,
				 &resp, err), 403);
	cr_expect(strstr(err, "403 Forbidden: namespaces is forbidden: User "
			 "\"system:serviceaccount:ci:dt\" cannot create") != NULL,
		  "%s", err);
	json_decref(resp);

	reqs = mock_requests(mock);
	cr_assert_eq(json_array_size(reqs), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(reqs, 0),
		"auth")), "Bearer t0ken");
	cr_expect(json_equal(json_object_get(json_array_get(reqs, 0), "body"), body));
	json_decref(reqs);
	json_decref(body);
}

Test(rest, unreachable_and_not_found)
{
	char err[DT_ERRBUF_SIZE];
	json_t *resp;

	cr_expect_eq(k8s_request(&api, "GET", "/api/v1/namespaces/x/pods/y",
				 NULL, NULL, &resp, err), 404);
	cr_expect(strstr(err, "404 NotFound") != NULL, "%s", err);
	json_decref(resp);
	free(conn.server);
	conn.server = strdup("http://127.0.0.1:1");
	cr_expect_eq(k8s_request(&api, "GET", "/version", NULL, NULL, &resp,
				 err), -1);
	cr_expect(strstr(err, "http://127.0.0.1:1/version") != NULL, "%s", err);
}

typedef struct seen {
	int events;
	char last[64];
} seen;

static int on_event(const char *type, const json_t *pod, void *arg, char *err)
{
	seen *s = arg;

	(void)err;
	s->events++;
	snprintf(s->last, sizeof(s->last), "%s %s", type,
		 json_string_value(json_object_get(json_object_get(pod, "metadata"),
						   "resourceVersion")));
	return k8s_pod_ready(pod) ? 1 : 0;
}

Test(rest, watch_until_ready)
{
	char err[DT_ERRBUF_SIZE];
	seen s = { 0 };
	json_t *list, *resp, *e;
	size_t i, ready = 0;

	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", false, 200,
		   "pods-starting.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-ready.jsonl");
	cr_assert_eq(k8s_request(&api, "GET", "/api/v1/namespaces/dt-test/pods"
				 "?labelSelector=app.kubernetes.io%2Finstance%3Dk8s-test",
				 NULL, NULL, &resp, err), 200, "%s", err);
	list = json_object_get(resp, "items");
	json_array_foreach(list, i, e)
		ready += k8s_pod_ready(e);
	cr_expect_eq(json_array_size(list), 3);
	cr_expect_eq(ready, 2, "kv-2 is still ContainerCreating");
	json_decref(resp);
	cr_expect_eq(k8s_watch(&api, "/api/v1/namespaces/dt-test/pods?watch=1"
			       "&resourceVersion=1350", 5000, on_event, &s, err),
		     1, "%s", err);
	cr_expect_eq(s.events, 2);
	cr_expect_str_eq(s.last, "MODIFIED 1360");
}

Test(rest, watch_that_ends_first)
{
	char err[DT_ERRBUF_SIZE];
	seen s = { 0 };

	/* the server's timeoutSeconds: the stream ends with no ready event */
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-ready.jsonl");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 403,
		   "namespace-forbidden.json");
	/* a callback that never says done sees both events, then the end */
	cr_expect_eq(k8s_watch(&api, "/api/v1/namespaces/dt-test/pods?watch=1",
			       5000, (k8s_watch_fn)on_event, &s, err), 1);
	s.events = 0;
	cr_expect_eq(k8s_watch(&api, "/api/v1/namespaces/dt-test/pods?watch=1",
			       5000, on_event, &s, err), -1);
	cr_expect(strstr(err, "403 Forbidden") != NULL, "%s", err);
}

/* ---- manifests ---------------------------------------------------------- */

TestSuite(manifest, .init = setup_dir, .fini = teardown_dir);

Test(manifest, multi_document_rbac)
{
	char src[512], err[DT_ERRBUF_SIZE], path[256];
	json_t *docs = json_array();
	const char *want[] = {
		"/api/v1/namespaces/ns1/serviceaccounts",
		"/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/roles",
		"/apis/rbac.authorization.k8s.io/v1/namespaces/ns1/rolebindings",
		"/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
	};

	snprintf(src, sizeof(src), "%s/tests/k8s/manifests",
		 getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR);
	cr_assert_eq(k8s_manifest_load("rbac.yaml", src, docs, err), 0, "%s", err);
	cr_assert_eq(k8s_manifest_load("crd.yaml", src, docs, err), 0, "%s", err);
	cr_assert_eq(json_array_size(docs), 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(k8s_manifest_path(json_array_get(docs, i), "ns1", path,
					       sizeof(path), err), 0, "%s", err);
		cr_expect_str_eq(path, want[i]);
	}
	json_decref(docs);
}

Test(manifest, errors_keep_their_line)
{
	char p[128], err[DT_ERRBUF_SIZE];
	json_t *docs = json_array();

	snprintf(p, sizeof(p), "%s/bad.yaml", dir);
	write_file(p, "apiVersion: v1\nkind: ConfigMap\n---\n# two\napiVersion: v1\n"
		   "kind: [unclosed\n");
	cr_expect_eq(k8s_manifest_load(p, NULL, docs, err), -1);
	cr_expect(strstr(err, "bad.yaml:6:") != NULL || strstr(err, "bad.yaml:7:") != NULL,
		  "%s", err);
	write_file(p, "kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: "
		   "ConfigMap, metadata: {name: a, namespace: other}}\n- {apiVersion: "
		   "policy/v1, kind: PodDisruptionBudget, metadata: {name: b}}\n");
	json_array_clear(docs);
	cr_assert_eq(k8s_manifest_load(p, NULL, docs, err), 0, "%s", err);
	cr_assert_eq(json_array_size(docs), 2);
	k8s_manifest_path(json_array_get(docs, 0), "ns1", p, sizeof(p), err);
	cr_expect_str_eq(p, "/api/v1/namespaces/other/configmaps");
	k8s_manifest_path(json_array_get(docs, 1), "ns1", p, sizeof(p), err);
	cr_expect_str_eq(p, "/apis/policy/v1/namespaces/ns1/poddisruptionbudgets");
	json_decref(docs);
}

Test(manifest, shipped_agent_and_driver_manifests)
{
	char src[512], err[DT_ERRBUF_SIZE], path[256];
	json_t *docs = json_array(), *e;
	const char *kinds[16];
	size_t i;

	snprintf(src, sizeof(src), "%s/plugins/k8s/manifests",
		 getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR);
	cr_assert_eq(k8s_manifest_load("dt-agent.yaml", src, docs, err), 0, "%s", err);
	cr_assert_eq(json_array_size(docs), 3);
	json_array_foreach(docs, i, e)
		kinds[i] = json_string_value(json_object_get(e, "kind"));
	cr_expect_str_eq(kinds[2], "DaemonSet");
	k8s_manifest_path(json_array_get(docs, 2), "default", path, sizeof(path), err);
	cr_expect_str_eq(path, "/apis/apps/v1/namespaces/dt-system/daemonsets");
	{
		const json_t *spec = json_object_get(json_object_get(json_object_get(
			json_array_get(docs, 2), "spec"), "template"), "spec");

		cr_expect(json_is_true(json_object_get(spec, "hostPID")));
	}
	json_array_clear(docs);
	cr_assert_eq(k8s_manifest_load("dt-driver-rbac.yaml", src, docs, err), 0, "%s", err);
	cr_assert_eq(json_array_size(docs), 5);
	k8s_manifest_path(json_array_get(docs, 2), "default", path, sizeof(path), err);
	cr_expect_str_eq(path, "/apis/rbac.authorization.k8s.io/v1/clusterroles");
	json_decref(docs);
}

/* ---- HTTPS: the kubeconfig's CA and client certificate ------------------ */

TestSuite(tls, .init = setup_dir, .fini = teardown_dir, .timeout = 30);

static char *file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 16384);

	cr_assert_not_null(f, "%s", path);
	if (fread(s, 1, 16383, f) == 0)
		s[0] = '\0';
	fclose(f);
	return s;
}

static char *b64_of(const char *path)
{
	char cmd[512], *s = calloc(1, 16384);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "base64 -w0 %s", path);
	f = popen(cmd, "r");
	if (fgets(s, 16384, f) == NULL)
		s[0] = '\0';
	pclose(f);
	return s;
}

Test(tls, ca_and_client_certificate_from_kubeconfig)
{
	char cmd[2048], path[256], err[DT_ERRBUF_SIZE];
	char *cert, *key, *ca, *ca64, *cc64, *ck64, *other64;
	mock_api *m;
	k8s_conn c;
	k8s_api a;
	json_t *resp;
	FILE *f;
	int st;

	if (system("command -v openssl >/dev/null") != 0)
		cr_skip_test("openssl is not installed");
	/* a CA, a server certificate for 127.0.0.1, a client certificate,
	 * and a second CA that signed nothing */
	snprintf(cmd, sizeof(cmd), "cd %s && ("
		 "E='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';"
		 "openssl req -x509 $E -keyout ca.key -out ca.crt -days 1 -subj /CN=dt-test-ca &&"
		 "openssl req -x509 $E -keyout other.key -out other.crt -days 1 -subj /CN=other &&"
		 "openssl req $E -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&"
		 "printf 'subjectAltName=IP:127.0.0.1' > san &&"
		 "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		 "-out srv.crt -days 1 -extfile san &&"
		 "openssl req $E -keyout cli.key -out cli.csr -subj '/O=system:masters/CN=dt' &&"
		 "openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		 "-out cli.crt -days 1) >openssl.log 2>&1", dir);
	cr_assert_eq(system(cmd), 0, "openssl failed, see %s/openssl.log", dir);
	snprintf(path, sizeof(path), "%s/srv.crt", dir);
	cert = file_text(path);
	snprintf(path, sizeof(path), "%s/srv.key", dir);
	key = file_text(path);
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	ca = file_text(path);
	ca64 = b64_of(path);
	snprintf(path, sizeof(path), "%s/cli.crt", dir);
	cc64 = b64_of(path);
	snprintf(path, sizeof(path), "%s/cli.key", dir);
	ck64 = b64_of(path);
	snprintf(path, sizeof(path), "%s/other.crt", dir);
	other64 = b64_of(path);
	m = mock_start_tls(cert, key, ca);
	cr_assert_not_null(m, "libmicrohttpd without TLS?");
	mock_route(m, "GET", "/api/v1/namespaces/dt-test/pods", false, 200, "pods-ready.json");

	snprintf(path, sizeof(path), "%s/config", dir);
	f = fopen(path, "w");
	fprintf(f, "current-context: good\nclusters:\n"
		"- {name: good, cluster: {server: 'https://127.0.0.1:%d', "
		"certificate-authority-data: %s}}\n"
		"- {name: bad, cluster: {server: 'https://127.0.0.1:%d', "
		"certificate-authority-data: %s}}\n"
		"contexts:\n- {name: good, context: {cluster: good, user: u}}\n"
		"- {name: bad, context: {cluster: bad, user: u}}\n"
		"users:\n- {name: u, user: {client-certificate-data: %s, "
		"client-key-data: %s}}\n", mock_port(m), ca64, mock_port(m), other64,
		cc64, ck64);
	fclose(f);

	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	a = (k8s_api){ .conn = &c };
	st = k8s_request(&a, "GET", "/api/v1/namespaces/dt-test/pods", NULL, NULL,
			 &resp, err);
	cr_expect_eq(st, 200, "%s", err);
	cr_expect_eq(json_array_size(json_object_get(resp, "items")), 3);
	json_decref(resp);
	k8s_conn_clear(&c);

	/* a server the kubeconfig's CA did not sign is refused */
	cr_assert_eq(k8s_conn_load(&c, path, "bad", err), 0, "%s", err);
	a.conn = &c;
	cr_expect_eq(k8s_request(&a, "GET", "/api/v1/namespaces/dt-test/pods", NULL,
				 NULL, &resp, err), -1);
	cr_expect(strstr(err, "SSL") != NULL || strstr(err, "certificate") != NULL,
		  "%s", err);
	k8s_conn_clear(&c);

	/* the client certificate is really offered: a key that is not its
	 * own makes the handshake fail */
	free(ck64);
	snprintf(cmd, sizeof(cmd), "%s/other.key", dir);
	ck64 = b64_of(cmd);
	f = fopen(path, "w");
	fprintf(f, "current-context: good\nclusters:\n"
		"- {name: good, cluster: {server: 'https://127.0.0.1:%d', "
		"certificate-authority-data: %s}}\n"
		"contexts:\n- {name: good, context: {cluster: good, user: u}}\n"
		"users:\n- {name: u, user: {client-certificate-data: %s, "
		"client-key-data: %s}}\n", mock_port(m), ca64, cc64, ck64);
	fclose(f);
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	a.conn = &c;
	cr_expect_eq(k8s_request(&a, "GET", "/api/v1/namespaces/dt-test/pods", NULL,
				 NULL, &resp, err), -1, "a mismatched key was accepted");
	k8s_conn_clear(&c);

	/* the same from an exec credential plugin (PEM text in
	 * status.clientCertificateData and clientKeyData) */
	for (int good = 1; good >= 0; good--) {
		char cred[256], crt[256], k[256], *ct, *kt;
		json_t *ec;

		snprintf(crt, sizeof(crt), "%s/cli.crt", dir);
		snprintf(k, sizeof(k), "%s/%s.key", dir, good ? "cli" : "other");
		ct = file_text(crt);
		kt = file_text(k);
		ec = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion",
			       "client.authentication.k8s.io/v1", "kind",
			       "ExecCredential", "status", "clientCertificateData", ct,
			       "clientKeyData", kt);
		snprintf(cred, sizeof(cred), "%s/cred.json", dir);
		cr_assert_eq(json_dump_file(ec, cred, 0), 0);
		json_decref(ec);
		free(ct);
		free(kt);
		f = fopen(path, "w");
		fprintf(f, "current-context: good\nclusters:\n"
			"- {name: good, cluster: {server: 'https://127.0.0.1:%d', "
			"certificate-authority-data: %s}}\n"
			"contexts:\n- {name: good, context: {cluster: good, user: u}}\n"
			"users:\n- {name: u, user: {exec: {apiVersion: "
			"client.authentication.k8s.io/v1, interactiveMode: Never, "
			"command: %s/tests/k8s/bin/dt-test-credential, args: [%s]}}}\n",
			mock_port(m), ca64, getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") :
			TEST_SRCDIR, cred);
		fclose(f);
		cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
		a.conn = &c;
		st = k8s_request(&a, "GET", "/api/v1/namespaces/dt-test/pods",
				 NULL, NULL, &resp, err);
		if (good)
			cr_expect_eq(st, 200, "exec client certificate: %s", err);
		else
			cr_expect_eq(st, -1, "a mismatched exec key was accepted");
		json_decref(resp);
		k8s_conn_clear(&c);
	}
	mock_stop(m);
	free(cert);
	free(key);
	free(ca);
	free(ca64);
	free(cc64);
	free(ck64);
	free(other64);
}
