/* SPDX-License-Identifier: MIT */
/*
 * test_exec.c: the kubeconfig features cloud clusters depend on.
 * Exec credential plugins (users[].user.exec, as EKS, GKE and AKS
 * write them): a stand-in plugin (bin/dt-test-credential) records its
 * argv and environment and prints a recorded ExecCredential; the mock
 * API server must see its token, a 401 must run it again, and an
 * expired credential too.  And $KUBECONFIG lists merged as kubectl
 * merges them.
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

#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmNhCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"

static char dir[64];
static mock_api *mock;

static const char *srcdir(void)
{
	return getenv("DT_SRCDIR") ? getenv("DT_SRCDIR") : TEST_SRCDIR;
}

static void setup(void)
{
	char path[4096];

	snprintf(dir, sizeof(dir), "/tmp/dt-k8s-exec-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	mock = mock_start();
	cr_assert_not_null(mock);
	snprintf(path, sizeof(path), "%s/tests/k8s/bin:%s", srcdir(),
		 getenv("PATH"));
	setenv("PATH", path, 1);
	unsetenv("KUBERNETES_SERVICE_HOST");
	/* IfAvailable must mean "not interactive" whatever runs the test */
	cr_assert_not_null(freopen("/dev/null", "r", stdin));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void teardown(void)
{
	mock_stop(mock);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(exec, .init = setup, .fini = teardown);
TestSuite(merge, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 65536);

	if (f != NULL) {
		if (fread(s, 1, 65535, f) == 0)
			s[0] = '\0';
		fclose(f);
	}
	return s;
}

/*
 * A kubeconfig whose user runs the stand-in plugin: `exec` is the YAML
 * of the exec mapping's members after command, args and env (indented
 * by 6), and the plugin prints responses/RESPONSE.
 */
static void kubeconfig(const char *command, const char *response,
		       const char *exec, char *path, size_t size)
{
	char text[8192];

	snprintf(path, size, "%s/config", dir);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: Config\ncurrent-context: eks\n"
		 "clusters:\n- name: eks\n  cluster:\n"
		 "    server: http://127.0.0.1:%d\n"
		 "    certificate-authority-data: " CA_B64 "\n"
		 "    extensions:\n"
		 "    - name: client.authentication.k8s.io/exec\n"
		 "      extension: {audience: dt}\n"
		 "contexts:\n- name: eks\n"
		 "  context: {cluster: eks, user: eks-user, namespace: dt-test}\n"
		 "users:\n- name: eks-user\n  user:\n    exec:\n"
		 "      command: %s\n"
		 "      args: [\"%s/tests/k8s/responses/%s\"]\n"
		 "      env:\n"
		 "      - {name: DT_EXEC_RECORD, value: %s/rec}\n"
		 "      - {name: AWS_REGION, value: eu-west-1}\n"
		 "%s",
		 mock_port(mock), command, srcdir(), response, dir, exec);
	write_file(path, text);
}

static int runs(void)
{
	char path[128], *s;
	int n;

	snprintf(path, sizeof(path), "%s/rec.count", dir);
	s = slurp(path);
	n = atoi(s);
	free(s);
	return n;
}

/* The Authorization header of request i of the mock. */
static const char *auth_of(json_t *reqs, size_t i)
{
	const char *a = json_string_value(json_object_get(json_array_get(reqs, i),
							  "auth"));
	return a ? a : "(none)";
}

/* KUBERNETES_EXEC_INFO of run n, parsed. */
static json_t *exec_info(int n)
{
	char path[128], *s, *line;
	json_t *j;

	snprintf(path, sizeof(path), "%s/rec.%d", dir, n);
	s = slurp(path);
	line = strstr(s, "\nKUBERNETES_EXEC_INFO=");
	cr_assert_not_null(line, "run %d got no KUBERNETES_EXEC_INFO:\n%s", n, s);
	line += strlen("\nKUBERNETES_EXEC_INFO=");
	line[strcspn(line, "\n")] = '\0';
	j = json_loads(line, 0, NULL);
	cr_assert_not_null(j, "KUBERNETES_EXEC_INFO is not JSON: %s", line);
	free(s);
	return j;
}

