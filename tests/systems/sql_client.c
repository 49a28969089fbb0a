/*
 * The postgres and mariadb clients against real servers (PostgreSQL 15
 * and MariaDB 10.11 on 127.0.0.1, started as their system users): the
 * register, bank and set workloads, transactions of micro-ops (list-append
 * and rw-register) checked afterwards by SQL with psql and mariadb, bad
 * micro-ops refused with nothing written, a serialization failure and a
 * lock wait as fails with their SQLSTATE, and a paused server: an
 * autocommit write without an answer is info, a read or an unfinished
 * transaction a fail.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sql_servers.h"

static sys_server srv;
static sys_client sc;

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (the servers run as postgres and mysql)");
}

static void start_pg(void)
{
	need_root();
	if (!sql_postgres_start(&srv)) {
		/* fini does not run after a failed init: leave nothing */
		sql_server_stop(&srv);
		cr_assert_fail("postgres did not start");
	}
}

static void start_my(void)
{
	need_root();
	if (!sql_mariadb_start(&srv)) {
		sql_server_stop(&srv);
		cr_assert_fail("mariadb did not start");
	}
}

static void stop_all(void)
{
	sys_client_close(&sc);
	sql_server_stop(&srv);
}

/* The client of the server under test ("postgres" or "mariadb"). */
static void open_client(const char *workload, const char *config,
			const char *wconfig, double timeout)
{
	sys_client_connect(&sc, srv.kind, workload, config, wconfig, &srv, 1,
			   timeout);
}

/* One SQL answer, trimmed, that must come. */
static void query(const char *sql, char *out, size_t size)
{
	const char *db = strcmp(srv.kind, "mariadb") == 0 ? "dt" : NULL;
	size_t n;

	cr_assert_eq(sql_query(&srv, db, sql, out, size), 0, "%s: %s", sql, out);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
}

/* A txn that must succeed: its completed value as compact JSON. */
static void txn_ok(const char *value, char *out, size_t size)
{
	json_t *r;
	char *e, *text;

	cr_assert_eq(sys_op(&sc, "txn", value, &r, &e), DT_OP_OK, "%s: %s", value,
		     e ? e : "");
	text = json_dumps(r, JSON_COMPACT);
	snprintf(out, size, "%s", text);
	free(text);
	json_decref(r);
	free(e);
}

/* A txn that must fail: its error must hold `why`. */
static void txn_fails(const char *value, dt_op_type want, const char *why)
{
	json_t *r;
	char *e;
	dt_op_type t = sys_op(&sc, "txn", value, &r, &e);

	cr_assert_eq(t, want, "%s: %s, not %s (%s)", value, dt_op_type_name(t),
		     dt_op_type_name(want), e ? e : "");
	cr_assert_null(r, "a txn that did not succeed has no value");
	cr_assert(e != NULL && strstr(e, why) != NULL, "error '%s' lacks '%s'",
		  e ? e : "(none)", why);
	free(e);
}

/* ---- the shared cases, run against each server ---------------------- */

static void register_ops(void)
{
	open_client("register", NULL, NULL, 2);
	cr_assert_eq(sys_read_int(&sc, "r0"), -1);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r0\",\"value\":3}"), DT_OP_OK);
	cr_assert_eq(sys_read_int(&sc, "r0"), 3);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,4]}"), DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[3,5]}"), DT_OP_FAIL);
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r0\",\"value\":[4,4]}"), DT_OP_OK,
		     "a cas to the value it holds matches");
	cr_assert_eq(sys_op_simple(&sc, "cas", "{\"key\":\"r9\",\"value\":[0,1]}"), DT_OP_FAIL);
	cr_assert_eq(sys_read_int(&sc, "r0"), 4);
	cr_assert_eq(sys_op_simple(&sc, "frob", "{\"key\":\"r0\"}"), DT_OP_FAIL);
}

