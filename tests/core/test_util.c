/* SPDX-License-Identifier: MIT */
/*
 * The helpers dt/types.h offers plugins: dt_strdupf, dt_op_error,
 * deadlines and sleeps, stored values, keyed operations, endpoints.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <dt/plugin.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- strings and reasons ----------------------------------------------- */

Test(strdupf, formats_any_length)
{
	char *s = dt_strdupf("%s:%d", "n1", 6379);
	char *big = malloc(5001);
	char *l;

	cr_assert_str_eq(s, "n1:6379");
	memset(big, 'x', 5000);
	big[5000] = '\0';
	l = dt_strdupf("<%s>", big);
	cr_assert_eq(strlen(l), 5002);
	cr_assert_eq(l[0], '<');
	cr_assert_eq(l[5001], '>');
	free(s);
	free(l);
	free(big);
}

Test(op_error, sets_the_reason_and_returns_the_outcome)
{
	char *error = NULL;

	cr_assert_eq(dt_op_error(&error, DT_OP_FAIL, "no key"), DT_OP_FAIL);
	cr_assert_str_eq(error, "no key");
	/* A second reason replaces the first (which is freed: ASan). */
	cr_assert_eq(dt_op_error(&error, DT_OP_INFO, "%s: timed out after %d ms",
				 "n2", 300), DT_OP_INFO);
	cr_assert_str_eq(error, "n2: timed out after 300 ms");
	cr_assert_eq(dt_op_error(&error, DT_OP_FAIL, "100%% sure"), DT_OP_FAIL);
	cr_assert_str_eq(error, "100% sure");
	free(error);
}

/* ---- deadlines and sleeps ---------------------------------------------- */

Test(deadline, counts_down_and_expires)
{
	dt_deadline d;
	double left;

	dt_deadline_set(&d, 0.5);
	left = dt_deadline_left(&d);
	cr_assert(left > 0.3 && left <= 0.5, "left %f", left);
	cr_assert_not(dt_deadline_expired(&d));
	dt_sleep(0.05);
	cr_assert(dt_deadline_left(&d) <= left - 0.05, "did not count down");

	dt_deadline_set(&d, 0);
	cr_assert(dt_deadline_expired(&d));
	cr_assert(dt_deadline_left(&d) <= 0);

	dt_deadline_set(&d, 100000.25); /* whole and fractional seconds */
	left = dt_deadline_left(&d);
	cr_assert(left > 100000.0 && left <= 100000.25, "left %f", left);
}

Test(deadline, nap_is_bounded_by_the_deadline)
{
	dt_deadline d;
	double t0;

	dt_deadline_set(&d, 0.05);
	t0 = now();
	dt_deadline_nap(&d, 10);
	cr_assert(now() - t0 >= 0.04, "woke before the deadline");
	cr_assert(now() - t0 < 5, "slept past the deadline");
	cr_assert(dt_deadline_expired(&d));

	/* Past the deadline: no sleep at all, whatever `most` says. */
	t0 = now();
	dt_deadline_nap(&d, 10);
	cr_assert(now() - t0 < 5);

	/* `most` shorter than what is left. */
	dt_deadline_set(&d, 60);
	t0 = now();
	dt_deadline_nap(&d, 0.03);
	cr_assert(now() - t0 >= 0.03 && now() - t0 < 5);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

Test(sleep, survives_signals)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }; /* every 20 ms */
	double t0;

	sa.sa_handler = on_alarm; /* no SA_RESTART: nanosleep returns EINTR */
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now();
	dt_sleep(0.15);
	t0 = now() - t0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	cr_assert_geq(alarms, 2, "the signals did not come (%d)", (int)alarms);
	cr_assert(t0 >= 0.149, "woken by a signal after %f s", t0);

	t0 = now();
	dt_sleep(0);
	dt_sleep(-1);
	cr_assert(now() - t0 < 1);
}

/* ---- stored values ------------------------------------------------------ */

