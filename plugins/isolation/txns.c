/*
 * txns.c: a DT history into transactions.  Invokes are paired with their
 * completions by process; an ok transaction takes its micro-ops from the
 * completion (the reads filled in), a failed or indeterminate one from
 * its invoke.  A completion with no invoke (a history of completions
 * only, as hand-written EDN often is) is a transaction of its own; an
 * invoke that never completed is indeterminate.  Operations that are not
 * transactions (nemesis events, other f) are skipped and counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>
#include <dt/map.h>

#include "iso.h"

int64_t iso_txn_name(const iso_history *h, uint32_t t)
{
	const iso_txn *x = &h->txns[t];

	return x->complete >= 0 ? x->complete : x->invoke;
}

/* The id of the key k (an integer or a string), interned. */
static int key_id(iso_history *h, const json_t *k, uint32_t *id)
{
	char text[32], *s;
	const char *name;
	size_t len;
	void **slot;
	bool made;

	if (json_is_integer(k)) {
		len = (size_t)snprintf(text, sizeof(text), "%lld",
				       (long long)json_integer_value(k));
		name = text;
	} else if (json_is_string(k)) {
		name = json_string_value(k);
		len = json_string_length(k);
	} else {
		return -1;
	}
	slot = dt_map_slot(h->key_ids, name, len, &made);
	if (slot == NULL)
		return -2;
	if (!made) {
		*id = (uint32_t)((uintptr_t)*slot - 1);
		return 0;
	}
	if (dt_grow(&h->keys, &h->cap_keys, h->nkeys + 1, sizeof(char *)) != 0 ||
	    (s = strndup(name, len)) == NULL) {
		dt_map_del(h->key_ids, name, len);
		return -2;
	}
	h->keys[h->nkeys] = s;
	*id = (uint32_t)h->nkeys++;
	*slot = (void *)(uintptr_t)h->nkeys;
	return 0;
}

static int mop_fail(char *err, const dt_op *op, size_t i, const char *what)
{
	return dt_fail(err, "op %lld: micro-op %zu: %s", (long long)op->index, i + 1,
		       what);
}

/* The micro-ops of op's value appended to h; ok: the reads must be
 * filled in (or null). */
static int read_mops(iso_history *h, const dt_op *op, iso_txn *t, char *err)
{
	const json_t *v = op->value;
	size_t i, n;

	if (!json_is_array(v))
		return dt_fail(err, "op %lld: a txn's value must be a list of "
			       "micro-ops", (long long)op->index);
	n = json_array_size(v);
	if (dt_grow(&h->mops, &h->cap_mops, h->nmops + n, sizeof(iso_mop)) != 0)
		return dt_fail(err, "out of memory");
	t->mop = (uint32_t)h->nmops;
	t->nmops = (uint32_t)n;
	t->value = v;
	for (i = 0; i < n; i++) {
		const json_t *m = json_array_get(v, i), *x;
		const char *f = json_string_value(json_array_get(m, 0));
		iso_mop *mop = &h->mops[h->nmops + i];
		int rc;

		memset(mop, 0, sizeof(*mop));
		if (!json_is_array(m) || json_array_size(m) != 3 || f == NULL)
			return mop_fail(err, op, i, "expected [f, key, value]");
		if (strcmp(f, "r") == 0)
			mop->f = MOP_READ;
		else if (strcmp(f, "append") == 0 && h->model == MODEL_LIST_APPEND)
			mop->f = MOP_APPEND;
		else if (strcmp(f, "w") == 0 && h->model == MODEL_RW_REGISTER)
			mop->f = MOP_WRITE;
		else
			return mop_fail(err, op, i, h->model == MODEL_LIST_APPEND ?
				"f must be \"append\" or \"r\" (list-append)" :
				"f must be \"w\" or \"r\" (rw-register)");
		rc = key_id(h, json_array_get(m, 1), &mop->key);
		if (rc == -1)
			return mop_fail(err, op, i, "the key must be an integer or a string");
		if (rc < 0)
			return dt_fail(err, "out of memory");
		x = json_array_get(m, 2);
		if (mop->f != MOP_READ) {
			if (!json_is_integer(x))
				return mop_fail(err, op, i, "the value written must be "
						"an integer");
			mop->value = json_integer_value(x);
		} else if (json_is_null(x) || t->status != TXN_OK) {
			mop->null = 1; /* an invoke's read, or nothing there */
		} else if (h->model == MODEL_RW_REGISTER) {
			if (!json_is_integer(x))
				return mop_fail(err, op, i, "a register read must be "
						"an integer or null");
			mop->value = json_integer_value(x);
		} else {
			size_t j, len;

			if (!json_is_array(x))
				return mop_fail(err, op, i, "a list read must be a "
						"list of integers or null");
			len = json_array_size(x);
			if (dt_grow(&h->pool, &h->cap_pool, h->npool + len,
				    sizeof(int64_t)) != 0)
				return dt_fail(err, "out of memory");
			mop->off = (uint32_t)h->npool;
			mop->len = (uint32_t)len;
			for (j = 0; j < len; j++) {
				const json_t *e = json_array_get(x, j);

				if (!json_is_integer(e))
					return mop_fail(err, op, i, "a list read must "
							"hold integers");
				h->pool[h->npool++] = json_integer_value(e);
			}
			if (len == 0)
				mop->null = 1;
		}
	}
	h->nmops += n;
	return 0;
}

