/*
 * order.c: the orders a strong model adds to the data dependencies.
 *
 *   process   T1 -> T2  the same process ran T1, then T2
 *   realtime  T1 -> T2  T1 completed before T2 was invoked
 *
 * Real time is the history's order (its index), so histories without
 * times are fine.  Its edges are kept few by a frontier: T2 gets edges
 * only from the transactions that completed before it began and are not
 * already before another such one; every other earlier one reaches T2
 * through those.  That is about concurrency edges a transaction, not
 * one per earlier transaction.  Transactions without an invoke (a history
 * of completions only) have no known interval: no real-time edges.
 */
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>
#include <dt/map.h>

#include "iso.h"

typedef struct event {
	int64_t at;     /* history index */
	uint32_t txn;
	uint8_t done;   /* completion, else invoke */
} event;

static int cmp_event(const void *p, const void *q)
{
	const event *x = p, *y = q;

	return x->at < y->at ? -1 : x->at > y->at;
}

typedef struct front {
	uint32_t txn;
	int64_t added;  /* when it joined the frontier (its completion) */
} front;

static int realtime(const iso_history *h, iso_graph *g)
{
	event *ev = malloc((2 * h->ntxns + 1) * sizeof(event));
	front *f = NULL;
	size_t nev = 0, nf = 0, capf = 0;
	int rc = -1;

	if (ev == NULL)
		return -1;
	for (uint32_t t = 0; t < h->ntxns; t++) {
		const iso_txn *x = &h->txns[t];

		if (x->status == TXN_FAIL || x->invoke < 0)
			continue;
		ev[nev++] = (event){ x->invoke, t, 0 };
		if (x->status == TXN_OK && x->complete >= 0)
			ev[nev++] = (event){ x->complete, t, 1 };
	}
	qsort(ev, nev, sizeof(event), cmp_event);
	for (size_t i = 0; i < nev; i++) {
		uint32_t t = ev[i].txn;

		if (!ev[i].done) {
			for (size_t j = 0; j < nf; j++)
				if (iso_graph_add(g, f[j].txn, t, E_RT) != 0)
					goto out;
			continue;
		}
		/* t completes: what joined before t began now reaches t */
		{
			int64_t began = h->txns[t].invoke;
			size_t w = 0;

			for (size_t j = 0; j < nf; j++)
				if (f[j].added > began)
					f[w++] = f[j];
			nf = w;
			if (dt_grow(&f, &capf, nf + 1, sizeof(front)) != 0)
				goto out;
			f[nf++] = (front){ t, ev[i].at };
		}
	}
	rc = 0;
out:
	free(ev);
	free(f);
	return rc;
}

static int process(const iso_history *h, iso_graph *g)
{
	dt_map *last = dt_map_new();
	uint32_t *order = malloc((h->ntxns + 1) * sizeof(uint32_t));
	size_t n = 0;
	int rc = -1;

	if (last == NULL || order == NULL)
		goto out;
	/* txns in order of invocation */
	for (uint32_t t = 0; t < h->ntxns; t++)
		if (h->txns[t].status != TXN_FAIL && !h->txns[t].no_process)
			order[n++] = t;
	for (size_t i = 1; i < n; i++) {
		/* insertion by invoke index: txns come in completion order,
		 * nearly sorted */
		uint32_t t = order[i];
		size_t j = i;

		while (j > 0 && h->txns[order[j - 1]].invoke > h->txns[t].invoke) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t t = order[i];
		void **slot;
		bool made;

		slot = dt_map_slot(last, &h->txns[t].process, sizeof(int64_t), &made);
		if (slot == NULL)
			goto out;
		if (!made && iso_graph_add(g, (uint32_t)(uintptr_t)*slot - 1, t,
					   E_PROC) != 0)
			goto out;
		*slot = (void *)(uintptr_t)(t + 1);
	}
	rc = 0;
out:
	dt_map_free(last, NULL);
	free(order);
	return rc;
}

int iso_order_edges(const iso_history *h, iso_graph *g)
{
	if (process(h, g) != 0)
		return -1;
	return realtime(h, g);
}
