#define _GNU_SOURCE
/*
 * service.c: dtd as the long-running service, against a real dtd on a
 * loopback port (libcurl): schedules (checks, every, soak, pause,
 * resume, edit, delete; each run records its schedule), campaigns (the
 * grid of cells, stop at the first invalid run), trends, comparing two
 * runs, archives imported into another dtd, retention of a store of
 * 200 runs, and webhooks to a receiver on loopback (retried, logged).
 * Restarts of schedules are in persist.c.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static dtd_proc d;

static void teardown(void)
{
	cr_expect_eq(dtd_stop(&d), 0, "dtd did not stop cleanly");
}

TestSuite(dtd_service, .fini = teardown, .timeout = 120);

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* method path body (with the token) -> JSON, status checked. */
static json_t *call(const char *method, const char *path, const char *body,
		    long want)
{
	http_reply r;
	json_t *j;

	cr_assert_eq(http(&d, method, path, body, d.token, &r), 0, "%s %s", method, path);
	cr_assert_eq(r.status, want, "%s %s %s: %ld, want %ld: %s", method, path,
		     body ? body : "", r.status, want, r.body);
	j = http_json(&r);
	http_reply_free(&r);
	return j;
}

static void expect_error(const char *method, const char *path, const char *body,
			 const char *token, long status, const char *field)
{
	http_reply r;
	json_t *j;
	const char *f;

	cr_assert_eq(http(&d, method, path, body, token, &r), 0);
	cr_expect_eq(r.status, status, "%s %s %s: status %ld, want %ld: %s", method,
		     path, body ? body : "", r.status, status, r.body);
	j = http_json(&r);
	cr_expect(json_is_string(json_object_get(j, "error")), "%s", r.body);
	f = json_string_value(json_object_get(j, "field"));
	if (field != NULL)
		cr_expect(f != NULL && strcmp(f, field) == 0, "%s %s %s: field %s, "
			  "want %s (%s)", method, path, body ? body : "", f ? f : "null",
			  field, r.body);
	json_decref(j);
	http_reply_free(&r);
}

static long long id_of(const json_t *j)
{
	return (long long)json_integer_value(json_object_get(j, "id"));
}

/* The runs of ?QUERY (newest first). */
static json_t *runs_where(const char *query)
{
	char path[256];
	json_t *j, *runs;

	snprintf(path, sizeof(path), "/api/runs?%s&limit=1000", query);
	j = call("GET", path, NULL, 200);
	runs = json_incref(json_object_get(j, "runs"));
	json_decref(j);
	return runs;
}

static size_t count_where(const char *query, const char *status)
{
	json_t *runs = runs_where(query), *r;
	size_t i, n = 0;

	json_array_foreach(runs, i, r)
		if (status == NULL || strcmp(json_string_value(json_object_get(r,
			"status")), status) == 0)
			n++;
	json_decref(runs);
	return n;
}

Test(dtd_service, schedule_requests_are_checked)
{
	cr_assert_eq(dtd_start(&d, NULL), 0);
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\"}", d.token,
		     400, "every");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":"
		     "\"1h\",\"at\":\"02:00\"}", d.token, 400, NULL);
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"at\":\"25:00\"}",
		     d.token, 400, "at");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"at\":\"2:00\"}",
		     d.token, 400, "at");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":\"0.1s\"}",
		     d.token, 400, "every");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":\"1m\","
		     "\"jitter\":\"2m\"}", d.token, 400, "jitter");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":\"1m\","
		     "\"missed\":\"catch-up\"}", d.token, 400, "missed");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"evry\":\"1m\"}",
		     d.token, 400, "evry");
	expect_error("POST", "/api/schedules", "{\"suite\":\"no-such\",\"every\":\"1m\"}",
		     d.token, 400, "suite");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":\"1m\","
		     "\"concurrency\":0}", d.token, 400, "concurrency");
	expect_error("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"every\":\"1m\"}",
		     NULL, 401, "Authorization");
	expect_error("GET", "/api/schedules/9", NULL, NULL, 404, "id");
	expect_error("GET", "/api/schedules/x", NULL, NULL, 404, "id");
	expect_error("PUT", "/api/schedules", "{}", d.token, 405, NULL);
	expect_error("DELETE", "/api/schedules/9", NULL, d.token, 404, "id");
	/* Nothing was made. */
	{
		json_t *j = call("GET", "/api/schedules", NULL, 200);

		cr_expect_eq(json_array_size(json_object_get(j, "schedules")), 0);
		json_decref(j);
	}
}

