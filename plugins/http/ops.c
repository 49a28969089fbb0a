/* SPDX-License-Identifier: MIT */
/*
 * ops.c: an operation's section of the http client into its request
 * template and reply rules, every mistake named by its key:
 *
 *   read:
 *     method: POST
 *     path: /v3/kv/range
 *     headers: {X-Trace: "{key}"}
 *     body: '{"key": "{key|base64}"}'
 *     read-only: true             # unknown outcomes are fail
 *     replies:
 *       - {status: 200, type: ok, value: /kvs/0/value, decode: [base64, json]}
 *       - {status: [404, 5xx], type: fail, error: "no such key"}
 *       - {status: 200, if: {pointer: /succeeded, equals: false}, type: fail}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static const char *const decode_names[] = { "base64", "json", NULL };

/* One status spec (200, "2xx", "200-204") into r; 0 or -1. */
static int status_one(const json_t *s, http_rule *r)
{
	const char *t = json_string_value(s);
	int lo, hi;
	char x1, x2, rest;

	if (r->nstatus == HTTP_MAX_STATUS)
		return -1;
	if (json_is_integer(s)) {
		lo = hi = (int)json_integer_value(s);
	} else if (t != NULL && strlen(t) == 3 && sscanf(t, "%1d%c%c", &lo, &x1, &x2) == 3 &&
		   (x1 == 'x' || x1 == 'X') && (x2 == 'x' || x2 == 'X')) {
		lo *= 100;
		hi = lo + 99;
	} else if (t != NULL && sscanf(t, "%d-%d%c", &lo, &hi, &rest) == 2) {
		/* a range */
	} else if (t != NULL && sscanf(t, "%d%c", &lo, &rest) == 1) {
		hi = lo;
	} else {
		return -1;
	}
	if (lo < 100 || hi > 599 || lo > hi)
		return -1;
	r->lo[r->nstatus] = lo;
	r->hi[r->nstatus] = hi;
	r->nstatus++;
	return 0;
}

static int rule_parse(const json_t *conf, http_rule *r, char *err)
{
	const json_t *status = dt_opt(conf, "status"), *cond = dt_opt(conf, "if");
	const json_t *decode = dt_opt(conf, "decode"), *d;
	const char *type = dt_opt_string(conf, "type");
	const char *value = dt_opt_string(conf, "value");
	const char *error = dt_opt_string(conf, "error");
	char why[DT_ERRBUF_SIZE];
	size_t i;

	memset(r, 0, sizeof(*r));
	if (json_is_array(status)) {
		json_array_foreach(status, i, d)
			if (status_one(d, r) != 0)
				goto bad_status;
	} else if (status != NULL && status_one(status, r) != 0) {
		goto bad_status;
	}
	r->type = strcmp(type, "ok") == 0 ? DT_OP_OK :
		  strcmp(type, "fail") == 0 ? DT_OP_FAIL : DT_OP_INFO;
	if (cond != NULL) {
		const char *p = dt_opt_string(cond, "pointer");

		if (http_pointer_check(p, why) != 0)
			return dt_conf_fail(cond, "pointer", err, "%s", why);
		r->if_pointer = strdup(p);
		r->if_equals = json_incref((json_t *)dt_opt(cond, "equals"));
		if (r->if_pointer == NULL)
			return dt_fail(err, "out of memory");
	}
	if (value != NULL && r->type != DT_OP_OK)
		return dt_conf_fail(conf, "value", err, "only an ok reply reads a value");
	if (value != NULL && strcmp(value, "body") == 0) {
		r->value_body = true;
	} else if (value != NULL) {
		if (http_pointer_check(value, why) != 0)
			return dt_conf_fail(conf, "value", err, "%s (or body)", why);
		if ((r->value_pointer = strdup(value)) == NULL)
			return dt_fail(err, "out of memory");
	}
	if (decode != NULL && value == NULL)
		return dt_conf_fail(conf, "decode", err, "decode needs a value to decode");
	json_array_foreach(decode, i, d) {
		int k;

		for (k = 0; decode_names[k] != NULL; k++)
			if (strcmp(json_string_value(d), decode_names[k]) == 0)
				break;
		if (decode_names[k] == NULL)
			return dt_conf_fail(conf, "decode", err, "no decoding '%s' "
					    "(there are base64 and json)",
					    json_string_value(d));
		if (r->ndecode == HTTP_MAX_DECODE)
			return dt_conf_fail(conf, "decode", err, "more than %d steps",
					    HTTP_MAX_DECODE);
		r->decode[r->ndecode++] = (http_decode)k;
	}
	if (error != NULL && (r->error = strdup(error)) == NULL)
		return dt_fail(err, "out of memory");
	return 0;
bad_status:
	return dt_conf_fail(conf, "status", err, "expected a status (200), a class "
			    "(\"4xx\"), a range (\"200-204\") or a list of them "
			    "(at most %d), between 100 and 599", HTTP_MAX_STATUS);
}

