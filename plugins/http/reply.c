/* SPDX-License-Identifier: MIT */
/*
 * reply.c: the http client's replies into outcomes: the first rule whose
 * statuses and condition take the reply decides ok, fail or info, and an
 * ok rule's JSON pointer (RFC 6901) and decoding steps give the value
 * read.  No I/O and no state: tests/fuzz/fuzz_http_reply feeds it
 * anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Longest piece of a body quoted in an error. */
#define HTTP_QUOTE 200

int http_pointer_check(const char *pointer, char *why)
{
	if (pointer[0] != '\0' && pointer[0] != '/') {
		snprintf(why, DT_ERRBUF_SIZE, "'%s' is not a JSON pointer (\"\" "
			 "or /name/0/...)", pointer);
		return -1;
	}
	for (const char *p = pointer; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			snprintf(why, DT_ERRBUF_SIZE, "'%s': ~ must be followed "
				 "by 0 or 1", pointer);
			return -1;
		}
	return 0;
}

/* One reference token, unescaped, into tok (size bytes); false when too
 * long or badly escaped. */
static bool token(const char *s, size_t len, char *tok, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '~') {
			if (i + 1 >= len || (s[i + 1] != '0' && s[i + 1] != '1'))
				return false;
			ch = s[++i] == '0' ? '~' : '/';
		}
		if (o + 1 >= size)
			return false;
		tok[o++] = ch;
	}
	tok[o] = '\0';
	return true;
}

json_t *http_pointer(json_t *doc, const char *pointer)
{
	const char *p = pointer;

	if (*p != '\0' && *p != '/')
		return NULL;
	while (doc != NULL && *p == '/') {
		const char *next = strchr(p + 1, '/');
		size_t len = next ? (size_t)(next - p - 1) : strlen(p + 1);
		char tok[256], *end;

		if (!token(p + 1, len, tok, sizeof(tok)))
			return NULL;
		if (json_is_object(doc)) {
			doc = json_object_get(doc, tok);
		} else if (json_is_array(doc)) {
			unsigned long i = strtoul(tok, &end, 10);

			if (tok[0] < '0' || tok[0] > '9' || *end != '\0' ||
			    (tok[0] == '0' && tok[1] != '\0'))
				return NULL;
			doc = json_array_get(doc, i);
		} else {
			return NULL;
		}
		p += 1 + len;
	}
	return doc;
}

static bool status_matches(const http_rule *r, long status)
{
	if (r->nstatus == 0)
		return true;
	for (int i = 0; i < r->nstatus; i++)
		if (status >= r->lo[i] && status <= r->hi[i])
			return true;
	return false;
}

/* Whether r takes the reply (doc: the body as JSON, or NULL). */
static bool takes(const http_rule *r, long status, json_t *doc)
{
	json_t *at;

	if (!status_matches(r, status))
		return false;
	if (r->if_pointer == NULL)
		return true;
	at = http_pointer(doc, r->if_pointer);
	return at != NULL && (r->if_equals == NULL || json_equal(at, r->if_equals));
}

/* "HTTP 503: <the body's start>", a new string. */
static char *http_error(long status, const char *body, size_t len)
{
	size_t n = len < HTTP_QUOTE ? len : HTTP_QUOTE;
	char q[HTTP_QUOTE * 4 + 8];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch == '\n' || ch == '\r' || ch == '\t')
			q[o++] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(q + o, sizeof(q) - o, "\\x%02x", ch);
		else
			q[o++] = (char)ch;
	}
	q[o] = '\0';
	while (o > 0 && q[o - 1] == ' ')
		q[--o] = '\0';
	return o > 0 ? dt_strdupf("HTTP %ld: %s%s", status, q, len > n ? "..." : "") :
		       dt_strdupf("HTTP %ld", status);
}

/* The value of an ok rule: a new reference (json null when the pointer
 * finds nothing), or NULL with *error. */
static json_t *rule_value(const http_rule *r, json_t *doc, const char *body,
			  size_t len, char **error)
{
	json_t *v;

	if (r->value_body)
		v = dt_value_parse(body != NULL ? body : "", len, true);
	else if (doc == NULL) {
		*error = strdup("the reply is not JSON: no value to read");
		return NULL;
	} else {
		v = http_pointer(doc, r->value_pointer);
		if (v == NULL)
			return json_null();
		json_incref(v);
	}
	for (int i = 0; v != NULL && i < r->ndecode; i++) {
		const char *text = json_string_value(v);
		json_t *next;

		if (text == NULL) {
			*error = dt_strdupf("the value at %s is not a string to "
					    "decode", r->value_body ? "the body" :
					    r->value_pointer);
			json_decref(v);
			return NULL;
		}
		if (r->decode[i] == HTTP_DECODE_BASE64) {
			size_t n = 0;
			unsigned char *bytes = dt_base64_decode(text, strlen(text), &n);

			if (bytes == NULL) {
				*error = dt_strdupf("the value at %s is not base64",
						    r->value_body ? "the body" :
						    r->value_pointer);
				json_decref(v);
				return NULL;
			}
			next = dt_value_parse((char *)bytes, n, true);
			free(bytes);
		} else {
			next = dt_value_parse(text, json_string_length(v), false);
		}
		json_decref(v);
		v = next;
	}
	if (v == NULL)
		*error = strdup("out of memory");
	return v;
}

dt_op_type http_reply_map(const http_rule *rules, size_t nrules,
			  const http_rule *more, size_t nmore, bool read_only,
			  long status, const char *body, size_t len,
			  json_t **value, char **error)
{
	json_t *doc = body != NULL && len > 0 ?
		json_loadb(body, len, JSON_DECODE_ANY, NULL) : NULL;
	const http_rule *r = NULL;
	dt_op_type t;

	*value = NULL;
	*error = NULL;
	for (size_t i = 0; r == NULL && i < nrules + nmore; i++) {
		const http_rule *c = i < nrules ? &rules[i] : &more[i - nrules];

		if (takes(c, status, doc))
			r = c;
	}
	if (r == NULL) {
		*error = http_error(status, body, len);
		t = read_only ? DT_OP_FAIL : DT_OP_INFO;
	} else if (r->type != DT_OP_OK) {
		*error = r->error != NULL ? strdup(r->error) :
			 http_error(status, body, len);
		t = r->type;
	} else if (r->value_pointer == NULL && !r->value_body) {
		t = DT_OP_OK;
	} else {
		char *why = NULL;

		*value = rule_value(r, doc, body, len, &why);
		if (*value != NULL) {
			t = DT_OP_OK;
		} else {
			*error = dt_strdupf("HTTP %ld: %s", status, why ? why :
					    "out of memory");
			free(why);
			t = read_only ? DT_OP_FAIL : DT_OP_INFO;
		}
	}
	json_decref(doc);
	return t;
}

void http_rule_free(http_rule *r)
{
	free(r->if_pointer);
	json_decref(r->if_equals);
	free(r->value_pointer);
	free(r->error);
	memset(r, 0, sizeof(*r));
}