Test(dtd_service, every_schedule_runs_and_records_it)
{
	json_t *s, *runs, *r;
	char q[64];
	size_t i;
	long long sid;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	s = call("POST", "/api/schedules", "{\"name\":\"often\",\"suite\":\"dtd-bank\","
		 "\"time_limit\":0.2,\"every\":\"1s\"}", 201);
	sid = id_of(s);
	cr_expect_str_eq(json_string_value(json_object_get(s, "kind")), "every");
	cr_expect_str_eq(json_string_value(json_object_get(s, "name")), "often");
	json_decref(s);
	snprintf(q, sizeof(q), "schedule=%lld", sid);
	for (int t = 0; t < 100 && count_where(q, "done") < 2; t++)
		nap(0.1);
	runs = runs_where(q);
	cr_expect_geq(json_array_size(runs), 2, "an every-1s schedule ran %zu times "
		      "in 10 s", json_array_size(runs));
	json_array_foreach(runs, i, r) {
		cr_expect_eq(json_integer_value(json_object_get(r, "schedule")), sid);
		cr_expect_str_eq(json_string_value(json_object_get(r, "suite")), "dtd-bank");
	}
	json_decref(runs);
	/* Paused: no new run; the next time comes back on resume. */
	s = call("POST", "/api/schedules/1/pause", NULL, 200);
	cr_expect(json_is_true(json_object_get(s, "paused")));
	json_decref(s);
	nap(0.5); /* a run queued just before the pause ends */
	{
		size_t before = count_where(q, NULL);

		nap(2.5);
		cr_expect_eq(count_where(q, NULL), before, "a paused schedule ran");
	}
	s = call("POST", "/api/schedules/1/resume", NULL, 200);
	cr_expect(json_is_false(json_object_get(s, "paused")));
	json_decref(s);
	/* Edited: once an hour from now, under a new name. */
	s = call("PATCH", "/api/schedules/1", "{\"every\":\"1h\",\"name\":\"hourly\","
		 "\"jitter\":\"10m\"}", 200);
	cr_expect_str_eq(json_string_value(json_object_get(s, "name")), "hourly");
	cr_expect_eq(json_number_value(json_object_get(s, "every")), 3600);
	cr_expect_eq(json_number_value(json_object_get(s, "jitter")), 600);
	cr_expect_gt(json_number_value(json_object_get(s, "next")), (double)time(NULL) + 3500);
	cr_expect_lt(json_number_value(json_object_get(s, "next")), (double)time(NULL) + 4300);
	/* the run's fields stay */
	cr_expect_eq(json_number_value(json_object_get(json_object_get(s, "parameters"),
		     "time_limit")), 0.2);
	json_decref(s);
	expect_error("PATCH", "/api/schedules/1", "{\"at\":\"99:99\"}", d.token, 400, "at");
	s = call("DELETE", "/api/schedules/1", NULL, 200);
	json_decref(s);
	expect_error("GET", "/api/schedules/1", NULL, NULL, 404, "id");
	/* Its runs stay, still naming it. */
	cr_expect_geq(count_where(q, NULL), 2);
}

Test(dtd_service, soak_schedule_runs_again_when_the_last_ends)
{
	json_t *s, *runs;
	char q[64];
	long long sid;
	size_t n;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	s = call("POST", "/api/schedules", "{\"suite\":\"dtd-bank\",\"time_limit\":0.3,"
		 "\"soak\":true}", 201);
	sid = id_of(s);
	json_decref(s);
	snprintf(q, sizeof(q), "schedule=%lld", sid);
	for (int t = 0; t < 150 && count_where(q, "done") < 4; t++)
		nap(0.1);
	s = call("POST", "/api/schedules/1/pause", NULL, 200);
	json_decref(s);
	runs = runs_where(q);
	n = json_array_size(runs);
	cr_expect_geq(n, 4, "a soak schedule ran %zu times in 15 s", n);
	/* One after the other: each started after the previous ended. */
	for (size_t i = 0; i + 1 < n; i++) {
		json_t *newer = json_array_get(runs, i), *older = json_array_get(runs, i + 1);
		double fin = json_number_value(json_object_get(older, "finished"));

		cr_expect_geq(json_number_value(json_object_get(newer, "started")), fin,
			      "run %lld started before run %lld ended", id_of(newer),
			      id_of(older));
	}
	json_decref(runs);
}