Test(value, json_text_round_trips)
{
	const char *cases[] = { "null", "3", "-12.5", "true", "\"a b\"", "[1,[2]]",
				"{\"k\":\"v\"}" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i], JSON_DECODE_ANY, NULL);
		char *text = dt_value_text(v, false);
		json_t *back = dt_value_parse(text, strlen(text), false);

		cr_assert_str_eq(text, cases[i]);
		cr_assert(json_equal(v, back), "%s came back different", cases[i]);
		free(text);
		json_decref(v);
		json_decref(back);
	}
}

Test(value, null_pointer_is_json_null)
{
	char *text = dt_value_text(NULL, false);

	cr_assert_str_eq(text, "null");
	free(text);
}

Test(value, raw_strings_are_bare)
{
	json_t *s = json_string("ab\"c");
	json_t *n = json_integer(7);
	char *ts = dt_value_text(s, true), *tn = dt_value_text(n, true);
	json_t *back = dt_value_parse("12", 2, true);

	cr_assert_str_eq(ts, "ab\"c");
	cr_assert_str_eq(tn, "7"); /* only strings are raw */
	cr_assert(json_is_string(back));
	cr_assert_str_eq(json_string_value(back), "12");
	free(ts);
	free(tn);
	json_decref(s);
	json_decref(n);
	json_decref(back);
}

Test(value, text_that_is_not_json)
{
	json_t *v = dt_value_parse("hello world", 5, false);
	json_t *bad = dt_value_parse("\xff\xfe", 2, false);

	cr_assert_str_eq(json_string_value(v), "hello");
	cr_assert_str_eq(json_string_value(bad), "(not UTF-8)");
	json_decref(v);
	json_decref(bad);
}

/* ---- keyed operations ----------------------------------------------------- */

Test(keyed, sorts_the_operations)
{
	const char *names[] = { "read", "get", "write", "put", "cas", "append" };
	const dt_keyed_op ops[] = { DT_KEYED_READ, DT_KEYED_READ, DT_KEYED_WRITE,
				    DT_KEYED_WRITE, DT_KEYED_CAS, DT_KEYED_APPEND };
	json_t *arg = json_pack("{sss[ii]}", "key", "k7", "value", 1, 2);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *key = NULL;
		const json_t *v = NULL;
		char *error = NULL;

		cr_assert_eq(dt_keyed_parse(names[i], arg, "sys", &key, &v, &error), ops[i],
			     "%s", names[i]);
		cr_assert_str_eq(key, "k7");
		cr_assert_eq(v, json_object_get(arg, "value"));
		cr_assert_null(error);
	}
	json_decref(arg);
}

Test(keyed, refuses_what_is_not_one)
{
	json_t *arg = json_pack("{ss}", "key", "k");
	json_t *nokey = json_pack("{si}", "value", 3);
	const char *key;
	const json_t *v;
	char *error = NULL;

	cr_assert_eq(dt_keyed_parse("transfer", arg, "sys", &key, &v, &error),
		     DT_KEYED_NONE);
	cr_assert_str_eq(error, "sys has no operation 'transfer'");
	cr_assert_null(v);
	cr_assert_eq(dt_keyed_parse("read", nokey, "sys", &key, &v, &error),
		     DT_KEYED_NONE);
	cr_assert_str_eq(error, "no key");
	free(error);
	json_decref(arg);
	json_decref(nokey);
}

/* ---- endpoints ----------------------------------------------------------- */

Test(endpoints, from_nodes)
{
	dt_node nodes[3] = { 0 };
	json_t *conf = json_pack("{s[s]}", "endpoints", "x");
	char err[DT_ERRBUF_SIZE] = "";
	dt_endpoint *eps;
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		snprintf(nodes[i].name, sizeof(nodes[i].name), "node%d", i);
		snprintf(nodes[i].address, sizeof(nodes[i].address), "10.0.0.%d", i + 1);
	}
	nodes[0].info = json_pack("{si}", "port", 7000);
	nodes[1].info = json_pack("{s[ii]}", "ports", 7001, 9);
	nodes[2].info = json_pack("{si}", "port", 70000); /* out of range */
	/* The config's endpoints do not count when there are nodes. */
	eps = dt_endpoints_get(conf, nodes, 3, "", 6379, &n, err);
	cr_assert_not_null(eps, "%s", err);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(eps[0].name, "node0");
	cr_assert_str_eq(eps[0].host, "10.0.0.1");
	cr_assert_eq(eps[0].port, 7000);
	cr_assert_eq(eps[1].port, 7001);
	cr_assert_eq(eps[2].port, 6379);
	cr_assert_eq(dt_endpoints_find(eps, n, "node2"), 2);
	cr_assert_eq(dt_endpoints_find(eps, n, "node3"), -1);
	free(eps);
	json_decref(conf);
	for (int i = 0; i < 3; i++)
		json_decref(nodes[i].info);
}

