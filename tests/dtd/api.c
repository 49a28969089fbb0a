/* SPDX-License-Identifier: MIT */
/*
 * api.c: dtd's HTTP API against a real dtd on a loopback port: every
 * endpoint, the token, every error, runs from queue to verdict, cancel,
 * delete, server-sent events and the static dashboard files.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static dtd_proc d;

static void setup(void)
{
	cr_assert_eq(dtd_start(&d, NULL), 0, "dtd did not start (DT_BUILDDIR=%s)",
		     getenv("DT_BUILDDIR"));
}

static void teardown(void)
{
	/* A clean stop on SIGTERM (under ASan: no leak either). */
	cr_expect_eq(dtd_stop(&d), 0, "dtd did not stop cleanly");
}

TestSuite(dtd_api, .init = setup, .fini = teardown, .timeout = 60);

/* Expect an error reply: status and the field it names (NULL: none). */
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
	cr_expect(json_is_string(json_object_get(j, "error")),
		  "%s %s: no error message: %s", method, path, r.body);
	f = json_string_value(json_object_get(j, "field"));
	/* "field" is always there, null when no one field is at fault (as
	 * core/dtd/README.md says). */
	if (field == NULL)
		cr_expect(json_is_null(json_object_get(j, "field")),
			  "%s %s: field %s, want null: %s", method, path, f, r.body);
	else
		cr_expect(f != NULL && strcmp(f, field) == 0, "%s %s %s: field %s, want %s",
			  method, path, body ? body : "", f ? f : "(none)", field);
	json_decref(j);
	http_reply_free(&r);
}

static json_t *get_json(const char *path, long want)
{
	http_reply r;
	json_t *j;

	cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, want, "GET %s: %ld: %s", path, r.status, r.body);
	j = http_json(&r);
	cr_assert_not_null(j, "GET %s: not JSON: %s", path, r.body);
	http_reply_free(&r);
	return j;
}

Test(dtd_api, lists_suites_charts_plugins)
{
	json_t *s = get_json("/api/suites", 200), *c, *p, *e;
	size_t i;
	bool suite = false, chart = false, checker = false;

	json_array_foreach(s, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "name")), "dtd-bank") == 0) {
			suite = true;
			cr_expect(strstr(json_string_value(json_object_get(e, "yaml")),
					 "workload:") != NULL);
			cr_expect_eq(json_integer_value(json_object_get(e, "concurrency")), 4);
			cr_expect_str_eq(json_string_value(json_object_get(e, "client")), "mem");
		}
	}
	cr_expect(suite, "dtd-bank not listed");
	c = get_json("/api/charts", 200);
	json_array_foreach(c, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")), "mem") == 0)
			chart = true;
	cr_expect(chart, "chart mem not listed");
	p = get_json("/api/plugins", 200);
	json_array_foreach(p, i, e)
		if (strcmp(json_string_value(json_object_get(e, "kind")), "checker") == 0 &&
		    strcmp(json_string_value(json_object_get(e, "name")), "bank") == 0)
			checker = true;
	cr_expect(checker, "checker bank not listed");
	json_decref(s);
	json_decref(c);
	json_decref(p);
}

Test(dtd_api, serves_dashboard_files)
{
	http_reply r;

	cr_assert_eq(http(&d, "GET", "/", NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.type, "text/html") != NULL, "type %s", r.type);
	cr_expect(strstr(r.body, "app.js") != NULL);
	http_reply_free(&r);
	cr_assert_eq(http(&d, "GET", "/vendor/uplot/uPlot.iife.min.js", NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.type, "javascript") != NULL, "type %s", r.type);
	http_reply_free(&r);
	expect_error("GET", "/nope.html", NULL, NULL, 404, NULL);
	expect_error("GET", "/../../../../etc/passwd", NULL, NULL, 404, NULL);
	expect_error("GET", "/vendor/../../README.md", NULL, NULL, 404, NULL);
	expect_error("POST", "/index.html", "{}", NULL, 405, NULL);
}

Test(dtd_api, prometheus_metrics)
{
	http_reply r;

	cr_assert_eq(http(&d, "GET", "/metrics", NULL, NULL, &r), 0);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.type, "text/plain") != NULL);
	cr_expect(strstr(r.body, "dtd_runs{status=\"done\"} 0\n") != NULL, "%s", r.body);
	cr_expect(strstr(r.body, "dtd_active_ops_per_second ") != NULL);
	cr_expect(strstr(r.body, "# TYPE dtd_checker_seconds_total counter") != NULL);
	http_reply_free(&r);
}