/* A campaign's cells are the product of its matrix, each a run naming
 * its cell; the grid fills with the verdicts. */
Test(dtd_service, campaign_grid_of_verdicts)
{
	json_t *c, *runs, *r, *counts;
	size_t i;
	long long cid;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	expect_error("POST", "/api/campaigns", "{\"suites\":[]}", d.token, 400, NULL);
	expect_error("POST", "/api/campaigns", "{\"suites\":[\"dtd-bank\"],\"sedes\":[1]}",
		     d.token, 400, NULL);
	expect_error("POST", "/api/campaigns", "{\"suites\":[\"dtd-bank\",\"no-such\"]}",
		     d.token, 400, NULL);
	expect_error("POST", "/api/campaigns", "{\"suites\":[\"dtd-bank\"],\"parameter\":"
		     "{\"name\":\"concurrency\",\"values\":[0]}}", d.token, 400, NULL);
	expect_error("POST", "/api/campaigns", "{\"suites\":[\"dtd-bank\"]}", NULL, 401,
		     "Authorization");
	c = call("POST", "/api/campaigns", "{\"name\":\"grid\",\"suites\":[\"dtd-bank\","
		 "\"dtd-register-stale\"],\"parameter\":{\"name\":\"concurrency\","
		 "\"values\":[1,3]},\"seeds\":[5],\"time-limit\":\"300ms\"}", 201);
	cid = id_of(c);
	cr_expect_eq(json_integer_value(json_object_get(c, "total")), 4);
	json_decref(c);
	for (int t = 0; t < 300; t++) {
		c = call("GET", "/api/campaigns/1", NULL, 200);
		if (strcmp(json_string_value(json_object_get(c, "state")), "done") == 0)
			break;
		json_decref(c);
		c = NULL;
		nap(0.1);
	}
	cr_assert_not_null(c, "the campaign did not end in 30 s");
	counts = json_object_get(c, "counts");
	cr_expect_eq(json_integer_value(json_object_get(counts, "valid")), 2);
	cr_expect_eq(json_integer_value(json_object_get(counts, "invalid")), 2);
	runs = json_object_get(c, "runs");
	cr_expect_eq(json_array_size(runs), 4);
	json_array_foreach(runs, i, r) {
		json_t *cell = json_object_get(r, "cell");
		const char *suite = json_string_value(json_object_get(r, "suite"));

		cr_expect_eq(json_integer_value(json_object_get(r, "campaign")), cid);
		cr_expect_str_eq(json_string_value(json_object_get(cell, "suite")), suite);
		cr_expect_eq(json_integer_value(json_object_get(cell, "seed")), 5);
		/* the cell's value is the run's concurrency */
		cr_expect_eq(json_number_value(json_object_get(cell, "value")),
			     json_integer_value(json_object_get(json_object_get(r,
				"parameters"), "concurrency")));
		cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")),
				 strcmp(suite, "dtd-bank") == 0 ? "valid" : "invalid");
	}
	json_decref(c);
	c = call("GET", "/api/campaigns", NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(c, "campaigns")), 1);
	json_decref(c);
}

Test(dtd_service, campaign_stops_at_its_first_invalid_run)
{
	json_t *c, *counts;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	c = call("POST", "/api/campaigns", "{\"suites\":[\"dtd-register-stale\","
		 "\"dtd-bank\"],\"seeds\":[1,2,3,4],\"time-limit\":\"300ms\","
		 "\"stop-at-first-invalid\":true}", 201);
	json_decref(c);
	for (int t = 0; t < 300; t++) {
		c = call("GET", "/api/campaigns/1", NULL, 200);
		if (strcmp(json_string_value(json_object_get(c, "state")), "running") != 0)
			break;
		json_decref(c);
		c = NULL;
		nap(0.1);
	}
	cr_assert_not_null(c);
	cr_expect_str_eq(json_string_value(json_object_get(c, "state")), "stopped");
	cr_expect(strstr(json_string_value(json_object_get(c, "stopped")), "invalid"),
		  "%s", json_string_value(json_object_get(c, "stopped")));
	counts = json_object_get(c, "counts");
	cr_expect_geq(json_integer_value(json_object_get(counts, "invalid")), 1);
	cr_expect_eq(json_integer_value(json_object_get(counts, "valid")), 0,
		     "a dtd-bank run of the campaign ran after the first invalid one");
	/* The rest were cancelled, not run. */
	cr_expect_geq(json_integer_value(json_object_get(counts, "other")), 5);
	json_decref(c);
}

