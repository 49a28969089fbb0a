/* SPDX-License-Identifier: MIT */
/*
 * gen.c: linearizable-by-construction histories (see gen.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define SLOT 100

typedef struct gop {
	const char *f;
	char *key;
	json_t *arg;
	dt_op_type type;   /* completion */
	json_t *res;
	int64_t t_call, t_ret;
	int process;
} gop;

typedef struct gev {
	int64_t t;
	size_t op;
	int ret;
} gev;

static int ev_cmp(const void *a, const void *b)
{
	const gev *x = a, *y = b;

	if (x->t != y->t)
		return (x->t > y->t) - (x->t < y->t);
	if (x->op != y->op)
		return (x->op > y->op) - (x->op < y->op);
	return x->ret - y->ret;
}

static json_t *reg_val(const char *key, bool set, long v)
{
	json_t *o = json_pack("{ss}", "key", key);

	json_object_set_new(o, "value", set ? json_integer(v) : json_null());
	return o;
}

/* Make `bad` keys not linearizable (gen.h): a get returns a value with
 * "x;" appended, which no put or append ever writes. */
static int corrupt_gets(gop *ops, size_t n, int K, int bad)
{
	for (int k = 0; k < bad && k < K; k++) {
		char key[32];
		size_t seen = 0, total = 0, pick = n;

		snprintf(key, sizeof(key), "k%d", k);
		for (size_t i = 0; i < n; i++)
			if (ops[i].type == DT_OP_OK && strcmp(ops[i].f, "get") == 0 &&
			    strcmp(ops[i].key, key) == 0)
				total++;
		for (size_t i = 0; i < n && total > 0; i++) {
			if (ops[i].type != DT_OP_OK || strcmp(ops[i].f, "get") != 0 ||
			    strcmp(ops[i].key, key) != 0)
				continue;
			seen++;
			if (k == 0 ? seen == total : seen > total / 2) {
				pick = i;
				break;
			}
		}
		if (pick < n) {
			char *v;
			json_t *j;

			if (asprintf(&v, "%sx;", json_string_value(ops[pick].res)) < 0)
				return -1;
			j = json_string(v);
			free(v);
			if (j == NULL)
				return -1;
			json_decref(ops[pick].res);
			ops[pick].res = j;
		}
	}
	return 0;
}

/* A register value of gen's form ({"key": K, "value": V}) or V. */
static const json_t *plain_value(const json_t *v)
{
	const json_t *x = json_is_object(v) ? json_object_get(v, "value") : v;

	return x;
}

static void edn_scalar(FILE *f, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v) && json_array_size(v) == 2)
		fprintf(f, "[%lld %lld]", (long long)json_integer_value(json_array_get(v, 0)),
			(long long)json_integer_value(json_array_get(v, 1)));
	else
		fputs("nil", f);
}

