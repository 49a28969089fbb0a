/* SPDX-License-Identifier: MIT */
/*
 * set.c: the set model: add an element, read them all; starts empty.
 * The state is its elements (see models.h) sorted by their bytes, each
 * once, so that equal sets are equal bytes.
 */
#include "config.h"

#include <inttypes.h>

#include "models.h"

static int set_elem_cmp(const unsigned char *a, uint32_t an,
			const unsigned char *b, uint32_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

typedef struct span {
	const unsigned char *p;
	uint32_t n;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;

	return set_elem_cmp(x->p, x->n, y->p, y->n);
}

/* The canonical set encoding of a JSON array: sorted, no duplicates. */
static int set_encode(const json_t *arr, dt_model_buf *out)
{
	dt_model_buf all = { 0 };
	span *sp = NULL;
	size_t n = json_array_size(arr), i, k = 0;
	const unsigned char *p, *end;
	int rc = -1;

	for (i = 0; i < n; i++)
		if (model_elem_encode(json_array_get(arr, i), &all) != 0)
			goto done;
	sp = calloc(n + 1, sizeof(*sp));
	if (sp == NULL)
		goto done;
	p = all.data;
	end = all.data + all.len;
	while (p != NULL && k < n && model_elem_next(&p, end, &sp[k].p, &sp[k].n))
		k++;
	qsort(sp, k, sizeof(*sp), span_cmp);
	rc = 0;
	for (i = 0; i < k && rc == 0; i++)
		if (i == 0 || span_cmp(&sp[i - 1], &sp[i]) != 0)   /* with its length */
			rc = dt_buf_put(out, sp[i].p - 4, 4 + sp[i].n);
done:
	free(sp);
	free(all.data);
	return rc;
}

static int set_prepare(void *model, const dt_op *call, const dt_op *ret,
		       dt_model_buf *out, char *err)
{
	model_draft d;
	int rc;

	if (model_f_is(call, "add", NULL)) {
		model_op_begin(&d, K_ADD, ret, out);
		rc = model_elem_encode(model_payload(call), model_draft_a(&d));
	} else if (model_f_is(call, "read", NULL)) {
		const json_t *v = model_payload(ret);

		if (ret != NULL && !json_is_array(v))
			return dt_fail(err, "op %" PRId64 ": a set read must "
				       "return an array", ret->index);
		model_op_begin(&d, K_SREAD, ret, out);
		rc = ret ? set_encode(v, model_draft_a(&d)) : 0;
	} else {
		return model_no_op(err, "set", call);
	}
	return model_op_end(&d, rc, err);
}

static dt_step set_step(void *model, const void *st, size_t len,
			const void *op, dt_model_buf *next)
{
	const model_op *o = op;
	const unsigned char *p = st, *end = p + len, *e, *at;
	uint32_t n, an;

	if (o->kind == K_SREAD)
		return model_step_read(st, len, o);
	memcpy(&an, model_op_a(o), 4);
	at = p;
	while (model_elem_next(&p, end, &e, &n)) {
		int c = set_elem_cmp(e, n, model_op_a(o) + 4, an);

		if (c == 0)
			return DT_STEP_SAME;
		if (c > 0)
			break;
		at = p;
	}
	/* the new element goes in before the first larger one */
	return model_step_new(next, st, (size_t)(at - (const unsigned char *)st),
			      model_op_a(o), o->alen, at, (size_t)(end - at));
}

/* {e1, e2, ...} */
static void set_print(const unsigned char *p, size_t n, dt_model_buf *b)
{
	model_elems_print(p, n, "{", "}", b);
}

static char *set_describe_op(void *model, const void *op)
{
	const model_op *o = op;
	dt_model_buf b = { 0 };

	if (o->kind == K_ADD) {
		model_text(&b, "add ");
		model_elem_print(model_op_a(o), o->alen, &b);
	} else if (model_describe_result(&b, "read -> ", o)) {
		set_print(model_op_a(o), o->alen, &b);
	}
	return model_describe_end(&b, o);
}

static char *set_describe_state(void *model, const void *st, size_t len)
{
	return model_text_of(set_print, st, len);
}

const dt_model_type set_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "set", .version = "1.0",
		  .description = "a set: add an element, read them all" },
	.create = model_create_plain, .destroy = model_free,
	.partition = model_own_key_partition,
	.prepare = set_prepare, .init = model_init_empty, .step = set_step,
	.describe_op = set_describe_op, .describe_state = set_describe_state,
};
