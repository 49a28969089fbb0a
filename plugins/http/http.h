/* SPDX-License-Identifier: MIT */
/*
 * http.h: what the files of the http client share: an operation's
 * request template and reply rules as parsed from the suite, the client
 * (one per run) and the connection (one per worker).  Private to
 * plugins/http.
 *
 * Files: client.c (the options and the client callbacks), ops.c (an
 * operation's section into an http_op), template.c ({key|base64} and
 * the like: parse and render), reply.c (a reply into an outcome and a
 * value: status, JSON pointer, decoding; pure, for the fuzz target),
 * transport.c (one request with libcurl under the op's deadline).
 */
#ifndef DT_HTTP_H
#define DT_HTTP_H

#include <stdbool.h>

#include <dt/plugin.h>

/* ---- template.c ---- */

/* The variables a template may name. */
typedef enum { HTTP_VAR_KEY, HTTP_VAR_VALUE, HTTP_VAR_FROM, HTTP_VAR_TO,
	       HTTP_VAR_NODE, HTTP_VAR_COUNT } http_var;

/* What a filter does to a variable's text. */
typedef enum { HTTP_F_JSON, HTTP_F_BASE64, HTTP_F_URL, HTTP_F_QUOTE } http_filter;

#define HTTP_MAX_FILTERS 4

/* A piece of a template: literal text (var < 0) or a variable with its
 * filters.  Owns text. */
typedef struct http_piece {
	char *text;
	int var;
	http_filter filters[HTTP_MAX_FILTERS];
	int nfilters;
} http_piece;

/* A parsed template; owns its pieces. */
typedef struct http_template {
	http_piece *pieces;
	size_t n;
} http_template;

/* Parse text: {NAME} or {NAME|FILTER|...} with NAME one of key, value,
 * from, to, node and FILTER one of json, base64, url, quote; any other
 * brace is literal.  0, or -1 with why (DT_ERRBUF_SIZE). */
int http_template_parse(const char *text, http_template *t, char *why);
void http_template_free(http_template *t);
/* The variables' values (vars[HTTP_VAR_*], each may be NULL: "null")
 * through the template: a new string, or NULL when out of memory. */
char *http_template_render(const http_template *t, const json_t *const *vars);

/* ---- reply.c ---- */

typedef enum { HTTP_DECODE_BASE64, HTTP_DECODE_JSON } http_decode;

#define HTTP_MAX_STATUS 8
#define HTTP_MAX_DECODE 4

/* One reply rule: which replies it takes, and what they mean.  Owns its
 * strings and if_equals. */
typedef struct http_rule {
	int lo[HTTP_MAX_STATUS], hi[HTTP_MAX_STATUS]; /* status ranges */
	int nstatus;              /* 0: any status */
	char *if_pointer;         /* the rule holds only if the JSON body */
	json_t *if_equals;        /* has this at if_pointer (or NULL) */
	dt_op_type type;
	char *value_pointer;      /* ok: the value read, or NULL */
	bool value_body;          /* ok: the body's text is the value */
	http_decode decode[HTTP_MAX_DECODE];
	int ndecode;
	char *error;              /* fail and info: the reason, or NULL */
} http_rule;

/* The JSON value at pointer (RFC 6901: "" the whole, "/a/0/b", ~0 ~1)
 * in doc (borrowed), or NULL when there is none. */
json_t *http_pointer(json_t *doc, const char *pointer);
/* Whether text is a JSON pointer; 0, or -1 with why. */
int http_pointer_check(const char *pointer, char *why);

/*
 * The outcome of a reply with status and body (len bytes, may be NULL)
 * under rules (the operation's, then the client's: the first that takes
 * it wins).  OK with *value (a new reference, or NULL: the invoke's value
 * is recorded); FAIL or INFO with *error (malloc'd).  No rule: unknown,
 * INFO (FAIL when read_only).  A value that cannot be decoded as asked
 * is unknown too, with an error that says what it was.
 */
dt_op_type http_reply_map(const http_rule *rules, size_t nrules,
			  const http_rule *more, size_t nmore, bool read_only,
			  long status, const char *body, size_t len,
			  json_t **value, char **error);
void http_rule_free(http_rule *r);

/* ---- ops.c ---- */

/* A request template and its rules.  Owns everything. */
typedef struct http_op {
	char *name;
	char *method;
	http_template path, body;
	bool has_body;
	char **hnames;            /* headers: names and value templates */
	http_template *hvalues;
	size_t nheaders;
	bool read_only;
	http_rule *rules;
	size_t nrules;
} http_op;

/* The section of one operation (an object, checked by the option table)
 * into op; 0, or -1 with err naming the key (dt_conf_fail). */
int http_op_parse(const char *name, const json_t *conf, http_op *op, char *err);
void http_op_free(http_op *op);
/* A list of rules (the `replies` of an op or of the client); 0 or -1. */
int http_rules_parse(const json_t *list, http_rule **rules, size_t *n,
		     char *err);

/* ---- client.c, transport.c ---- */

typedef struct http_client {
	dt_endpoint *eps;
	size_t neps;
	long node;                /* fixed endpoint, or -1 to spread */
	double timeout;
	char *scheme;             /* "http" or "https" */
	http_op *ops;
	size_t nops;
	http_rule *rules;         /* the client's replies, after the op's */
	size_t nrules;
	char **hnames;            /* the client's headers */
	http_template *hvalues;
	size_t nheaders;
	bool insecure;
} http_client;

typedef struct http_conn http_conn;

http_conn *http_conn_new(const http_client *c, size_t ep);
void http_conn_free(http_conn *k);
/*
 * Send op's request with vars to the connection's endpoint within
 * timeout seconds: the outcome, with *value and *error as for
 * http_reply_map; a request that never reached the server fails, one
 * whose answer was lost is info (fail when read-only).
 */
dt_op_type http_conn_do(http_conn *k, const http_op *op,
			const json_t *const *vars, json_t **value, char **error);

#endif /* DT_HTTP_H */
