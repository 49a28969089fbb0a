/* SPDX-License-Identifier: MIT */
/*
 * security.c: the attacks of issue 16 on a real dtd of the build, each
 * tried as the review tried it: dtd as root, the attacker a second uid
 * (nobody) where the attack needs one.  Each test passes only when dtd
 * withstands it.
 *
 *   state folder   someone else's state folder, store or token; a
 *                  planted index row outside the store; no /tmp default
 *   store          a lost index or a second dtd never writes over a run
 *   files          links, FIFOs and others' files in a run folder or the
 *                  dashboard are not served (and block nothing)
 *   index          a damaged dtd.db stops dtd at start; a failed query
 *                  is a 500; rebuild-index makes it anew from the store
 *   Host           only loopback names and configured ones (421)
 *   streams        capped in total and per address, with a lifetime
 *   memory         metrics of a large history, many at once
 *   smaller        frame headers, queue cap and bulk cancel, quotas,
 *                  suite names, a run whose folder is gone, a numeric
 *                  token
 */
#define _GNU_SOURCE /* strcasestr */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

static dtd_proc d;
static char tmp[64];

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/dtd-sec.XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	/* The attacker (nobody) must reach the folders given to it. */
	chmod(tmp, 0755);
}

static void teardown(void)
{
	char cmd[128];

	dtd_stop(&d); /* also when it never started: its folder goes */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(dtd_security, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ------------------------------------------------------------- */

static uid_t attacker(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() != 0 || pw == NULL)
		cr_skip_test("needs root and the user nobody (the attacker)");
	return pw->pw_uid;
}

static void mkdir_as(const char *path, mode_t mode, uid_t uid)
{
	cr_assert(mkdir(path, mode) == 0 || errno == EEXIST, "%s: %s", path, strerror(errno));
	cr_assert_eq(chown(path, uid, (gid_t)uid), 0);
	cr_assert_eq(chmod(path, mode), 0);
}

static void write_as(const char *path, const char *text, mode_t mode, uid_t uid)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chown(path, uid, (gid_t)uid), 0);
	cr_assert_eq(chmod(path, mode), 0);
}

/* dtd must refuse to start with the state folder `state`; its message
 * must contain each of the NULL-ended words. */
static void expect_refused(const char *state, const char *const *extra,
			   const char *const *words)
{
	const char *argv[16] = { "dtd", "--listen", "127.0.0.1:0", "--state-dir", state };
	char out[4096];
	int n = 5, rc;

	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	rc = dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out));
	cr_expect_neq(rc, DTD_TRY_STARTED, "dtd started with %s: %s", state, out);
	cr_expect_neq(rc, 0, "dtd exited 0: %s", out);
	for (size_t i = 0; words[i] != NULL; i++)
		cr_expect(strstr(out, words[i]) != NULL, "no '%s' in: %s", words[i], out);
}

/* A finished dtd-bank run of d; its id. */
static long long short_run(void)
{
	long long id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}");
	json_t *run;

	cr_assert_gt(id, 0, "no run");
	run = wait_run(&d, id, 60);
	cr_assert_str_eq(json_string_value(json_object_get(run, "status")), "done");
	json_decref(run);
	return id;
}

/* The store folder of run id (static buffer). */
static const char *run_folder(long long id)
{
	static char dir[512];
	char path[64];
	http_reply r;
	json_t *j;

	snprintf(path, sizeof(path), "/api/runs/%lld", id);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	j = http_json(&r);
	snprintf(dir, sizeof(dir), "%s", json_string_value(json_object_get(j, "store")));
	json_decref(j);
	http_reply_free(&r);
	return dir;
}

static long get_status(const char *path, const char *token, char *body, size_t size)
{
	http_reply r;
	long st;

	cr_assert_eq(http(&d, "GET", path, NULL, token, &r), 0, "GET %s: no reply", path);
	st = r.status;
	if (body != NULL)
		snprintf(body, size, "%s", r.body);
	http_reply_free(&r);
	return st;
}

static void sql(const char *db, const char *stmt)
{
	sqlite3 *h;
	char *msg = NULL;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	cr_assert_eq(sqlite3_exec(h, stmt, NULL, NULL, &msg), SQLITE_OK, "%s: %s", stmt,
		     msg ? msg : "");
	sqlite3_close(h);
}

/* ---- 2. state folders ------------------------------------------------------ */

