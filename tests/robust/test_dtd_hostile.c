/* SPDX-License-Identifier: MIT */
/*
 * test_dtd_hostile.c: dtd against hostile clients, on a real dtd of the
 * build (the dtd tests' harness): an oversized body (with and without
 * Content-Length), garbage bytes instead of HTTP, a huge header, many
 * idle connections at once (from the honest client's address or
 * another: the idle timeout and the per-address limit let it in), a run
 * file larger than dtd would hold in memory.  Each time dtd answers as
 * it must or drops the connection, and stays up for the next, honest
 * client.
 */
#define _GNU_SOURCE /* strcasestr */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../dtd/harness.h"

static dtd_proc d;

static void setup(void)
{
	cr_assert_eq(dtd_start(&d, NULL), 0, "dtd did not start");
}

static void teardown(void)
{
	cr_expect_eq(dtd_stop(&d), 0, "dtd did not stop cleanly");
}

TestSuite(dtd_hostile, .init = setup, .fini = teardown, .timeout = 90);

static int tcp_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send raw bytes, read what comes back until close or timeout_ms. */
static size_t raw_exchange(const void *req, size_t len, char *out, size_t size,
			   int timeout_ms)
{
	int fd = tcp_connect(d.port);
	size_t got = 0, sent = 0;

	cr_assert_geq(fd, 0, "connect: %s", strerror(errno));
	while (sent < len) {
		ssize_t n = send(fd, (const char *)req + sent, len - sent, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* dtd may close early: fine */
		sent += (size_t)n;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		n = recv(fd, out + got, size - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got + 1 >= size)
			break;
	}
	out[got] = '\0';
	close(fd);
	return got;
}

/* dtd still answers an honest request. */
static void expect_alive(const char *after)
{
	http_reply r;

	cr_assert_eq(http(&d, "GET", "/api/runs", NULL, NULL, &r), 0, "after %s: no reply", after);
	cr_expect_eq(r.status, 200, "after %s: status %ld", after, r.status);
	http_reply_free(&r);
	cr_assert_eq(kill(d.pid, 0), 0, "after %s: dtd is gone", after);
}

Test(dtd_hostile, an_oversized_body_is_refused_with_413)
{
	size_t n = 2u << 20;
	char *body = malloc(n + 1);
	http_reply r;

	memset(body, 'a', n);
	body[n] = '\0';
	cr_assert_eq(http(&d, "POST", "/api/runs", body, d.token, &r), 0);
	cr_expect_eq(r.status, 413, "status %ld: %s", r.status, r.body);
	cr_expect(strstr(r.body, "{\"error\":\"request body over 65536 bytes\"") == r.body,
		  "body: %s", r.body);
	http_reply_free(&r);
	free(body);
	expect_alive("an oversized body");
}

Test(dtd_hostile, an_oversized_chunked_body_is_refused)
{
	/* no Content-Length: dtd counts what arrives */
	static char req[300000];
	char out[4096];
	size_t n = (size_t)snprintf(req, sizeof(req),
				    "POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Authorization: Bearer %s\r\n"
				    "Transfer-Encoding: chunked\r\n\r\n", d.token);

	for (int i = 0; i < 20 && n + 20000 < sizeof(req); i++) {
		n += (size_t)snprintf(req + n, sizeof(req) - n, "%x\r\n", 10000);
		memset(req + n, 'b', 10000);
		n += 10000;
		memcpy(req + n, "\r\n", 2);
		n += 2;
	}
	n += (size_t)snprintf(req + n, sizeof(req) - n, "0\r\n\r\n");
	raw_exchange(req, n, out, sizeof(out), 5000);
	cr_expect(strncmp(out, "HTTP/1.1 413", 12) == 0, "reply: %.200s", out);
	expect_alive("an oversized chunked body");
}

Test(dtd_hostile, garbage_instead_of_http)
{
	static const char *const junk[] = {
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS hello */
		"GET\r\n\r\n",
		"GET /api/runs HTTP/9.9\r\n\r\n",
		"GET /../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		"POST /api/runs HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST /api/runs HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"\0\0\0\0\r\n\r\n",
	};
	char out[8192];

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		raw_exchange(junk[i], strlen(junk[i]) ? strlen(junk[i]) : 8, out,
			     sizeof(out), 2000);
		cr_expect(strstr(out, "root:") == NULL, "case %zu served a system file", i);
		expect_alive("garbage");
	}
}

Test(dtd_hostile, a_huge_header_is_refused)
{
	size_t n = 1u << 20;
	char *req = malloc(n + 200), out[4096];
	size_t len = (size_t)snprintf(req, 200, "GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ");

	memset(req + len, 'h', n);
	len += n;
	memcpy(req + len, "\r\n\r\n", 4);
	len += 4;
	raw_exchange(req, len, out, sizeof(out), 5000);
	cr_expect(strncmp(out, "HTTP/1.1 200", 12) != 0, "a 1 MiB header was served: %.100s", out);
	free(req);
	expect_alive("a huge header");
}

Test(dtd_hostile, many_idle_connections_below_the_limit_do_not_stop_it)
{
	int fds[150];
	size_t n = 0;

	/* below the per-address limit (core/dtd/http.c: PER_IP_LIMIT 192) */
	for (; n < 150; n++) {
		fds[n] = tcp_connect(d.port);
		if (fds[n] < 0)
			break;
		/* half a request line, then nothing (slowloris) */
		if (n % 2 == 0 && send(fds[n], "GET /api/r", 10, MSG_NOSIGNAL) < 0)
			break;
	}
	cr_expect_eq(n, 150, "only %zu connections accepted", n);
	expect_alive("150 idle connections");
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	expect_alive("closing them");
}

