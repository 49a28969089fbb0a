/*
 * The etcd client's revisions and watch workloads against a real
 * single-node etcd (a fresh one, at revision 1, for every test): every
 * operation reports the revisions etcd gave, exactly as the etcd model
 * expects them (a txn that fails and a revoke that deletes nothing keep
 * the revision; a grant does not make one); watch sessions from the
 * past, where the last one left off, from the future, with writes from
 * another connection meanwhile, cancelled by a compaction, and refused
 * by a server that is down.
 */
#include <criterion/criterion.h>
#include <pthread.h>
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

TestSuite(etcd_revisions, .init = start_etcd, .fini = teardown_all, .timeout = 60);

/* f with value (JSON text) must succeed: its result (the caller's). */
static json_t *ok(const char *f, const char *value)
{
	json_t *r = NULL;
	char *e = NULL;
	dt_op_type t = sys_op(&sc, f, value, &r, &e);

	cr_assert_eq(t, DT_OP_OK, "%s %s: %s", f, value, e ? e : "");
	cr_assert_not_null(r);
	free(e);
	return r;
}

static long long num(const json_t *o, const char *key)
{
	cr_assert(json_is_integer(json_object_get(o, key)), "no %s in %s", key,
		  json_dumps(o, JSON_COMPACT));
	return (long long)json_integer_value(json_object_get(o, key));
}

/* f must succeed and report revision rev; returns its result. */
static json_t *at(const char *f, const char *value, long long rev)
{
	json_t *r = ok(f, value);

	cr_expect_eq(num(r, "rev"), rev, "%s %s: %s", f, value, json_dumps(r, JSON_COMPACT));
	return r;
}

/* kvs[i] is key = value with these revisions, version and lease. */
static void expect_kv(const json_t *r, size_t i, const char *key, const char *value,
		      long long create, long long mod, long long version, long long lease)
{
	const json_t *kv = json_array_get(json_object_get(r, "kvs"), i);

	cr_assert_not_null(kv, "no kv %zu in %s", i, json_dumps(r, JSON_COMPACT));
	cr_expect_str_eq(json_string_value(json_object_get(kv, "key")), key);
	cr_expect_str_eq(json_string_value(json_object_get(kv, "value")), value);
	cr_expect_eq(num(kv, "create"), create);
	cr_expect_eq(num(kv, "mod"), mod);
	cr_expect_eq(num(kv, "version"), version);
	cr_expect_eq(num(kv, "lease"), lease);
}