Test(dtd_api, token)
{
	struct stat st;
	char path[400];

	snprintf(path, sizeof(path), "%s/token", d.state);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600, "token mode %o", st.st_mode & 0777);
	cr_expect(strlen(d.token) >= 32);
	/* The first start says where the token is, never the token: the
	 * output goes to the journal. */
	cr_expect(strstr(d.out, d.token) == NULL, "the token was printed: %s", d.out);
	cr_expect(strstr(d.out, path) != NULL, "the token's file not named: %s", d.out);
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\"}", NULL, 401, "Authorization");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\"}", "wrong-token-0123456789", 403,
		     "Authorization");
	expect_error("POST", "/api/runs/1/cancel", NULL, NULL, 401, "Authorization");
	expect_error("DELETE", "/api/runs/1", NULL, "nope", 403, "Authorization");
	expect_error("POST", "/api/runs/1/check", NULL, NULL, 401, "Authorization");
	/* A second start reuses it and does not print it again. */
	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	{
		char old[128];

		snprintf(old, sizeof(old), "%s", d.token);
		cr_assert_eq(dtd_start(&d, NULL), 0);
		cr_expect_str_eq(d.token, old);
		cr_expect(strstr(d.out, d.token) == NULL, "token printed twice: %s", d.out);
	}
}

Test(dtd_api, token_from_config)
{
	char conf[400];
	FILE *f;
	const char *extra[] = { "--config", conf, NULL };

	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	snprintf(conf, sizeof(conf), "%s/dtd.yaml", d.dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("token: configured-token-0123456789\nmax-body: 2048\n", f);
	fclose(f);
	cr_assert_eq(dtd_start(&d, extra), 0);
	snprintf(d.token, sizeof(d.token), "configured-token-0123456789");
	cr_expect_gt(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), 0);
	{
		char big[3000];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[0] = '{';
		big[sizeof(big) - 2] = '}';
		expect_error("POST", "/api/runs", big, d.token, 413, NULL);
	}
	/* A bad config is an error naming the key. */
	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	f = fopen(conf, "w");
	fputs("listen: 127.0.0.1:0\nparallel: 0\n", f);
	fclose(f);
	cr_expect_neq(dtd_start(&d, extra), 0, "dtd accepted parallel: 0");
}

Test(dtd_api, new_run_errors)
{
	const char *t = d.token;
	char big[70 * 1024];

	expect_error("POST", "/api/runs", "{\"suite\":", t, 400, NULL);
	expect_error("POST", "/api/runs", "[1,2]", t, 400, NULL);
	expect_error("POST", "/api/runs", "", t, 400, NULL);
	expect_error("POST", "/api/runs", "{}", t, 400, "suite");
	expect_error("POST", "/api/runs", "{\"suite\":3}", t, 400, "suite");
	expect_error("POST", "/api/runs", "{\"suite\":\"no-such-suite\"}", t, 400, "suite");
	expect_error("POST", "/api/runs", "{\"suite\":\"../../etc/passwd\"}", t, 400, "suite");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"time_limit\":-1}", t, 400, "time_limit");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"time_limit\":0}", t, 400, "time_limit");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"time_limit\":\"5\"}", t, 400, "time_limit");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"time_limit\":1e9}", t, 400, "time_limit");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"concurrency\":0}", t, 400, "concurrency");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"concurrency\":2.5}", t, 400, "concurrency");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"concurrency\":100000}", t, 400, "concurrency");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"rate\":-5}", t, 400, "rate");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"seed\":-1}", t, 400, "seed");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"seed\":1.5}", t, 400, "seed");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"nemesis\":\"kill\"}", t, 400, "nemesis");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"nemesis\":[\"kill\"]}", t, 400, "nemesis");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"nemesis\":[1]}", t, 400, "nemesis");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"colour\":\"red\"}", t, 400, "colour");
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-bank\",\"suite\":\"x\"}", t, 400, NULL);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	expect_error("POST", "/api/runs", big, t, 413, NULL);
	/* Nothing of that was queued. */
	{
		json_t *l = get_json("/api/runs", 200);

		cr_expect_eq(json_integer_value(json_object_get(l, "total")), 0);
		json_decref(l);
	}
}

