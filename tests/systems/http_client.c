/* SPDX-License-Identifier: MIT */
/*
 * The http client against a real etcd (its v3 JSON gateway on
 * 127.0.0.1), configured as suites/etcd-http.yaml is: the register's
 * read, write and cas through templates and reply rules, a server that
 * is down (fail) or paused (a write's outcome unknown, a read failed),
 * and configurations it refuses before anything starts.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static sys_server srv;
static sys_client sc;

/* The client section of suites/etcd-http.yaml, as JSON. */
static const char etcd_ops[] =
	"{\"headers\": {\"Content-Type\": \"application/json\"},"
	" \"operations\": {"
	"  \"read\": {\"method\": \"POST\", \"path\": \"/v3/kv/range\","
	"   \"body\": \"{\\\"key\\\": \\\"{key|base64}\\\"}\", \"read-only\": true,"
	"   \"replies\": [{\"status\": 200, \"type\": \"ok\", \"value\": \"/kvs/0/value\","
	"                 \"decode\": [\"base64\", \"json\"]}]},"
	"  \"write\": {\"method\": \"POST\", \"path\": \"/v3/kv/put\","
	"   \"body\": \"{\\\"key\\\": \\\"{key|base64}\\\", \\\"value\\\": \\\"{value|json|base64}\\\"}\","
	"   \"replies\": [{\"status\": 200, \"type\": \"ok\"}]},"
	"  \"cas\": {\"method\": \"POST\", \"path\": \"/v3/kv/txn\","
	"   \"body\": \"{\\\"compare\\\": [{\\\"key\\\": \\\"{key|base64}\\\", \\\"target\\\": \\\"VALUE\\\","
	" \\\"result\\\": \\\"EQUAL\\\", \\\"value\\\": \\\"{from|json|base64}\\\"}], \\\"success\\\":"
	" [{\\\"request_put\\\": {\\\"key\\\": \\\"{key|base64}\\\", \\\"value\\\": \\\"{to|json|base64}\\\"}}]}\","
	"   \"replies\": [{\"status\": 200, \"if\": {\"pointer\": \"/succeeded\", \"equals\": true},"
	"                  \"type\": \"ok\"},"
	"                 {\"status\": 200, \"type\": \"fail\", \"error\": \"cas mismatch\"}]}},"
	" \"replies\": [{\"status\": \"4xx\", \"type\": \"fail\"}]}";

static void start_etcd(void)
{
	cr_assert(sys_etcd_start(&srv), "etcd did not start (see %s/log)", srv.dir);
}

static void teardown_all(void)
{
	sys_client_close(&sc);
	sys_server_stop(&srv);
}

TestSuite(http_client, .init = start_etcd, .fini = teardown_all, .timeout = 60);

Test(http_client, register_ops)
{
	json_t *r = NULL;
	char *e = NULL;

	sys_client_connect(&sc, "http", "register", etcd_ops, NULL, &srv, 1, 2);
	cr_assert_eq(sys_read_int(&sc, "r0"), -1, "a new key reads null");
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":3}"), DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 3);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,4]}"), DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,5]}", &r, &e),
		     DT_OP_FAIL, "a cas from a value the key no longer holds fails");
	cr_expect_str_eq(e, "cas mismatch");
	free(e);
	cr_assert_eq(sys_read_int(&sc, "r0"), 4);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"r0\"}", &r, &e), DT_OP_FAIL);
	cr_expect_str_eq(e, "http: no operation 'get'");
	free(e);
	/* the C client reads what this one wrote: the same encoding */
	sys_client_close(&sc);
	sys_client_connect(&sc, "etcd", "register", NULL, NULL, &srv, 1, 2);
	cr_assert_eq(sys_read_int(&sc, "r0"), 4);
}

Test(http_client, server_down_or_paused)
{
	json_t *r = NULL;
	char *e = NULL;
	double t0;

	sys_client_connect(&sc, "http", "register", etcd_ops, NULL, &srv, 1, 0.5);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":1}"), DT_OP_OK);
	cr_assert(sys_server_pause(&srv), "etcd did not stop");
	t0 = sys_now();
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r1\",\"value\":2}", &r, &e), DT_OP_INFO);
	cr_expect_lt(sys_now() - t0, 0.9, "took %.2f s for a 0.5 s timeout", sys_now() - t0);
	cr_expect_str_eq(e, "n1: timed out");
	free(e);
	cr_assert_eq(sys_op(&sc, "read", "{\"key\":\"r1\"}", &r, &e), DT_OP_FAIL,
		     "a read changes nothing: fail");
	free(e);
	kill(srv.pid, SIGCONT);
	sys_server_kill(&srv);
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r1\",\"value\":3}", &r, &e), DT_OP_FAIL);
	cr_expect(strncmp(e, "n1: cannot connect: ", 20) == 0, "%s", e);
	free(e);
}

