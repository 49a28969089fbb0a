/* SPDX-License-Identifier: MIT */
/*
 * The exec client against real programs (tests/systems/exec_misbehave.py,
 * Python): the requests it sends, the replies it takes, and every way a
 * program can break the protocol (garbage, a wrong id, an exit, a kill,
 * a slow reply, a line too long, a refused or silent open), each with
 * its exact message, an info outcome and a fresh process afterwards.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define PROG TEST_SRCDIR "/tests/systems/exec_misbehave.py"

static sys_client sc;

static void teardown_all(void)
{
	sys_client_close(&sc);
}

TestSuite(exec_client, .fini = teardown_all, .timeout = 60);

/* The client on the test program with extra options (JSON members, may
 * be ""), timeout 0.5 s; connection 0 open. */
static void open_prog(const char *extra, const char *args)
{
	char config[2048];

	snprintf(config, sizeof(config), "{\"command\": [\"python3\", \"%s\"%s],"
		 " \"endpoints\": [\"127.0.0.1:7001\", \"127.0.0.1:7002\"]%s%s}",
		 PROG, args, extra[0] ? ", " : "", extra);
	sys_client_connect(&sc, "exec", "register", config, NULL, NULL, 0, 0.5);
}

/* The pid of connection 0's program. */
static pid_t prog_pid(void)
{
	json_t *r = NULL;
	char *e = NULL;
	pid_t pid;

	cr_assert_eq(sys_op(&sc, "pid", "null", &r, &e), DT_OP_OK, "%s", e ? e : "");
	pid = (pid_t)json_integer_value(r);
	json_decref(r);
	cr_assert_gt(pid, 0);
	return pid;
}

/* f is info with exactly `message`, its program is gone (reaped), and
 * the next op runs on a new one. */
static void expect_broken(const char *f, const char *message)
{
	pid_t before = prog_pid(), after;
	json_t *r = NULL;
	char *e = NULL;
	double t0 = sys_now();

	cr_assert_eq(sys_op(&sc, f, "{\"key\": \"r1\"}", &r, &e), DT_OP_INFO,
		     "%s: %s", f, e ? e : "(no error)");
	cr_expect_lt(sys_now() - t0, 1.5, "%s: took %.2f s", f, sys_now() - t0);
	cr_expect_null(r);
	cr_assert_not_null(e, "%s: no error", f);
	cr_expect_str_eq(e, message);
	free(e);
	cr_expect_eq(kill(before, 0), -1, "%s: program %d still there", f,
		     (int)before);
	cr_expect_eq(errno, ESRCH);
	after = prog_pid();
	cr_expect_neq(after, before, "%s: no new process", f);
}

Test(exec_client, requests_and_replies)
{
	json_t *r = NULL, *o;
	char *e = NULL;

	open_prog("", "");
	/* a keyed argument is spread into key and value, and an ok value
	 * goes back in the same shape */
	cr_assert_eq(sys_op(&sc, "echo", "{\"key\": \"r1\", \"value\": [1, 4]}",
			    &r, &e), DT_OP_OK);
	o = json_pack("{s:s,s:[i,i]}", "key", "r1", "value", 1, 4);
	cr_expect(json_equal(r, o), "%s", json_dumps(r, 0));
	json_decref(o);
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "request", "{\"key\": \"r2\"}", &r, &e), DT_OP_OK);
	o = json_object_get(r, "value");
	cr_expect_str_eq(json_string_value(json_object_get(o, "type")), "invoke");
	cr_expect_str_eq(json_string_value(json_object_get(o, "f")), "request");
	cr_expect_str_eq(json_string_value(json_object_get(o, "key")), "r2");
	cr_expect(json_is_null(json_object_get(o, "value")));
	cr_expect_str_eq(json_string_value(json_object_get(o, "node")), "n1");
	cr_expect_str_eq(json_string_value(json_object_get(o, "address")), "127.0.0.1:7001");
	cr_expect_eq(json_integer_value(json_object_get(o, "id")), 3,
		     "open was request 1, echo 2");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "opened", "null", &r, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(json_object_get(r, "type")), "open");
	cr_expect_eq(json_integer_value(json_object_get(r, "protocol")), 1);
	cr_expect_eq(json_integer_value(json_object_get(r, "worker")), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r, "workload")), "register");
	cr_expect_eq(json_array_size(json_object_get(r, "nodes")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "nodes"), 1), "address")), "127.0.0.1:7002");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(r, "nodes"), 1), "port")), 7002);
	json_decref(r);
	/* an unkeyed value goes as it is; ok without a value records the
	 * invoke's; fail and info carry their error */
	cr_assert_eq(sys_op(&sc, "echo", "[5, 6]", &r, &e), DT_OP_OK);
	cr_expect_eq(json_integer_value(json_array_get(r, 1)), 6);
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "nothing", "{\"key\": \"r1\"}", &r, &e), DT_OP_OK);
	cr_expect_null(r);
	cr_assert_eq(sys_op(&sc, "fail", "null", &r, &e), DT_OP_FAIL);
	cr_expect_str_eq(e, "nope");
	free(e);
	e = NULL;
	cr_assert_eq(sys_op(&sc, "info", "null", &r, &e), DT_OP_INFO);
	cr_expect_str_eq(e, "gave up");
	free(e);
}

