/* SPDX-License-Identifier: MIT */
/*
 * The etcd client against a real single-node etcd: register and kv
 * operations through the JSON gateway, serializable reads, metrics, and
 * its error paths (server down, paused mid-request, malformed replies).
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

static void start_etcd(void)
{
	cr_assert(sys_etcd_start(&srv), "etcd did not start (see %s/log)", srv.dir);
}

static void teardown_all(void)
{
	sys_client_close(&sc);
	sys_server_stop(&srv);
}

static void open_client(const char *workload, const char *config, const sys_server *s,
			double timeout)
{
	sys_client_connect(&sc, "etcd", workload, config, NULL, s, 1, timeout);
}

TestSuite(etcd_client, .init = start_etcd, .fini = teardown_all, .timeout = 60);

Test(etcd_client, register_ops)
{
	open_client("register", NULL, &srv, 2);
	cr_assert_eq(sys_read_int(&sc, "r0"), -1);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":3}"),
		     DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 3);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,4]}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,5]}"),
		     DT_OP_FAIL);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r8\",\"value\":[0,1]}"), DT_OP_FAIL,
		     "a cas on a missing key fails");
	cr_assert_eq(sys_read_int(&sc, "r0"), 4);
	cr_assert_eq(sys_op_simple(&sc, "frob", "{\"key\":\"r0\"}"), DT_OP_FAIL);
}

Test(etcd_client, serializable_reads)
{
	open_client("register", "{\"reads\": \"serializable\"}", &srv, 2);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":7}"),
		     DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r1"), 7);
}

Test(etcd_client, kv_ops)
{
	json_t *r;
	char *e;

	open_client("kv", NULL, &srv, 2);
	cr_assert_eq(sys_op_simple(&sc, "append", "{\"key\":\"k1\",\"value\":\"1,\"}"), DT_OP_OK,
		     "append creates a missing key");
	cr_assert_eq(sys_op_simple(&sc, "append", "{\"key\":\"k1\",\"value\":\"2,\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k1\"}", &r, &e), DT_OP_OK);
	cr_assert_str_eq(json_string_value(json_object_get(r, "value")), "1,2,");
	json_decref(r);
	cr_assert_eq(sys_op_simple(&sc, "put", "{\"key\":\"k1\",\"value\":\"x\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "append", "{\"key\":\"k1\",\"value\":\"3,\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k1\"}", &r, &e), DT_OP_OK);
	cr_assert_str_eq(json_string_value(json_object_get(r, "value")), "x3,");
	json_decref(r);
}

/* Appends from two connections interleaved: none is lost. */
Test(etcd_client, concurrent_appends)
{
	char err[DT_ERRBUF_SIZE];
	void *other;
	json_t *r;
	char *e;

	open_client("kv", NULL, &srv, 2);
	other = sc.type->connect(sc.client, 1, err);
	for (int i = 0; i < 20; i++) {
		json_t *v = json_pack("{ssss+}", "key", "k2", "value", i % 2 ? "b" : "a", ",");
		dt_reply rp = { 0 };

		cr_assert_eq(sc.type->invoke(i % 2 ? other : sc.conn, "append", v, &rp),
			     DT_OP_OK, "%s", rp.error ? rp.error : "");
		json_decref(rp.value);
		free(rp.error);
		json_decref(v);
	}
	sc.type->disconnect(other);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k2\"}", &r, &e), DT_OP_OK);
	cr_assert_eq(strlen(json_string_value(json_object_get(r, "value"))), 40);
	json_decref(r);
}

Test(etcd_client, metrics)
{
	json_t *m, *n1;

	open_client("register", NULL, &srv, 2);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":1}"),
		     DT_OP_OK);
	m = sc.type->metrics(sc.client);
	n1 = json_object_get(m, "n1");
	cr_assert(json_is_true(json_object_get(n1, "up")));
	cr_assert_float_eq(json_real_value(json_object_get(n1, "etcd_server_has_leader")), 1, 0);
	cr_assert_float_eq(json_real_value(json_object_get(n1, "etcd_server_is_leader")), 1, 0);
	cr_assert_geq(json_real_value(json_object_get(n1,
		"etcd_server_proposals_committed_total")), 1);
	cr_assert_gt(json_real_value(json_object_get(json_object_get(n1,
		"etcd_disk_wal_fsync_duration_seconds"), "count")), 0);
	json_decref(m);
	sys_server_kill(&srv);
	m = sc.type->metrics(sc.client);
	cr_assert(json_is_false(json_object_get(json_object_get(m, "n1"), "up")));
	json_decref(m);
}