Test(http_client, refused_before_the_run)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_expect(!sys_client_open(&sc, "http", "register",
				   "{\"operations\": {\"read\": {\"path\": \"/{kee}\"}}}",
				   NULL, &srv, 1, 1, err));
	cr_expect_str_eq(err, "path: {kee}: no variable 'kee' "
			 "(there are key, value, from, to and node)");
	sys_client_close(&sc);
	cr_expect(!sys_client_open(&sc, "http", "register",
				   "{\"operations\": {\"read\": {\"path\": \"/x\","
				   " \"replies\": [{\"type\": \"maybe\"}]}}}",
				   NULL, &srv, 1, 1, err));
	cr_expect_str_eq(err, "type: unknown value 'maybe'; expected one of: ok, fail, info");
	sys_client_close(&sc);
	cr_expect(!sys_client_open(&sc, "http", "register",
				   "{\"operations\": {\"read\": {\"path\": \"x\"}}}",
				   NULL, &srv, 1, 1, err));
	cr_expect_str_eq(err, "path: a path begins with /");
	sys_client_close(&sc);
	cr_expect(!sys_client_open(&sc, "http", "register",
				   "{\"operations\": {\"read\": {\"path\": \"/x\","
				   " \"method\": \"get\"}}}", NULL, &srv, 1, 1, err));
	cr_expect_str_eq(err, "method: expected a method in "
			 "capitals (GET, PUT, POST, ...), not 'get'");
}

/* suites/etcd-http.yaml with `from` replaced by `to`, checked by dt-run
 * check-suite: its first line of output (stderr with stdout). */
static void check_variant(const char *from, const char *to, char *out, size_t size)
{
	char path[] = "/tmp/dt-http-suite-XXXXXX", cmd[1024];
	FILE *in = fopen(TEST_SRCDIR "/suites/etcd-http.yaml", "r"), *f, *p;
	char text[8192], *at;
	size_t n;
	int fd = mkstemp(path);

	cr_assert_not_null(in);
	cr_assert_geq(fd, 0);
	n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	at = strstr(text, from);
	cr_assert_not_null(at, "no '%s' in the suite", from);
	f = fdopen(fd, "w");
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/core/dt-run check-suite %s 2>&1", TEST_BUILDDIR, path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (fgets(out, (int)size, p) == NULL)
		out[0] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	/* the file's name, to compare the rest */
	at = strstr(out, path);
	if (at != NULL)
		memmove(out, at + strlen(path), strlen(at + strlen(path)) + 1);
	unlink(path);
}

/* Mistakes in a suite's YAML are named by line, column and key path. */
Test(http_client, suite_errors_name_the_line)
{
	char out[1024];

	check_variant("/v3/kv/range", "/v3/kv/{kee}", out, sizeof(out));
	cr_expect_str_eq(out, ":15:7: client.operations.read.path: {kee}: no variable "
			 "'kee' (there are key, value, from, to and node)");
	check_variant("type: fail, error: cas mismatch", "type: maybe", out, sizeof(out));
	cr_expect_str_eq(out, ":36:25: client.operations.cas.replies[1].type: unknown "
			 "value 'maybe'; expected one of: ok, fail, info");
	check_variant("decode: [base64, json]", "decode: [base64, jsn]", out, sizeof(out));
	cr_expect_str_eq(out, ":19:56: client.operations.read.replies[0].decode: no "
			 "decoding 'jsn' (there are base64 and json)");
	check_variant("    cas:", "    cax:", out, sizeof(out));
	cr_expect_str_eq(out, ":12:3: client.operations: the workload register issues "
			 "cas, which has no request here");
	check_variant("status: 4xx", "status: 4x", out, sizeof(out));
	cr_expect(strstr(out, "client.replies[0].status: expected a status (200)") != NULL,
		  "%s", out);
}
