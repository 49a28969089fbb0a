/* SPDX-License-Identifier: MIT */
/*
 * mockapi.h: a stand-in Kubernetes API server for the k8s tests
 * (libmicrohttpd on 127.0.0.1).  It answers with recorded responses of
 * the real API (tests/k8s/responses/), queued per route, and records
 * every request it gets so tests can check what the platform asked.
 */
#ifndef DT_TEST_MOCKAPI_H
#define DT_TEST_MOCKAPI_H

#include <jansson.h>

typedef struct mock_api mock_api;

/* Start on a free port of 127.0.0.1; NULL on failure. */
mock_api *mock_start(void);
/* The same over HTTPS: PEM server certificate and key; trust (a CA's
 * PEM) makes the server ask clients for a certificate. */
mock_api *mock_start_tls(const char *cert, const char *key, const char *trust);
void mock_stop(mock_api *m);
int mock_port(const mock_api *m);

/*
 * Answer `method path` (path without the query; a trailing '*' matches
 * any rest) with status and the content of responses/FILE.  Routes of
 * the same method and path answer in the order added; the last one
 * repeats.  A route with `watch` set matches only requests carrying
 * watch=1 (and others only those without).
 */
void mock_route(mock_api *m, const char *method, const char *path,
		bool watch, int status, const char *file);

/* Forward requests under prefix (rest of the path kept) to base_url. */
void mock_proxy(mock_api *m, const char *prefix, const char *base_url);

/* Every request so far: [{method, url (with query), body, auth, type}],
 * a new reference. */
json_t *mock_requests(mock_api *m);

/* "METHOD URL" of every request, one a line (malloc'd). */
char *mock_log(mock_api *m);

#endif