Test(etcd_revisions, every_operation_reports_its_revisions)
{
	json_t *r;

	sys_client_connect(&sc, "etcd", "revisions", NULL, NULL, &srv, 1, 2);
	json_decref(at("put", "{\"key\":\"r1\",\"value\":\"a\"}", 2));
	r = at("get", "{\"key\":\"r1\"}", 2);
	expect_kv(r, 0, "r1", "a", 2, 2, 1, 0);
	json_decref(r);
	json_decref(at("put", "{\"key\":\"r1\",\"value\":\"b\"}", 3));
	json_decref(at("put", "{\"key\":\"r2\",\"value\":\"c\"}", 4));
	r = at("range", "{\"key\":\"r\",\"prefix\":true,\"limit\":1}", 4);
	cr_expect_eq(num(r, "count"), 2);
	cr_expect(json_is_true(json_object_get(r, "more")));
	cr_expect_eq(json_array_size(json_object_get(r, "kvs")), 1);
	expect_kv(r, 0, "r1", "b", 2, 3, 2, 0);
	json_decref(r);

	/* never read r2 on this connection: expect mod 0, which fails and
	 * reads it; the next takes its mod revision from that read */
	r = at("txn", "{\"key\":\"r2\",\"cmp\":\"mod\",\"value\":\"d\"}", 4);
	cr_expect(json_is_false(json_object_get(r, "succeeded")));
	cr_expect_eq(num(r, "expect"), 0);
	expect_kv(r, 0, "r2", "c", 4, 4, 1, 0);
	json_decref(r);
	r = at("txn", "{\"key\":\"r2\",\"cmp\":\"mod\",\"value\":\"d\"}", 5);
	cr_expect(json_is_true(json_object_get(r, "succeeded")));
	cr_expect_eq(num(r, "expect"), 4);
	json_decref(r);
	r = at("txn", "{\"key\":\"r1\",\"cmp\":\"value\",\"value\":\"e\",\"expect\":\"b\"}", 6);
	cr_expect(json_is_true(json_object_get(r, "succeeded")));
	json_decref(r);
	r = at("txn", "{\"key\":\"r9\",\"cmp\":\"value\",\"value\":\"e\",\"expect\":\"\"}", 6);
	cr_expect(json_is_false(json_object_get(r, "succeeded")),
		  "a value compare on a missing key fails");
	json_decref(r);

	r = at("delete", "{\"key\":\"r2\"}", 7);
	cr_expect_eq(num(r, "deleted"), 1);
	json_decref(r);
	r = at("delete", "{\"key\":\"r2\"}", 7);
	cr_expect_eq(num(r, "deleted"), 0);
	json_decref(r);

	/* leases: a grant makes no revision, a revoke one when it deletes */
	json_decref(at("grant", "{\"lease\":5,\"ttl\":3600}", 7));
	cr_expect_eq(sys_op_simple(&sc, "grant", "{\"lease\":5,\"ttl\":3600}"), DT_OP_FAIL,
		     "a lease granted twice");
	json_decref(at("put", "{\"key\":\"r3\",\"value\":\"f\",\"lease\":5}", 8));
	r = at("get", "{\"key\":\"r3\"}", 8);
	expect_kv(r, 0, "r3", "f", 8, 8, 1, 5);
	json_decref(r);
	json_decref(at("revoke", "{\"lease\":5}", 9));
	r = at("get", "{\"key\":\"r3\"}", 9);
	cr_expect_eq(json_array_size(json_object_get(r, "kvs")), 0);
	json_decref(r);
	json_decref(at("grant", "{\"lease\":6,\"ttl\":3600}", 9));
	json_decref(at("revoke", "{\"lease\":6}", 9));
	cr_expect_eq(sys_op_simple(&sc, "revoke", "{\"lease\":6}"), DT_OP_FAIL);
	cr_expect_eq(sys_op_simple(&sc, "put", "{\"key\":\"r3\",\"value\":\"g\",\"lease\":99}"),
		     DT_OP_FAIL, "a put with a lease that is not live");

	r = ok("compact", "{\"behind\":2}");
	cr_expect_eq(num(r, "compact"), 7);
	json_decref(r);
	cr_expect_eq(sys_op_simple(&sc, "compact", "{\"behind\":3}"), DT_OP_FAIL,
		     "compacting below the compacted revision");
	cr_expect_eq(sys_op_simple(&sc, "txn", "{\"key\":\"r1\",\"cmp\":\"size\","
				   "\"value\":\"x\"}"), DT_OP_FAIL);
}

/* A session's events, flattened: "REV:TYPE:KEY" joined by spaces. */
static void events_text(const json_t *r, char *buf, size_t size)
{
	const json_t *resp, *ev;
	size_t i, j;

	buf[0] = '\0';
	json_array_foreach(json_object_get(r, "responses"), i, resp)
		json_array_foreach(json_object_get(resp, "events"), j, ev) {
			size_t n = strlen(buf);

			snprintf(buf + n, size - n, "%s%lld:%s:%s", n ? " " : "",
				 (long long)json_integer_value(json_object_get(ev, "rev")),
				 json_string_value(json_object_get(ev, "type")),
				 json_string_value(json_object_get(ev, "key")));
		}
}

typedef struct writer {
	void *conn;
	int puts;
	double delay;
} writer;

/* Puts from another connection while a watch is open. */
static void *write_later(void *arg)
{
	writer *w = arg;

	usleep((useconds_t)(w->delay * 1e6));
	for (int i = 0; i < w->puts; i++) {
		json_t *v = json_pack("{ssss}", "key", "r1", "value", "w");
		dt_reply rp = { 0 };

		sc.type->invoke(w->conn, "put", v, &rp);
		json_decref(rp.value);
		free(rp.error);
		json_decref(v);
	}
	return NULL;
}

