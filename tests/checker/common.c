/* SPDX-License-Identifier: MIT */
/*
 * common.c: see common.h.  The brute-force checker shares nothing with
 * the plugin's search but the model: plain recursion over orders that
 * respect real time, no cache, no list, no pruning.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static dt_registry *reg;

dt_registry *tc_registry(void)
{
	if (reg == NULL)
		reg = dt_registry_new(TEST_BUILDDIR "/plugins/linearizable/.libs:"
				      TEST_BUILDDIR "/plugins/models/.libs");
	return reg;
}

int tc_check_conf(const dt_history *h, json_t *conf, const json_t *wl,
		  json_t **out, char *err)
{
	const dt_component *c = dt_registry_get(tc_registry(), DT_KIND_CHECKER,
						"linearizable", err);
	json_t *res = NULL, *v;
	int rc;

	if (c == NULL)
		return -2;
	{
		dt_checker_env env = { .config = conf, .registry = tc_registry(),
				       .workload_config = wl };
		const dt_checker_type *ct = c->type;

		rc = ct->check(&env, h, &res, err);
	}
	if (rc != 0)
		return -2;
	v = json_object_get(res, "valid");
	rc = json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
	if (out != NULL)
		*out = res;
	else
		json_decref(res);
	return rc;
}

int tc_check(const dt_history *h, const char *model, const json_t *wl,
	     char *err)
{
	json_t *conf = json_pack("{ss}", "model", model);
	int rc = tc_check_conf(h, conf, wl, NULL, err);

	json_decref(conf);
	return rc;
}

typedef struct bop {
	void *op;          /* in its own buffer */
	int64_t call, ret;   /* ret INT64_MAX: unknown */
} bop;

typedef struct brute {
	const dt_model_type *mt;
	void *model;
	bop ops[16];
	int n;
} brute;

static bool bf(brute *b, const unsigned char *st, size_t len, unsigned left)
{
	int64_t minret = INT64_MAX;
	bool known = false;

	for (int i = 0; i < b->n; i++)
		if ((left >> i) & 1 && b->ops[i].ret != INT64_MAX) {
			known = true;
			if (b->ops[i].ret < minret)
				minret = b->ops[i].ret;
		}
	if (!known)
		return true;
	for (int i = 0; i < b->n; i++) {
		dt_model_buf next = { 0 };
		dt_step r;
		bool ok;

		if (!((left >> i) & 1) || b->ops[i].call > minret)
			continue;
		r = b->mt->step(b->model, st, len, b->ops[i].op, &next);
		if (r == DT_STEP_ILLEGAL) {
			free(next.data);
			continue;
		}
		ok = r == DT_STEP_SAME ? bf(b, st, len, left & ~(1u << i)) :
		     bf(b, next.data, next.len, left & ~(1u << i));
		free(next.data);
		if (ok)
			return true;
	}
	return false;
}

static int prep(brute *b, const dt_op *call, const dt_op *ret, bop *o)
{
	dt_model_buf buf = { 0 };
	char err[DT_ERRBUF_SIZE];

	if (b->mt->prepare(b->model, call, ret, &buf, err) != 0) {
		free(buf.data);
		return -1;
	}
	o->op = buf.data;
	return 0;
}

int tc_brute(const dt_history *h, const char *model, const json_t *wl)
{
	char err[DT_ERRBUF_SIZE];
	const dt_component *c = dt_registry_get(tc_registry(), DT_KIND_MODEL,
						model, err);
	brute b = { 0 };
	int64_t pending[64];
	dt_model_buf init = { 0 };
	int rc = -1;

	if (c == NULL)
		return -1;
	b.mt = c->type;
	b.model = b.mt->create(NULL, wl, err);
	if (b.model == NULL)
		return -1;
	for (int i = 0; i < 64; i++)
		pending[i] = -1;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		int p = (int)op->process;

		if (op->process < 0 || p >= 64)
			continue;
		if (op->type == DT_OP_INVOKE) {
			pending[p] = (int64_t)i;
			continue;
		}
		if (pending[p] < 0)
			continue;
		if (op->type != DT_OP_FAIL) {
			bop *o = &b.ops[b.n];

			if (b.n == 16)
				goto done;
			if (prep(&b, &h->ops[pending[p]], op->type == DT_OP_OK ? op : NULL,
				 o) != 0)
				goto done;
			o->call = pending[p];
			o->ret = op->type == DT_OP_OK ? (int64_t)i : INT64_MAX;
			b.n++;
		}
		pending[p] = -1;
	}
	for (int p = 0; p < 64; p++)
		if (pending[p] >= 0) {
			bop *o = &b.ops[b.n];

			if (b.n == 16 || prep(&b, &h->ops[pending[p]], NULL, o) != 0)
				goto done;
			o->call = pending[p];
			o->ret = INT64_MAX;
			b.n++;
		}
	if (b.mt->init(b.model, &init, err) != 0)
		goto done;
	rc = bf(&b, init.data, init.len, (1u << b.n) - 1) ? 1 : 0;
done:
	free(init.data);
	for (int i = 0; i < b.n; i++)
		free(b.ops[i].op);
	b.mt->destroy(b.model);
	return rc;
}