static void bank_ops(const char *config)
{
	json_t *r;
	char *e, out[256];
	json_int_t sum = 0;
	size_t i;
	json_t *b;

	open_client("bank", config, "{\"accounts\":3,\"balance\":100}", 2);
	cr_assert_eq(sys_op_simple(&sc, "transfer",
				   "{\"from\":0,\"to\":1,\"amount\":30}"), DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "transfer", "{\"from\":2,\"to\":0,\"amount\":101}",
			    &r, &e), DT_OP_FAIL);
	cr_assert(e != NULL && strstr(e, "insufficient funds"), "%s", e);
	free(e);
	cr_assert_eq(sys_op(&sc, "read", "null", &r, &e), DT_OP_OK, "%s", e ? e : "");
	cr_assert_eq(json_array_size(r), 3);
	json_array_foreach(r, i, b)
		sum += json_integer_value(b);
	cr_assert_eq(json_integer_value(json_array_get(r, 0)), 70);
	cr_assert_eq(json_integer_value(json_array_get(r, 1)), 130);
	cr_assert_eq(sum, 300);
	json_decref(r);
	query("SELECT balance FROM dt_bank ORDER BY id", out, sizeof(out));
	cr_assert_str_eq(out, "70\n130\n100");
}

static void list_append(void)
{
	char out[512];

	open_client("list-append", NULL, NULL, 2);
	txn_ok("[[\"append\",1,1],[\"append\",1,2],[\"r\",1,null],[\"r\",2,null]]",
	       out, sizeof(out));
	cr_assert_str_eq(out, "[[\"append\",1,1],[\"append\",1,2],[\"r\",1,[1,2]],"
			 "[\"r\",2,[]]]", "reads see the transaction's own appends");
	txn_ok("[[\"r\",1,null],[\"append\",2,7],[\"append\",1,3]]", out, sizeof(out));
	cr_assert_str_eq(out, "[[\"r\",1,[1,2]],[\"append\",2,7],[\"append\",1,3]]");
	txn_ok("[[\"r\",1,null],[\"r\",2,null]]", out, sizeof(out));
	cr_assert_str_eq(out, "[[\"r\",1,[1,2,3]],[\"r\",2,[7]]]");
	/* by SQL: the rows hold what was appended, in order */
	query("SELECT k || '=' || v FROM dt_append ORDER BY k", out, sizeof(out));
	if (strcmp(srv.kind, "mariadb") == 0)
		query("SELECT CONCAT(k, '=', v) FROM dt_append ORDER BY k", out,
		      sizeof(out));
	cr_assert_str_eq(out, "1=1,2,3\n2=7");
}

static void rw_register(void)
{
	char out[512];

	open_client("rw-register", NULL, NULL, 2);
	txn_ok("[[\"r\",5,null],[\"w\",5,1],[\"r\",5,null]]", out, sizeof(out));
	cr_assert_str_eq(out, "[[\"r\",5,null],[\"w\",5,1],[\"r\",5,1]]");
	txn_ok("[[\"w\",5,2],[\"w\",6,3]]", out, sizeof(out));
	txn_ok("[[\"r\",5,null],[\"r\",6,null]]", out, sizeof(out));
	cr_assert_str_eq(out, "[[\"r\",5,2],[\"r\",6,3]]");
	query("SELECT v FROM dt_register WHERE k = '5'", out, sizeof(out));
	cr_assert_str_eq(out, "2");
}

/* The set: adds, then a read of the whole set, and by SQL. */
static void set_ops(void)
{
	json_t *r;
	char *e, out[256], *text;

	open_client("set", NULL, NULL, 2);
	cr_assert_eq(sys_op_simple(&sc, "add", "2"), DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "add", "1"), DT_OP_OK);
	cr_assert_eq(sys_op_simple(&sc, "add", "1"), DT_OP_FAIL,
		     "a duplicate element is refused by the key: nothing happened");
	cr_assert_eq(sys_op(&sc, "read", "null", &r, &e), DT_OP_OK, "%s", e ? e : "");
	text = json_dumps(r, JSON_COMPACT);
	cr_assert_str_eq(text, "[1,2]");
	free(text);
	json_decref(r);
	query("SELECT count(*) FROM dt_set", out, sizeof(out));
	cr_assert_str_eq(out, "2");
}