Test(exec_client, command_env_and_node)
{
	json_t *r = NULL;
	char *e = NULL;

	open_prog("\"env\": {\"DT_TEST_X\": \"forty two\", \"HOME\": \"/nowhere\"},"
		  " \"node\": \"n2\"", ", \"{nodes}\", \"a{store}b\"");
	cr_assert_eq(sys_op(&sc, "argv", "null", &r, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(json_array_get(r, 0)),
			 "127.0.0.1:7001,127.0.0.1:7002");
	cr_expect_str_eq(json_string_value(json_array_get(r, 1)), "a/tmpb");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "env", "\"DT_TEST_X\"", &r, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(r), "forty two");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "env", "\"HOME\"", &r, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(r), "/nowhere", "replaced, not doubled");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "env", "\"PATH\"", &r, &e), DT_OP_OK);
	cr_expect_not_null(json_string_value(r), "DT's own environment is kept");
	json_decref(r);
	cr_assert_eq(sys_op(&sc, "request", "null", &r, &e), DT_OP_OK);
	cr_expect_str_eq(json_string_value(json_object_get(r, "node")), "n2");
	json_decref(r);
}

Test(exec_client, garbage)
{
	open_prog("", "");
	expect_broken("garbage", "worker 0: line 3 of the program's stdout, in "
		      "reply to invoke request 3: expected a JSON object {\"id\": 3, "
		      "\"type\": ...} (not JSON: '[' or '{' expected near 'garbage' "
		      "at column 7), got 'garbage here'");
}

Test(exec_client, wrong_id)
{
	open_prog("", "");
	expect_broken("wrong-id", "worker 0: line 3 of the program's stdout, in "
		      "reply to invoke request 3: expected the reply to request 3, "
		      "found one for 4, got '{\"id\": 4, \"type\": \"ok\"}'");
}

/* A second reply to request 2 is taken for the reply to request 3. */
Test(exec_client, two_replies)
{
	char *e = NULL;
	json_t *r = NULL;

	open_prog("", "");
	cr_assert_eq(sys_op_simple(&sc, "twice", "null"), DT_OP_OK);
	cr_assert_eq(sys_op(&sc, "nothing", "null", &r, &e), DT_OP_INFO);
	cr_expect_str_eq(e, "worker 0: line 3 of the program's stdout, in "
			 "reply to invoke request 3: expected the reply to "
			 "request 3, found one for 2, got '{\"id\": 2, "
			 "\"type\": \"ok\"}'");
	free(e);
	cr_expect_gt(prog_pid(), 0, "a new program");
}

Test(exec_client, no_type_or_unknown)
{
	open_prog("", "");
	expect_broken("no-type", "worker 0: line 3 of the program's stdout, in "
		      "reply to invoke request 3: expected \"type\": \"ok\", "
		      "\"fail\" or \"info\", found no type, got '{\"id\": 3}'");
	/* a new program each time: open (1), pid (2), pid (3), the op (4) */
	expect_broken("bad-type", "worker 0: line 4 of the program's stdout, in "
		      "reply to invoke request 4: expected \"type\": \"ok\", "
		      "\"fail\" or \"info\", found another, got '{\"id\": 4, "
		      "\"type\": \"maybe\"}'");
	expect_broken("array", "worker 0: line 4 of the program's stdout, in "
		      "reply to invoke request 4: expected a JSON object "
		      "{\"id\": 4, \"type\": ...}, got '[4, \"ok\"]'");
}

Test(exec_client, exit)
{
	open_prog("", "");
	expect_broken("exit", "worker 0: the program exited with status 3 before "
		      "its reply to invoke request 3");
	/* a new program: open (1), pid (2), pid (3), the op (4) */
	expect_broken("kill", "worker 0: the program was killed by signal 9 "
		      "(Killed) before its reply to invoke request 4");
}

Test(exec_client, closed_stdout)
{
	open_prog("", "");
	expect_broken("close-stdout", "worker 0: the program closed its stdout "
		      "before its reply to invoke request 3");
}

Test(exec_client, slow)
{
	open_prog("", "");
	expect_broken("slow", "worker 0: no reply to invoke request 3 within 0.5 s");
}

Test(exec_client, huge_line)
{
	open_prog("\"max-line\": \"64KiB\"", "");
	expect_broken("huge", "worker 0: line 3 of the program's stdout is longer "
		      "than max-line (65536 bytes), in reply to invoke request 3");
}

