/* SPDX-License-Identifier: MIT */
/*
 * http.c: dtd's HTTP server on libmicrohttpd, one thread a connection.
 * It gathers a request's body (up to the configured limit), hands API
 * calls to api.c, streams a run's events as server-sent events, and
 * serves the dashboard's static files.  A reaper thread closes the
 * connections whose request has not fully arrived in time.  Every
 * request must name dtd in its Host header (host.c: DNS rebinding), and
 * no reply may be framed by another page (clickjacking).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "dtd.h"

#define SSE_WAIT_MS 10000 /* a keep-alive comment at least this often */

/*
 * Limits against hostile clients.  dtd serves a few people on loopback,
 * each with a browser or a script: every connection is a thread, so
 * connections are bounded, and one that sends nothing is dropped soon.
 *
 *   CONN_LIMIT        connections at once (threads); more are closed at
 *                     accept
 *   PER_IP_LIMIT      of those, from one address: on loopback clients
 *                     can come from any 127.x.y.z, and behind a proxy or
 *                     on a LAN one host cannot take every slot
 *   REQUEST_IDLE_S    silence allowed while a request arrives (headers,
 *                     body) and between requests of a kept-alive
 *                     connection: idle sockets (slowloris) free their
 *                     slot after this
 *   REPLY_IDLE_S      silence allowed once a request is whole: a slow
 *                     handler (POST .../check) or a client that stops
 *                     reading its event stream
 *
 * Silence is not the only way to hold a slot: a client that trickles a
 * byte every few seconds is never idle for long.  libmicrohttpd has no
 * deadline for a whole request, so dtd keeps its own (request-timeout,
 * cfg->request_timeout): see "Request deadline" below.
 */
#define CONN_LIMIT 256u
#define PER_IP_LIMIT 192u
#define REQUEST_IDLE_S 10u
#define REPLY_IDLE_S 120u

/* Event streams open; stop lets them send their last events first. */
static atomic_int open_streams;

/*
 * Event streams hold a connection (a thread) for as long as the run
 * lasts, and need no token: 192 of them from 127.0.0.1 took every slot
 * of the address the dashboard's user shares.  So there are at most
 * cfg->max_streams at once and cfg->max_streams_per_address from one
 * address (the rest of CONN_LIMIT and PER_IP_LIMIT stays for ordinary
 * requests), each lasting cfg->stream_lifetime at most: the browser's
 * EventSource then reconnects, with Last-Event-ID, and goes on.
 */
typedef struct stream_peer {
	char peer[INET6_ADDRSTRLEN];
	long n;
} stream_peer;

/* One connection, from accept to close, for the request deadline.
 * Owned by the list of struct dtd_http; fields under its lock. */
typedef struct conn {
	struct conn *prev, *next;
	int fd;              /* the socket, open until the entry is gone */
	double since;        /* accepted, or its last reply done (monotonic) */
	bool whole;          /* the request being served has all arrived */
	bool cut;            /* shut down by the reaper */
	char peer[INET6_ADDRSTRLEN];
} conn;

struct dtd_http {
	struct MHD_Daemon *d;
	dtd_ctx *ctx;
	unsigned port;
	double deadline;     /* seconds for a whole request */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* stop */
	pthread_t reaper;
	bool reaping, stopping;
	conn *conns;
	long nstreams;          /* under lock */
	stream_peer *peers;     /* cfg->max_streams entries, under lock */
};

/* One request's state across the calls MHD makes. */
typedef struct request {
	char *body;
	size_t len;
	bool too_big;
} request;

/* ---- server-sent events ----------------------------------------------- */

typedef struct sse {
	dtd_ctx *ctx;
	dtd_http *h;
	int64_t id;
	uint64_t seq;
	char *pending;
	size_t len, off;
	bool done;     /* end after pending */
	double until;  /* the stream's end (monotonic seconds) */
	char peer[INET6_ADDRSTRLEN];
} sse;


static void sse_set(sse *s, char *text)
{
	free(s->pending);
	s->pending = text;
	s->len = text ? strlen(text) : 0;
	s->off = 0;
}