Test(dtd_service, trends_and_compare)
{
	long long a, b, bad;
	json_t *t, *runs, *r, *cmp, *diff;
	size_t i;
	bool seed_changed = false, same = true;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	a = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.3,\"seed\":1}");
	b = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.3,\"seed\":2}");
	bad = post_run(&d, "{\"suite\":\"dtd-register-stale\",\"time_limit\":0.3}");
	json_decref(wait_run(&d, a, 20));
	json_decref(wait_run(&d, b, 20));
	json_decref(wait_run(&d, bad, 20));
	t = call("GET", "/api/trends?suite=dtd-bank", NULL, 200);
	runs = json_object_get(t, "runs");
	cr_expect_eq(json_array_size(runs), 2);
	json_array_foreach(runs, i, r) {
		double p50 = json_number_value(json_object_get(r, "p50"));
		double p99 = json_number_value(json_object_get(r, "p99"));

		cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")), "valid");
		/* 300 ops/s asked for: a run of 0.3 s does around that */
		cr_expect_gt(json_number_value(json_object_get(r, "throughput")), 100);
		cr_expect_lt(json_number_value(json_object_get(r, "throughput")), 400);
		/* the mem client's latency is 1 ms */
		cr_expect_geq(p50, 0.9, "p50 %g ms", p50);
		cr_expect_geq(p99, p50);
		cr_expect_str_eq(json_string_value(json_object_get(r, "nemesis")), "");
		/* the client's version() of the system: the mem store is DT's */
		cr_expect(json_is_string(json_object_get(r, "version")) &&
			  strncmp(json_string_value(json_object_get(r, "version")),
				  "dt-mem ", 7) == 0, "version %s",
			  json_string_value(json_object_get(r, "version")));
	}
	cr_expect_lt(id_of(json_array_get(runs, 0)), id_of(json_array_get(runs, 1)),
		     "a trend goes oldest first");
	json_decref(t);
	t = call("GET", "/api/trends", NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(t, "suites")), 2);
	json_decref(t);
	{
		char path[96];

		snprintf(path, sizeof(path), "/api/compare?a=%lld&b=%lld", a, b);
		cmp = call("GET", path, NULL, 200);
	}
	cr_expect_eq(id_of(json_object_get(cmp, "a")), a);
	cr_expect_eq(id_of(json_object_get(cmp, "b")), b);
	diff = json_object_get(cmp, "suite_diff");
	json_array_foreach(diff, i, r) {
		const char *op = json_string_value(json_object_get(r, "op"));
		const char *text = json_string_value(json_object_get(r, "text"));

		if (strcmp(op, "+") == 0 && strstr(text, "\"seed\": 2"))
			seed_changed = true;
		else if (strcmp(op, " ") != 0 && !strstr(text, "\"seed\""))
			same = false;
	}
	cr_expect(seed_changed, "the diff of two seeds does not show the seed");
	cr_expect(same, "two runs of one suite differ beyond their seed");
	json_decref(cmp);
	expect_error("GET", "/api/compare?a=1", NULL, NULL, 400, "b");
	expect_error("GET", "/api/compare?a=1&b=999", NULL, NULL, 404, "b");
}