/* Refused before anything is sent, or rolled back: nothing written. */
static void bad_micro_ops(void)
{
	char out[64];

	open_client("list-append", NULL, NULL, 2);
	txn_fails("[[\"append\",1,1],[\"frob\",1,2]]", DT_OP_FAIL, "no micro-op 'frob'");
	txn_fails("[[\"append\",1]]", DT_OP_FAIL, "expected [F, KEY, VALUE]");
	txn_fails("[[\"append\",[1],1]]", DT_OP_FAIL, "key must be");
	txn_fails("[]", DT_OP_FAIL, "list of micro-ops");
	txn_fails("[[\"append\",3,1],[\"append\",3,\"a,b\"]]", DT_OP_FAIL,
		  "may not hold a comma");
	query("SELECT count(*) FROM dt_append", out, sizeof(out));
	cr_assert_str_eq(out, "0", "the first append of a failed txn was rolled back");
}

/* Paused: an autocommit write without an answer is info, a read and a
 * transaction whose COMMIT was never sent are fails. */
static void paused(void)
{
	json_t *r;
	char *e;

	/* 2 s: long enough for a loaded machine (or valgrind) when the
	 * server runs, each paused op waits it out */
	open_client("register", NULL, NULL, 2);
	cr_assert_eq(sys_op_simple(&sc, "write", "{\"key\":\"r1\",\"value\":1}"), DT_OP_OK);
	cr_assert(sql_server_pause(&srv));
	cr_assert_eq(sys_op(&sc, "write", "{\"key\":\"r1\",\"value\":2}", &r, &e),
		     DT_OP_INFO, "%s", e ? e : "");
	cr_assert(e != NULL && strstr(e, "timeout"), "%s", e);
	free(e);
	cr_assert_eq(sys_op_simple(&sc, "read", "{\"key\":\"r1\"}"), DT_OP_FAIL);
	sys_client_close(&sc);
	sql_server_resume(&srv);
	open_client("list-append", NULL, NULL, 2);
	txn_ok("[[\"append\",1,1]]", (char[256]){ 0 }, 256);
	cr_assert(sql_server_pause(&srv));
	txn_fails("[[\"append\",1,2],[\"r\",1,null]]", DT_OP_FAIL, "timeout");
	sql_server_resume(&srv);
	/* the connection was dropped: the next op makes a new one */
	txn_ok("[[\"r\",1,null]]", (char[256]){ 0 }, 256);
}

/* ---- postgres ---------------------------------------------------------- */

TestSuite(pg_client, .init = start_pg, .fini = stop_all, .timeout = 180);

Test(pg_client, register_ops) { register_ops(); }
Test(pg_client, bank) { bank_ops(NULL); }
Test(pg_client, bank_read_write) { bank_ops("{\"transfer\":\"read-write\"}"); }
Test(pg_client, list_append) { list_append(); }
Test(pg_client, rw_register) { rw_register(); }
Test(pg_client, bad_micro_ops) { bad_micro_ops(); }
Test(pg_client, set) { set_ops(); }
Test(pg_client, paused) { paused(); }

/* Another session updates the key in a serializable transaction and
 * commits while ours waits for the row: ours must fail with 40001 and
 * its append must not be there. */
Test(pg_client, serialization_failure)
{
	char out[256];
	int pid;

	open_client("list-append", "{\"isolation\":\"serializable\"}", NULL, 5);
	txn_ok("[[\"append\",1,1]]", out, sizeof(out));
	pid = sql_query_async(&srv, NULL, "BEGIN ISOLATION LEVEL SERIALIZABLE; "
			      "UPDATE dt_append SET v = v || ',9' WHERE k = '1'; "
			      "SELECT pg_sleep(1); COMMIT");
	dt_sleep(0.4);
	txn_fails("[[\"r\",2,null],[\"append\",1,2]]", DT_OP_FAIL, "SQLSTATE 40001");
	cr_assert_eq(sql_wait(pid), 0);
	query("SELECT v FROM dt_append WHERE k = '1'", out, sizeof(out));
	cr_assert_str_eq(out, "1,9");
}

