/* SPDX-License-Identifier: MIT */
/*
 * deadline.c: dtd's whole-request deadline (--request-timeout, here 2 s)
 * against clients on raw sockets.  A client that trickles its headers or
 * its body a byte every 0.5 s is never idle long enough for the idle
 * timeout, yet must be cut off near the deadline while honest clients
 * are served; a slow but complete request is served, and a kept-alive
 * connection gets a new deadline after each reply; replies that take
 * long by nature (an event stream, a large file read slowly) are never
 * cut.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DEADLINE 2.0      /* what dtd is started with */
#define TRICKLE_MAX 10.0  /* give up on being cut after this */

static dtd_proc d;

static void setup(void)
{
	static const char *const extra[] = { "--request-timeout", "2s", NULL };

	cr_assert_eq(dtd_start(&d, extra), 0, "dtd did not start (DT_BUILDDIR=%s)",
		     getenv("DT_BUILDDIR"));
}

static void teardown(void)
{
	cr_expect_eq(dtd_stop(&d), 0, "dtd did not stop cleanly");
}

TestSuite(dtd_deadline, .init = setup, .fini = teardown, .timeout = 90);

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static void send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		cr_assert_gt(n, 0, "send: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* True once dtd has closed fd (end of stream or reset); what it sent
 * before is read and dropped. */
static bool closed_by_peer(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n == 0)
			return true;
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	}
}

/* Wait `span` seconds; a trickler (cut[k] < 0) that dtd closes
 * meanwhile gets its time since t0[k] in cut[k], to the millisecond. */
static void watch(const int fd[2], double cut[2], const double t0[2], double span)
{
	double end = mono_s() + span;

	for (double left = span; left > 0; left = end - mono_s()) {
		struct pollfd p[2];
		int n = 0, idx[2];

		for (int k = 0; k < 2; k++) {
			if (cut[k] >= 0)
				continue;
			p[n] = (struct pollfd){ .fd = fd[k], .events = POLLIN | POLLRDHUP };
			idx[n++] = k;
		}
		if (n == 0) {
			nap(left);
			return;
		}
		if (poll(p, (nfds_t)n, (int)(left * 1000) + 1) <= 0)
			continue;
		for (int i = 0; i < n; i++)
			if (p[i].revents != 0 && closed_by_peer(fd[idx[i]]))
				cut[idx[i]] = mono_s() - t0[idx[i]];
	}
}

/*
 * One reply on a kept-alive connection: headers, then Content-Length
 * bytes of body into body (NUL-terminated).  Returns the status, or -1
 * when none came whole within timeout seconds.
 */
static int read_reply(int fd, char *body, size_t size, double timeout)
{
	char buf[16384], *end, *cl;
	size_t got = 0, want;
	double t0 = mono_s();
	int status = -1;

	body[0] = '\0';
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL) {
			cl = strstr(buf, "\r\nContent-Length: ");
			if (cl == NULL || cl > end)
				return -1;
			want = (size_t)strtoul(cl + 18, NULL, 10);
			if ((size_t)(buf + got - (end + 4)) >= want)
				break;
		}
		if (got + 1 >= sizeof(buf) ||
		    poll(&p, 1, (int)((timeout - (mono_s() - t0)) * 1000)) <= 0)
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	snprintf(body, size, "%.*s", (int)want, end + 4);
	return status;
}

