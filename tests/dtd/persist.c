/* SPDX-License-Identifier: MIT */
/*
 * persist.c: dtd's run index across restarts.  Finished runs are still
 * there after a restart; a run that was running when dtd was killed is
 * marked aborted, its history kept and still checkable.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static dtd_proc d;

static void teardown(void)
{
	/* A clean stop on SIGTERM (under ASan: no leak either). */
	cr_expect_eq(dtd_stop(&d), 0, "dtd did not stop cleanly");
}

TestSuite(dtd_persist, .fini = teardown, .timeout = 60);

static json_t *get_run(long long id)
{
	char path[64];
	http_reply r;
	json_t *j;

	snprintf(path, sizeof(path), "/api/runs/%lld", id);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
	j = http_json(&r);
	http_reply_free(&r);
	return j;
}

Test(dtd_persist, finished_runs_survive_a_restart)
{
	long long id;
	json_t *before, *after;
	char *b, *a;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.5,\"seed\":7}");
	cr_assert_gt(id, 0);
	before = wait_run(&d, id, 20);
	cr_assert_str_eq(json_string_value(json_object_get(before, "status")), "done");
	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	after = get_run(id);
	b = json_dumps(before, JSON_SORT_KEYS);
	a = json_dumps(after, JSON_SORT_KEYS);
	cr_expect_str_eq(a, b);
	free(a);
	free(b);
	/* New ids continue after the old ones. */
	cr_expect_gt(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), id);
	json_decref(before);
	json_decref(after);
}

Test(dtd_persist, killed_run_is_aborted_and_checkable)
{
	long long id;
	json_t *run, *res;
	char path[128];
	http_reply r;
	struct timespec nap = { 0, 100 * 1000000 };
	double finished;
	int i;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":60}");
	cr_assert_gt(id, 0);
	/* Wait until it has recorded operations, then kill dtd outright. */
	for (i = 0; i < 100; i++) {
		json_t *live;

		run = get_run(id);
		live = json_object_get(run, "live");
		if (json_integer_value(json_object_get(live, "ok")) > 0) {
			json_decref(run);
			break;
		}
		json_decref(run);
		nanosleep(&nap, NULL);
	}
	cr_assert_lt(i, 100, "the run never made progress");
	dtd_kill(&d, SIGKILL);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	run = get_run(id);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "aborted");
	cr_expect(json_is_null(json_object_get(run, "verdict")));
	cr_expect(json_is_string(json_object_get(run, "error")));
	finished = json_number_value(json_object_get(run, "finished"));
	cr_expect_gt(finished, 0);
	json_decref(run);

	snprintf(path, sizeof(path), "/api/runs/%lld/history?limit=10", id);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	res = http_json(&r);
	cr_expect_eq(r.status, 200);
	cr_expect_gt(json_integer_value(json_object_get(res, "total")), 0, "history lost: %s", r.body);
	http_reply_free(&r);
	json_decref(res);
	snprintf(path, sizeof(path), "/api/runs/%lld/results", id);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 404);
	http_reply_free(&r);

	/* Check it: the checkers run on the history kept, which found no
	 * anomaly; a run killed part way is no pass: unknown, incomplete. */
	snprintf(path, sizeof(path), "/api/runs/%lld/check", id);
	cr_assert_eq(http(&d, "POST", path, NULL, d.token, &r), 0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	res = http_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(res, "valid")), "unknown",
			 "%s", r.body);
	cr_expect(json_is_false(json_object_get(res, "complete")), "%s", r.body);
	cr_expect(json_is_true(json_object_get(json_object_get(json_object_get(res,
		  "checkers"), "bank"), "valid")), "%s", r.body);
	cr_expect(strstr(json_string_value(json_object_get(res, "reason")),
			 "incomplete: the history stops at") != NULL, "%s", r.body);
	http_reply_free(&r);
	json_decref(res);
	run = get_run(id);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "aborted");
	cr_expect_str_eq(json_string_value(json_object_get(run, "verdict")), "unknown");
	cr_expect_float_eq(json_number_value(json_object_get(run, "finished")), finished, 1e-6,
			   "checking again changed when the run finished");
	json_decref(run);
	/* It is finished: it can be deleted, not cancelled. */
	snprintf(path, sizeof(path), "/api/runs/%lld/cancel", id);
	cr_assert_eq(http(&d, "POST", path, NULL, d.token, &r), 0);
	cr_expect_eq(r.status, 409);
	http_reply_free(&r);
}