/* Events as SSE text ("id:", "event:", "data:" lines). */
static char *sse_format(const json_t *events)
{
	char *buf = NULL;
	size_t size = 0, i;
	FILE *f = open_memstream(&buf, &size);
	json_t *e;

	if (f == NULL)
		return NULL;
	json_array_foreach(events, i, e) {
		char *data = json_dumps(json_object_get(e, "data"), JSON_COMPACT);

		fprintf(f, "id: %lld\nevent: %s\ndata: %s\n\n",
			(long long)json_integer_value(json_object_get(e, "seq")),
			json_string_value(json_object_get(e, "event")),
			data ? data : "null");
		free(data);
	}
	fclose(f);
	return buf;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	sse *s = cls;
	json_t *ev;
	bool done = false;

	(void)pos;
	while (s->off >= s->len) {
		double left = s->until - dt_now();
		json_t *run = NULL;
		const char *st;

		/* Past its lifetime: end; the browser reconnects. */
		if (s->done || left <= 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		ev = dtd_runner_events(s->ctx->runner, s->id, &s->seq,
				       left * 1000 < SSE_WAIT_MS ? (int)(left * 1000) + 1 :
				       SSE_WAIT_MS, &done);
		if (ev == NULL) {
			/* Not running: queued (wait), or finished (say so, end). */
			dtd_db_get(s->ctx->db, s->id, &run);
			st = json_string_value(json_object_get(run, "status"));

			if (st != NULL && !dtd_runner_closed(s->ctx->runner) &&
			    (strcmp(st, "queued") == 0 || strcmp(st, "running") == 0)) {
				json_decref(run);
				sleep(1);
				sse_set(s, strdup(": waiting\n\n"));
				continue;
			}
			ev = json_pack("[{sIsssO}]", "seq", (json_int_t)s->seq,
				       "event", "status", "data", run ? run : json_null());
			json_decref(run);
			done = true;
		}
		if (json_array_size(ev) == 0)
			sse_set(s, strdup(": keep-alive\n\n"));
		else
			sse_set(s, sse_format(ev));
		json_decref(ev);
		s->done = done;
		if (s->pending == NULL)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (max > s->len - s->off)
		max = s->len - s->off;
	memcpy(buf, s->pending + s->off, max);
	s->off += max;
	return (ssize_t)max;
}

/* Take a stream slot for peer: false when the total or the peer's
 * share is used up. */
static bool stream_take(dtd_http *h, const char *peer)
{
	const dtd_config *cfg = h->ctx->cfg;
	stream_peer *free_slot = NULL, *mine = NULL;
	bool ok = false;

	pthread_mutex_lock(&h->lock);
	for (long i = 0; h->peers != NULL && i < cfg->max_streams; i++) {
		if (h->peers[i].n > 0 && strcmp(h->peers[i].peer, peer) == 0)
			mine = &h->peers[i];
		else if (h->peers[i].n == 0 && free_slot == NULL)
			free_slot = &h->peers[i];
	}
	if (h->nstreams < cfg->max_streams &&
	    (mine ? mine->n < cfg->max_streams_per_address : free_slot != NULL)) {
		if (mine == NULL) {
			mine = free_slot;
			snprintf(mine->peer, sizeof(mine->peer), "%s", peer);
		}
		mine->n++;
		h->nstreams++;
		ok = true;
	}
	pthread_mutex_unlock(&h->lock);
	return ok;
}

static void stream_give_back(dtd_http *h, const char *peer)
{
	pthread_mutex_lock(&h->lock);
	for (long i = 0; i < h->ctx->cfg->max_streams; i++) {
		if (h->peers[i].n > 0 && strcmp(h->peers[i].peer, peer) == 0) {
			h->peers[i].n--;
			h->nstreams--;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

static void sse_free(void *cls)
{
	sse *s = cls;

	atomic_fetch_sub(&open_streams, 1);
	stream_give_back(s->h, s->peer);
	free(s->pending);
	free(s);
}

static void peer_of(struct MHD_Connection *c, char *buf, size_t size);
static enum MHD_Result queue_reply(struct MHD_Connection *c, dtd_reply *r);

static enum MHD_Result queue_sse(struct MHD_Connection *c, dtd_http *h, int64_t id)
{
	dtd_ctx *ctx = h->ctx;
	sse *s = calloc(1, sizeof(*s));
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (s == NULL)
		return MHD_NO;
	peer_of(c, s->peer, sizeof(s->peer));
	if (!stream_take(h, s->peer)) {
		/* Refused, and the connection closed: kept alive, it would
		 * still hold one of the address's slots. */
		dtd_reply r = { .retry_after = 5, .close = true };

		free(s);
		dtd_reply_error(&r, 503, NULL, "too many event streams (at most %ld, "
				"%ld from one address): try again, or poll "
				"GET /api/runs/%lld", ctx->cfg->max_streams,
				ctx->cfg->max_streams_per_address, (long long)id);
		return queue_reply(c, &r);
	}
	s->ctx = ctx;
	s->h = h;
	s->id = id;
	s->until = dt_now() + ctx->cfg->stream_lifetime;
	/* A browser that reconnects goes on after the last event it saw. */
	if (last != NULL && last[0] >= '0' && last[0] <= '9')
		s->seq = strtoull(last, NULL, 10) + 1;
	/* Tell the browser to come back after 2 s if the stream breaks. */
	sse_set(s, strdup("retry: 2000\n\n"));
	atomic_fetch_add(&open_streams, 1);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read,
						 s, sse_free);
	if (resp == NULL) {
		sse_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	rc = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* ---- static files --------------------------------------------------------- */

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* Headers every reply carries; a run's own page also the sandbox.  No
 * reply may be framed by another site's page: a frame of the dashboard
 * under a page of someone else's turns a click there into one on
 * Cancel.  A run's own page (sandboxed: no origin, no token, no button)
 * may be framed by the dashboard itself, which shows the timeline so. */
static void add_headers(struct MHD_Response *resp, const char *type, bool sandbox,
			unsigned retry_after)
{
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", sandbox ? "SAMEORIGIN" : "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	/* A page a plugin wrote (linearizability.html) may show what the
	 * system under test returned: keep it away from the token. */
	MHD_add_response_header(resp, "Content-Security-Policy", sandbox ?
				"sandbox allow-scripts; frame-ancestors 'self'" :
				"frame-ancestors 'none'");
	if (retry_after > 0) {
		char v[16];

		snprintf(v, sizeof(v), "%u", retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
}

static enum MHD_Result queue_bytes(struct MHD_Connection *c, unsigned status,
				   const char *type, char *body, size_t len,
				   bool sandbox, unsigned retry_after, bool close)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
					       body ? MHD_RESPMEM_MUST_FREE :
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	add_headers(resp, type, sandbox, retry_after);
	if (close)
		MHD_add_response_header(resp, "Connection", "close");
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A run's file, streamed from its descriptor (which MHD closes). */
static enum MHD_Result queue_fd(struct MHD_Connection *c, dtd_reply *r)
{
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)r->len, r->fd);
	enum MHD_Result rc;

	if (resp == NULL) {
		close(r->fd);
		return MHD_NO;
	}
	add_headers(resp, r->type ? r->type : "application/octet-stream", r->sandbox, 0);
	if (r->attachment[0] != '\0') {
		char disp[sizeof(r->attachment) + 32];

		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", r->attachment);
		MHD_add_response_header(resp, "Content-Disposition", disp);
	}
	rc = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, dtd_reply *r)
{
	if (r->file)
		return queue_fd(c, r);
	return queue_bytes(c, r->status, r->type ? r->type : "application/json",
			   r->body, r->len, r->sandbox, r->retry_after, r->close);
}

static enum MHD_Result serve_file(struct MHD_Connection *c, dtd_ctx *ctx,
				  const char *url)
{
	struct stat st;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	int fd;
	dtd_reply r = { 0 };

	if (strcmp(url, "/") == 0)
		url = "/index.html";
	if (strstr(url, "..") != NULL || strstr(url, "//") != NULL ||
	    strlen(url) > 200)
		goto not_found;
	/* Relative to the dashboard's folder, no link followed, no FIFO
	 * waited on; dtd's own files or root's (a package's). */
	fd = dtd_open_under(ctx->cfg->dashboard, url + 1, true, &st);
	if (fd < 0)
		goto not_found;
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", content_type(url));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; style-src 'self' 'unsafe-inline'; "
				"frame-ancestors 'none'");
	rc = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
not_found:
	dtd_reply_error(&r, 404, NULL, "no such page: %s", url);
	return queue_reply(c, &r);
}

/* ---- request deadline ------------------------------------------------------- */

/*
 * Every connection has request-timeout seconds, counted from accept (or
 * from the end of its last reply, kept alive), to deliver a whole request:
 * headers and body.  The access handler marks the request whole when MHD
 * hands over its end; from then on the reply may take as long as it
 * needs (an event stream, an 80 MiB file).  A reaper thread shuts down
 * the socket of every connection past its deadline: its thread's recv()
 * sees the end and MHD closes the connection as if the client had gone.
 *
 * fd reuse: MHD notifies MHD_CONNECTION_NOTIFY_CLOSED before it closes
 * the socket, and the entry is removed then, under the lock the reaper
 * holds while it calls shutdown(): the reaper never sees a number that
 * another connection may already have.
 */

static void format_peer(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *a = NULL;

	if (sa != NULL && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, buf, (socklen_t)size) == NULL)
		snprintf(buf, size, "a client");
}

static void conn_peer(conn *e, const struct sockaddr *sa)
{
	format_peer(sa, e->peer, sizeof(e->peer));
}

static void peer_of(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *addr =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	format_peer(addr ? addr->client_addr : NULL, buf, size);
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	dtd_http *h = cls;
	conn *e = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd, *addr;

		fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (fd == NULL)
			return;
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			/* Cannot watch it: do not serve it either. */
			shutdown(fd->connect_fd, SHUT_RDWR);
			return;
		}
		e->fd = fd->connect_fd;
		e->since = dt_now();
		conn_peer(e, addr ? addr->client_addr : NULL);
		pthread_mutex_lock(&h->lock);
		e->next = h->conns;
		if (h->conns != NULL)
			h->conns->prev = e;
		h->conns = e;
		pthread_mutex_unlock(&h->lock);
		*socket_context = e;
		return;
	}
	if (e == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		h->conns = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&h->lock);
	free(e);
	*socket_context = NULL;
}

/* The request on c has all arrived (whole), or its reply is done and
 * the next one's deadline starts now (!whole). */
static void conn_mark(dtd_http *h, struct MHD_Connection *c, bool whole)
{
	const union MHD_ConnectionInfo *i;
	conn *e;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	e = i ? i->socket_context : NULL;
	if (e == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	e->whole = whole;
	if (!whole)
		e->since = dt_now();
	pthread_mutex_unlock(&h->lock);
}

static void *reaper_main(void *arg)
{
	dtd_http *h = arg;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		double now = dt_now(), next = now + h->deadline;
		struct timespec ts;

		for (conn *e = h->conns; e != NULL; e = e->next) {
			double due = e->since + h->deadline;

			if (e->whole || e->cut)
				continue;
			if (due > now) {
				if (due < next)
					next = due;
				continue;
			}
			shutdown(e->fd, SHUT_RDWR);
			e->cut = true;
			dt_log(DT_LOG_INFO, "dtd: http: %s sent no whole request in "
			       "%g s: connection closed", e->peer, h->deadline);
		}
		/* New entries are due after `next`: no need to wake for them. */
		next += 0.001;
		ts.tv_sec = (time_t)next;
		ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&h->wake, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static int reaper_start(dtd_http *h, char *err)
{
	int e = pthread_create(&h->reaper, NULL, reaper_main, h);
	if (e != 0)
		return dt_fail(err, "cannot start the request reaper: %s", strerror(e));
	h->reaping = true;
	return 0;
}

/* After MHD_stop_daemon: every connection is closed, its entry gone. */
static void reaper_stop(dtd_http *h)
{
	if (h->reaping) {
		pthread_mutex_lock(&h->lock);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->reaper, NULL);
		h->reaping = false;
	}
	while (h->conns != NULL) {
		conn *e = h->conns;

		h->conns = e->next;
		free(e);
	}
}

/* ---- requests --------------------------------------------------------------- */

static const char *query_arg(void *qarg, const char *name)
{
	return MHD_lookup_connection_value(qarg, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	dtd_http *h = cls;
	dtd_ctx *ctx = h->ctx;
	request *req = *con_cls;
	dtd_reply r = { 0 };

	(void)version;
	if (req == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     "Content-Length");
		const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							       "Host");

		req = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		*con_cls = req;
		if (!dtd_host_allowed(host, (const char *const *)ctx->cfg->allowed_hosts)) {
			dtd_reply_error(&r, 421, "Host", "dtd does not answer to the "
					"name '%.100s': loopback names and addresses, "
					"and the names of allowed-hosts, only", host);
			return queue_reply(c, &r);
		}
		if (cl != NULL && strtoll(cl, NULL, 10) > ctx->cfg->max_body) {
			/* Refuse before reading it. */
			dtd_reply_error(&r, 413, NULL, "request body over %ld bytes",
					ctx->cfg->max_body);
			return queue_reply(c, &r);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->too_big && req->len + *upload_size > (size_t)ctx->cfg->max_body) {
			req->too_big = true;
		} else if (!req->too_big) {
			char *b = realloc(req->body, req->len + *upload_size + 1);

			if (b == NULL)
				return MHD_NO;
			memcpy(b + req->len, upload, *upload_size);
			req->body = b;
			req->len += *upload_size;
			b[req->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	/* The request is whole: the reply may take its time. */
	conn_mark(h, c, true);
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, REPLY_IDLE_S);
	if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0 &&
	    strcmp(url, "/metrics") != 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			dtd_reply_error(&r, 405, NULL, "%s is not allowed on %s", method, url);
			return queue_reply(c, &r);
		}
		return serve_file(c, ctx, url);
	}
	{
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							       "Authorization");
		const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
								 "dt_token");
		char bearer[300];

		/* The dashboard's cookie (SameSite=Strict) stands for the token
		 * on reads only, where a link or an EventSource cannot send a
		 * header; changes always need the header (no CSRF). */
		if (auth == NULL && cookie != NULL && strlen(cookie) < 256 &&
		    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
			snprintf(bearer, sizeof(bearer), "Bearer %s", cookie);
			auth = bearer;
		}
		dtd_api_handle(ctx, method, url, query_arg, c, auth,
			       req->body ? req->body : "", req->len, req->too_big, &r);
	}
	if (r.sse_run > 0)
		return queue_sse(c, h, r.sse_run);
	return queue_reply(c, &r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	request *req = *con_cls;

	(void)toe;
	/* Kept alive: the next request must come as quickly as the first. */
	conn_mark(cls, c, false);
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, REQUEST_IDLE_S);
	if (req != NULL) {
		free(req->body);
		free(req);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	dt_log(DT_LOG_WARN, "dtd: http: %s", msg);
}

/* Stop the reaper (the daemon is stopped or never started), free. */
static void http_free(dtd_http *h)
{
	reaper_stop(h);
	free(h->peers);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

dtd_http *dtd_http_start(dtd_ctx *ctx, const char *listen, char *err)
{
	dtd_http *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char host[256], *colon;
	const char *port;
	pthread_condattr_t ca;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			 MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	int e;

	if (h == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	if (ctx->cfg->max_streams < 1) {
		free(h);
		dt_fail(err, "max-streams must be at least 1");
		return NULL;
	}
	h->ctx = ctx;
	h->deadline = ctx->cfg->request_timeout > 0 ? ctx->cfg->request_timeout :
		      DTD_REQUEST_TIMEOUT;
	h->peers = calloc(ctx->cfg->max_streams > 0 ? (size_t)ctx->cfg->max_streams : 1,
			  sizeof(*h->peers));
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(host, sizeof(host), "%s", listen);
	colon = strrchr(host, ':');
	if (colon == NULL) {
		dt_fail(err, "listen '%s': want ADDRESS:PORT (127.0.0.1:8080)", listen);
		goto fail;
	}
	*colon = '\0';
	port = colon + 1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	e = getaddrinfo(host, port, &hints, &ai);
	if (e != 0) {
		dt_fail(err, "listen '%s': %s", listen, gai_strerror(e));
		goto fail;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	freeaddrinfo(ai);
	if (reaper_start(h, err) != 0)
		goto fail;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_NOTIFY_COMPLETED, completed, h,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_CONNECTION_TIMEOUT, REQUEST_IDLE_S,
				MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT,
				MHD_OPTION_END);
	if (h->d == NULL) {
		dt_fail(err, "cannot listen on %s: %s", listen,
			errno ? strerror(errno) : "libmicrohttpd refused");
		goto fail;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	return h;
fail:
	http_free(h);
	return NULL;
}

unsigned dtd_http_port(const dtd_http *h)
{
	return h->port;
}

void dtd_http_stop(dtd_http *h)
{
	if (h == NULL)
		return;
	/* Streams end once the runner is closed; give them 2 s to flush. */
	for (int i = 0; i < 40 && atomic_load(&open_streams) > 0; i++) {
		struct timespec nap = { 0, 50 * 1000000 };

		nanosleep(&nap, NULL);
	}
	MHD_stop_daemon(h->d);
	http_free(h);
}