Test(pg_client, isolation_levels)
{
	char out[256];

	/* each level runs (SET by BEGIN ... ISOLATION LEVEL) */
	for (int i = 0; i < 3; i++) {
		static const char *const cfg[] = {
			"{\"isolation\":\"read-committed\"}",
			"{\"isolation\":\"repeatable-read\"}",
			"{\"isolation\":\"serializable\"}",
		};

		open_client("list-append", cfg[i], NULL, 2);
		txn_ok("[[\"append\",1,1],[\"r\",1,null]]", out, sizeof(out));
		cr_assert_str_eq(out, "[[\"append\",1,1],[\"r\",1,[1]]]");
		sys_client_close(&sc);
	}
}

/* ---- mariadb ----------------------------------------------------------- */

TestSuite(my_client, .init = start_my, .fini = stop_all, .timeout = 180);

Test(my_client, register_ops) { register_ops(); }
Test(my_client, bank) { bank_ops(NULL); }
Test(my_client, bank_read_write) { bank_ops("{\"transfer\":\"read-write\"}"); }
Test(my_client, list_append) { list_append(); }
Test(my_client, rw_register) { rw_register(); }
Test(my_client, bad_micro_ops) { bad_micro_ops(); }
Test(my_client, set) { set_ops(); }
Test(my_client, paused) { paused(); }

/* Another session holds the row's lock past our deadline: our
 * transaction had sent no COMMIT, so it is a fail, and its append is
 * not there once the other is done. */
Test(my_client, lock_wait_past_the_deadline)
{
	char out[256];
	int pid;

	open_client("list-append", NULL, NULL, 0.5);
	txn_ok("[[\"append\",1,1]]", out, sizeof(out));
	pid = sql_query_async(&srv, "dt", "START TRANSACTION; "
			      "SELECT v FROM dt_append WHERE k = '1' FOR UPDATE; "
			      "SELECT SLEEP(1.5); COMMIT");
	dt_sleep(0.3);
	txn_fails("[[\"append\",1,2]]", DT_OP_FAIL, "timeout");
	cr_assert_eq(sql_wait(pid), 0);
	query("SELECT v FROM dt_append WHERE k = '1'", out, sizeof(out));
	cr_assert_str_eq(out, "1");
}

/* Deadlock (1213, 40001): the other session locks key 2 then key 1,
 * ours key 1 then key 2; InnoDB rolls one back. */
Test(my_client, deadlock_is_a_fail)
{
	char out[256];
	int pid;

	open_client("list-append", NULL, NULL, 5);
	txn_ok("[[\"append\",1,1],[\"append\",2,1]]", out, sizeof(out));
	pid = sql_query_async(&srv, "dt", "START TRANSACTION; "
			      "UPDATE dt_append SET v = CONCAT(v, ',8') WHERE k = '2'; "
			      "SELECT SLEEP(0.6); "
			      "UPDATE dt_append SET v = CONCAT(v, ',8') WHERE k = '1'; "
			      "COMMIT");
	dt_sleep(0.2);
	{
		json_t *r;
		char *e;
		dt_op_type t = sys_op(&sc, "txn", "[[\"append\",1,2],[\"r\",3,null],"
				      "[\"append\",2,2]]", &r, &e);

		sql_wait(pid);
		/* one of the two is the victim; when it is ours, 1213 */
		if (t != DT_OP_OK) {
			cr_assert_eq(t, DT_OP_FAIL, "%s", e ? e : "");
			cr_assert(e != NULL && strstr(e, "(1213)") &&
				  strstr(e, "SQLSTATE 40001"), "%s", e);
			query("SELECT v FROM dt_append WHERE k = '1'", out, sizeof(out));
			cr_assert_str_eq(out, "1,8");
		} else {
			query("SELECT v FROM dt_append WHERE k = '1'", out, sizeof(out));
			cr_assert_str_eq(out, "1,2");
		}
		json_decref(r);
		free(e);
	}
}