/* A write on a kept connection whose member died: curl sends it on the
 * old connection, finds it dead, retries on a new one that cannot
 * connect.  The first may have been applied: info, not fail.  The next
 * request, with no connection left, certainly did not go out: fail. */
Test(etcd_client, a_request_on_a_connection_that_died_is_info)
{
	json_t *r;
	char *e;

	open_client("register", NULL, &srv, 1);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":1}"), DT_OP_OK);
	sys_server_kill(&srv);
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":2}", &r, &e), DT_OP_INFO,
		     "%s", e ? e : "");
	free(e);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":3}"), DT_OP_FAIL);
	cr_assert(sys_server_restart(&srv), "etcd did not come back");
}

Test(etcd_client, server_down_fails)
{
	double t0;
	json_t *r;
	char *e;

	open_client("register", NULL, &srv, 1);
	sys_server_kill(&srv);
	t0 = sys_now();
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":1}", &r, &e), DT_OP_FAIL);
	cr_assert(strstr(e, "connect") != NULL, "error: %s", e);
	free(e);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[1,2]}"),
		     DT_OP_FAIL);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r0\"}"), DT_OP_FAIL);
	cr_assert_lt(sys_now() - t0, 2);
	cr_assert(sys_server_restart(&srv), "etcd did not come back");
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":2}"),
		     DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 2);
}

Test(etcd_client, paused_server_times_out)
{
	double t0, dt;
	json_t *r;
	char *e;

	open_client("register", NULL, &srv, 0.5);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":1}"),
		     DT_OP_OK);
	cr_assert(sys_server_pause(&srv), "etcd did not stop");
	t0 = sys_now();
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":2}", &r, &e), DT_OP_INFO);
	dt = sys_now() - t0;
	cr_assert(strstr(e, "timed out") != NULL, "error: %s", e);
	free(e);
	cr_assert_lt(dt, 0.9, "took %.2fs for a 0.5s timeout", dt);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r0\"}"), DT_OP_FAIL);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[2,3]}"),
		     DT_OP_INFO);
	kill(srv.pid, SIGCONT);
}

static void malformed(const char *reply, const char *what)
{
	sys_server fs = { 0 };
	sys_fake *fake = sys_fake_start(reply, &fs.port);
	json_t *r;
	char *e;

	cr_assert_not_null(fake);
	open_client("register", NULL, &fs, 0.5);
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":1}", &r, &e), DT_OP_INFO,
		     "%s: a write with a garbled answer may have happened", what);
	cr_assert_not_null(e);
	free(e);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r0\"}"), DT_OP_FAIL, "%s", what);
	sys_client_close(&sc);
	sys_fake_stop(fake);
}

Test(etcd_client, malformed_replies)
{
	malformed("not http at all\r\n\r\n", "not HTTP");
	malformed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"kvs\":[", "torn JSON");
	malformed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", "not an object");
	malformed("HTTP/1.1 503 Unavailable\r\nContent-Length: 2\r\n\r\n{}", "HTTP 503");
}

Test(etcd_client, bad_config)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_not(sys_client_open(&sc, "etcd", "register", "{\"reads\": \"stale\"}",
				      NULL, &srv, 1, 1, err));
	cr_assert(strstr(err, "reads") != NULL, "%s", err);
	sys_client_close(&sc);
	cr_assert_not(sys_client_open(&sc, "etcd", "bank", NULL, NULL, &srv, 1, 1, err));
	cr_assert(strstr(err, "bank") != NULL, "%s", err);
}

/* version(): what the server says at /version, the same as the binary's
 * `etcd --version`; NULL once it is down. */
Test(etcd_client, version)
{
	char want[64] = "", line[256], *v;
	FILE *p = popen("etcd --version", "r");

	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		if (sscanf(line, "etcd Version: %63s", want) == 1)
			break;
	pclose(p);
	cr_assert(want[0] != '\0', "no version from etcd --version");
	open_client("register", NULL, &srv, 2);
	cr_assert_not_null(sc.type->version);
	v = sc.type->version(sc.client);
	cr_expect(v != NULL && strcmp(v, want) == 0, "version %s, etcd --version %s",
		  v ? v : "(null)", want);
	free(v);
	sys_server_kill(&srv);
	v = sc.type->version(sc.client);
	cr_expect_null(v, "a server down has no version: %s", v);
	free(v);
}