Test(dtd_security, a_state_folder_someone_else_made_is_refused)
{
	uid_t evil = attacker();
	char state[128], token[256], store[256], target[256];

	/* The review's: a 0777 folder of the attacker's, their token (0644)
	 * and store.  dtd used to start and take that token. */
	snprintf(state, sizeof(state), "%s/theirs", tmp);
	mkdir_as(state, 0777, evil);
	snprintf(token, sizeof(token), "%s/token", state);
	write_as(token, "attacker-token-0123456789\n", 0644, evil);
	snprintf(store, sizeof(store), "%s/store", state);
	mkdir_as(store, 0755, evil);
	expect_refused(state, NULL, (const char *const[]){ "state folder", state,
			"belongs to uid", "remove it or choose another folder", NULL });
	/* The folder ours, but open to everyone. */
	cr_assert_eq(chown(state, 0, 0), 0);
	expect_refused(state, NULL, (const char *const[]){ "writable by group and others",
			"chmod go-w", NULL });
	/* Ours and closed, the store theirs. */
	cr_assert_eq(chmod(state, 0700), 0);
	expect_refused(state, NULL, (const char *const[]){ "store", "belongs to uid", NULL });
	/* The store ours, the token theirs. */
	cr_assert_eq(chown(store, 0, 0), 0);
	expect_refused(state, NULL, (const char *const[]){ "token", "belongs to uid", NULL });
	/* Our token, but readable by all. */
	cr_assert_eq(chown(token, 0, 0), 0);
	expect_refused(state, NULL, (const char *const[]){ "token", "chmod 600", NULL });
	/* A token that is a link (to a file someone else wrote). */
	unlink(token);
	snprintf(target, sizeof(target), "%s/planted", tmp);
	write_as(target, "attacker-token-0123456789\n", 0600, 0);
	cr_assert_eq(symlink(target, token), 0);
	expect_refused(state, NULL, (const char *const[]){ "symbolic link", NULL });
}

Test(dtd_security, a_state_folder_that_is_a_link_is_refused)
{
	char real[128], link[128];

	attacker();
	snprintf(real, sizeof(real), "%s/real", tmp);
	snprintf(link, sizeof(link), "%s/link", tmp);
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink(real, link), 0);
	expect_refused(link, NULL, (const char *const[]){ "symbolic link", NULL });
}