Test(exec, token_is_cached_and_a_401_runs_the_plugin_again)
{
	char path[256], server[64], err[DT_ERRBUF_SIZE], *rec;
	k8s_conn c;
	k8s_api api;
	json_t *resp, *reqs, *info;

	kubeconfig("dt-test-credential", "exec-credential-v1.json",
		   "      apiVersion: client.authentication.k8s.io/v1\n"
		   "      interactiveMode: Never\n"
		   "      provideClusterInfo: true\n"
		   "      installHint: install it\n", path, sizeof(path));
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test", false, 200,
		   "namespace-created.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test", false, 401,
		   "unauthorized.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test", false, 200,
		   "namespace-created.json");
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	cr_assert_not_null(c.exec);
	cr_expect_eq(runs(), 0, "the plugin runs on the first call, not before");
	api = (k8s_api){ .conn = &c };
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(k8s_request(&api, "GET", "/api/v1/namespaces/dt-test",
					 NULL, NULL, &resp, err), 200,
			     "call %d: %s", i, err);
		json_decref(resp);
	}
	/* run 1 for the first call; the 401 of the second ran it again,
	 * and the third used the cached token */
	cr_expect_eq(runs(), 2);
	reqs = mock_requests(mock);
	cr_assert_eq(json_array_size(reqs), 4);
	cr_expect_str_eq(auth_of(reqs, 0), "Bearer my-bearer-token-1");
	cr_expect_str_eq(auth_of(reqs, 1), "Bearer my-bearer-token-1");
	cr_expect_str_eq(auth_of(reqs, 2), "Bearer my-bearer-token-2");
	cr_expect_str_eq(auth_of(reqs, 3), "Bearer my-bearer-token-2");
	json_decref(reqs);

	/* argv and env as configured, and the spec with the cluster */
	snprintf(path, sizeof(path), "%s/rec.1", dir);
	rec = slurp(path);
	cr_expect(strstr(rec, "argv: ") != NULL &&
		  strstr(rec, "/tests/k8s/responses/exec-credential-v1.json\n") != NULL,
		  "%s", rec);
	cr_expect(strstr(rec, "\nAWS_REGION=eu-west-1\n") != NULL, "%s", rec);
	free(rec);
	info = exec_info(1);
	snprintf(server, sizeof(server), "http://127.0.0.1:%d", mock_port(mock));
	cr_expect_str_eq(json_string_value(json_object_get(info, "apiVersion")),
			 "client.authentication.k8s.io/v1");
	cr_expect_str_eq(json_string_value(json_object_get(info, "kind")),
			 "ExecCredential");
	{
		json_t *spec = json_object_get(info, "spec");
		json_t *cl = json_object_get(spec, "cluster");

		cr_expect(json_is_false(json_object_get(spec, "interactive")));
		cr_expect_str_eq(json_string_value(json_object_get(cl, "server")), server);
		cr_expect_str_eq(json_string_value(json_object_get(cl,
			"certificate-authority-data")), CA_B64);
		cr_expect_str_eq(json_string_value(json_object_get(
			json_object_get(cl, "config"), "audience")), "dt");
	}
	json_decref(info);
	k8s_conn_clear(&c);
}

static int count(const char *type, const json_t *o, void *arg, char *e)
{
	(void)type; (void)o; (void)e;
	++*(int *)arg;
	return 0;
}