Test(dtd_persist, one_dtd_a_state_folder)
{
	dtd_proc second = { 0 };

	cr_assert_eq(dtd_start(&d, NULL), 0);
	/* Same folder: refused while the first one lives. */
	snprintf(second.dir, sizeof(second.dir), "%s", d.dir);
	snprintf(second.state, sizeof(second.state), "%s", d.state);
	cr_expect_neq(dtd_start(&second, NULL), 0, "a second dtd started on the same state");
	dtd_kill(&second, SIGKILL);
	dtd_kill(&d, SIGKILL);
	cr_expect_eq(dtd_start(&d, NULL), 0, "the lock outlived a killed dtd");
}

/* Schedules live in dtd.db: after a restart they are all there, and a
 * time missed while dtd was down runs once at start (missed: run-once)
 * or not at all (skip); either way the next time is the schedule's
 * next one after now, not a burst of catching up. */
static size_t schedule_runs(long long sid)
{
	char path[96];
	http_reply r;
	json_t *j;
	size_t n;

	snprintf(path, sizeof(path), "/api/runs?schedule=%lld", sid);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	j = http_json(&r);
	http_reply_free(&r);
	n = (size_t)json_integer_value(json_object_get(j, "total"));
	json_decref(j);
	return n;
}

static json_t *schedule(long long sid)
{
	char path[64];
	http_reply r;
	json_t *j;

	snprintf(path, sizeof(path), "/api/schedules/%lld", sid);
	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = http_json(&r);
	http_reply_free(&r);
	json_object_del(j, "runs");
	json_object_del(j, "runs_total");
	json_object_del(j, "active");
	return j;
}

Test(dtd_persist, schedules_survive_a_restart_missed_times_as_told)
{
	char body[256];
	double start = (double)time(NULL) + 2;
	long long once, skip, soak;
	json_t *before, *after, *s;
	http_reply r;
	char *a, *b;

	cr_assert_eq(dtd_start(&d, NULL), 0);
	snprintf(body, sizeof(body), "{\"name\":\"once\",\"suite\":\"dtd-bank\","
		 "\"time_limit\":0.2,\"every\":\"1h\",\"start\":%.0f}", start);
	cr_assert_eq(http(&d, "POST", "/api/schedules", body, d.token, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	s = http_json(&r);
	once = json_integer_value(json_object_get(s, "id"));
	cr_expect_str_eq(json_string_value(json_object_get(s, "missed")), "run-once");
	json_decref(s);
	http_reply_free(&r);
	snprintf(body, sizeof(body), "{\"name\":\"skip\",\"suite\":\"dtd-bank\","
		 "\"time_limit\":0.2,\"every\":\"1h\",\"start\":%.0f,\"missed\":"
		 "\"skip\"}", start);
	cr_assert_eq(http(&d, "POST", "/api/schedules", body, d.token, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	s = http_json(&r);
	skip = json_integer_value(json_object_get(s, "id"));
	json_decref(s);
	http_reply_free(&r);
	cr_assert_eq(http(&d, "POST", "/api/schedules", "{\"name\":\"paused soak\","
			  "\"suite\":\"dtd-bank\",\"soak\":true,\"paused\":true,"
			  "\"concurrency\":2}", d.token, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	s = http_json(&r);
	soak = json_integer_value(json_object_get(s, "id"));
	json_decref(s);
	http_reply_free(&r);
	before = schedule(soak);
	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	/* Down while both were due. */
	while ((double)time(NULL) < start + 2)
		sleep(1);
	cr_assert_eq(dtd_start(&d, NULL), 0);
	for (int i = 0; i < 50 && schedule_runs(once) == 0; i++) {
		struct timespec nap = { 0, 100 * 1000000 };

		nanosleep(&nap, NULL);
	}
	sleep(1);
	cr_expect_eq(schedule_runs(once), 1, "missed: run-once ran %zu times",
		     schedule_runs(once));
	cr_expect_eq(schedule_runs(skip), 0, "missed: skip ran");
	cr_expect_eq(schedule_runs(soak), 0, "a paused schedule ran");
	s = schedule(once);
	cr_expect_eq(json_integer_value(json_object_get(s, "fired")), 1);
	/* The next time: start + 1 h, aligned on its start. */
	cr_expect_float_eq(json_number_value(json_object_get(s, "next")), start + 3600,
			   0.5, "next %f", json_number_value(json_object_get(s, "next")));
	json_decref(s);
	s = schedule(skip);
	cr_expect_eq(json_integer_value(json_object_get(s, "fired")), 0);
	cr_expect_float_eq(json_number_value(json_object_get(s, "next")), start + 3600,
			   0.5);
	json_decref(s);
	/* The paused one is as it was. */
	after = schedule(soak);
	a = json_dumps(after, JSON_SORT_KEYS);
	b = json_dumps(before, JSON_SORT_KEYS);
	cr_expect_str_eq(a, b);
	free(a);
	free(b);
	json_decref(after);
	json_decref(before);
}