Test(dtd_security, without_home_the_state_folder_is_not_in_tmp)
{
	uid_t evil = attacker();
	const char *argv[] = { "dtd", "--listen", "127.0.0.1:0", NULL };
	char *env[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	char out[4096];
	struct stat st;
	bool had = lstat("/tmp/.local", &st) == 0;
	int rc;

	rc = dtd_try(argv, evil, "/", env, out, sizeof(out));
	if (!had && lstat("/tmp/.local", &st) == 0 && st.st_uid == evil)
		cr_expect_eq(system("rm -rf /tmp/.local"), 0); /* made by the old dtd */
	cr_expect_neq(rc, DTD_TRY_STARTED, "dtd started with its state under /tmp: %s", out);
	cr_expect(strstr(out, "HOME and XDG_STATE_HOME are not set") != NULL, "%s", out);
	cr_expect(strstr(out, "--state-dir") != NULL, "%s", out);
}

Test(dtd_security, a_planted_index_row_reaches_nothing_outside_the_store)
{
	char db[400], outside[128], file[256], body[4096], stmt[1024], link[600];
	long long id;
	struct stat st;

	attacker();
	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = short_run();
	(void)id;
	short_run();
	cr_assert_eq(dtd_kill(&d, SIGTERM), 0);
	/* Root's files outside the store, and rows naming them: one
	 * directly, one through a link inside the store. */
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	cr_assert_eq(mkdir(outside, 0700), 0);
	snprintf(file, sizeof(file), "%s/secret.log", outside);
	write_as(file, "root's secret\n", 0600, 0);
	snprintf(file, sizeof(file), "%s/history.jsonl", outside);
	write_as(file, "{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n",
		 0600, 0);
	snprintf(link, sizeof(link), "%s/store/dtd-bank/planted", d.state);
	cr_assert_eq(symlink(outside, link), 0);
	snprintf(db, sizeof(db), "%s/dtd.db", d.state);
	snprintf(stmt, sizeof(stmt), "UPDATE runs SET dir='%s' WHERE id=1; "
		 "UPDATE runs SET dir='%s' WHERE id=2;", outside, link);
	sql(db, stmt);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	for (int run = 1; run <= 2; run++) {
		char path[128];

		snprintf(path, sizeof(path), "/api/runs/%d/files/secret.log", run);
		cr_expect_neq(get_status(path, NULL, body, sizeof(body)), 200, "run %d: served", run);
		cr_expect(strstr(body, "root's secret") == NULL, "run %d served %s", run, file);
		snprintf(path, sizeof(path), "/api/runs/%d/history", run);
		cr_expect_eq(get_status(path, NULL, body, sizeof(body)), 403, "run %d: %s", run, body);
		snprintf(path, sizeof(path), "/api/runs/%d", run);
		{
			http_reply r;

			cr_assert_eq(http(&d, "DELETE", path, NULL, d.token, &r), 0);
			cr_expect_neq(r.status, 200, "run %d deleted: %s", run, r.body);
			http_reply_free(&r);
		}
		snprintf(file, sizeof(file), "%s/secret.log", outside);
		cr_expect_eq(stat(file, &st), 0, "DELETE of run %d removed %s", run, file);
	}
}

/* ---- 5. run folders ------------------------------------------------------------ */

Test(dtd_security, a_lost_index_does_not_overwrite_a_kept_run)
{
	char db[400], old[512], path[600], cmd[1300];
	char *before, *after;
	long long id;
	json_t *run;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = short_run();
	snprintf(old, sizeof(old), "%s", run_folder(id));
	snprintf(path, sizeof(path), "%s/history.jsonl", old);
	before = NULL;
	{
		FILE *f = fopen(path, "r");
		size_t n = 0;

		cr_assert_not_null(f);
		cr_assert_eq(getdelim(&before, &n, '\0', f) > 0, 1);
		fclose(f);
	}
	cr_assert_eq(dtd_kill(&d, SIGTERM), 0);
	/* The obvious recovery from a damaged index: delete it. */
	snprintf(db, sizeof(db), "%s/dtd.db", d.state);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}");
	cr_assert_eq(id, 1, "the new index starts at 1 again");
	run = wait_run(&d, id, 60);
	cr_expect_str_neq(json_string_value(json_object_get(run, "store")), old,
			  "the new run 1 took the old run 1's folder");
	json_decref(run);
	{
		FILE *f = fopen(path, "r");
		size_t n = 0;

		after = NULL;
		cr_assert_not_null(f, "%s is gone", path);
		cr_assert_eq(getdelim(&after, &n, '\0', f) > 0, 1);
		fclose(f);
	}
	cr_expect_str_eq(after, before, "the kept history was written over");
	free(before);
	free(after);
}

Test(dtd_security, a_second_dtd_on_the_same_store_is_refused)
{
	char state2[128], store[400];
	const char *argv[] = { "dtd", "--listen", "127.0.0.1:0", "--state-dir", state2,
			       "--store", store, NULL };
	char out[4096];
	int rc;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	snprintf(state2, sizeof(state2), "%s/second", tmp);
	snprintf(store, sizeof(store), "%s/store", d.state);
	rc = dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out));
	cr_expect_neq(rc, DTD_TRY_STARTED, "a second dtd started on %s", store);
	cr_expect(strstr(out, "another dtd uses the store") != NULL, "%s", out);
}

/* ---- 7. files ---------------------------------------------------------------------- */