Test(exec, an_expired_credential_and_a_401_on_a_watch_run_it_again)
{
	char path[256], err[DT_ERRBUF_SIZE];
	k8s_conn c;
	k8s_api api;
	json_t *resp, *reqs;
	int seen = 0;

	/* the docs' own timestamp, 2018-03-05T17:30:20-08:00: long past */
	kubeconfig("dt-test-credential", "exec-credential-v1-expired.json",
		   "      apiVersion: client.authentication.k8s.io/v1\n"
		   "      interactiveMode: IfAvailable\n", path, sizeof(path));
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test", false, 200,
		   "namespace-created.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 401,
		   "unauthorized.json");
	mock_route(mock, "GET", "/api/v1/namespaces/dt-test/pods", true, 200,
		   "pods-watch-ready.jsonl");
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	api = (k8s_api){ .conn = &c };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(k8s_request(&api, "GET", "/api/v1/namespaces/dt-test",
					 NULL, NULL, &resp, err), 200, "%s", err);
		json_decref(resp);
	}
	cr_expect_eq(runs(), 2, "an expired credential is not used again");
	cr_assert_geq(k8s_watch(&api, "/api/v1/namespaces/dt-test/pods?watch=1",
				5000, count, &seen, err), 0, "%s", err);
	cr_expect_gt(seen, 0, "the watch after the refresh saw no event");
	/* run 3 for the (expired) watch; its 401 made run 4 */
	cr_expect_eq(runs(), 4);
	reqs = mock_requests(mock);
	cr_assert_eq(json_array_size(reqs), 4);
	cr_expect_str_eq(auth_of(reqs, 2), "Bearer my-bearer-token-3");
	cr_expect_str_eq(auth_of(reqs, 3), "Bearer my-bearer-token-4");
	json_decref(reqs);
	/* no provideClusterInfo: no spec.cluster */
	{
		json_t *info = exec_info(1);

		cr_expect_null(json_object_get(json_object_get(info, "spec"), "cluster"));
		cr_expect(json_is_false(json_object_get(json_object_get(info, "spec"),
							"interactive")));
		json_decref(info);
	}
	k8s_conn_clear(&c);
}

Test(exec, v1beta1_and_a_client_certificate)
{
	char path[256], resp_path[256], err[DT_ERRBUF_SIZE], text[1024];
	k8s_conn c;
	k8s_cred cred;
	k8s_api api;
	json_t *resp, *reqs;

	/* v1beta1 needs no interactiveMode; the credential printed has no
	 * expiry, so it is kept */
	kubeconfig("dt-test-credential", "exec-credential-v1beta1.json",
		   "      apiVersion: client.authentication.k8s.io/v1beta1\n",
		   path, sizeof(path));
	mock_route(mock, "GET", "/version", false, 200, "namespace-created.json");
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	api = (k8s_api){ .conn = &c };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(k8s_request(&api, "GET", "/version", NULL, NULL,
					 &resp, err), 200, "%s", err);
		json_decref(resp);
	}
	cr_expect_eq(runs(), 1);
	reqs = mock_requests(mock);
	cr_expect_str_eq(auth_of(reqs, 1), "Bearer k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v-1");
	json_decref(reqs);
	k8s_conn_clear(&c);

	/* a certificate and key instead of a token (PEM text, not base64) */
	snprintf(resp_path, sizeof(resp_path), "%s/cert.json", dir);
	snprintf(text, sizeof(text),
		 "{\"apiVersion\":\"client.authentication.k8s.io/v1\","
		 "\"kind\":\"ExecCredential\",\"status\":{"
		 "\"expirationTimestamp\":\"2099-01-01T00:00:00.250Z\","
		 "\"clientCertificateData\":\"-----BEGIN CERTIFICATE-----\\nMIIB\\n"
		 "-----END CERTIFICATE-----\\n\",\"clientKeyData\":\"-----BEGIN EC "
		 "PRIVATE KEY-----\\nMHc\\n-----END EC PRIVATE KEY-----\\n\"}}");
	write_file(resp_path, text);
	kubeconfig("dt-test-credential", "../../../../..", /* replaced below */
		   "      apiVersion: client.authentication.k8s.io/v1\n"
		   "      interactiveMode: Never\n", path, sizeof(path));
	{
		char *k = slurp(path), *a = strstr(k, "args: [\"");
		FILE *f;

		cr_assert_not_null(a);
		f = fopen(path, "w");
		fprintf(f, "%.*sargs: [\"%s\"]%s", (int)(a - k), k, resp_path,
			strchr(a, ']') + 1);
		fclose(f);
		free(k);
	}
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	cr_assert_eq(k8s_exec_get(c.exec, &cred, err), 0, "%s", err);
	cr_expect_null(cred.token);
	cr_assert_not_null(cred.cert);
	cr_expect(strncmp(cred.cert, "-----BEGIN CERTIFICATE-----\nMIIB\n", 33) == 0);
	cr_expect_eq(cred.cert_len, strlen(cred.cert));
	cr_assert_not_null(cred.key);
	cr_expect(strstr(cred.key, "PRIVATE KEY") != NULL);
	cr_expect_eq(cred.expiry, (time_t)4070908800, "RFC 3339 with Z and a fraction");
	k8s_cred_clear(&cred);
	k8s_conn_clear(&c);
}