/* An archive of a run, imported by another dtd: the same run there. */
Test(dtd_service, archive_imported_by_another_dtd)
{
	dtd_proc e = { 0 };
	long long id;
	json_t *run, *got = NULL, *list;
	http_reply r;
	char path[128], file[600], out[4096];
	FILE *f;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-register-stale\",\"time_limit\":0.3}");
	run = wait_run(&d, id, 20);
	snprintf(path, sizeof(path), "/api/runs/%lld/archive", id);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect_str_eq(r.type, "application/gzip");
	cr_expect(strstr(r.headers, "filename=\"dtd-register-stale-run-1.tar.gz\""),
		  "%s", r.headers);
	cr_assert(r.len > 100 && (unsigned char)r.body[0] == 0x1f &&
		  (unsigned char)r.body[1] == 0x8b, "not gzip");
	snprintf(file, sizeof(file), "%s/run.tar.gz", d.dir);
	f = fopen(file, "wb");
	cr_assert_not_null(f);
	fwrite(r.body, 1, r.len, f);
	fclose(f);
	http_reply_free(&r);
	/* Another dtd's state folder; import while it is stopped. */
	cr_assert_eq(dtd_start(&e, NULL), 0);
	cr_assert_eq(dtd_kill(&e, SIGTERM), 0);
	{
		const char *argv[] = { "dtd", "import", file, "--state-dir", e.state,
				       NULL };

		cr_expect_eq(dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out)), 0,
			     "%s", out);
		cr_expect(strstr(out, "run 1"), "%s", out);
	}
	{
		const char *argv[] = { "dtd", "import", "/etc/hostname", "--state-dir",
				       e.state, NULL };

		cr_expect_eq(dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out)), 5);
		cr_expect(strstr(out, "/etc/hostname"), "%s", out);
	}
	cr_assert_eq(dtd_start(&e, NULL), 0);
	cr_assert_eq(http(&e, "GET", "/api/runs/1", NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	got = http_json(&r);
	http_reply_free(&r);
	cr_expect_str_eq(json_string_value(json_object_get(got, "verdict")), "invalid");
	cr_expect_str_eq(json_string_value(json_object_get(got, "suite")),
			 "dtd-register-stale");
	cr_expect(json_equal(json_object_get(got, "counts"), json_object_get(run, "counts")),
		  "the imported run's counts differ");
	/* Everything to check it again is there. */
	cr_assert_eq(http(&e, "POST", "/api/runs/1/check", NULL, e.token, &r), 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	list = http_json(&r);
	cr_expect(json_is_false(json_object_get(list, "valid")), "%s", r.body);
	json_decref(list);
	http_reply_free(&r);
	json_decref(got);
	json_decref(run);
	cr_expect_eq(dtd_stop(&e), 0);
}

/* du of a folder, in bytes (blocks, as dtd counts). */
static long long du(const char *dir)
{
	char cmd[700];
	FILE *p;
	long long kb = -1;

	snprintf(cmd, sizeof(cmd), "du -sk '%s'", dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fscanf(p, "%lld", &kb) != 1)
		kb = -1;
	pclose(p);
	return kb * 1024;
}

/* 200 runs in the store (one real run copied, every 10th made
 * invalid), indexed by rebuild-index; pruned to a size and to a count,
 * the invalid ones kept, the pruned ones still in the index. */
Test(dtd_service, retention_prunes_200_runs, .timeout = 240)
{
	char src[700], cmd[2000], out[4096];
	long long id, total = 0, limit, kept_bytes = 0;
	json_t *run, *rep, *runs, *r;
	size_t i, invalid_kept = 0, pruned = 0, invalid = 0;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.3}");
	run = wait_run(&d, id, 20);
	snprintf(src, sizeof(src), "%s", json_string_value(json_object_get(run, "store")));
	json_decref(run);
	cr_assert_eq(dtd_kill(&d, SIGTERM), 0);
	for (int n = 2; n <= 200; n++) {
		char dst[800], res[900];
		json_t *j;

		snprintf(dst, sizeof(dst), "%s/store/dtd-bank/run-%d", d.state, n);
		snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", src, dst);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		if (n % 10 != 0)
			continue;
		snprintf(res, sizeof(res), "%s/results.json", dst);
		j = json_load_file(res, 0, NULL);
		cr_assert_not_null(j);
		json_object_set_new(j, "valid", json_false());
		cr_assert_eq(json_dump_file(j, res, 0), 0);
		json_decref(j);
	}
	{
		const char *argv[] = { "dtd", "rebuild-index", "--state-dir", d.state, NULL };

		cr_assert_eq(dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out)), 0,
			     "%s", out);
	}
	for (int n = 1; n <= 200; n++) {
		char dir[800];

		snprintf(dir, sizeof(dir), "%s/store/dtd-bank/run-%d", d.state, n);
		total += du(dir);
	}
	limit = total * 6 / 10;
	{
		char arg[64];
		const char *extra[] = { "--max-store", arg, NULL };

		snprintf(arg, sizeof(arg), "%lld", limit);
		cr_assert_eq(dtd_start(&d, extra), 0);
	}
	rep = call("GET", "/api/retention", NULL, 200);
	cr_expect_eq(json_integer_value(json_object_get(rep, "runs")), 200);
	cr_expect_eq(json_integer_value(json_object_get(rep, "max_store")), limit);
	json_decref(rep);
	rep = call("POST", "/api/prune", NULL, 200);
	cr_expect_gt(json_array_size(json_object_get(rep, "pruned")), 70);
	cr_expect_leq(json_integer_value(json_object_get(json_object_get(rep, "store"),
		      "bytes")), limit);
	json_decref(rep);
	/* What is on disk now: every folder left, measured. */
	runs = runs_where("suite=dtd-bank");
	cr_expect_eq(json_array_size(runs), 200, "pruned runs left the index");
	json_array_foreach(runs, i, r) {
		const char *dir = json_string_value(json_object_get(r, "store"));
		const char *v = json_string_value(json_object_get(r, "verdict"));
		struct stat st;
		bool gone = !json_is_null(json_object_get(r, "pruned"));

		cr_expect_eq(stat(dir, &st) != 0, gone, "run %lld: pruned %d, folder %s",
			     id_of(r), gone, gone ? "there" : "gone");
		if (strcmp(v, "invalid") == 0) {
			invalid++;
			invalid_kept += !gone;
		}
		pruned += gone;
		if (!gone)
			kept_bytes += du(dir);
	}
	json_decref(runs);
	cr_expect_eq(invalid, 20);
	cr_expect_eq(invalid_kept, 20, "retention removed invalid runs");
	cr_expect_leq(kept_bytes, limit, "%lld bytes left, over %lld", kept_bytes, limit);
	cr_expect_gt(kept_bytes, limit / 2, "retention removed far more than needed");
	/* The oldest went first. */
	{
		json_t *one = call("GET", "/api/runs/1", NULL, 200);

		cr_expect(!json_is_null(json_object_get(one, "pruned")));
		json_decref(one);
		one = call("GET", "/api/runs/200", NULL, 200);
		cr_expect(json_is_null(json_object_get(one, "pruned")));
		json_decref(one);
	}
	expect_error("GET", "/api/runs/1/results", NULL, NULL, 410, "store");
	expect_error("GET", "/api/runs/1/archive", NULL, NULL, 410, "store");
	/* Trends keep their history: the pruned runs with their verdicts. */
	rep = call("GET", "/api/trends?suite=dtd-bank&limit=1000", NULL, 200);
	cr_expect_eq(json_array_size(json_object_get(rep, "runs")), 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(rep, "runs"), 0), "verdict")), "valid");
	cr_expect_gt(json_number_value(json_object_get(json_array_get(
		json_object_get(rep, "runs"), 0), "throughput")), 0);
	json_decref(rep);
	/* Now to a count: the newest 50, and every invalid run. */
	rep = call("POST", "/api/prune", "{\"keep_runs\":50,\"max_store\":0}", 200);
	json_decref(rep);
	runs = runs_where("suite=dtd-bank");
	pruned = 0;
	json_array_foreach(runs, i, r) {
		bool gone = !json_is_null(json_object_get(r, "pruned"));
		bool bad = strcmp(json_string_value(json_object_get(r, "verdict")),
				  "invalid") == 0;

		if (i < 50)
			cr_expect(!gone || bad == false, "run %lld of the newest 50 pruned",
				  id_of(r));
		if (i < 50)
			cr_expect(!gone, "run %lld of the newest 50 pruned", id_of(r));
		if (bad)
			cr_expect(!gone, "invalid run %lld pruned", id_of(r));
		if (i >= 50 && !bad)
			cr_expect(gone, "run %lld kept past the newest 50", id_of(r));
		pruned += gone;
	}
	json_decref(runs);
	cr_expect_eq(pruned, 200 - 50 - 15, "pruned %zu", pruned);
	expect_error("POST", "/api/prune", "{\"keep_runz\":1}", d.token, 400, "keep_runz");
}

