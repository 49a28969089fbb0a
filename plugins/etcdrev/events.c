/*
 * events.c: what a history's writes say about the events a watcher may
 * see: the writes acknowledged with their revision (put, a delete that
 * deleted, a txn that succeeded, a revoke), and those of unknown
 * outcome, which may have made an event at any revision after their
 * call.  The watch checker matches every event a watcher reports
 * against them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "etcdrev.h"
#include "watch.h"

static int add(wc_writes *w, const wc_write *one)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		wc_write *d = realloc(w->all, cap * sizeof(*d));

		if (d == NULL)
			return -1;
		w->all = d;
		w->cap = cap;
	}
	w->all[w->n++] = *one;
	return 0;
}

static int by_rev(const void *a, const void *b)
{
	const wc_write *x = a, *y = b;

	return (x->rev > y->rev) - (x->rev < y->rev);
}

int wc_writes_build(const dt_history *h, wc_writes *w, char *err)
{
	dt_map *pending = dt_map_new();

	memset(w, 0, sizeof(*w));
	if (pending == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		const dt_op *call;
		const json_t *in, *res;
		wc_write one = { 0 };
		char pk[32];

		if (op->process == DT_PROCESS_NEMESIS || op->f == NULL)
			continue;
		snprintf(pk, sizeof(pk), "%lld", (long long)op->process);
		if (op->type == DT_OP_INVOKE) {
			dt_map_puts(pending, pk, (void *)op);
			continue;
		}
		call = dt_map_del(pending, pk, strlen(pk));
		if (call == NULL || op->type == DT_OP_FAIL)
			continue;
		in = call->value;
		res = op->value;
		one.key = json_string_value(json_object_get(in, "key"));
		one.value = json_string_value(json_object_get(in, "value"));
		one.lease = json_integer_value(json_object_get(in, "lease"));
		one.index = call->index;
		one.known = op->type == DT_OP_OK;
		one.rev = one.known ? json_integer_value(json_object_get(res, "rev")) : 0;
		if (strcmp(op->f, "put") == 0) {
			one.type = WC_PUT;
		} else if (strcmp(op->f, "txn") == 0) {
			if (one.known && !json_is_true(json_object_get(res, "succeeded")))
				continue;
			one.type = WC_PUT;
			one.lease = 0;
		} else if (strcmp(op->f, "delete") == 0) {
			if (one.known && json_integer_value(json_object_get(res,
							    "deleted")) == 0)
				continue;
			one.type = WC_DELETE;
			one.value = NULL;
		} else if (strcmp(op->f, "revoke") == 0) {
			one.type = WC_REVOKE;
			one.key = one.value = NULL;
		} else {
			continue;
		}
		if (one.known && one.rev <= 0)
			continue; /* no revision reported: nothing to match */
		if (add(w, &one) != 0) {
			dt_map_free(pending, NULL);
			wc_writes_free(w);
			return dt_fail(err, "out of memory");
		}
	}
	/* Calls never completed (the run ended) may have happened. */
	{
		size_t it = 0;
		const void *k;
		size_t kl;
		void *v;

		while (dt_map_next(pending, &it, &k, &kl, &v)) {
			const dt_op *call = v;
			wc_write one = { .index = call->index };

			one.key = json_string_value(json_object_get(call->value, "key"));
			one.value = json_string_value(json_object_get(call->value, "value"));
			one.lease = json_integer_value(json_object_get(call->value, "lease"));
			if (strcmp(call->f, "put") == 0 || strcmp(call->f, "txn") == 0)
				one.type = WC_PUT;
			else if (strcmp(call->f, "delete") == 0)
				one.type = WC_DELETE, one.value = NULL;
			else if (strcmp(call->f, "revoke") == 0)
				one.type = WC_REVOKE, one.key = one.value = NULL;
			else
				continue;
			if (add(w, &one) != 0) {
				dt_map_free(pending, NULL);
				wc_writes_free(w);
				return dt_fail(err, "out of memory");
			}
		}
	}
	dt_map_free(pending, NULL);
	/* known writes first, by revision; then the unknown ones */
	{
		size_t k = 0;

		for (size_t i = 0; i < w->n; i++)
			if (w->all[i].known) {
				wc_write t = w->all[k];

				w->all[k++] = w->all[i];
				w->all[i] = t;
			}
		w->nknown = k;
		qsort(w->all, k, sizeof(*w->all), by_rev);
	}
	return 0;
}

void wc_writes_free(wc_writes *w)
{
	free(w->all);
	memset(w, 0, sizeof(*w));
}

const wc_write *wc_writes_at(const wc_writes *w, int64_t rev, size_t *n)
{
	size_t lo = 0, hi = w->nknown;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->all[mid].rev < rev)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	while (lo + *n < w->nknown && w->all[lo + *n].rev == rev)
		(*n)++;
	return *n ? &w->all[lo] : NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

bool wc_write_explains(const wc_write *w, const wc_event *e)
{
	switch (w->type) {
	case WC_PUT:
		return e->type == WC_PUT && str_eq(w->key, e->key) &&
		       str_eq(w->value, e->value);
	case WC_DELETE:
		return e->type == WC_DELETE && str_eq(w->key, e->key);
	case WC_REVOKE:
		/* the keys a revoke deletes are those put with its lease */
		return e->type == WC_DELETE && (e->prev_lease == 0 ||
						e->prev_lease == w->lease);
	}
	return false;
}