Test(dtd_api, routing_errors)
{
	expect_error("GET", "/api/nothing", NULL, NULL, 404, NULL);
	expect_error("PUT", "/api/runs", "{}", d.token, 405, NULL);
	expect_error("POST", "/api/suites", "{}", d.token, 405, NULL);
	expect_error("DELETE", "/api/plugins", NULL, d.token, 405, NULL);
	expect_error("GET", "/api/runs/abc", NULL, NULL, 404, "id");
	expect_error("GET", "/api/runs/0", NULL, NULL, 404, "id");
	expect_error("GET", "/api/runs/999", NULL, NULL, 404, "id");
	expect_error("GET", "/api/runs/999/history", NULL, NULL, 404, "id");
	expect_error("GET", "/api/runs/1/bogus", NULL, NULL, 404, NULL);
	expect_error("GET", "/api/runs/1/cancel", NULL, NULL, 405, NULL);
	expect_error("POST", "/api/runs/999/cancel", NULL, d.token, 404, "id");
	expect_error("GET", "/api/runs?status=bogus", NULL, NULL, 400, "status");
	expect_error("GET", "/api/runs?verdict=maybe", NULL, NULL, 400, "verdict");
	expect_error("GET", "/api/runs?limit=0", NULL, NULL, 400, "limit");
	expect_error("GET", "/api/runs?limit=abc", NULL, NULL, 400, "limit");
	expect_error("GET", "/api/runs?offset=-1", NULL, NULL, 400, "offset");
	expect_error("POST", "/metrics", "{}", d.token, 405, NULL);
}

/* Read a run's event stream until needle shows (or timeout s). */
typedef struct sse_buf {
	char text[65536];
	size_t len;
	const char *needle;
} sse_buf;

static size_t sse_data(char *data, size_t size, size_t n, void *arg)
{
	sse_buf *b = arg;
	size_t k = size * n;

	if (k > sizeof(b->text) - 1 - b->len)
		k = sizeof(b->text) - 1 - b->len;
	memcpy(b->text + b->len, data, k);
	b->len += k;
	b->text[b->len] = '\0';
	return strstr(b->text, b->needle) != NULL ? 0 : size * n;
}

static void read_events_after(long long id, const char *needle, long timeout,
			      const char *last_id, sse_buf *b)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[256], hdr[64];

	memset(b, 0, sizeof(*b));
	b->needle = needle;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/runs/%lld/events", d.port, id);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (last_id != NULL) {
		snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", last_id);
		h = curl_slist_append(h, hdr);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
}

static void read_events(long long id, const char *needle, long timeout, sse_buf *b)
{
	read_events_after(id, needle, timeout, NULL, b);
}

