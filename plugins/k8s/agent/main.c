/* SPDX-License-Identifier: MIT */
/*
 * main.c: the dt-agent command.  Serves agent.c's orders over HTTP
 * (libmicrohttpd, one internal thread) and, from the main thread, heals
 * what expired leases left every 200 ms.  SIGTERM (the DaemonSet pod
 * being deleted) heals everything before exiting.
 *
 *   dt-agent [--listen ADDR:PORT] [--proc DIR] [--max-lease S]
 *            [--token-file FILE]
 */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "agent.h"

#define MAX_BODY (1u << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

typedef struct upload {
	char *data;
	size_t len;
	bool too_big;
} upload;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	agent *a = cls;
	upload *u = *con_cls;
	struct MHD_Response *r;
	json_t *resp;
	char *text;
	enum MHD_Result ret;
	int code;

	(void)version;
	if (u == NULL) {
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*size > 0) {
		if (u->len + *size > MAX_BODY) {
			u->too_big = true;
		} else {
			char *d = realloc(u->data, u->len + *size + 1);

			if (d == NULL)
				return MHD_NO;
			memcpy(d + u->len, data, *size);
			u->data = d;
			u->len += *size;
			d[u->len] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	if (u->too_big) {
		resp = json_pack("{s:s}", "error", "body too large");
		code = 413;
	} else {
		code = agent_handle(a, method, url,
				    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								"X-DT-Agent-Token"),
				    u->data, u->len, &resp);
	}
	text = json_dumps(resp, JSON_COMPACT);
	json_decref(resp);
	if (text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, (unsigned)code, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u != NULL) {
		free(u->data);
		free(u);
	}
	*con_cls = NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dt-agent [--listen ADDR:PORT] [--proc DIR] "
		"[--max-lease SECONDS] [--token-file FILE]\n"
		"Runs DT's fault orders (iptables, tc, signals) in pods' network\n"
		"namespaces; heals what an owner did when its lease runs out.\n"
		"Default: --listen 0.0.0.0:7946 --proc /proc --max-lease 300\n");
}

int main(int argc, char **argv)
{
	agent_opts o = { .proc_root = "/proc", .max_lease = 300 };
	const char *listen = "0.0.0.0:7946";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct MHD_Daemon *d;
	char host[64], token[256];
	const union MHD_DaemonInfo *info;
	agent *a;
	int port;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("dt-agent %s\n", PACKAGE_VERSION);
			return 0;
		} else if (i + 1 < argc && strcmp(argv[i], "--listen") == 0) {
			listen = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--proc") == 0) {
			o.proc_root = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--max-lease") == 0) {
			o.max_lease = atof(argv[++i]);
		} else if (i + 1 < argc && strcmp(argv[i], "--token-file") == 0) {
			FILE *f = fopen(argv[++i], "r");

			if (f == NULL || fgets(token, sizeof(token), f) == NULL) {
				fprintf(stderr, "dt-agent: cannot read %s\n", argv[i]);
				return 3;
			}
			fclose(f);
			token[strcspn(token, "\r\n")] = '\0';
			o.token = token;
		} else {
			usage(stderr);
			return 3;
		}
	}
	if (sscanf(listen, "%63[^:]:%d", host, &port) != 2 || port < 0 ||
	    port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "dt-agent: --listen: expected IPV4:PORT\n");
		return 3;
	}
	sa.sin_port = htons((uint16_t)port);
	a = agent_new(&o);
	if (a == NULL)
		return 5;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, a,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u,
			     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "dt-agent: cannot listen on %s\n", listen);
		agent_free(a);
		return 5;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("dt-agent: listening on %s:%u\n", host,
	       info ? (unsigned)info->port : (unsigned)port);
	fflush(stdout);
	while (!stop) {
		struct timespec nap = { 0, 200000000 };

		agent_expire(a);
		nanosleep(&nap, NULL);
	}
	MHD_stop_daemon(d);
	agent_heal_all(a);
	agent_free(a);
	fprintf(stderr, "dt-agent: stopped; every open fault healed\n");
	return 0;
}