Test(dtd_deadline, tricklers_are_cut_near_the_deadline_while_others_are_served)
{
	/* 0: headers that never end; 1: whole headers, then a body that
	 * would take 500 s at this pace. */
	char head[512];
	int fd[2];
	double t0[2], cut[2] = { -1, -1 };
	int served = 0, rounds = 0;

	t0[0] = mono_s();
	fd[0] = dtd_connect(&d, 0);
	cr_assert_geq(fd[0], 0, "connect: %s", strerror(errno));
	snprintf(head, sizeof(head), "GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
	send_all(fd[0], head, strlen(head));
	t0[1] = mono_s();
	fd[1] = dtd_connect(&d, 0);
	cr_assert_geq(fd[1], 0, "connect: %s", strerror(errno));
	snprintf(head, sizeof(head), "POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: 1000\r\n\r\n{\"suite\": \"", d.token);
	send_all(fd[1], head, strlen(head));
	while ((cut[0] < 0 || cut[1] < 0) && mono_s() - t0[0] < TRICKLE_MAX) {
		http_reply r;

		watch(fd, cut, t0, 0.5);
		for (int k = 0; k < 2; k++) {
			if (cut[k] >= 0)
				continue;
			/* A closed socket may take the byte: look after it too. */
			if (closed_by_peer(fd[k]) ||
			    send(fd[k], "a", 1, MSG_NOSIGNAL) != 1 ||
			    closed_by_peer(fd[k]))
				cut[k] = mono_s() - t0[k];
		}
		/* An honest client meanwhile. */
		if (http(&d, "GET", "/api/runs", NULL, NULL, &r) == 0 && r.status == 200)
			served++;
		http_reply_free(&r);
		rounds++;
	}
	for (int k = 0; k < 2; k++) {
		const char *what = k == 0 ? "header" : "body";

		cr_log_info("%s trickler cut after %.3f s (deadline %.0f s)",
			    what, cut[k], DEADLINE);
		fprintf(stderr, "dtd-deadline: %s trickler cut after %.3f s "
			"(deadline %.0f s)\n", what, cut[k], DEADLINE);
		cr_expect_geq(cut[k], 0, "a client trickling its %s a byte every "
			      "0.5 s was still connected after %.0f s", what,
			      TRICKLE_MAX);
		/* dtd counts from accept, after t0: never earlier. */
		if (cut[k] >= 0)
			cr_expect_geq(cut[k], DEADLINE - 0.01, "the %s trickler was "
				      "cut after %.2f s, before the deadline", what,
				      cut[k]);
		close(fd[k]);
	}
	cr_expect_eq(served, rounds, "only %d of %d honest requests were served "
		     "meanwhile", served, rounds);
}

Test(dtd_deadline, a_slow_whole_request_is_served_and_keep_alive_restarts_the_clock)
{
	const char *body = "{\"suite\": \"dtd-bank\", \"time_limit\": 0.2}";
	char head[512], reply[4096], get[128];
	size_t hl, bl = strlen(body), step = bl / 3 + 1;
	int fd = dtd_connect(&d, 0), status;
	double t0 = mono_s();
	long long id;
	json_t *run;

	cr_assert_geq(fd, 0, "connect: %s", strerror(errno));
	hl = (size_t)snprintf(head, sizeof(head), "POST /api/runs HTTP/1.1\r\n"
			      "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			      "Content-Type: application/json\r\n"
			      "Content-Length: %zu\r\n\r\n", d.token, bl);
	/* Headers in two pieces, the body in three: about 1 s in all, half
	 * the deadline. */
	send_all(fd, head, hl / 2);
	nap(0.25);
	send_all(fd, head + hl / 2, hl - hl / 2);
	for (size_t off = 0; off < bl; off += step) {
		nap(0.25);
		send_all(fd, body + off, off + step < bl ? step : bl - off);
	}
	status = read_reply(fd, reply, sizeof(reply), 20);
	cr_assert_eq(status, 201, "a POST sent over %.1f s got status %d: %s",
		     mono_s() - t0, status, reply);
	run = json_loads(reply, 0, NULL);
	id = (long long)json_integer_value(json_object_get(run, "id"));
	json_decref(run);
	cr_assert_gt(id, 0, "no run id in %s", reply);
	/* The connection outlives the deadline counted from accept; the
	 * next request is due DEADLINE after the reply, and comes in time. */
	nap(1.2);
	cr_assert_gt(mono_s() - t0, DEADLINE, "the test did not outlast the deadline");
	snprintf(get, sizeof(get), "GET /api/runs/%lld HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", id);
	send_all(fd, get, strlen(get));
	status = read_reply(fd, reply, sizeof(reply), 20);
	cr_expect_eq(status, 200, "a kept-alive request %.1f s after accept (%.1f s "
		     "after the last reply) got %d", mono_s() - t0, 1.2, status);
	close(fd);
	run = wait_run(&d, id, 60);
	json_decref(run);
}

/* GET path on a raw socket with a small receive buffer, waiting `pause`
 * seconds before reading, until dtd closes.  *out gets the headers and
 * the start of the body (malloc'd, NUL-terminated); returns the body's
 * length, or -1 when no headers came. */
static long long get_slowly(const char *path, double pause, char **out)
{
	enum { KEEP = 1 << 20 };
	char req[256], buf[65536], *text = malloc(KEEP + 1), *end;
	long long total = 0;
	size_t kept = 0;
	int fd = dtd_connect(&d, 32 * 1024);

	cr_assert_not_null(text);
	cr_assert_geq(fd, 0, "connect: %s", strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		 path);
	send_all(fd, req, strlen(req));
	nap(pause);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 30000) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		total += n;
		if (kept < KEEP) {
			size_t k = (size_t)n < KEEP - kept ? (size_t)n : KEEP - kept;

			memcpy(text + kept, buf, k);
			kept += k;
		}
	}
	close(fd);
	text[kept] = '\0';
	*out = text;
	end = strstr(text, "\r\n\r\n");
	return end ? total - (long long)(end + 4 - text) : -1;
}

Test(dtd_deadline, an_event_stream_and_a_slow_download_outlast_the_deadline)
{
	long long id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":3.5}");
	const off_t size = (off_t)32 << 20; /* more than socket buffers hold */
	char url[128], path[600];
	char *text = NULL;
	long long got;
	double t0, took;

	cr_assert_gt(id, 0, "no run");
	/* The run's events until its end: a stream longer than the deadline. */
	snprintf(url, sizeof(url), "/api/runs/%lld/events", id);
	t0 = mono_s();
	get_slowly(url, 0, &text);
	took = mono_s() - t0;
	cr_expect_gt(took, DEADLINE + 0.5, "the stream lasted %.1f s only: it "
		     "proves nothing about the deadline", took);
	cr_expect(strstr(text, "event: status") != NULL, "the event stream was cut "
		  "after %.1f s, before its final status event: %.300s", took, text);
	free(text);

	/* A run file read slowly: still being sent past the deadline. */
	cr_assert_eq(run_sparse_file(&d, id, "big.log", size, path, sizeof(path)), 0,
		     "cannot make %s: %s", path, strerror(errno));
	snprintf(url, sizeof(url), "/api/runs/%lld/files/big.log", id);
	got = get_slowly(url, DEADLINE + 1, &text);
	cr_expect(strncmp(text, "HTTP/1.1 200", 12) == 0, "reply: %.200s", text);
	cr_expect_eq(got, (long long)size, "a download read after a %.0f s pause "
		     "got %lld bytes of %lld", DEADLINE + 1, got, (long long)size);
	free(text);
	unlink(path);
}