/* k8s_conn_load of the kubeconfig, then one call; err gets why it
 * failed.  The call's status, or -1. */
static int try(const char *command, const char *response, const char *exec,
	       char *err)
{
	char path[256];
	k8s_conn c;
	k8s_api api;
	json_t *resp;
	int rc;

	kubeconfig(command, response, exec, path, sizeof(path));
	if (k8s_conn_load(&c, path, NULL, err) != 0)
		return -2;
	api = (k8s_api){ .conn = &c };
	rc = k8s_request(&api, "GET", "/version", NULL, NULL, &resp, err);
	json_decref(resp);
	k8s_conn_clear(&c);
	return rc;
}

Test(exec, errors_say_what_is_wrong)
{
	char err[DT_ERRBUF_SIZE];
	const char *v1 = "      apiVersion: client.authentication.k8s.io/v1\n"
		"      interactiveMode: Never\n"
		"      installHint: 'aws-iam-authenticator is needed: "
		"https://example.org/install'\n";

	mock_route(mock, "GET", "/version", false, 200, "namespace-created.json");
	cr_expect_eq(try("no-such-credential-plugin", "exec-credential-v1.json",
			 v1, err), -1);
	cr_expect(strstr(err, "'no-such-credential-plugin' not found") != NULL &&
		  strstr(err, "aws-iam-authenticator is needed") != NULL, "%s", err);

	cr_expect_eq(try("dt-test-credential", "exec-credential-v1beta1.json",
			 v1, err), -1);
	cr_expect(strstr(err, "API version client.authentication.k8s.io/v1, it "
			 "returned version 'client.authentication.k8s.io/v1beta1'")
		  != NULL, "%s", err);

	/* a watch stream: several JSON objects, not one ExecCredential */
	cr_expect_eq(try("dt-test-credential", "pods-watch-ready.jsonl", v1, err), -1);
	cr_expect(strstr(err, "printed no ExecCredential") != NULL, "%s", err);

	setenv("DT_EXEC_EXIT", "3", 1);
	cr_expect_eq(try("dt-test-credential", "exec-credential-v1.json", v1, err), -1);
	unsetenv("DT_EXEC_EXIT");
	cr_expect(strstr(err, "dt-test-credential failed with exit code 3") != NULL,
		  "%s", err);

	cr_expect_eq(try("dt-test-credential", "exec-credential-v1.json",
			 "      apiVersion: client.authentication.k8s.io/v1\n"
			 "      interactiveMode: Always\n", err), -1);
	cr_expect(strstr(err, "not a terminal") != NULL, "%s", err);

	/* refused when the kubeconfig is read */
	cr_expect_eq(try("dt-test-credential", "exec-credential-v1.json",
			 "      apiVersion: client.authentication.k8s.io/v1\n", err), -2);
	cr_expect(strstr(err, "interactiveMode must be given") != NULL, "%s", err);
	cr_expect_eq(try("dt-test-credential", "exec-credential-v1.json",
			 "      apiVersion: client.authentication.k8s.io/v1alpha1\n",
			 err), -2);
	cr_expect(strstr(err, "/config: user 'eks-user': exec: apiVersion must be") != NULL,
		  "%s", err);
	/* none of the failures reached the API */
	{
		json_t *reqs = mock_requests(mock);

		cr_expect_eq(json_array_size(reqs), 0);
		json_decref(reqs);
	}
}