static iso_txn *new_txn(iso_history *h, char *err)
{
	iso_txn *t;

	if (dt_grow(&h->txns, &h->cap_txns, h->ntxns + 1, sizeof(iso_txn)) != 0) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	t = &h->txns[h->ntxns++];
	memset(t, 0, sizeof(*t));
	t->invoke = t->complete = -1;
	return t;
}

/* process -> index of its pending invoke + 1 */
static int pending_put(dt_map *m, int64_t process, size_t i)
{
	return dt_map_put(m, &process, sizeof(process), (void *)(uintptr_t)(i + 1));
}

int iso_history_read(const dt_history *dh, iso_model model, iso_history *h,
		     char *err)
{
	dt_map *pending = dt_map_new();
	size_t i, iter = 0;
	const void *k;
	size_t klen;
	void *val;

	memset(h, 0, sizeof(*h));
	h->model = model;
	h->key_ids = dt_map_new();
	if (pending == NULL || h->key_ids == NULL) {
		dt_map_free(pending, NULL);
		return dt_fail(err, "out of memory");
	}
	for (i = 0; i < dh->count; i++) {
		const dt_op *op = &dh->ops[i];
		iso_txn *t;
		void *p;

		if (op->process == DT_PROCESS_NEMESIS || op->f == NULL ||
		    strcmp(op->f, "txn") != 0) {
			h->skipped++;
			continue;
		}
		if (op->type == DT_OP_INVOKE) {
			if (pending_put(pending, op->process, i) != 0)
				goto nomem;
			continue;
		}
		p = dt_map_del(pending, &op->process, sizeof(op->process));
		t = new_txn(h, err);
		if (t == NULL)
			goto fail;
		t->process = op->process;
		t->complete = op->index;
		t->status = op->type == DT_OP_OK ? TXN_OK :
			    op->type == DT_OP_FAIL ? TXN_FAIL : TXN_INFO;
		if (p != NULL)
			t->invoke = dh->ops[(uintptr_t)p - 1].index;
		else
			t->no_process = 1;
		/* ok: what it read; fail, info: what it meant to do */
		if (read_mops(h, op->type == DT_OP_OK || p == NULL ? op :
			      &dh->ops[(uintptr_t)p - 1], t, err) != 0)
			goto fail;
	}
	/* invokes never completed: indeterminate */
	while (dt_map_next(pending, &iter, &k, &klen, &val)) {
		const dt_op *op = &dh->ops[(uintptr_t)val - 1];
		iso_txn *t = new_txn(h, err);

		if (t == NULL)
			goto fail;
		t->process = op->process;
		t->invoke = op->index;
		t->status = TXN_INFO;
		if (read_mops(h, op, t, err) != 0)
			goto fail;
	}
	dt_map_free(pending, NULL);
	return 0;
nomem:
	dt_fail(err, "out of memory");
fail:
	dt_map_free(pending, NULL);
	iso_history_free(h);
	return -1;
}

void iso_history_free(iso_history *h)
{
	for (size_t i = 0; i < h->nkeys; i++)
		free(h->keys[i]);
	free(h->keys);
	dt_map_free(h->key_ids, NULL);
	free(h->txns);
	free(h->mops);
	free(h->pool);
	memset(h, 0, sizeof(*h));
}

json_t *iso_txn_json(const iso_history *h, uint32_t t)
{
	const iso_txn *x = &h->txns[t];
	static const char *const st[] = { "ok", "info", "fail" };

	return json_pack("{sIsIsssO?}", "index", (json_int_t)iso_txn_name(h, t),
			 "process", (json_int_t)x->process, "type", st[x->status],
			 "value", (json_t *)x->value);
}