/* ---- a webhook receiver on loopback ---------------------------------------- */

typedef struct receiver {
	int fd, port;
	pthread_t thread;
	pthread_mutex_t lock;
	int calls;
	char bodies[4][4096];
	int fail_first;       /* reply 500 to this many calls */
} receiver;

static void *receive(void *arg)
{
	receiver *rv = arg;

	for (;;) {
		int c = accept(rv->fd, NULL, NULL);
		char buf[8192];
		size_t len = 0;
		char *body = NULL;
		long clen = -1;
		int status;

		if (c < 0)
			return NULL;
		while (len < sizeof(buf) - 1) {
			ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);

			if (n <= 0)
				break;
			len += (size_t)n;
			buf[len] = '\0';
			body = strstr(buf, "\r\n\r\n");
			if (body != NULL) {
				char *cl = strcasestr(buf, "Content-Length:");

				clen = cl ? strtol(cl + 15, NULL, 10) : 0;
				if ((long)(len - (size_t)(body + 4 - buf)) >= clen)
					break;
			}
		}
		pthread_mutex_lock(&rv->lock);
		if (rv->calls < 4 && body != NULL)
			snprintf(rv->bodies[rv->calls], sizeof(rv->bodies[0]), "%s", body + 4);
		status = rv->calls < rv->fail_first ? 500 : 200;
		rv->calls++;
		pthread_mutex_unlock(&rv->lock);
		snprintf(buf, sizeof(buf), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
			 "Connection: close\r\n\r\n", status);
		if (write(c, buf, strlen(buf)) < 0)
			perror("receiver");
		close(c);
	}
}