/* Open up to max idle connections from a loopback address (127.0.0.1
 * or another); half of them with half a request line. */
static size_t flood(int *fds, size_t max, const char *from)
{
	size_t n = 0;

	for (; n < max; n++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)d.port) };
		struct sockaddr_in src = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		inet_pton(AF_INET, from, &src.sin_addr);
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
		    connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (n % 2 == 0)
			(void)send(fd, "GET /api/r", 10, MSG_NOSIGNAL);
		fds[n] = fd;
	}
	return n;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

Test(dtd_hostile, an_idle_flood_from_one_address_leaves_room_for_others)
{
	int fds[300];
	size_t n = flood(fds, 300, "127.0.0.2");
	http_reply r;

	cr_expect_eq(n, 300, "only %zu connections made", n);
	/* let dtd accept (and refuse) them all before the honest client */
	usleep(300 * 1000);
	cr_expect_eq(http(&d, "GET", "/api/runs", NULL, NULL, &r), 0,
		     "an honest client on 127.0.0.1 was locked out by %zu idle "
		     "sockets from 127.0.0.2", n);
	cr_expect_eq(r.status, 200);
	http_reply_free(&r);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

Test(dtd_hostile, an_idle_flood_frees_its_slots_within_the_idle_timeout)
{
	int fds[300];
	size_t n = flood(fds, 300, "127.0.0.1");
	double t0 = now_s(), waited = -1;
	http_reply r;

	cr_expect_eq(n, 300, "only %zu connections made", n);
	usleep(300 * 1000);
	/* The flood holds every slot of 127.0.0.1: refused at first ... */
	if (http(&d, "GET", "/api/runs", NULL, NULL, &r) == 0)
		cr_expect_neq(r.status, 200, "not locked out at all: the limit is gone?");
	http_reply_free(&r); /* made even when http() fails */
	/* ... and let in once dtd drops the idle sockets (REQUEST_IDLE_S,
	 * 10 s), while the flood still holds them open.  The bound is
	 * three times that, for slow (valgrind) runs. */
	while (now_s() - t0 < 30) {
		int rc = http(&d, "GET", "/api/runs", NULL, NULL, &r);
		long status = r.status;

		http_reply_free(&r);
		if (rc == 0 && status == 200) {
			waited = now_s() - t0;
			break;
		}
		usleep(250 * 1000);
	}
	cr_expect_geq(waited, 0, "an honest client was locked out for 30 s by "
		      "%zu idle sockets", n);
	cr_log_info("locked out for %.1f s by %zu idle sockets", waited, n);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	expect_alive("the flood");
}

/* GET path on a raw socket: the Content-Length it announces, how many
 * body bytes came (read and dropped: no copy of it is kept) and the
 * last 4 of them. */
static long long get_counted(const char *path, long long *got, char tail[5])
{
	char req[256], buf[65536];
	int fd = tcp_connect(d.port);
	long long length = -1;
	size_t head = 0;
	bool in_body = false;

	*got = 0;
	memset(tail, 0, 5);
	cr_assert_geq(fd, 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	cr_assert_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 60000) <= 0)
			break;
		n = recv(fd, in_body ? buf : buf + head, in_body ? sizeof(buf) :
			 sizeof(buf) - 1 - head, 0);
		if (n <= 0)
			break;
		if (!in_body) {
			char *end, *cl;

			head += (size_t)n;
			buf[head] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (end == NULL)
				continue;
			cl = strcasestr(buf, "\r\nContent-Length:");
			if (cl != NULL && cl < end)
				length = strtoll(cl + 17, NULL, 10);
			in_body = true;
			n = (ssize_t)(buf + head - (end + 4));
			memmove(buf, end + 4, (size_t)n);
		}
		*got += n;
		/* the last 4 bytes seen so far */
		for (ssize_t i = n > 4 ? n - 4 : 0; i < n; i++) {
			memmove(tail, tail + 1, 3);
			tail[3] = buf[i];
		}
	}
	close(fd);
	return length;
}

Test(dtd_hostile, a_run_file_is_streamed_whole)
{
	/* A run's file larger than dtd would ever hold in memory (the old
	 * limit was 64 MiB, read whole): sparse, so it costs no disk. */
	long long id = post_run(&d, "{\"suite\":\"dtd-bank\",\"time_limit\":0.2}");
	const off_t size = (off_t)80 << 20;
	char path[600], url[128], tail[5];
	long long got, length;
	json_t *run;
	int fd;

	cr_assert_gt(id, 0, "no run");
	run = wait_run(&d, id, 60);
	cr_assert_not_null(run);
	snprintf(path, sizeof(path), "%s/big.log",
		 json_string_value(json_object_get(run, "store")));
	json_decref(run);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(pwrite(fd, "end\n", 4, size - 4), 4);
	close(fd);
	snprintf(url, sizeof(url), "/api/runs/%lld/files/big.log", id);
	length = get_counted(url, &got, tail);
	cr_expect_eq(length, (long long)size, "Content-Length %lld, want %lld",
		     length, (long long)size);
	cr_expect_eq(got, (long long)size, "got %lld bytes of %lld", got, (long long)size);
	cr_expect_str_eq(tail, "end\n");
	unlink(path);
	expect_alive("an 80 MiB file");
}
