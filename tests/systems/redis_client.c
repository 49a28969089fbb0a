/* SPDX-License-Identifier: MIT */
/*
 * The redis client against real redis-server processes: the register,
 * kv and bank operations, replica reads, and its error paths (server
 * down, paused mid-request, malformed replies, reconnect).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static sys_server srv[2];
static sys_client sc;

static void start_one(void)
{
	cr_assert(sys_redis_start(&srv[0], NULL), "redis-server did not start");
}

static void teardown_all(void)
{
	sys_client_close(&sc);
	sys_server_stop(&srv[1]);
	sys_server_stop(&srv[0]);
}

static void open_client(const char *workload, const char *config, size_t n, double timeout)
{
	sys_client_connect(&sc, "redis", workload, config,
			   "{\"accounts\": 5, \"balance\": 100}", srv, n, timeout);
}

TestSuite(redis_client, .init = start_one, .fini = teardown_all, .timeout = 60);

Test(redis_client, register_ops)
{
	open_client("register", NULL, 1, 2);
	cr_assert_eq(sys_read_int(&sc, "r0"), -1, "a new key reads null");
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":3}"),
		     DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 3);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,4]}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,5]}"), DT_OP_FAIL,
		     "a cas from a value the key no longer holds fails");
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r9\",\"value\":[0,1]}"), DT_OP_FAIL,
		     "a cas on a missing key fails");
	cr_assert_eq(sys_read_int(&sc, "r0"), 4);
	cr_assert_eq(sys_op_simple(&sc, "nosuch", "{\"key\":\"r0\"}"), DT_OP_FAIL);
}

Test(redis_client, kv_ops)
{
	json_t *r;
	char *e;

	open_client("kv", NULL, 1, 2);
	cr_assert_eq(sys_op_simple(&sc, "put", "{\"key\":\"k1\",\"value\":\"ab\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "append", "{\"key\":\"k1\",\"value\":\"7,\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "append", "{\"key\":\"k2\",\"value\":\"1,\"}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k1\"}", &r, &e), DT_OP_OK);
	cr_assert_str_eq(json_string_value(json_object_get(r, "value")), "ab7,");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k2\"}", &r, &e), DT_OP_OK);
	cr_assert_str_eq(json_string_value(json_object_get(r, "value")), "1,");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "get", "{\"key\":\"k3\"}", &r, &e), DT_OP_OK);
	cr_assert(json_is_null(json_object_get(r, "value")));
	json_decref(r);
}

Test(redis_client, bank_ops)
{
	json_t *r, *b;
	char *e;
	size_t i;
	json_int_t sum = 0;

	open_client("bank", NULL, 1, 2);
	cr_assert_eq(sys_op(&sc, "read", "null", &r, &e), DT_OP_OK, "%s", e ? e : "");
	cr_assert_eq(json_array_size(r), 5);
	json_array_foreach(r, i, b)
		cr_assert_eq(json_integer_value(b), 100);
	json_decref(r);
	cr_assert_eq(sys_op_simple(&sc, "transfer", "{\"from\":0,\"to\":1,\"amount\":60}"),
		     DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "transfer", "{\"from\":0,\"to\":2,\"amount\":60}", &r, &e),
		     DT_OP_FAIL, "only 40 left in account 0");
	cr_assert_str_eq(e, "insufficient funds");
	free(e);
	cr_assert_eq(sys_op(&sc, "read", "null", &r, &e), DT_OP_OK);
	cr_assert_eq(json_integer_value(json_array_get(r, 0)), 40);
	cr_assert_eq(json_integer_value(json_array_get(r, 1)), 160);
	json_array_foreach(r, i, b)
		sum += json_integer_value(b);
	cr_assert_eq(sum, 500);
	json_decref(r);
}

/* Transfers from two connections at once: WATCH conflicts are retried,
 * money is neither made nor lost. */