Test(endpoints, from_the_config)
{
	json_t *conf = json_pack("{s[ss]}", "endpoints", "http://127.0.0.1:2379",
				 "http://[::1]:2380");
	char err[DT_ERRBUF_SIZE] = "";
	size_t n = 0;
	dt_endpoint *eps = dt_endpoints_get(conf, NULL, 0, "http://", 1, &n, err);

	cr_assert_not_null(eps, "%s", err);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(eps[0].name, "n1");
	cr_assert_str_eq(eps[0].host, "127.0.0.1");
	cr_assert_eq(eps[0].port, 2379);
	cr_assert_str_eq(eps[1].name, "n2");
	cr_assert_str_eq(eps[1].host, "[::1]");
	cr_assert_eq(eps[1].port, 2380);
	free(eps);
	json_decref(conf);
}

Test(endpoints, bad_lists_are_refused)
{
	const char *bad[] = {
		"{}", "{\"endpoints\": []}", "{\"endpoints\": \"h:1\"}",
		"{\"endpoints\": [\"h\"]}", "{\"endpoints\": [\"h:0\"]}",
		"{\"endpoints\": [\"h:65536\"]}", "{\"endpoints\": [\":80\"]}",
		"{\"endpoints\": [\"h:80x\"]}", "{\"endpoints\": [\"h:80\", 3]}",
		"{\"endpoints\": [\"ftp://h:80\"]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *conf = json_loads(bad[i], 0, NULL);
		char err[DT_ERRBUF_SIZE] = "";
		size_t n = 99;
		const char *scheme = i + 1 == sizeof(bad) / sizeof(bad[0]) ? "http://" : "";

		cr_assert_null(dt_endpoints_get(conf, NULL, 0, scheme, 1, &n, err),
			       "%s was taken", bad[i]);
		cr_assert_eq(n, 0);
		cr_assert(strstr(err, "HOST:PORT") != NULL, "%s: %s", bad[i], err);
		json_decref(conf);
	}
	/* No config at all. */
	{
		char err[DT_ERRBUF_SIZE] = "";
		size_t n;

		cr_assert_null(dt_endpoints_get(NULL, NULL, 0, "", 1, &n, err));
		cr_assert(strstr(err, "no nodes") != NULL, "%s", err);
	}
}

static json_t *one(void *arg, size_t i)
{
	int *calls = arg;

	(*calls)++;
	return i == 1 ? NULL : json_integer((json_int_t)i);
}

Test(endpoints, metrics_by_name)
{
	dt_endpoint eps[3] = { { "a", "h", 1 }, { "b", "h", 2 }, { "c", "h", 3 } };
	int calls = 0;
	json_t *all = dt_endpoints_metrics(eps, 3, one, &calls);

	cr_assert_eq(calls, 3);
	cr_assert_eq(json_object_size(all), 2);
	cr_assert_eq(json_integer_value(json_object_get(all, "a")), 0);
	cr_assert_null(json_object_get(all, "b"));
	cr_assert_eq(json_integer_value(json_object_get(all, "c")), 2);
	json_decref(all);
}

/* ---- the shared pieces: base64, the hash map, the buffer --------------- */