Test(dtd_security, links_fifos_and_others_files_in_a_run_folder_are_not_served)
{
	uid_t evil = attacker();
	char dir[512], path[700], token[400], url[128], body[4096];
	long long id;
	int fd;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = short_run();
	snprintf(dir, sizeof(dir), "%s", run_folder(id));
	snprintf(token, sizeof(token), "%s/token", d.state);
	snprintf(path, sizeof(path), "%s/loot.txt", dir);
	cr_assert_eq(symlink(token, path), 0);
	snprintf(path, sizeof(path), "%s/shadow.log", dir);
	cr_assert_eq(symlink("/etc/shadow", path), 0);
	snprintf(path, sizeof(path), "%s/theirs.txt", dir);
	write_as(path, "someone else's\n", 0644, evil);
	snprintf(path, sizeof(path), "%s/pipe.log", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	static const char *const names[] = { "loot.txt", "shadow.log", "theirs.txt", "pipe.log" };
	for (size_t i = 0; i < 4; i++) {
		double t0 = mono_s();
		long st;

		snprintf(url, sizeof(url), "/api/runs/%lld/files/%s", id, names[i]);
		st = get_status(url, NULL, body, sizeof(body));
		cr_expect_eq(st, 404, "%s: status %ld: %.80s", names[i], st, body);
		cr_expect(strstr(body, d.token) == NULL, "%s served the token", names[i]);
		cr_expect(strstr(body, "root:") == NULL, "%s served /etc/shadow", names[i]);
		cr_expect_lt(mono_s() - t0, 10, "%s: a server thread waited", names[i]);
	}
	/* Had a thread opened the FIFO, free it so that dtd can stop. */
	fd = open(path, O_WRONLY | O_NONBLOCK);
	if (fd >= 0)
		close(fd);
}

Test(dtd_security, links_and_fifos_in_the_dashboard_are_not_served)
{
	char dash[128], path[256], body[4096];
	const char *extra[] = { "--dashboard", dash, NULL };
	int fd;

	attacker();
	snprintf(dash, sizeof(dash), "%s/dash", tmp);
	cr_assert_eq(mkdir(dash, 0755), 0);
	snprintf(path, sizeof(path), "%s/index.html", dash);
	write_as(path, "<p>dashboard</p>\n", 0644, 0);
	snprintf(path, sizeof(path), "%s/app.js", dash);
	cr_assert_eq(symlink("/etc/shadow", path), 0);
	snprintf(path, sizeof(path), "%s/style.css", dash);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(dtd_start(&d, extra), 0);
	cr_expect_eq(get_status("/", NULL, body, sizeof(body)), 200);
	cr_expect_eq(get_status("/app.js", NULL, body, sizeof(body)), 404, "%.80s", body);
	cr_expect(strstr(body, "root:") == NULL);
	cr_expect_eq(get_status("/style.css", NULL, body, sizeof(body)), 404, "%.80s", body);
	fd = open(path, O_WRONLY | O_NONBLOCK);
	if (fd >= 0)
		close(fd);
}

/* ---- 8. the index ---------------------------------------------------------------- */

/* Random bytes over pages 2 and 3 of the database. */
static void damage(const char *db)
{
	unsigned char junk[8192];
	int fd = open(db, O_WRONLY);

	cr_assert_geq(fd, 0, "%s: %s", db, strerror(errno));
	srand(16);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	cr_assert_eq(pwrite(fd, junk, sizeof(junk), 4096), (ssize_t)sizeof(junk));
	close(fd);
}

Test(dtd_security, a_damaged_index_stops_dtd_and_rebuild_index_makes_it_anew)
{
	char db[400], out[4096], store[400], body[8192], path[128];
	const char *rebuild[] = { "dtd", "rebuild-index", "--state-dir", d.state, NULL };
	long long a, b;
	json_t *j;
	int rc;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	a = short_run();
	b = short_run();
	cr_assert_eq(dtd_kill(&d, SIGTERM), 0);
	snprintf(db, sizeof(db), "%s/dtd.db", d.state);
	snprintf(store, sizeof(store), "%s/store", d.state);
	damage(db);
	expect_refused(d.state, NULL, (const char *const[]){ "damaged", "rebuild-index", NULL });
	/* The index made anew from the store, the damaged one kept aside. */
	rc = dtd_try(rebuild, (uid_t)-1, NULL, NULL, out, sizeof(out));
	cr_assert_eq(rc, 0, "rebuild-index: %s", out);
	cr_expect(strstr(out, "2 run(s), 2 with results") != NULL, "%s", out);
	cr_expect(strstr(out, "dtd.db.bad-") != NULL, "%s", out);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	cr_expect_eq(get_status("/api/runs", NULL, body, sizeof(body)), 200);
	j = json_loads(body, 0, NULL);
	cr_expect_eq(json_integer_value(json_object_get(j, "total")), 2, "%s", body);
	json_decref(j);
	for (long long id = a; id <= b; id++) {
		snprintf(path, sizeof(path), "/api/runs/%lld", id);
		cr_expect_eq(get_status(path, NULL, body, sizeof(body)), 200, "run %lld", id);
		j = json_loads(body, 0, NULL);
		cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "done", "%s", body);
		cr_expect_str_eq(json_string_value(json_object_get(j, "verdict")), "valid", "%s", body);
		json_decref(j);
		snprintf(path, sizeof(path), "/api/runs/%lld/history?limit=2", id);
		cr_expect_eq(get_status(path, NULL, body, sizeof(body)), 200, "%s", body);
	}
	/* The next run takes the next id and a folder of its own. */
	cr_expect_eq(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), b + 1);
}

