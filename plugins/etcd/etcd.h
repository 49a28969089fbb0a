/* SPDX-License-Identifier: MIT */
/*
 * etcd.h: what the files of the etcd client share: the client (one per
 * run), the connection (one per worker), and the functions each file
 * offers the others.  Private to plugins/etcd.
 *
 * Files: client.c (the configuration and the client callbacks), http.c
 * (curl handles and one POST to the JSON gateway), ops.c (register and
 * kv operations), revops.c and watch.c (the revisions and watch
 * workloads), metrics.c (GET /metrics of every node), reply.c (the
 * reply parsers), prom.c (Prometheus text), set.c (the set workload),
 * roles.c (which member leads now).
 */
#ifndef DT_ETCD_H
#define DT_ETCD_H

#include <stdbool.h>

#include <curl/curl.h>

#include <dt/plugin.h>

/* REV: the revisions and watch workloads (revops.c, watch.c). */
typedef enum { ETCD_WL_REGISTER, ETCD_WL_KV, ETCD_WL_REV, ETCD_WL_SET } etcd_workload;

/* The client: read-only once open returns, except metrics_h, which only
 * the metrics thread touches.  Owns eps and metrics_h. */
typedef struct etcd_client {
	dt_endpoint *eps;
	size_t neps;
	long node;             /* fixed endpoint, or -1 to spread */
	double timeout;
	bool serializable;
	etcd_workload workload;
	CURL **metrics_h;      /* one per endpoint, metrics thread only */
} etcd_client;

/* A reply body as it arrives; data is malloc'd and NUL-terminated. */
typedef struct etcd_buf {
	char *data;
	size_t len, cap;
} etcd_buf;

/* A worker's connection: a curl handle (keeping its HTTP connection
 * alive) to one endpoint.  Owns h, headers and body. */
typedef struct etcd_conn {
	etcd_client *c;
	size_t ep;
	CURL *h;
	struct curl_slist *headers;
	etcd_buf body;
	char errbuf[CURL_ERROR_SIZE];
	dt_deadline deadline;  /* of the operation under way */
	/* The last request succeeded, so curl keeps its connection: a
	 * request that fails next may have gone out on it before curl,
	 * finding it dead, retried on a new one that could not connect. */
	bool alive;
	/* revops.c and watch.c: what this connection was told so far */
	long long last_rev;    /* highest header revision seen */
	long long resume;      /* where the next resumed watch starts, 0: none */
	json_t *seen;          /* key -> the last key-value read of it */
} etcd_conn;

/* ---- http.c ---- */

/* A curl handle that appends what it receives to body (may be NULL: set
 * CURLOPT_WRITEDATA later), with errbuf and headers when not NULL.  NULL
 * when curl cannot make one. */
CURL *etcd_handle_new(etcd_buf *body, char *errbuf, struct curl_slist *headers);
/* The URL of path on endpoint ep, into url (size bytes). */
void etcd_url(const dt_endpoint *ep, const char *path, char *url, size_t size);
/*
 * POST body (a reference it takes over) to path on the connection's node
 * within the deadline.  Returns the parsed reply (HTTP 200 and JSON);
 * otherwise NULL with *error and *outcome: DT_OP_FAIL when the request
 * certainly did not reach etcd, else DT_OP_INFO (the caller turns it
 * into fail for reads).
 */
json_t *etcd_post(etcd_conn *k, const char *path, json_t *body,
		  char **error, dt_op_type *outcome);

/* ---- ops.c, metrics.c ---- */

dt_op_type etcd_keyed_invoke(etcd_conn *k, const char *f, const json_t *value,
			     json_t **result, char **error);
json_t *etcd_metrics(void *data);
/* dt_client_type.version: etcdserver of GET /version of the nodes. */
char *etcd_version(void *data);
/* set.c: add (a key under dt-set/), read (a range of the prefix). */
dt_op_type etcd_set_invoke(etcd_conn *k, const char *f, const json_t *value,
			   json_t **result, char **error);
/* roles.c: each member's role from its maintenance status. */
json_t *etcd_roles(void *data);

/* ---- revops.c, watch.c ---- */

/* put, get, range, delete, txn, grant, revoke, compact (revops.c) and
 * watch (watch.c), each reporting the revisions etcd gave. */
dt_op_type etcd_rev_invoke(etcd_conn *k, const char *f, const json_t *value,
			   json_t **result, char **error);
dt_op_type etcd_watch(etcd_conn *k, const json_t *value, json_t **result,
		      char **error);
/* Base64 of len bytes as a JSON string; NULL when out of memory. */
json_t *etcd_b64n(const char *s, size_t len);
/* The range_end that makes key a prefix (its last byte plus one). */
json_t *etcd_prefix_end(const char *key);
/* Note a header revision seen. */
void etcd_saw_revision(etcd_conn *k, long long rev);

#endif /* DT_ETCD_H */
