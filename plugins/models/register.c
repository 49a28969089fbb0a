/* SPDX-License-Identifier: MIT */
/*
 * register.c: the register and cas-register models, per key, starting
 * null.  Both read (or get) and write (or put); cas-register also has
 * cas [FROM, TO].  The state is one encoded value (see models.h).
 */
#include "config.h"

#include <inttypes.h>

#include "models.h"

typedef struct reg_model {
	bool cas;
} reg_model;

static void *reg_create_any(bool cas, char *err)
{
	reg_model *m = model_alloc(sizeof(*m), err);

	if (m != NULL)
		m->cas = cas;
	return m;
}

static void *reg_create(const json_t *c, const json_t *w, char *err)
{
	return reg_create_any(false, err);
}

static void *casreg_create(const json_t *c, const json_t *w, char *err)
{
	return reg_create_any(true, err);
}

static int reg_prepare(void *model, const dt_op *call, const dt_op *ret,
		       dt_model_buf *out, char *err)
{
	reg_model *m = model;
	model_draft d;
	int rc = 0;

	if (model_f_is(call, "read", "get")) {
		model_op_begin(&d, K_READ, ret, out);
		if (ret != NULL)
			rc = model_value_encode(model_payload(ret), model_draft_a(&d));
	} else if (model_f_is(call, "write", "put")) {
		model_op_begin(&d, K_WRITE, ret, out);
		rc = model_value_encode(model_payload(call), model_draft_a(&d));
	} else if (m->cas && model_f_is(call, "cas", NULL)) {
		const json_t *ft = model_payload(call);

		if (!json_is_array(ft) || json_array_size(ft) != 2)
			return dt_fail(err, "op %" PRId64 ": cas wants [FROM, TO]",
				       call->index);
		/* A completion whose value is false is a compare that failed
		 * (Jepsen's `:fail :cas` as imported): it read a value other
		 * than FROM and changed nothing. */
		model_op_begin(&d, ret != NULL && json_is_false(model_payload(ret)) ?
			       K_CAS_FAILED : K_CAS, ret, out);
		rc = model_value_encode(json_array_get(ft, 0), model_draft_a(&d)) ||
		     model_value_encode(json_array_get(ft, 1), model_draft_b(&d));
	} else {
		return model_no_op(err, m->cas ? "cas-register" : "register",
				   call);
	}
	return model_op_end(&d, rc, err);
}

static int reg_init(void *model, dt_model_buf *s, char *err)
{
	if (dt_buf_put(s, "n", 1) != 0)
		return dt_fail(err, "out of memory");
	return 0;
}

static dt_step reg_step(void *model, const void *st, size_t len,
			const void *op, dt_model_buf *next)
{
	const model_op *o = op;

	switch (o->kind) {
	case K_READ:
		return model_step_read(st, len, o);
	case K_WRITE:
		return model_step_write(st, len, model_op_a(o), o->alen, next);
	case K_CAS:
		if (!model_same(st, len, model_op_a(o), o->alen))
			return o->unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
		return model_step_write(st, len, model_op_b(o), o->blen, next);
	case K_CAS_FAILED:
		return model_same(st, len, model_op_a(o), o->alen) ?
		       DT_STEP_ILLEGAL : DT_STEP_SAME;
	}
	return DT_STEP_ILLEGAL;
}

static char *reg_describe_op(void *model, const void *op)
{
	const model_op *o = op;
	dt_model_buf b = { 0 };

	switch (o->kind) {
	case K_READ:
		if (model_describe_result(&b, "read -> ", o))
			model_value_print(model_op_a(o), o->alen, &b);
		break;
	case K_WRITE:
		model_text(&b, "write ");
		model_value_print(model_op_a(o), o->alen, &b);
		break;
	default:
		model_text(&b, "cas ");
		model_value_print(model_op_a(o), o->alen, &b);
		model_text(&b, " -> ");
		model_value_print(model_op_b(o), o->blen, &b);
		if (o->kind == K_CAS_FAILED)
			model_text(&b, " (compare failed)");
		break;
	}
	return model_describe_end(&b, o);
}

static char *reg_describe_state(void *model, const void *st, size_t len)
{
	return model_text_of(model_value_print, st, len);
}

const dt_model_type register_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "register", .version = "1.0",
		  .description = "read/write register, per key" },
	.create = reg_create, .destroy = model_free,
	.partition = model_key_partition,
	.prepare = reg_prepare,
	.init = reg_init, .step = reg_step,
	.describe_op = reg_describe_op, .describe_state = reg_describe_state,
};

const dt_model_type cas_register_model = {
	.size = sizeof(dt_model_type),
	.info = { .name = "cas-register", .version = "1.0",
		  .description = "read/write/compare-and-set register, per key (as etcd)" },
	.create = casreg_create, .destroy = model_free,
	.partition = model_key_partition,
	.prepare = reg_prepare,
	.init = reg_init, .step = reg_step,
	.describe_op = reg_describe_op, .describe_state = reg_describe_state,
};