Test(dtd_security, a_failed_query_is_a_500_not_an_empty_list)
{
	char db[400], body[4096];
	long st;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	short_run();
	/* The schema damaged under a running dtd (its next statement reads
	 * it again: the schema cookie changed). */
	snprintf(db, sizeof(db), "%s/dtd.db", d.state);
	sql(db, "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql='CREATE "
	    "TABLE runs(' WHERE name='runs'; PRAGMA schema_version=99;");
	st = get_status("/api/runs", NULL, body, sizeof(body));
	cr_expect_eq(st, 500, "status %ld: %s", st, body);
	st = get_status("/api/runs/1", NULL, body, sizeof(body));
	cr_expect_eq(st, 500, "status %ld: %s", st, body);
	cr_expect_eq(get_status("/metrics", NULL, body, sizeof(body)), 500, "%s", body);
}

/* ---- 9. Host ---------------------------------------------------------------------- */

static long with_host(const char *path, const char *host)
{
	char h[300];
	const char *headers[] = { h, NULL };
	http_reply r;
	long st;

	snprintf(h, sizeof(h), "Host: %s", host);
	cr_assert_eq(http_ex(&d, "GET", path, NULL, NULL, headers, &r), 0);
	st = r.status;
	http_reply_free(&r);
	return st;
}

Test(dtd_security, only_loopback_and_configured_host_names_are_answered)
{
	const char *extra[] = { "--allow-host", "dt.example.com", NULL };
	char port[64];

	cr_assert_eq(dtd_start(&d, extra), 0);
	/* DNS rebinding: a page of attacker.example whose name resolves to
	 * 127.0.0.1 would read every run. */
	cr_expect_eq(with_host("/api/runs", "attacker.example"), 421);
	cr_expect_eq(with_host("/api/runs", "attacker.example:8080"), 421);
	cr_expect_eq(with_host("/", "attacker.example"), 421);
	cr_expect_eq(with_host("/api/runs", "localhost.attacker.example"), 421);
	snprintf(port, sizeof(port), "localhost:%d", d.port);
	cr_expect_eq(with_host("/api/runs", port), 200);
	snprintf(port, sizeof(port), "127.0.0.1:%d", d.port);
	cr_expect_eq(with_host("/api/runs", port), 200);
	cr_expect_eq(with_host("/api/runs", "[::1]:8080"), 200);
	cr_expect_eq(with_host("/api/runs", "dt.example.com"), 200);
	cr_expect_eq(with_host("/api/runs", "DT.Example.com:443"), 200);
}

Test(dtd_security, reads_can_require_the_token)
{
	const char *extra[] = { "--require-token-for-reads", NULL };
	char cookie[200];
	const char *headers[] = { cookie, NULL };
	http_reply r;

	cr_assert_eq(dtd_start(&d, extra), 0);
	cr_expect_eq(get_status("/api/runs", NULL, NULL, 0), 401);
	cr_expect_eq(get_status("/metrics", NULL, NULL, 0), 401);
	cr_expect_eq(get_status("/api/runs", d.token, NULL, 0), 200);
	cr_expect_eq(get_status("/", NULL, NULL, 0), 200, "the dashboard loads (to enter the token)");
	/* The dashboard's cookie stands for the token on reads, never on
	 * changes. */
	snprintf(cookie, sizeof(cookie), "Cookie: dt_token=%s", d.token);
	cr_assert_eq(http_ex(&d, "GET", "/api/runs", NULL, NULL, headers, &r), 0);
	cr_expect_eq(r.status, 200);
	http_reply_free(&r);
	cr_assert_eq(http_ex(&d, "POST", "/api/runs", "{\"suite\":\"dtd-bank\"}", NULL,
			     headers, &r), 0);
	cr_expect_eq(r.status, 401, "a change with the cookie only: %ld", r.status);
	http_reply_free(&r);
}

/* ---- 6. event streams --------------------------------------------------------------- */