Test(base64, round_trips)
{
	const char *cases[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar", "r0" };
	const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
			      "Zm9vYmFy", "cjA=" };
	unsigned char all[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = dt_base64_encode(cases[i], strlen(cases[i]));
		size_t n;
		unsigned char *d = dt_base64_decode(e, strlen(e), &n);

		cr_assert_str_eq(e, enc[i]);
		cr_assert_eq(n, strlen(cases[i]));
		cr_assert_str_eq((char *)d, cases[i]);
		free(e);
		free(d);
	}
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	{
		char *e = dt_base64_encode(all, sizeof(all));
		size_t n;
		unsigned char *d = dt_base64_decode(e, strlen(e), &n);

		cr_assert_eq(n, sizeof(all));
		cr_assert_eq(memcmp(d, all, n), 0);
		free(e);
		free(d);
	}
}

Test(base64, blanks_padding_and_garbage)
{
	size_t n;
	unsigned char *d;
	const char *bad[] = { "Zm9v!", "Z", "Zg===", "Zg=a", "not*base64", "Zm9-" };

	/* PEM and kubeconfig data are wrapped */
	d = dt_base64_decode("aGVsbG8gd29y\nbGQ=", 17, &n);
	cr_assert_not_null(d);
	cr_expect_str_eq((char *)d, "hello world");
	cr_expect_eq(n, 11);
	free(d);
	d = dt_base64_decode("Zg", 2, &n);
	cr_assert_not_null(d, "padding may be left out");
	cr_assert_eq(n, 1);
	free(d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_null(dt_base64_decode(bad[i], strlen(bad[i]), &n), "%s", bad[i]);
}

Test(map, put_get_delete_many)
{
	dt_map *m = dt_map_new();
	char key[32];
	size_t iter = 0, seen = 0;
	const void *k;
	size_t len;
	void *v;

	cr_assert_not_null(m);
	for (intptr_t i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "k%ld", (long)i);
		cr_assert_eq(dt_map_puts(m, key, (void *)(i + 1)), 0);
	}
	cr_assert_eq(dt_map_count(m), 20000);
	/* a key of length 0 and one with a NUL inside are keys too */
	cr_assert_eq(dt_map_put(m, "", 0, (void *)7), 0);
	cr_assert_eq(dt_map_put(m, "a\0b", 3, (void *)8), 0);
	cr_assert_eq((intptr_t)dt_map_get(m, "", 0), 7);
	cr_assert_eq((intptr_t)dt_map_get(m, "a\0b", 3), 8);
	cr_assert_null(dt_map_get(m, "a", 1));
	for (intptr_t i = 0; i < 20000; i += 2) {
		snprintf(key, sizeof(key), "k%ld", (long)i);
		cr_assert_eq((intptr_t)dt_map_del(m, key, strlen(key)), i + 1);
	}
	for (intptr_t i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "k%ld", (long)i);
		cr_assert_eq((intptr_t)dt_map_gets(m, key), i % 2 ? i + 1 : 0, "%s", key);
	}
	while (dt_map_next(m, &iter, &k, &len, &v))
		seen++;
	cr_assert_eq(seen, 10002);
	cr_assert_eq(dt_map_count(m), 10002);
	dt_map_free(m, NULL);
}

Test(buf, text_and_bytes)
{
	dt_buf b = { 0 };
	char *s;
	int *a = NULL;
	size_t cap = 0;

	cr_assert_eq(dt_buf_puts(&b, "abc"), 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(dt_buf_printf(&b, "%d,", i), 0);
	cr_assert_eq(strncmp((char *)b.data, "abc0,1,2,", 9), 0);
	cr_assert_eq(b.len, strlen((char *)b.data));
	s = dt_buf_take(&b);
	cr_assert_null(b.data);
	cr_assert_eq(strlen(s), 3 + 10 * 2 + 90 * 3 + 900 * 4);
	free(s);
	s = dt_buf_take(&b);
	cr_assert_str_eq(s, "");
	free(s);
	cr_assert_eq(dt_grow(&a, &cap, 100, sizeof(*a)), 0);
	cr_assert_geq(cap, 100);
	for (size_t i = 0; i < cap; i++)
		cr_assert_eq(a[i], 0, "grown items are zeroed");
	free(a);
}