static void receiver_start(receiver *rv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(rv->fd, 0);
	cr_assert_eq(bind(rv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(rv->fd, 8), 0);
	getsockname(rv->fd, (struct sockaddr *)&a, &l);
	rv->port = ntohs(a.sin_port);
	pthread_mutex_init(&rv->lock, NULL);
	pthread_create(&rv->thread, NULL, receive, rv);
}

static void receiver_stop(receiver *rv)
{
	shutdown(rv->fd, SHUT_RDWR);
	close(rv->fd);
	pthread_join(rv->thread, NULL);
	pthread_mutex_destroy(&rv->lock);
}

Test(dtd_service, webhook_on_an_invalid_run_retried_and_logged)
{
	receiver rv = { .fail_first = 1 };
	char url[128], out[4096];
	long long id;
	json_t *body, *log, *del;
	int calls = 0;

	receiver_start(&rv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", rv.port);
	/* A host not allowed: dtd does not start. */
	{
		const char *argv[] = { "dtd", "--listen", "127.0.0.1:0", "--state-dir",
				       "/tmp/dtd-webhook-refused-state", "--webhook-url",
				       "http://example.com/hook", "--webhook-allow-host",
				       "127.0.0.1", NULL };

		mkdir("/tmp/dtd-webhook-refused-state", 0700);
		cr_expect_neq(dtd_try(argv, (uid_t)-1, NULL, NULL, out, sizeof(out)),
			      DTD_TRY_STARTED);
		cr_expect(strstr(out, "not in webhook-allowed-hosts"), "%s", out);
		cr_expect_eq(system("rm -rf /tmp/dtd-webhook-refused-state"), 0);
	}
	{
		const char *extra[] = { "--webhook-url", url, "--webhook-allow-host",
					"127.0.0.1", NULL };

		cr_assert_eq(dtd_start(&d, extra), 0);
	}
	/* A valid run calls nobody. */
	json_decref(wait_run(&d, post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), 20));
	id = post_run(&d, "{\"suite\":\"dtd-register-stale\",\"time_limit\":0.3}");
	json_decref(wait_run(&d, id, 20));
	for (int t = 0; t < 100 && calls < 2; t++) {
		nap(0.1);
		pthread_mutex_lock(&rv.lock);
		calls = rv.calls;
		pthread_mutex_unlock(&rv.lock);
	}
	cr_assert_eq(calls, 2, "the webhook was called %d times (a 500, then a retry)",
		     calls);
	body = json_loads(rv.bodies[1], 0, NULL);
	cr_assert_not_null(body, "%s", rv.bodies[1]);
	cr_expect_str_eq(json_string_value(json_object_get(body, "event")), "run-invalid");
	cr_expect_eq(id_of(json_object_get(body, "run")), id);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(body, "run"),
			 "verdict")), "invalid");
	cr_expect_str_eq(rv.bodies[0], rv.bodies[1], "a retry sends the same body");
	json_decref(body);
	nap(0.3);
	log = call("GET", "/api/deliveries", NULL, 200);
	cr_assert_eq(json_array_size(json_object_get(log, "deliveries")), 1);
	del = json_array_get(json_object_get(log, "deliveries"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(del, "state")), "delivered");
	cr_expect_eq(json_integer_value(json_object_get(del, "attempts")), 2);
	cr_expect_eq(json_integer_value(json_object_get(del, "http_status")), 200);
	cr_expect_str_eq(json_string_value(json_object_get(del, "url")), url);
	json_decref(log);
	receiver_stop(&rv);
}