int http_rules_parse(const json_t *list, http_rule **rules, size_t *n,
		     char *err)
{
	size_t count = json_array_size(list), i;
	const json_t *r;

	*rules = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	*rules = calloc(count, sizeof(**rules));
	if (*rules == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(list, i, r) {
		if (rule_parse(r, &(*rules)[i], err) != 0) {
			http_rule_free(&(*rules)[i]);
			return -1; /* the first i are the caller's to free */
		}
		(*n)++;
	}
	return 0;
}

static int template_at(const json_t *conf, const char *key, http_template *t,
		       char *err)
{
	char why[DT_ERRBUF_SIZE];

	if (http_template_parse(dt_opt_string(conf, key), t, why) != 0)
		return dt_conf_fail(conf, key, err, "%s", why);
	return 0;
}

int http_op_parse(const char *name, const json_t *conf, http_op *op, char *err)
{
	const json_t *headers = dt_opt(conf, "headers"), *v;
	const char *h;

	memset(op, 0, sizeof(*op));
	op->name = strdup(name);
	op->method = strdup(dt_opt_string(conf, "method"));
	op->read_only = dt_opt_bool(conf, "read-only");
	if (op->name == NULL || op->method == NULL)
		return dt_fail(err, "out of memory");
	for (const char *m = op->method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return dt_conf_fail(conf, "method", err, "expected a method "
					    "in capitals (GET, PUT, POST, ...), "
					    "not '%s'", op->method);
	if (template_at(conf, "path", &op->path, err) != 0)
		return -1;
	if (op->path.n == 0 || op->path.pieces[0].var >= 0 ||
	    op->path.pieces[0].text[0] != '/')
		return dt_conf_fail(conf, "path", err, "a path begins with /");
	if (dt_opt(conf, "body") != NULL) {
		op->has_body = true;
		if (template_at(conf, "body", &op->body, err) != 0)
			return -1;
	}
	op->nheaders = 0;
	op->hnames = calloc(json_object_size(headers) + 1, sizeof(*op->hnames));
	op->hvalues = calloc(json_object_size(headers) + 1, sizeof(*op->hvalues));
	if (op->hnames == NULL || op->hvalues == NULL)
		return dt_fail(err, "out of memory");
	json_object_foreach((json_t *)headers, h, v) {
		char why[DT_ERRBUF_SIZE];

		if ((op->hnames[op->nheaders] = strdup(h)) == NULL)
			return dt_fail(err, "out of memory");
		if (http_template_parse(json_string_value(v),
					&op->hvalues[op->nheaders], why) != 0) {
			op->nheaders++;
			return dt_conf_fail(headers, h, err, "%s", why);
		}
		op->nheaders++;
	}
	return http_rules_parse(dt_opt(conf, "replies"), &op->rules, &op->nrules, err);
}

void http_op_free(http_op *op)
{
	free(op->name);
	free(op->method);
	http_template_free(&op->path);
	http_template_free(&op->body);
	for (size_t i = 0; i < op->nheaders; i++) {
		free(op->hnames[i]);
		http_template_free(&op->hvalues[i]);
	}
	/* a header whose template failed: its name is counted, its value
	 * is empty */
	free(op->hnames);
	free(op->hvalues);
	for (size_t i = 0; i < op->nrules; i++)
		http_rule_free(&op->rules[i]);
	free(op->rules);
	memset(op, 0, sizeof(*op));
}