Test(etcd_revisions, watch_sessions)
{
	char err[DT_ERRBUF_SIZE], text[1024];
	writer w = { .puts = 2, .delay = 0.4 };
	pthread_t t;
	json_t *r;

	sys_client_connect(&sc, "etcd", "watch", NULL, NULL, &srv, 1, 2);
	json_decref(ok("put", "{\"key\":\"r1\",\"value\":\"a\"}"));
	json_decref(ok("put", "{\"key\":\"r2\",\"value\":\"b\"}"));
	json_decref(ok("put", "{\"key\":\"x\",\"value\":\"c\"}"));
	json_decref(ok("delete", "{\"key\":\"r1\"}"));

	/* from the past: every event under the prefix, in order */
	r = ok("watch", "{\"key\":\"r\",\"prefix\":true,\"from\":\"past\",\"offset\":100,"
	       "\"for\":0.5}");
	events_text(r, text, sizeof(text));
	cr_expect_str_eq(text, "2:put:r1 3:put:r2 5:delete:r1");
	cr_expect_eq(num(r, "start"), 1);
	cr_expect_eq(num(r, "created"), 5);
	cr_expect_str_eq(json_string_value(json_object_get(r, "end")), "time");
	json_decref(r);

	/* resumed after its last event, while another connection writes */
	w.conn = sc.type->connect(sc.client, 1, err);
	cr_assert_not_null(w.conn, "%s", err);
	cr_assert_eq(pthread_create(&t, NULL, write_later, &w), 0);
	r = ok("watch", "{\"key\":\"r1\",\"prefix\":false,\"from\":\"resume\",\"for\":1.5}");
	pthread_join(t, NULL);
	events_text(r, text, sizeof(text));
	cr_expect_eq(num(r, "start"), 6);
	cr_expect_str_eq(text, "6:put:r1 7:put:r1");
	json_decref(r);

	/* from the future: nothing before its start */
	w.puts = 4;
	cr_assert_eq(pthread_create(&t, NULL, write_later, &w), 0);
	r = ok("watch", "{\"key\":\"r1\",\"prefix\":false,\"from\":\"future\",\"offset\":2,"
	       "\"for\":1.5}");
	pthread_join(t, NULL);
	events_text(r, text, sizeof(text));
	cr_expect_eq(num(r, "start"), 10);
	cr_expect_str_eq(text, "10:put:r1 11:put:r1");
	json_decref(r);
	sc.type->disconnect(w.conn);
}

Test(etcd_revisions, watch_cancelled_by_compaction)
{
	json_t *r;

	sys_client_connect(&sc, "etcd", "watch", NULL, NULL, &srv, 1, 2);
	for (int i = 0; i < 5; i++)
		json_decref(ok("put", "{\"key\":\"r1\",\"value\":\"a\"}"));
	r = ok("compact", "{\"behind\":1}");
	cr_expect_eq(num(r, "compact"), 5);
	json_decref(r);
	r = ok("watch", "{\"key\":\"r1\",\"prefix\":false,\"from\":\"past\",\"offset\":100,"
	       "\"for\":1}");
	cr_expect_str_eq(json_string_value(json_object_get(r, "end")), "compacted");
	cr_expect_eq(num(r, "compact"), 5);
	cr_expect_eq(json_array_size(json_object_get(r, "responses")), 0);
	json_decref(r);
	/* the next resumes at the compacted revision */
	r = ok("watch", "{\"key\":\"r1\",\"prefix\":false,\"from\":\"resume\",\"for\":0.3}");
	cr_expect_eq(num(r, "start"), 5);
	cr_expect_str_eq(json_string_value(json_object_get(r, "end")), "time");
	json_decref(r);
}

Test(etcd_revisions, watch_on_a_server_down_fails)
{
	json_t *r = NULL;
	char *e = NULL;

	sys_client_connect(&sc, "etcd", "watch", NULL, NULL, &srv, 1, 1);
	sys_server_kill(&srv);
	cr_expect_eq(sys_op(&sc, "watch", "{\"key\":\"r\",\"prefix\":true,\"from\":"
			    "\"current\",\"for\":1}", &r, &e), DT_OP_FAIL);
	cr_expect(e != NULL && strstr(e, "watch not created") != NULL, "%s", e ? e : "");
	cr_expect_null(r);
	free(e);
}