Test(redis_client, bank_concurrent)
{
	char err[DT_ERRBUF_SIZE];
	void *other;
	json_t *r, *b;
	char *e;
	size_t i;
	json_int_t sum = 0;
	int ok = 0;

	open_client("bank", NULL, 1, 2);
	other = sc.type->connect(sc.client, 1, err);
	for (int n = 0; n < 200; n++) {
		json_t *v = json_pack("{sisisi}", "from", n % 5, "to", (n + 1) % 5, "amount", 7);
		dt_reply rp = { 0 };

		ok += sc.type->invoke(n % 2 ? other : sc.conn, "transfer", v, &rp) == DT_OP_OK;
		json_decref(v);
		json_decref(rp.value);
		free(rp.error);
	}
	sc.type->disconnect(other);
	cr_assert_gt(ok, 100);
	cr_assert_eq(sys_op(&sc, "read", "null", &r, &e), DT_OP_OK);
	json_array_foreach(r, i, b)
		sum += json_integer_value(b);
	cr_assert_eq(sum, 500);
	json_decref(r);
}

Test(redis_client, server_down_fails_fast)
{
	double t0;
	json_t *r;
	char *e;

	open_client("register", NULL, 1, 1);
	sys_server_kill(&srv[0]);
	t0 = sys_now();
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":1}", &r, &e), DT_OP_FAIL,
		     "nothing reached a dead server: the write certainly did not happen");
	cr_assert_not_null(e);
	cr_assert(strstr(e, "connect") != NULL, "error: %s", e);
	free(e);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r0\"}"), DT_OP_FAIL);
	cr_assert_lt(sys_now() - t0, 1.5, "both ops end within their timeout");
	/* The server comes back: the client reconnects by itself. */
	cr_assert(sys_server_restart(&srv[0]));
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":2}"),
		     DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 2);
}

Test(redis_client, paused_server_times_out)
{
	double t0, dt;
	json_t *r;
	char *e;

	open_client("register", NULL, 1, 0.5);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":1}"),
		     DT_OP_OK);
	cr_assert(sys_server_pause(&srv[0]), "redis-server did not stop");
	t0 = sys_now();
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":2}", &r, &e), DT_OP_INFO,
		     "a write sent to a paused server may still happen");
	dt = sys_now() - t0;
	cr_assert_not_null(e);
	cr_assert(strstr(e, "timed out") != NULL, "error: %s", e);
	free(e);
	cr_assert_lt(dt, 0.9, "took %.2fs for a 0.5s timeout", dt);
	cr_assert_gt(dt, 0.4);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r0\"}"), DT_OP_FAIL,
		     "a read that timed out changed nothing");
	kill(srv[0].pid, SIGCONT);
	/* The paused write did happen once the server woke up. */
	cr_assert_eq(sys_read_int(&sc, "r0"), 2);
}

Test(redis_client, malformed_reply)
{
	sys_fake *fake;
	sys_server fs = { 0 };
	json_t *r;
	char *e;

	fake = sys_fake_start("?this is not RESP\r\n", &fs.port);
	cr_assert_not_null(fake);
	{
		char err[DT_ERRBUF_SIZE] = "";

		cr_assert(sys_client_open(&sc, "redis", "register", "{\"flush\": false}",
					  NULL, &fs, 1, 0.5, err), "%s", err);
		sc.conn = sc.type->connect(sc.client, 0, err);
	}
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":1}", &r, &e), DT_OP_INFO);
	cr_assert(strstr(e, "malformed") != NULL, "error: %s", e);
	free(e);
	cr_assert_eq(sys_op(&sc, "read", "{\"key\":\"r0\"}", &r, &e), DT_OP_FAIL);
	free(e);
	sys_fake_stop(fake);
}

Test(redis_client, replica_reads)
{
	json_t *m, *n1, *n2;
	int seen = -1;

	cr_assert(sys_redis_start(&srv[1], &srv[0]), "replica did not start");
	open_client("register", "{\"read-from\": \"replica\"}", 2, 2);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":9}"),
		     DT_OP_OK);
	/* Replication is asynchronous: the replica sees it soon. */
	for (int i = 0; i < 100 && seen != 9; i++) {
		seen = (int)sys_read_int(&sc, "r1");
		usleep(20000);
	}
	cr_assert_eq(seen, 9);
	/* The replica refuses writes: the client writes to the primary only,
	 * so kill the primary: reads still answer, writes fail. */
	m = sc.type->metrics(sc.client);
	n1 = json_object_get(m, "n1");
	n2 = json_object_get(m, "n2");
	cr_assert_str_eq(json_string_value(json_object_get(n1, "role")), "master");
	cr_assert_str_eq(json_string_value(json_object_get(n2, "role")), "slave");
	cr_assert_eq(json_integer_value(json_object_get(n1, "connected_slaves")), 1);
	cr_assert(json_is_integer(json_object_get(n1, "master_repl_offset")));
	json_decref(m);
	sys_server_kill(&srv[0]);
	cr_assert_eq(sys_read_int(&sc, "r1"), 9, "the replica serves the stale value");
	/* The open connection to the dead primary may not know yet: info
	 * or fail; the next write cannot connect: fail. */
	cr_assert_neq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":1}"), DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":1}"),
		     DT_OP_FAIL);
	m = sc.type->metrics(sc.client);
	cr_assert(json_is_false(json_object_get(json_object_get(m, "n1"), "up")));
	cr_assert(json_is_true(json_object_get(json_object_get(m, "n2"), "up")));
	json_decref(m);
}