Test(exec, a_command_with_a_slash_is_relative_to_the_kubeconfig)
{
	char path[256], cmd[512], err[DT_ERRBUF_SIZE];
	k8s_conn c;

	snprintf(path, sizeof(path), "%s/bin", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(cmd, sizeof(cmd), "cp %s/tests/k8s/bin/dt-test-credential %s/bin/plugin",
		 srcdir(), dir);
	cr_assert_eq(system(cmd), 0);
	mock_route(mock, "GET", "/version", false, 200, "namespace-created.json");
	cr_expect_eq(try("./bin/plugin", "exec-credential-v1.json",
			 "      apiVersion: client.authentication.k8s.io/v1\n"
			 "      interactiveMode: Never\n", err), 200, "%s", err);
	cr_expect_eq(runs(), 1);
	kubeconfig("bin/plugin", "exec-credential-v1.json",
		   "      apiVersion: client.authentication.k8s.io/v1\n"
		   "      interactiveMode: Never\n", path, sizeof(path));
	cr_assert_eq(k8s_conn_load(&c, path, NULL, err), 0, "%s", err);
	snprintf(cmd, sizeof(cmd), "%s/bin/plugin", dir);
	cr_expect_str_eq(c.exec->command, cmd);
	k8s_conn_clear(&c);
}

/* ---- $KUBECONFIG lists --------------------------------------------------- */

Test(merge, first_file_to_set_a_key_wins)
{
	char a[128], b[128], missing[128], list[512], err[DT_ERRBUF_SIZE];
	char want[256];
	k8s_conn c;

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/sub/b", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	snprintf(list, sizeof(list), "%s/sub", dir);
	cr_assert_eq(mkdir(list, 0755), 0);
	/* a: no current-context; user `me` with a token; cluster `prod` */
	write_file(a,
		   "apiVersion: v1\nkind: Config\n"
		   "clusters:\n- name: prod\n  cluster: {server: https://a.example.org}\n"
		   "users:\n- name: me\n  user: {token: from-a}\n");
	/* b: the current-context and its context; its own `prod` and `me`
	 * lose to a's; `staging` is only here, its CA relative to b */
	write_file(b,
		   "apiVersion: v1\nkind: Config\ncurrent-context: prod\n"
		   "clusters:\n- name: prod\n  cluster: {server: https://b.example.org}\n"
		   "- name: staging\n  cluster: {server: https://s.example.org, "
		   "certificate-authority: ca.crt}\n"
		   "contexts:\n- name: prod\n  context: {cluster: prod, user: me, "
		   "namespace: chaos}\n"
		   "- name: staging\n  context: {cluster: staging, user: me}\n"
		   "users:\n- name: me\n  user: {token: from-b}\n");
	snprintf(list, sizeof(list), "%s:%s:%s", missing, a, b);
	setenv("KUBECONFIG", list, 1);
	cr_assert_eq(k8s_conn_load(&c, NULL, NULL, err), 0, "%s", err);
	cr_expect_str_eq(c.context, "prod");
	cr_expect_str_eq(c.server, "https://a.example.org");
	cr_expect_str_eq(c.token, "from-a");
	cr_expect_str_eq(c.namespace, "chaos");
	snprintf(want, sizeof(want), "%s:%s", a, b);
	cr_expect_str_eq(c.kubeconfig, want, "the files merged, for the state file");
	k8s_conn_clear(&c);

	cr_assert_eq(k8s_conn_load(&c, NULL, "staging", err), 0, "%s", err);
	cr_expect_str_eq(c.server, "https://s.example.org");
	snprintf(want, sizeof(want), "%s/sub/ca.crt", dir);
	cr_expect_str_eq(c.ca_file, want);
	k8s_conn_clear(&c);

	/* the list as the state file keeps it loads the same way */
	snprintf(list, sizeof(list), "%s:%s", a, b);
	cr_assert_eq(k8s_conn_load(&c, list, NULL, err), 0, "%s", err);
	cr_expect_str_eq(c.server, "https://a.example.org");
	k8s_conn_clear(&c);

	/* the current-context of the first file that sets one */
	write_file(a,
		   "apiVersion: v1\nkind: Config\ncurrent-context: staging\n"
		   "users:\n- name: me\n  user: {token: from-a}\n");
	cr_assert_eq(k8s_conn_load(&c, NULL, NULL, err), 0, "%s", err);
	cr_expect_str_eq(c.context, "staging");
	k8s_conn_clear(&c);

	/* errors: no such context in any file; a file that does not parse */
	cr_expect_eq(k8s_conn_load(&c, NULL, "nowhere", err), -1);
	cr_expect(strstr(err, "(merged): no context named 'nowhere'") != NULL, "%s", err);
	write_file(b, "clusters: [\n");
	cr_expect_eq(k8s_conn_load(&c, NULL, NULL, err), -1);
	cr_expect(strstr(err, "sub/b") != NULL, "%s", err);
	unsetenv("KUBECONFIG");
}

/* helm and kubectl take one file with --kubeconfig: a merged list goes
 * to them as $KUBECONFIG, whatever dt-run's own environment says */
Test(merge, helm_gets_the_list_in_its_environment)
{
	char log[128], envlog[128], out[256], err[DT_ERRBUF_SIZE], *s;
	k8s_argv a = { 0 };

	snprintf(log, sizeof(log), "%s/helm.log", dir);
	snprintf(envlog, sizeof(envlog), "%s/helm.env", dir);
	setenv("DT_K8S_HELM_LOG", log, 1);
	setenv("DT_K8S_HELM_ENV", envlog, 1);
	setenv("KUBECONFIG", "/elsewhere", 1);
	k8s_argv_add(&a, "helm");
	k8s_argv_add(&a, "uninstall");
	k8s_argv_kubeconfig(&a, "/k/a:/k/b");
	k8s_argv_add(&a, "--kube-context=prod");
	s = k8s_argv_string(&a);
	cr_expect_str_eq(s, "KUBECONFIG=/k/a:/k/b helm uninstall --kube-context=prod");
	free(s);
	cr_assert_eq(k8s_run(&a, NULL, 10, out, sizeof(out), err), 0, "%s", err);
	k8s_argv_free(&a);
	s = slurp(envlog);
	cr_expect_str_eq(s, "KUBECONFIG=/k/a:/k/b\n");
	free(s);
	s = slurp(log);
	cr_expect_str_eq(s, "uninstall\n--kube-context=prod\n\n");
	free(s);

	/* one file: the flag, and the environment left alone */
	k8s_argv_add(&a, "helm");
	k8s_argv_kubeconfig(&a, "/k/a");
	cr_assert_eq(k8s_run(&a, NULL, 10, out, sizeof(out), err), 0, "%s", err);
	k8s_argv_free(&a);
	s = slurp(envlog);
	cr_expect_str_eq(s, "KUBECONFIG=/k/a:/k/b\nKUBECONFIG=/elsewhere\n");
	free(s);
	s = slurp(log);
	cr_expect(strstr(s, "\n--kubeconfig=/k/a\n\n") != NULL, "%s", s);
	free(s);
	unsetenv("KUBECONFIG");
	unsetenv("DT_K8S_HELM_ENV");
}