Test(dtd_api, run_to_verdict)
{
	long long id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":1,"
				"\"concurrency\":3,\"rate\":200,\"seed\":42}");
	json_t *run, *j, *e;
	char path[256];
	sse_buf *b = malloc(sizeof(*b));
	size_t i;
	bool driver = false;

	cr_assert_gt(id, 0);
	/* Live events: phases, progress, then the verdict and final status. */
	read_events(id, "event: status", 30, b);
	cr_expect(strstr(b->text, "event: phase\ndata: {\"phase\":\"running\"}") != NULL, "%s", b->text);
	cr_expect(strstr(b->text, "event: progress") != NULL, "%s", b->text);
	cr_expect(strstr(b->text, "event: verdict") != NULL, "%s", b->text);
	run = wait_run(&d, id, 20);
	cr_assert_str_eq(json_string_value(json_object_get(run, "status")), "done");
	cr_expect_str_eq(json_string_value(json_object_get(run, "verdict")), "valid");
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(run, "counts"), "ok")), 50);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(run, "parameters"), "seed")), 42);
	cr_expect(json_is_number(json_object_get(run, "duration")));
	cr_expect(access(json_string_value(json_object_get(run, "store")), F_OK) == 0);

	snprintf(path, sizeof(path), "/api/runs/%lld/results", id);
	j = get_json(path, 200);
	cr_expect(json_is_true(json_object_get(j, "valid")));
	cr_expect(json_is_true(json_object_get(json_object_get(json_object_get(j, "checkers"), "bank"), "valid")));
	json_decref(j);

	snprintf(path, sizeof(path), "/api/runs/%lld/history?from=2&limit=5", id);
	j = get_json(path, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "ops")), 5);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "ops"), 0), "index")), 2);
	cr_expect_gt(json_integer_value(json_object_get(j, "total")), 100);
	json_decref(j);
	snprintf(path, sizeof(path), "/api/runs/%lld/history?limit=0", id);
	expect_error("GET", path, NULL, NULL, 400, "limit");

	snprintf(path, sizeof(path), "/api/runs/%lld/metrics", id);
	j = get_json(path, 200);
	json_array_foreach(json_object_get(j, "series"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "source")), "driver") == 0 &&
		    json_object_get(json_object_get(e, "values"), "transfer") != NULL)
			driver = true;
	cr_expect(driver, "no driver figures for transfer");
	cr_expect(json_is_array(json_object_get(j, "nemesis")));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/runs/%lld/metrics?series=nothing&from=0&to=1", id);
	j = get_json(path, 200);
	cr_expect_eq(json_array_size(json_object_get(j, "series")), 0);
	json_decref(j);
	snprintf(path, sizeof(path), "/api/runs/%lld/metrics?from=x", id);
	expect_error("GET", path, NULL, NULL, 400, "from");

	snprintf(path, sizeof(path), "/api/runs/%lld/files/dt.log", id);
	{
		http_reply r;

		cr_assert_eq(http(&d, "GET", path, NULL, NULL, &r), 0);
		cr_expect_eq(r.status, 200);
		cr_expect(strstr(r.body, "verdict: valid") != NULL, "%s", r.body);
		http_reply_free(&r);
	}
	snprintf(path, sizeof(path), "/api/runs/%lld/files/..%%2Fx.log", id);
	expect_error("GET", path, NULL, NULL, 404, "name");

	/* A browser that reconnects gets only what it has not seen. */
	read_events_after(id, "event: status", 10, "1", b);
	cr_expect(strstr(b->text, "id: 2\n") != NULL && strstr(b->text, "id: 1\n") == NULL &&
		  strstr(b->text, "id: 0\n") == NULL, "%s", b->text);

	/* A finished run's stream says its status and ends. */
	read_events(id, "no such thing", 10, b);
	cr_expect(strstr(b->text, "event: status") != NULL, "%s", b->text);
	cr_expect(strstr(b->text, "\"verdict\":\"valid\"") != NULL, "%s", b->text);

	/* Filters and paging. */
	j = get_json("/api/runs?suite=dtd-bank&status=done&verdict=valid", 200);
	cr_expect_eq(json_integer_value(json_object_get(j, "total")), 1);
	json_decref(j);
	j = get_json("/api/runs?verdict=invalid", 200);
	cr_expect_eq(json_integer_value(json_object_get(j, "total")), 0);
	json_decref(j);
	cr_expect_gt(post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}"), 0);
	j = get_json("/api/runs?limit=1&offset=1", 200);
	cr_expect_eq(json_integer_value(json_object_get(j, "total")), 2);
	cr_expect_eq(json_array_size(json_object_get(j, "runs")), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "id")), id,
		     "newest first");
	json_decref(j);

	/* Delete: the row and the store folder go. */
	snprintf(path, sizeof(path), "/api/runs/%lld", id);
	{
		http_reply r;
		char *dir = strdup(json_string_value(json_object_get(run, "store")));

		cr_assert_eq(http(&d, "DELETE", path, NULL, d.token, &r), 0);
		cr_expect_eq(r.status, 200, "%s", r.body);
		http_reply_free(&r);
		cr_expect(access(dir, F_OK) != 0, "%s still there", dir);
		free(dir);
	}
	expect_error("GET", path, NULL, NULL, 404, "id");
	expect_error("DELETE", path, NULL, d.token, 404, "id");
	json_decref(run);
	free(b);
}