Test(dtd_security, event_streams_cannot_lock_the_address_out)
{
	static int fds[192];
	char req[256], buf[512];
	long long id;
	int n200 = 0, n503 = 0;
	double t0;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":60}");
	cr_assert_gt(id, 0);
	snprintf(req, sizeof(req), "GET /api/runs/%lld/events HTTP/1.1\r\nHost: "
		 "127.0.0.1\r\n\r\n", id);
	for (int i = 0; i < 192; i++) {
		fds[i] = dtd_connect(&d, 0);
		if (fds[i] >= 0 && send(fds[i], req, strlen(req), MSG_NOSIGNAL) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	/* What each got: a stream (200) or a refusal (503). */
	for (int i = 0; i < 192; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		ssize_t k;

		if (fds[i] < 0 || poll(&p, 1, 3000) <= 0)
			continue;
		k = recv(fds[i], buf, sizeof(buf) - 1, 0);
		if (k <= 0)
			continue;
		buf[k] = '\0';
		if (strncmp(buf, "HTTP/1.1 200", 12) == 0)
			n200++;
		else if (strncmp(buf, "HTTP/1.1 503", 12) == 0)
			n503++;
	}
	cr_log_info("192 event streams asked for: %d open, %d refused", n200, n503);
	cr_expect_leq(n200, 16, "%d streams from one address", n200);
	cr_expect_geq(n503, 150, "only %d refused", n503);
	/* The dashboard's user, on the same address, is served at once. */
	t0 = mono_s();
	cr_expect_eq(get_status("/api/runs", NULL, NULL, 0), 200);
	cr_expect_lt(mono_s() - t0, 5, "the honest request waited %.1f s", mono_s() - t0);
	for (int i = 0; i < 192; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	{
		char path[64];
		http_reply r;

		snprintf(path, sizeof(path), "/api/runs/%lld/cancel", id);
		http(&d, "POST", path, NULL, d.token, &r);
		http_reply_free(&r);
		json_decref(wait_run(&d, id, 60));
	}
}

/* Read an event stream until it ends (at most limit seconds): the last
 * "id:" seen, -1 when none; *ended says whether dtd closed it. */
static long long read_stream(const char *path, long long last_id, double limit,
			     bool *ended)
{
	char req[256], buf[4096];
	int fd = dtd_connect(&d, 0);
	long long last = -1;
	double t0 = mono_s();

	*ended = false;
	cr_assert_geq(fd, 0);
	if (last_id >= 0)
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Last-Event-ID: %lld\r\n\r\n", path, last_id);
	else
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	cr_assert_gt(send(fd, req, strlen(req), MSG_NOSIGNAL), 0);
	while (mono_s() - t0 < limit) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (poll(&p, 1, 500) <= 0)
			continue;
		k = recv(fd, buf, sizeof(buf) - 1, 0);
		if (k <= 0) {
			*ended = true;
			break;
		}
		buf[k] = '\0';
		for (char *l = strstr(buf, "\nid: "); l != NULL; l = strstr(l + 1, "\nid: "))
			last = atoll(l + 5);
		if (strstr(buf, "\r\n0\r\n\r\n") != NULL) { /* the chunked end */
			*ended = true;
			break;
		}
	}
	close(fd);
	return last;
}

Test(dtd_security, an_event_stream_ends_at_its_lifetime_and_resumes)
{
	char conf[300], path[64];
	const char *extra[] = { "--config", conf, NULL };
	long long id, first, second;
	bool ended;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/dtd.yaml", tmp);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("stream-lifetime: 1s\n", f);
	fclose(f);
	cr_assert_eq(dtd_start(&d, extra), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":30}");
	cr_assert_gt(id, 0);
	snprintf(path, sizeof(path), "/api/runs/%lld/events", id);
	first = read_stream(path, -1, 15, &ended);
	cr_expect(ended, "a stream of a 30 s run was not ended after 15 s (lifetime 1 s)");
	/* The browser comes back with the last id it saw and goes on. */
	second = read_stream(path, first, 15, &ended);
	cr_expect(ended);
	cr_expect_gt(second, first, "no event after Last-Event-ID %lld (got %lld)", first, second);
	snprintf(path, sizeof(path), "/api/runs/%lld/cancel", id);
	{
		http_reply r;

		http(&d, "POST", path, NULL, d.token, &r);
		http_reply_free(&r);
	}
	json_decref(wait_run(&d, id, 60));
}

/* ---- 4. memory ---------------------------------------------------------------------- */

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* A history of about `mb` MB: invokes and oks of 32 processes over
 * 30 s, a nemesis interval. */
static void big_history(const char *path, int mb)
{
	FILE *f = fopen(path, "w");
	long long index = 0;
	long bytes = 0;

	cr_assert_not_null(f);
	for (long i = 0; bytes < (long)mb << 20; i++) {
		long long t = i * 30000000000LL / ((long long)mb * 4000);
		int p = (int)(i % 32);

		if (i == 100)
			bytes += fprintf(f, "{\"index\":%lld,\"time\":%lld,\"process\":\"nemesis\","
					 "\"type\":\"invoke\",\"f\":\"start\",\"value\":{\"nemesis\":\"kill\"}}\n",
					 index++, t);
		bytes += fprintf(f, "{\"index\":%lld,\"time\":%lld,\"process\":%d,\"type\":"
				 "\"invoke\",\"f\":\"transfer\",\"value\":{\"from\":1,\"to\":2,"
				 "\"amount\":5}}\n", index++, t, p);
		bytes += fprintf(f, "{\"index\":%lld,\"time\":%lld,\"process\":%d,\"type\":"
				 "\"ok\",\"f\":\"transfer\",\"value\":{\"from\":1,\"to\":2,"
				 "\"amount\":5}}\n", index++, t + 1000000, p);
	}
	fclose(f);
}

static void *get_metrics(void *arg)
{
	http_reply r;

	http(&d, "GET", arg, NULL, NULL, &r);
	http_reply_free(&r);
	return (void *)(intptr_t)r.status;
}

Test(dtd_security, metrics_of_a_large_history_many_at_once_stay_bounded)
{
	char dir[512], path[700], url[128];
	pthread_t t[16];
	long before, after;
	long long id;
	int ok = 0;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = short_run();
	snprintf(dir, sizeof(dir), "%s", run_folder(id));
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	big_history(path, 20);
	snprintf(path, sizeof(path), "%s/metrics.jsonl", dir);
	unlink(path); /* the driver's figures come from the history */
	snprintf(url, sizeof(url), "/api/runs/%lld/metrics", id);
	before = vm_hwm_kib(d.pid);
	for (int i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, get_metrics, url);
	for (int i = 0; i < 16; i++) {
		void *st;

		pthread_join(t[i], &st);
		ok += (intptr_t)st == 200;
	}
	after = vm_hwm_kib(d.pid);
	cr_log_info("16 requests at once on a 20 MB history: peak RSS %ld -> %ld MiB, "
		    "%d answered 200", before / 1024, after / 1024, ok);
	cr_expect_eq(ok, 16, "%d of 16 answered", ok);
	/* Each parsed whole used to cost some 6 bytes a byte of history:
	 * 16 at once, about 2 GB.  The bound is ten times under that. */
	cr_expect_lt(after - before, 200 * 1024, "peak RSS grew by %ld MiB",
		     (after - before) / 1024);
}

/* ---- 10. the smaller ones ------------------------------------------------------------ */

Test(dtd_security, no_reply_may_be_framed)
{
	static const char *const paths[] = { "/", "/app.js", "/api/runs", "/api/runs/1/files/dt.log",
					     "/nonexistent" };
	http_reply r;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	short_run();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		/* A run's own file (sandboxed: no origin, no token) may be
		 * framed by the dashboard itself (its timeline), by no other
		 * site; everything else by nothing. */
		bool run_file = strstr(paths[i], "/files/") != NULL;

		cr_assert_eq(http(&d, "GET", paths[i], NULL, NULL, &r), 0);
		cr_expect(strcasestr(r.headers, run_file ? "X-Frame-Options: SAMEORIGIN" :
				     "X-Frame-Options: DENY") != NULL,
			  "%s: %s", paths[i], r.headers);
		cr_expect(strstr(r.headers, run_file ? "frame-ancestors 'self'" :
				 "frame-ancestors 'none'") != NULL,
			  "%s: %s", paths[i], r.headers);
		if (run_file)
			cr_expect(strstr(r.headers, "sandbox allow-scripts") != NULL,
				  "%s: %s", paths[i], r.headers);
		http_reply_free(&r);
	}
}

