/* SPDX-License-Identifier: MIT */
/*
 * bank.c: the bank model: `accounts` accounts starting with `balance`
 * each (the workload's options, overridden by the checker entry's);
 * read returns every balance, transfer {from, to, amount} moves money
 * and is refused (a no-op) without funds.  The state is the balances
 * as int64s.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "models.h"

typedef struct bank_model {
	long long accounts;
	long long balance;
} bank_model;

static void *bank_create(const json_t *c, const json_t *w, char *err)
{
	bank_model *m = model_alloc(sizeof(*m), err);
	long long acc, bal;

	if (m == NULL)
		return NULL;
	if (dt_conf_int(w, "accounts", 5, 1, 100000, &acc, err) ||
	    dt_conf_int(w, "balance", 10000, 0, INT64_MAX / 200000, &bal, err) ||
	    dt_conf_int(c, "accounts", acc, 1, 100000, &m->accounts, err) ||
	    dt_conf_int(c, "balance", bal, 0, INT64_MAX / 200000, &m->balance, err)) {
		free(m);
		return NULL;
	}
	return m;
}

static int bank_prepare_read(bank_model *m, const dt_op *ret,
			     dt_model_buf *out, char *err)
{
	const json_t *v = model_payload(ret), *b;
	model_draft d;
	size_t i;
	int rc = 0;

	if (ret != NULL) {
		if (!json_is_array(v) || json_array_size(v) != (size_t)m->accounts)
			return dt_fail(err, "op %" PRId64 ": a bank read must "
				       "return %lld balances", ret->index,
				       m->accounts);
		json_array_foreach(v, i, b)
			if (!json_is_integer(b))
				return dt_fail(err, "op %" PRId64 ": balance %zu "
					       "is not an integer", ret->index, i);
	}
	model_op_begin(&d, K_BREAD, ret, out);
	json_array_foreach(v, i, b) {
		int64_t x = (int64_t)json_integer_value(b);

		rc = rc || dt_buf_put(model_draft_a(&d), &x, 8);
	}
	return model_op_end(&d, rc, err);
}

static int bank_prepare_transfer(bank_model *m, const dt_op *call,
				 const dt_op *ret, dt_model_buf *out, char *err)
{
	const json_t *v = model_payload(call);
	int64_t from = (int64_t)json_integer_value(json_object_get(v, "from"));
	int64_t to = (int64_t)json_integer_value(json_object_get(v, "to"));
	int64_t amount = (int64_t)json_integer_value(json_object_get(v, "amount"));
	model_draft d;

	if (from < 0 || from >= m->accounts || to < 0 || to >= m->accounts ||
	    amount < 0)
		return dt_fail(err, "op %" PRId64 ": transfer wants "
			       "{from, to, amount} within %lld accounts",
			       call->index, m->accounts);
	model_op_begin(&d, K_TRANSFER, ret, out);
	d.head.from = from;
	d.head.to = to;
	d.head.amount = amount;
	return model_op_end(&d, 0, err);
}

static int bank_prepare(void *model, const dt_op *call, const dt_op *ret,
			dt_model_buf *out, char *err)
{
	if (model_f_is(call, "read", NULL))
		return bank_prepare_read(model, ret, out, err);
	if (model_f_is(call, "transfer", NULL))
		return bank_prepare_transfer(model, call, ret, out, err);
	return model_no_op(err, "bank", call);
}

static int bank_init(void *model, dt_model_buf *s, char *err)
{
	bank_model *m = model;

	for (long long i = 0; i < m->accounts; i++) {
		int64_t x = m->balance;

		if (dt_buf_put(s, &x, 8) != 0)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

static dt_step bank_step(void *model, const void *st, size_t len,
			 const void *op, dt_model_buf *next)
{
	const model_op *o = op;
	int64_t f, t;

	if (o->kind == K_BREAD)
		return model_step_read(st, len, o);
	memcpy(&f, (const unsigned char *)st + 8 * o->from, 8);
	if (f < o->amount)   /* refused for want of funds: a no-op */
		return o->unknown ? DT_STEP_SAME : DT_STEP_ILLEGAL;
	if (o->amount == 0 || o->from == o->to)
		return DT_STEP_SAME;
	model_step_new(next, st, len, NULL, 0, NULL, 0);
	if (next->data == NULL)   /* out of memory */
		return DT_STEP_NEW;
	memcpy(&t, next->data + 8 * o->to, 8);
	f -= o->amount;
	t += o->amount;
	memcpy(next->data + 8 * o->from, &f, 8);
	memcpy(next->data + 8 * o->to, &t, 8);
	return DT_STEP_NEW;
}

/* [b1, b2, ...] */
static void bank_balances_print(const unsigned char *p, size_t n,
				dt_model_buf *b)
{
	model_text(b, "[");
	for (size_t i = 0; i + 8 <= n; i += 8) {
		char tmp[32];
		int64_t x;

		memcpy(&x, p + i, 8);
		snprintf(tmp, sizeof(tmp), "%s%" PRId64, i ? ", " : "", x);
		model_text(b, tmp);
	}
	model_text(b, "]");
}

static char *bank_describe_op(void *model, const void *op)
{
	const model_op *o = op;
	dt_model_buf b = { 0 };
	char tmp[128];

	if (o->kind == K_BREAD) {
		if (model_describe_result(&b, "read -> ", o))
			bank_balances_print(model_op_a(o), o->alen, &b);
	} else {
		snprintf(tmp, sizeof(tmp), "transfer %" PRId64 " from %" PRId64
			 " to %" PRId64, o->amount, o->from, o->to);
		model_text(&b, tmp);
	}
	return model_describe_end(&b, o);
}

static char *bank_describe_state(void *model, const void *st, size_t len)
{
	return model_text_of(bank_balances_print, st, len);
}

const dt_model_type bank_model_type = {
	.size = sizeof(dt_model_type),
	.info = { .name = "bank", .version = "1.0",
		  .description = "accounts with balances: read all, transfer (refused without funds)" },
	.create = bank_create, .destroy = model_free,
	.prepare = bank_prepare, .init = bank_init, .step = bank_step,
	.describe_op = bank_describe_op, .describe_state = bank_describe_state,
};
