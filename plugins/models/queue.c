/* SPDX-License-Identifier: MIT */
/*
 * queue.c: the queue model, FIFO: enqueue an element, dequeue the front
 * one (null when the queue is empty); starts empty.  The state is its
 * elements (see models.h), front first.
 */
#include "config.h"

#include "models.h"

static int queue_prepare(void *model, const dt_op *call, const dt_op *ret,
			 dt_model_buf *out, char *err)
{
	const json_t *v;
	model_draft d;
	int rc = 0;

	if (model_f_is(call, "enqueue", NULL)) {
		model_op_begin(&d, K_ENQ, ret, out);
		rc = model_elem_encode(model_payload(call), model_draft_a(&d));
	} else if (model_f_is(call, "dequeue", NULL)) {
		model_op_begin(&d, K_DEQ, ret, out);
		/* An empty a means "the queue was empty" (a null result). */
		v = model_payload(ret);
		if (v != NULL && !json_is_null(v))
			rc = model_elem_encode(v, model_draft_a(&d));
	} else {
		return model_no_op(err, "queue", call);
	}
	return model_op_end(&d, rc, err);
}

static dt_step queue_step(void *model, const void *st, size_t len,
			  const void *op, dt_model_buf *next)
{
	const model_op *o = op;
	const unsigned char *p = st, *e;
	uint32_t n;

	if (o->kind == K_ENQ)
		return model_step_new(next, st, len, model_op_a(o), o->alen,
				      NULL, 0);
	if (len == 0)
		return o->unknown || o->alen == 0 ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	if (!o->unknown && o->alen == 0)
		return DT_STEP_ILLEGAL;
	if (!model_elem_next(&p, p + len, &e, &n))
		return DT_STEP_ILLEGAL;
	if (!o->unknown && (o->alen != 4 + (size_t)n ||
			    memcmp(model_op_a(o) + 4, e, n) != 0))
		return DT_STEP_ILLEGAL;
	return model_step_new(next, p, len - (size_t)(p - (const unsigned char *)st),
			      NULL, 0, NULL, 0);
}

static char *queue_describe_op(void *model, const void *op)
{
	const model_op *o = op;
	dt_model_buf b = { 0 };

	if (o->kind == K_ENQ) {
		model_text(&b, "enqueue ");
		model_elem_print(model_op_a(o), o->alen, &b);
	} else if (model_describe_result(&b, "dequeue -> ", o)) {
		if (o->alen == 0)
			model_text(&b, "empty");
		else
			model_elem_print(model_op_a(o), o->alen, &b);
	}
	return model_describe_end(&b, o);
}

/* [front, ..., back] */
static void queue_print(const unsigned char *p, size_t n, dt_model_buf *b)
{
	model_elems_print(p, n, "[", "]", b);
}

static char *queue_describe_state(void *model, const void *st, size_t len)
{
	return model_text_of(queue_print, st, len);
}

const dt_model_type queue_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "queue", .version = "1.0",
		  .description = "a FIFO queue: enqueue, dequeue (null when empty)" },
	.create = model_create_plain, .destroy = model_free,
	.partition = model_own_key_partition,
	.prepare = queue_prepare, .init = model_init_empty, .step = queue_step,
	.describe_op = queue_describe_op, .describe_state = queue_describe_state,
};