Test(dtd_security, the_queue_is_bounded_and_cancelled_in_bulk)
{
	char conf[300];
	const char *extra[] = { "--config", conf, NULL };
	http_reply r;
	json_t *j;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/dtd.yaml", tmp);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("max-queued: 3\n", f);
	fclose(f);
	cr_assert_eq(dtd_start(&d, extra), 0);
	/* One running, three queued, then no more. */
	for (int i = 0; i < 4; i++)
		cr_assert_gt(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":60}"), 0);
	cr_assert_eq(http(&d, "POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"time_limit\":60}",
			  d.token, &r), 0);
	cr_expect_eq(r.status, 429, "%s", r.body);
	cr_expect(strstr(r.headers, "Retry-After:") != NULL, "%s", r.headers);
	http_reply_free(&r);
	cr_assert_eq(http(&d, "POST", "/api/runs/cancel", "{\"status\":\"queued\"}", d.token, &r), 0);
	cr_expect_eq(r.status, 202, "%s", r.body);
	j = http_json(&r);
	cr_expect_eq(json_array_size(json_object_get(j, "cancelled")), 3, "%s", r.body);
	json_decref(j);
	http_reply_free(&r);
	cr_assert_eq(http(&d, "POST", "/api/runs/cancel", "{\"status\":\"running\"}", d.token, &r), 0);
	cr_expect_eq(r.status, 202, "%s", r.body);
	http_reply_free(&r);
	cr_expect_gt(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), 0,
		     "the queue took a run again");
}