Test(redis_client, bad_config)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_not(sys_client_open(&sc, "redis", "register",
				      "{\"read-from\": \"n7\"}", NULL, srv, 1, 1, err));
	cr_assert(strstr(err, "read-from") != NULL, "%s", err);
	sys_client_close(&sc);
	cr_assert_not(sys_client_open(&sc, "redis", "queue", NULL, NULL, srv, 1, 1, err));
	cr_assert(strstr(err, "queue") != NULL, "%s", err);
}

/* With sentinel: true the client asks the sentinel where the primary is
 * each time it reconnects: after a failover it writes to the promoted
 * replica. */
Test(redis_client, follows_sentinel_failover)
{
	sys_server sentinel;
	char config[128];
	json_t *r;
	char *e;
	dt_op_type t = DT_OP_FAIL;

	cr_assert(sys_redis_start(&srv[1], &srv[0]), "replica did not start");
	cr_assert(sys_sentinel_start(&sentinel, &srv[0], 1),
		  "sentinel did not start (or n2 never connected to n1)");
	snprintf(config, sizeof(config), "{\"sentinel\": true, \"sentinel-port\": %d}",
		 sentinel.port);
	open_client("register", config, 2, 1);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":1}"),
		     DT_OP_OK);
	sys_server_kill(&srv[0]);
	/* The sentinel sees it down after 500ms, then promotes n2. */
	for (int i = 0; i < 150 && t != DT_OP_OK; i++) {
		t = sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":2}", &r, &e);
		free(e);
		if (t != DT_OP_OK)
			usleep(50000);
	}
	cr_assert_eq(t, DT_OP_OK, "no write succeeded after the failover");
	cr_assert_eq(sys_read_int(&sc, "r0"), 2);
	{
		json_t *m = sc.type->metrics(sc.client);

		cr_assert_str_eq(json_string_value(json_object_get(
			json_object_get(m, "n2"), "role")), "master");
		json_decref(m);
	}
	sys_server_stop(&sentinel);
}

/* A write to a node that is a replica is refused (READONLY): a fail,
 * since redis executed nothing. */
Test(redis_client, write_to_replica_fails)
{
	json_t *r;
	char *e;

	cr_assert(sys_redis_start(&srv[1], &srv[0]), "replica did not start");
	open_client("register", "{\"primary\": \"n2\", \"flush\": false}", 2, 1);
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r0\",\"value\":1}", &r, &e), DT_OP_FAIL);
	cr_assert(strncmp(e, "READONLY", 8) == 0, "error: %s", e);
	free(e);
}

/* version(): INFO server's redis_version, the same as the binary's
 * `redis-server --version`; NULL once it is down. */
Test(redis_client, version)
{
	char want[64] = "", line[256], *v, *at;
	FILE *p = popen("redis-server --version", "r");

	cr_assert_not_null(p);
	if (fgets(line, sizeof(line), p) != NULL && (at = strstr(line, " v=")) != NULL)
		sscanf(at + 3, "%63[^ ]", want);
	pclose(p);
	cr_assert(want[0] != '\0', "no version from redis-server --version");
	open_client("register", NULL, 1, 2);
	cr_assert_not_null(sc.type->version);
	v = sc.type->version(sc.client);
	cr_expect(v != NULL && strcmp(v, want) == 0, "version %s, redis-server "
		  "--version %s", v ? v : "(null)", want);
	free(v);
	sys_server_kill(&srv[0]);
	v = sc.type->version(sc.client);
	cr_expect_null(v, "a server down has no version: %s", v);
	free(v);
}