int gen_write_porcupine(const dt_history *h, gen_model m, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (m == GEN_CAS_REGISTER)
		fputs("[\n", f);
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		const char *t = dt_op_type_name(op->type);

		if (m == GEN_KV) {
			const json_t *v = op->value;

			fprintf(f, "{:process %lld, :type :%s, :f :%s, :key \"%s\", :value ",
				(long long)op->process, t, op->f, op->key ? op->key : "");
			if (json_is_string(v))
				fprintf(f, "\"%s\"}\n", json_string_value(v));
			else
				fputs("nil}\n", f);
		} else {
			/* Knossos: a failed cas is :fail, an info op :info */
			fprintf(f, " {:process %lld, :type :%s, :f :%s, :value ",
				(long long)op->process, t, op->f);
			if (op->type == DT_OP_INVOKE && strcmp(op->f, "read") == 0)
				fputs("nil", f);
			else
				edn_scalar(f, plain_value(op->value));
			fputs("}\n", f);
		}
	}
	if (m == GEN_CAS_REGISTER)
		fputs("]\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

dt_history *gen_history(const gen_opts *o)
{
	dt_rng rng;
	size_t n = o->ops;
	int P = o->processes > 0 ? o->processes : 5;
	int K = o->keys > 0 ? o->keys : 1;
	int V = o->values > 0 ? o->values : 5;
	int A = o->accounts > 1 ? o->accounts : 5;
	int spread = o->spread > 0 ? o->spread : P;
	int64_t rmax;
	gop *ops = calloc(n + 1, sizeof(*ops));
	gev *ev = calloc(2 * n + 1, sizeof(*ev));
	long *regv = calloc((size_t)K, sizeof(long));
	bool *regset = calloc((size_t)K, sizeof(bool));
	char **kvs = calloc((size_t)K, sizeof(char *));
	long *bal = calloc((size_t)A, sizeof(long));
	long *coll = calloc(n + 1, sizeof(long));   /* set / queue */
	size_t ncoll = 0, qhead = 0;
	dt_history *h = calloc(1, sizeof(*h));

	if (!ops || !ev || !regv || !regset || !kvs || !bal || !coll || !h)
		goto fail;
	if (spread > P)
		spread = P;
	rmax = (int64_t)spread * SLOT / 2 - 1;
	if (rmax < 1)
		rmax = 1;
	dt_rng_seed(&rng, o->seed);
	for (int k = 0; k < K; k++)
		kvs[k] = strdup("");
	for (int a = 0; a < A; a++)
		bal[a] = 100;
	for (size_t i = 0; i < n; i++) {
		gop *g = &ops[i];
		int64_t L = (int64_t)(i + 1) * SLOT * 2;
		bool unknown = dt_rng_double(&rng) < o->unknown;
		bool apply = !unknown || dt_rng_below(&rng, 2) == 0;
		uint64_t r = dt_rng_below(&rng, 4);
		char key[32];
		int k = o->hot > 0 && K > 1 ?
			(dt_rng_double(&rng) < o->hot ? 0 :
			 1 + (int)dt_rng_below(&rng, (uint64_t)K - 1)) :
			(int)dt_rng_below(&rng, (uint64_t)K);

		g->process = (int)(i % (size_t)P);
		g->t_call = L - 1 - (int64_t)dt_rng_below(&rng, (uint64_t)rmax);
		g->t_ret = L + 1 + (int64_t)dt_rng_below(&rng, (uint64_t)rmax);
		g->type = DT_OP_OK;
		switch (o->model) {
		case GEN_CAS_REGISTER:
			snprintf(key, sizeof(key), "r%d", k);
			if (r < 2) {
				g->f = "read";
				g->arg = json_pack("{ss}", "key", key);
				g->res = reg_val(key, regset[k], regv[k]);
			} else if (r == 2) {
				long v = (long)dt_rng_below(&rng, (uint64_t)V);

				g->f = "write";
				g->arg = reg_val(key, true, v);
				g->res = json_incref(g->arg);
				if (apply) {
					regv[k] = v;
					regset[k] = true;
				}
			} else {
				long a = (long)dt_rng_below(&rng, (uint64_t)V);
				long b = (long)dt_rng_below(&rng, (uint64_t)V);

				g->f = "cas";
				g->arg = json_pack("{sss[ii]}", "key", key, "value", a, b);
				g->res = json_incref(g->arg);
				if (!regset[k] || regv[k] != a) {
					g->type = DT_OP_FAIL;
				} else if (apply) {
					regv[k] = b;
				}
			}
			break;
		case GEN_KV: {
			snprintf(key, sizeof(key), "k%d", k);
			g->key = strdup(key);
			if (r < 2) {
				g->f = "get";
				g->arg = json_null();
				g->res = json_string(kvs[k]);
			} else {
				char v[48];
				char *nv = NULL;

				snprintf(v, sizeof(v), "%c%llu;", r == 2 ? 'p' : 'a',
					 (unsigned long long)dt_rng_below(&rng, (uint64_t)V));
				g->f = r == 2 ? "put" : "append";
				g->arg = json_string(v);
				g->res = json_string(v);
				if (apply) {
					if (r == 2)
						nv = strdup(v);
					else if (asprintf(&nv, "%s%s", kvs[k], v) < 0)
						nv = NULL;
					if (nv == NULL)
						goto fail;
					free(kvs[k]);
					kvs[k] = nv;
				}
			}
			break;
		}
		case GEN_BANK:
			if (r < 2) {
				g->f = "read";
				g->arg = json_null();
				g->res = json_array();
				for (int a = 0; a < A; a++)
					json_array_append_new(g->res, json_integer(bal[a]));
			} else {
				int from = (int)dt_rng_below(&rng, (uint64_t)A);
				int to = (int)dt_rng_below(&rng, (uint64_t)A - 1);
				long amount = 1 + (long)dt_rng_below(&rng, 40);

				if (to >= from)
					to++;
				g->f = "transfer";
				g->arg = json_pack("{sisisi}", "from", from, "to", to,
						   "amount", (int)amount);
				g->res = json_incref(g->arg);
				if (bal[from] < amount) {
					g->type = DT_OP_FAIL;
				} else if (apply) {
					bal[from] -= amount;
					bal[to] += amount;
				}
			}
			break;
		case GEN_SET:
			if (r < 2) {
				g->f = "read";
				g->arg = json_null();
				g->res = json_array();
				for (size_t j = ncoll; j-- > 0;)
					json_array_append_new(g->res, json_integer(coll[j]));
			} else {
				g->f = "add";
				g->arg = json_integer((json_int_t)i);
				g->res = json_incref(g->arg);
				if (apply)
					coll[ncoll++] = (long)i;
			}
			break;
		case GEN_QUEUE:
			if (r < 2) {
				g->f = "dequeue";
				g->arg = json_null();
				if (qhead < ncoll) {
					g->res = json_integer(coll[qhead]);
					if (apply)
						qhead++;
				} else {
					g->res = json_null();
				}
			} else {
				g->f = "enqueue";
				g->arg = json_integer((json_int_t)i);
				g->res = json_incref(g->arg);
				if (apply)
					coll[ncoll++] = (long)i;
			}
			break;
		}
		if (unknown && g->type != DT_OP_FAIL) {
			g->type = DT_OP_INFO;
			json_decref(g->res);
			g->res = NULL;
		}
		ev[2 * i] = (gev){ g->t_call, i, 0 };
		ev[2 * i + 1] = (gev){ g->t_ret, i, 1 };
	}
	if (o->model == GEN_KV && o->bad > 0 && corrupt_gets(ops, n, K, o->bad) != 0)
		goto fail;
	qsort(ev, 2 * n, sizeof(*ev), ev_cmp);
	h->ops = calloc(2 * n + 1, sizeof(*h->ops));
	if (h->ops == NULL)
		goto fail;
	for (size_t j = 0; j < 2 * n; j++) {
		gop *g = &ops[ev[j].op];
		dt_op *d = &h->ops[h->count];

		d->index = (int64_t)h->count++;
		d->time = ev[j].t;
		d->process = g->process;
		d->type = ev[j].ret ? g->type : DT_OP_INVOKE;
		d->f = strdup(g->f);
		d->key = g->key ? strdup(g->key) : NULL;
		d->value = json_incref(ev[j].ret ? g->res : g->arg);
	}
	goto out;
fail:
	dt_history_free(h);
	h = NULL;
out:
	for (size_t i = 0; ops && i < n; i++) {
		free(ops[i].key);
		json_decref(ops[i].arg);
		json_decref(ops[i].res);
	}
	for (int k = 0; kvs && k < K; k++)
		free(kvs[k]);
	free(ops);
	free(ev);
	free(regv);
	free(regset);
	free(kvs);
	free(bal);
	free(coll);
	return h;
}