Test(dtd_api, cancel_running_and_queued)
{
	long long a = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":60}");
	long long b = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":60}");
	char pa[64], pb[64], path[128];
	json_t *run;
	sse_buf *sb = malloc(sizeof(*sb));
	http_reply r;

	cr_assert_gt(a, 0);
	cr_assert_gt(b, 0);
	/* One at a time: b waits while a runs. */
	read_events(a, "event: progress", 15, sb);
	cr_assert(strstr(sb->text, "event: progress") != NULL, "%s", sb->text);
	snprintf(pa, sizeof(pa), "/api/runs/%lld", a);
	snprintf(pb, sizeof(pb), "/api/runs/%lld", b);
	run = get_json(pb, 200);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "queued");
	json_decref(run);
	run = get_json(pa, 200);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "running");
	cr_expect(json_is_object(json_object_get(run, "live")), "no live figures");
	json_decref(run);
	expect_error("DELETE", pa, NULL, d.token, 409, "status");
	{
		http_reply m;

		cr_assert_eq(http(&d, "GET", "/metrics", NULL, NULL, &m), 0);
		cr_expect(strstr(m.body, "dtd_runs{status=\"running\"} 1") != NULL, "%s", m.body);
		cr_expect(strstr(m.body, "dtd_runs{status=\"queued\"} 1") != NULL, "%s", m.body);
		http_reply_free(&m);
	}

	/* Cancel the queued one: it never runs. */
	snprintf(path, sizeof(path), "%s/cancel", pb);
	cr_assert_eq(http(&d, "POST", path, NULL, d.token, &r), 0);
	cr_expect_eq(r.status, 202, "%s", r.body);
	http_reply_free(&r);
	run = get_json(pb, 200);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "cancelled");
	cr_expect(json_is_null(json_object_get(run, "started")));
	json_decref(run);
	expect_error("POST", path, NULL, d.token, 409, "status");

	/* Cancel the running one: it stops early, its history checked. */
	snprintf(path, sizeof(path), "%s/cancel", pa);
	cr_assert_eq(http(&d, "POST", path, NULL, d.token, &r), 0);
	cr_expect_eq(r.status, 202, "%s", r.body);
	http_reply_free(&r);
	run = wait_run(&d, a, 20);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "cancelled");
	cr_expect_lt(json_number_value(json_object_get(run, "duration")), 30);
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(run, "counts"), "ok")), 0);
	json_decref(run);
	snprintf(path, sizeof(path), "%s/results", pa);
	run = get_json(path, 200);
	cr_expect(json_is_true(json_object_get(run, "cancelled")));
	json_decref(run);
	snprintf(path, sizeof(path), "%s/cancel", pa);
	expect_error("POST", path, NULL, d.token, 409, "status");
	free(sb);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	if (f != NULL) {
		if (fread(buf, 1, 65535, f) == 0)
			buf[0] = '\0';
		fclose(f);
	}
	return buf;
}

Test(dtd_api, parallel_runs_keep_their_own_logs)
{
	const char *extra[] = { "--parallel", "2", NULL };
	long long a, b;
	json_t *ra, *rb;
	double sa, fa, sb, fb;
	char path[600];
	char *la, *lb;

	cr_expect_eq(dtd_kill(&d, SIGTERM), 0);
	cr_assert_eq(dtd_start(&d, extra), 0);
	a = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":1}");
	b = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":1}");
	ra = wait_run(&d, a, 20);
	rb = wait_run(&d, b, 20);
	cr_assert_str_eq(json_string_value(json_object_get(ra, "verdict")), "valid");
	cr_assert_str_eq(json_string_value(json_object_get(rb, "verdict")), "valid");
	sa = json_number_value(json_object_get(ra, "started"));
	fa = json_number_value(json_object_get(ra, "finished"));
	sb = json_number_value(json_object_get(rb, "started"));
	fb = json_number_value(json_object_get(rb, "finished"));
	cr_expect(sb < fa && sa < fb, "the runs did not overlap");
	snprintf(path, sizeof(path), "%s/dt.log", json_string_value(json_object_get(ra, "store")));
	la = slurp(path);
	snprintf(path, sizeof(path), "%s/dt.log", json_string_value(json_object_get(rb, "store")));
	lb = slurp(path);
	cr_expect(strstr(la, "/run-1 (seed") != NULL && strstr(la, "/run-2 (seed") == NULL, "%s", la);
	cr_expect(strstr(lb, "/run-2 (seed") != NULL && strstr(lb, "/run-1 (seed") == NULL, "%s", lb);
	cr_expect(strstr(la, "verdict: valid") != NULL && strstr(lb, "verdict: valid") != NULL);
	free(la);
	free(lb);
	json_decref(ra);
	json_decref(rb);
}

Test(dtd_api, a_run_that_cannot_start_fails_with_the_reason)
{
	long long id;
	json_t *run;
	char path[600];
	FILE *f;

	/* A suite whose plugins do not load is refused at once. */
	expect_error("POST", "/api/runs", "{\"suite\":\"dtd-broken\"}", d.token, 400, "suite");
	/* A run whose store folder cannot be made fails, saying why. */
	snprintf(path, sizeof(path), "%s/store/dtd-bank", d.state);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fclose(f);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.3}");
	cr_assert_gt(id, 0);
	run = wait_run(&d, id, 20);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "failed");
	cr_expect(json_is_null(json_object_get(run, "verdict")));
	cr_expect(json_is_string(json_object_get(run, "error")), "no error given");
	json_decref(run);
	/* The queue goes on. */
	unlink(path);
	id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.3}");
	run = wait_run(&d, id, 20);
	cr_expect_str_eq(json_string_value(json_object_get(run, "status")), "done");
	json_decref(run);
	run = get_json("/api/runs?status=failed", 200);
	cr_expect_eq(json_integer_value(json_object_get(run, "total")), 1);
	json_decref(run);
}