Test(exec_client, stderr_does_not_block)
{
	open_prog("", "");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(sys_op_simple(&sc, "stderr", "null"), DT_OP_OK);
}

Test(exec_client, refused_open)
{
	char err[DT_ERRBUF_SIZE] = "";
	char config[1024];

	snprintf(config, sizeof(config), "{\"command\": [\"python3\", \"%s\", "
		 "\"--refuse\"]}", PROG);
	cr_assert(sys_client_open(&sc, "exec", "register", config, NULL, NULL,
				  0, 0.5, err), "%s", err);
	cr_expect_null(sc.type->connect(sc.client, 2, err));
	cr_expect_str_eq(err, "worker 2: the program refused to open: no cluster here");
}

Test(exec_client, silent_open)
{
	char err[DT_ERRBUF_SIZE] = "";
	char config[1024];

	snprintf(config, sizeof(config), "{\"command\": [\"python3\", \"%s\", "
		 "\"--mute\"], \"open-timeout\": \"300ms\"}", PROG);
	cr_assert(sys_client_open(&sc, "exec", "register", config, NULL, NULL,
				  0, 0.5, err), "%s", err);
	cr_expect_null(sc.type->connect(sc.client, 0, err));
	cr_expect_str_eq(err, "worker 0: no reply to open request 1 within 0.3 s");
}

Test(exec_client, not_found)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert(sys_client_open(&sc, "exec", "register",
				  "{\"command\": [\"dt-no-such-client\"]}", NULL,
				  NULL, 0, 0.5, err), "%s", err);
	cr_expect_null(sc.type->connect(sc.client, 0, err));
	cr_expect_str_eq(err, "dt-no-such-client: command not found");
}

Test(exec_client, setup_and_metrics)
{
	char mark[] = "/tmp/dt-exec-mark-XXXXXX", text[64] = "", extra[256];
	json_t *m;
	FILE *f;
	int fd = mkstemp(mark);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(extra, sizeof(extra), "\"setup\": true, \"metrics\": true, \"roles\": true, "
		 "\"env\": {\"MARK\": \"%s\"}", mark);
	open_prog(extra, "");
	f = fopen(mark, "r");
	cr_assert_not_null(f);
	cr_expect_not_null(fgets(text, sizeof(text), f));
	fclose(f);
	unlink(mark);
	cr_expect_str_eq(text, "setup\n");
	m = sc.type->metrics(sc.client);
	cr_assert_not_null(m);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(m, "n1"),
							"ops")), 7);
	json_decref(m);
	m = sc.type->roles(sc.client);
	cr_assert_not_null(m);
	cr_expect_str_eq(json_string_value(json_object_get(m, "n1")), "primary");
	cr_expect_str_eq(json_string_value(json_object_get(m, "n2")), "replica");
	json_decref(m);
}

/* A suite whose nemesis aims at a role needs roles: true, refused by
 * dt-run check-suite with the line of the key otherwise. */
Test(exec_client, role_target_needs_roles)
{
	char path[] = "/tmp/dt-exec-suite-XXXXXX", cmd[1024], out[1024] = "";
	FILE *in = fopen(TEST_SRCDIR "/suites/redis-exec.yaml", "r"), *f, *p;
	char text[8192], *at;
	size_t n;
	int fd = mkstemp(path);

	cr_assert_not_null(in);
	cr_assert_geq(fd, 0);
	n = fread(text, 1, sizeof(text) - 1, in);
	fclose(in);
	text[n] = '\0';
	at = strstr(text, "roles: true ");
	cr_assert_not_null(at);
	memcpy(at, "roles: false", 12);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/core/dt-run check-suite %s 2>&1", TEST_BUILDDIR, path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_expect_not_null(fgets(out, sizeof(out), p));
	pclose(p);
	unlink(path);
	at = strstr(out, path);
	cr_assert_not_null(at, "%s", out);
	cr_expect_str_eq(at + strlen(path), ":13:3: client.roles: nemesis[1] aims at a "
			 "role: the program must answer roles requests (roles: true)\n");
}

/* The table refuses what it must before anything starts. */
Test(exec_client, options_checked)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_expect(!sys_client_open(&sc, "exec", "register", "{}", NULL, NULL, 0,
				   0.5, err));
	cr_expect(strstr(err, "command") != NULL, "%s", err);
	sys_client_close(&sc);
	cr_expect(!sys_client_open(&sc, "exec", "register",
				   "{\"command\": [\"x\"], \"comand\": 1}", NULL,
				   NULL, 0, 0.5, err));
	cr_expect(strstr(err, "comand") != NULL, "%s", err);
	sys_client_close(&sc);
	cr_expect(!sys_client_open(&sc, "exec", "register",
				   "{\"command\": [\"\"]}", NULL, NULL, 0, 0.5, err));
	cr_expect_str_eq(err, "command: the program's name is empty");
}
