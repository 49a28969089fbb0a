/* SPDX-License-Identifier: MIT */
/*
 * reply.h: the parsers of the replies of etcd's v3 JSON gateway, kept
 * apart from the client (ops.c, http.c) so that they can be tested and
 * fuzzed alone.  A reply comes from the system under test: it may be anything,
 * and nothing here trusts it.
 *
 *   any call      {"header": {...}, ...} with HTTP 200, or an error
 *                 {"error": "...", "code": N, "message": "..."}
 *   /v3/kv/range  {"kvs": [{"key": B64, "value": B64,
 *                           "mod_revision": "N", ...}], "count": "1"}
 *   /v3/kv/txn    {"succeeded": true, ...} ("succeeded" is left out
 *                 when false)
 *
 * Ownership: what a function returns through a pointer is the caller's
 * (json_decref or free).
 */
#ifndef DT_ETCD_REPLY_H
#define DT_ETCD_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <dt/types.h>

/*
 * The reply to a request: HTTP status code and body (len bytes, need not
 * be NUL-terminated; NULL when there was none).  Returns the reply as a
 * JSON object (new reference) for a 200 whose body is an object.
 * Otherwise NULL, with *error (malloc'd: "HTTP 503: MESSAGE" or
 * "malformed reply (not a JSON object)") and *outcome: DT_OP_FAIL when
 * the gateway refused the request itself (4xx: nothing was done), else
 * DT_OP_INFO (the request may have been applied).
 */
json_t *etcd_reply_parse(long code, const char *body, size_t len,
			 char **error, dt_op_type *outcome);

/*
 * The first key of a range reply.  When there is one: *value gets its
 * decoded bytes (malloc'd, NUL added, *vlen excludes it; an absent
 * value is empty) and *rev its mod revision (malloc'd text, "0" when
 * absent).  When there is none: both NULL.  Returns 0, or -1 with
 * *error (malloc'd) for a malformed reply (a key that is not an object,
 * a value that is not a base64 string); *value and *rev are then NULL.
 */
int etcd_reply_range(const json_t *reply, char **value, size_t *vlen,
		     char **rev, char **error);

/* Whether a txn reply says its comparisons held (the success branch ran). */
bool etcd_reply_succeeded(const json_t *reply);

#endif

/* ---- revisions (the revisions and watch workloads) ---- */

/* A JSON integer the gateway sends as a string ("5"), or as a number;
 * def when absent; -1 when it is neither (malformed). */
long long etcd_reply_int(const json_t *obj, const char *name, long long def);

/* The header's revision of a reply; -1 when it has none. */
long long etcd_reply_revision(const json_t *reply);

/*
 * One key-value of a reply ({"key": B64, "value": B64, "create_revision":
 * "N", "mod_revision": "N", "version": "N", "lease": "N"}, absent members
 * zero) in DT's form: {"key": TEXT, "value": TEXT, "create": N, "mod": N,
 * "version": N, "lease": N} (a new reference), or NULL with *error
 * (malloc'd) when it is malformed.
 */
json_t *etcd_reply_kv(const json_t *kv, char **error);

/* The "kvs" of a range reply as an array of etcd_reply_kv's (empty when
 * absent), or NULL with *error. */
json_t *etcd_reply_kvs(const json_t *reply, char **error);

/*
 * One event of a watch response ({"type": "DELETE", "kv": {...},
 * "prev_kv": {...}}; the gateway leaves out type PUT) in DT's form:
 * {"type": "put"|"delete", "key", "value", "rev" (its mod revision),
 * "create", "version", "lease", and for a delete "prev": {...} when it
 * has one}, or NULL
 * with *error.
 */
json_t *etcd_reply_event(const json_t *ev, char **error);
