/* SPDX-License-Identifier: MIT */
/*
 * kv.c: the kv model: get / put / append on string values, per key,
 * each key starting "".  The state is the key's raw string; a value
 * that is not a string counts as its compact JSON, nil as "".
 */
#include "config.h"

#include "models.h"

/* A kv value as raw bytes: a string as is, nil as "", else its JSON. */
static int kv_encode(const json_t *v, dt_model_buf *b)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return dt_buf_put(b, json_string_value(v), json_string_length(v));
	return model_json_put(v, b);
}

static int kv_prepare(void *model, const dt_op *call, const dt_op *ret,
		      dt_model_buf *out, char *err)
{
	const json_t *v;
	model_draft d;
	int kind;

	if (model_f_is(call, "get", "read"))
		kind = K_GET;
	else if (model_f_is(call, "put", "write"))
		kind = K_PUT;
	else if (model_f_is(call, "append", NULL))
		kind = K_APPEND;
	else
		return model_no_op(err, "kv", call);
	v = kind == K_GET ? model_payload(ret) : model_payload(call);
	if (v == NULL || json_is_null(v) || json_is_string(v)) {
		/* the common case, a string or nil: straight into out */
		model_op head = {
			.kind = kind, .unknown = ret == NULL,
			.alen = (uint32_t)(json_is_string(v) ? json_string_length(v) : 0),
		};

		if (model_op_pack(out, &head, json_string_value(v), NULL) != 0)
			return dt_fail(err, "out of memory");
		return 0;
	}
	model_op_begin(&d, kind, ret, out);
	return model_op_end(&d, kv_encode(v, model_draft_a(&d)), err);
}

static dt_step kv_step(void *model, const void *st, size_t len,
		       const void *op, dt_model_buf *next)
{
	const model_op *o = op;

	switch (o->kind) {
	case K_GET:
		return model_step_read(st, len, o);
	case K_PUT:
		return model_step_write(st, len, model_op_a(o), o->alen, next);
	case K_APPEND:
		if (o->alen == 0)
			return DT_STEP_SAME;
		return model_step_new(next, st, len, model_op_a(o), o->alen,
				      NULL, 0);
	}
	return DT_STEP_ILLEGAL;
}

static char *kv_describe_op(void *model, const void *op)
{
	const model_op *o = op;
	dt_model_buf b = { 0 };

	if (o->kind != K_GET)
		model_text(&b, o->kind == K_PUT ? "put " : "append ");
	if (o->kind != K_GET || model_describe_result(&b, "get -> ", o))
		model_quoted(model_op_a(o), o->alen, &b);
	return model_describe_end(&b, o);
}

static char *kv_describe_state(void *model, const void *st, size_t len)
{
	return model_text_of(model_quoted, st, len);
}

const dt_model_type kv_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "kv", .version = "1.0",
		  .description = "get/put/append on string values, per key" },
	.create = model_create_plain, .destroy = model_free,
	.partition = model_key_partition,
	.prepare = kv_prepare, .init = model_init_empty, .step = kv_step,
	.describe_op = kv_describe_op, .describe_state = kv_describe_state,
};
