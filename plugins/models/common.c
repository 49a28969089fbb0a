/* SPDX-License-Identifier: MIT */
/*
 * common.c: what the models do alike (see models.h): preparing and
 * packing operations, encoding and printing values, partition keys,
 * create/destroy/init for models without parameters, and the pieces
 * every describe_op ends with.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

/* ---- preparing an operation ---------------------------------------------- */

void model_op_begin(model_draft *d, int kind, const dt_op *ret,
		    dt_model_buf *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->at = out->len;
	d->head.kind = kind;
	d->head.unknown = ret == NULL;
	if (dt_buf_reserve(out, sizeof(model_op)) == NULL)
		d->nomem = true;
	else
		out->len += sizeof(model_op);
}

int model_op_end(model_draft *d, int rc, char *err)
{
	dt_model_buf *out = d->out;
	size_t a_at = d->at + sizeof(model_op);
	size_t a_end = d->b_at != 0 ? d->b_at : out->len;

	if (rc != 0 || d->nomem) {
		out->len = d->at;
		return dt_fail(err, "out of memory");
	}
	d->head.alen = (uint32_t)(a_end - a_at);
	d->head.blen = (uint32_t)(out->len - a_end);
	memcpy(out->data + d->at, &d->head, sizeof(d->head));
	return 0;
}

int model_no_op(char *err, const char *model_name, const dt_op *call)
{
	return dt_fail(err, "op %" PRId64 ": the %s model has no operation "
		       "'%s'", call->index, model_name,
		       call->f ? call->f : "(none)");
}

const json_t *model_payload(const dt_op *op)
{
	if (op == NULL)
		return NULL;
	if (op->key == NULL && json_is_object(op->value) &&
	    json_object_get(op->value, "key") != NULL)
		return json_object_get(op->value, "value");
	return op->value;
}

/* ---- values and elements ------------------------------------------------- */

int model_json_put(const json_t *v, dt_model_buf *b)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	int rc = s ? dt_buf_put(b, s, strlen(s)) : -1;

	free(s);
	return rc;
}

int model_value_encode(const json_t *v, dt_model_buf *b)
{
	if (v == NULL || json_is_null(v))
		return dt_buf_put(b, "n", 1);
	if (json_is_integer(v)) {
		int64_t x = (int64_t)json_integer_value(v);

		return dt_buf_put(b, "i", 1) || dt_buf_put(b, &x, 8);
	}
	if (json_is_string(v))
		return dt_buf_put(b, "s", 1) ||
		       dt_buf_put(b, json_string_value(v), json_string_length(v));
	return dt_buf_put(b, "j", 1) || model_json_put(v, b);
}

int model_elem_encode(const json_t *v, dt_model_buf *b)
{
	size_t at = b->len;
	uint32_t n;

	if (dt_buf_put(b, "\0\0\0\0", 4) != 0 ||
	    model_value_encode(v, b) != 0)
		return -1;
	n = (uint32_t)(b->len - at - 4);
	memcpy(b->data + at, &n, 4);
	return 0;
}

/* ---- partitions, create, init -------------------------------------------- */

const char *model_key_partition(void *model, const dt_op *call, char *buf)
{
	const json_t *k;
	char *s;

	if (call->key != NULL)
		return call->key;
	if (!json_is_object(call->value))
		return NULL;
	k = json_object_get(call->value, "key");
	if (json_is_string(k))
		return json_string_value(k);
	if (k == NULL)
		return NULL;
	s = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, DT_MODEL_KEY_SIZE, "%s", s ? s : "?");
	free(s);
	return buf;
}

const char *model_own_key_partition(void *model, const dt_op *call, char *buf)
{
	return call->key;
}

void *model_alloc(size_t size, char *err)
{
	void *m = calloc(1, size);

	if (m == NULL)
		dt_fail(err, "out of memory");
	return m;
}

void *model_create_plain(const json_t *config, const json_t *workload_config,
			 char *err)
{
	return model_alloc(1, err);
}

void model_free(void *model)
{
	free(model);
}

int model_init_empty(void *model, dt_model_buf *state, char *err)
{
	return 0;
}

/* ---- describe ------------------------------------------------------------ */

void model_quoted(const unsigned char *p, size_t n, dt_model_buf *b)
{
	dt_buf_put(b, "\"", 1);
	dt_buf_put(b, p, n);
	dt_buf_put(b, "\"", 1);
}

void model_value_print(const unsigned char *p, size_t n, dt_model_buf *b)
{
	char tmp[32];

	if (n == 0 || p[0] == 'n') {
		model_text(b, "null");
	} else if (p[0] == 'i' && n == 9) {
		int64_t x;

		memcpy(&x, p + 1, 8);
		snprintf(tmp, sizeof(tmp), "%" PRId64, x);
		model_text(b, tmp);
	} else if (p[0] == 's') {
		model_quoted(p + 1, n - 1, b);
	} else {
		dt_buf_put(b, p + 1, n - 1);
	}
}

void model_elem_print(const unsigned char *p, size_t n, dt_model_buf *b)
{
	model_value_print(p + 4, n - 4, b);
}

void model_elems_print(const unsigned char *p, size_t len, const char *open,
		       const char *close, dt_model_buf *b)
{
	const unsigned char *end = p + len, *e;
	uint32_t n;
	bool first = true;

	model_text(b, open);
	while (model_elem_next(&p, end, &e, &n)) {
		if (!first)
			model_text(b, ", ");
		first = false;
		model_value_print(e, n, b);
	}
	model_text(b, close);
}

bool model_describe_result(dt_model_buf *b, const char *label,
			   const model_op *o)
{
	model_text(b, label);
	if (o->unknown)
		model_text(b, "?");
	return !o->unknown;
}

/* b's bytes as a malloc'd string (NULL when out of memory). */
static char *model_text_end(dt_model_buf *b)
{
	if (dt_buf_put(b, "", 1) != 0) {
		free(b->data);
		return NULL;
	}
	return (char *)b->data;
}

char *model_describe_end(dt_model_buf *b, const model_op *o)
{
	if (o->unknown)
		model_text(b, " (unknown outcome)");
	return model_text_end(b);
}

char *model_text_of(model_print_fn *print, const void *p, size_t n)
{
	dt_model_buf b = { 0 };

	print(p, n, &b);
	return model_text_end(&b);
}