static json_t *quota_run(const char *config, const char *body)
{
	char conf[300];
	const char *extra[] = { "--config", conf, NULL };
	long long id;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/dtd.yaml", tmp);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs(config, f);
	fclose(f);
	cr_assert_eq(dtd_start(&d, extra), 0);
	id = post_run(&d, body);
	cr_assert_gt(id, 0);
	return wait_run(&d, id, 60);
}

Test(dtd_security, a_run_past_its_operation_quota_is_stopped)
{
	json_t *run = quota_run("max-run-ops: 2000\n",
				"{\"suite\":\"dtd-bank\",\"time_limit\":40,\"rate\":0}");
	const char *err = json_string_value(json_object_get(run, "error"));

	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "cancelled");
	cr_expect(err != NULL && strstr(err, "max-run-ops") != NULL, "error: %s", err);
	cr_expect_lt(json_number_value(json_object_get(run, "duration")), 30,
		     "ran %.1f s", json_number_value(json_object_get(run, "duration")));
	json_decref(run);
}

Test(dtd_security, a_run_past_its_disk_quota_is_stopped)
{
	json_t *run = quota_run("max-run-disk: 2MiB\n",
				"{\"suite\":\"dtd-bank\",\"time_limit\":40,\"rate\":0}");
	const char *err = json_string_value(json_object_get(run, "error"));

	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "cancelled");
	cr_expect(err != NULL && strstr(err, "max-run-disk") != NULL, "error: %s", err);
	json_decref(run);
}

Test(dtd_security, a_suite_is_a_name_on_the_suite_path_never_a_file)
{
	char path[1200], src[1024], body[200];
	http_reply r;

	/* A suite file in dtd's working folder, named by its file name. */
	snprintf(src, sizeof(src), "%s/tests/dtd/suites/dtd-bank.yaml", getenv("DT_SRCDIR"));
	snprintf(path, sizeof(path), "cp '%s' '%s/evil.yaml'", src, tmp);
	cr_assert_eq(system(path), 0);
	cr_assert_eq(chdir(tmp), 0, "the harness's dtd starts in the test's folder");
	cr_assert_eq(dtd_start(&d, NULL), 0);
	snprintf(body, sizeof(body), "{\"suite\":\"evil.yaml\",\"time_limit\":0.2}");
	cr_assert_eq(http(&d, "POST", "/api/runs", body, d.token, &r), 0);
	cr_expect_eq(r.status, 400, "%s", r.body);
	cr_expect(strstr(r.body, "\"field\":\"suite\"") != NULL, "%s", r.body);
	http_reply_free(&r);
	cr_assert_eq(chdir("/"), 0);
}

Test(dtd_security, a_run_whose_folder_is_gone_says_so)
{
	static const char *const subs[] = { "history", "metrics", "results", "files/dt.log" };
	char cmd[700], path[128], body[4096];
	long long id;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = short_run();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_folder(id));
	cr_assert_eq(system(cmd), 0);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/api/runs/%lld/%s", id, subs[i]);
		cr_expect_eq(get_status(path, NULL, body, sizeof(body)), 410, "%s: %s", subs[i], body);
		cr_expect(strstr(body, "missing") != NULL, "%s: %s", subs[i], body);
	}
}

Test(dtd_security, a_numeric_token_is_refused_not_replaced)
{
	char conf[300], state[128], out[4096];
	const char *argv[] = { "dtd", "--listen", "127.0.0.1:0", "--state-dir", state,
			       "--config", conf, NULL };
	FILE *f;
	int rc;

	snprintf(state, sizeof(state), "%s/state", tmp);
	snprintf(conf, sizeof(conf), "%s/dtd.yaml", tmp);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("token: 12345678901234567\n", f);
	fclose(f);
	rc = dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out));
	cr_expect_neq(rc, DTD_TRY_STARTED, "dtd started with another token than "
		      "the configured one: %s", out);
	cr_expect(strstr(out, "token: must be a string") != NULL, "%s", out);
}
