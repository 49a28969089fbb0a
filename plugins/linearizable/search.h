/* SPDX-License-Identifier: MIT */
/*
 * search.h: the linearizability search of one partition (Wing & Gong
 * with Lowe's just-in-time linearization and memoization, as porcupine
 * does it), and the parallel driver over partitions.
 *
 * Ownership: an lz_part owns its key and best prefix (lz_part_clear),
 * not its ops array (a slice of the checker's block) nor the model ops
 * (bytes in the checker's buffer); the search owns nothing it
 * does not free before returning, except the best-prefix array it leaves
 * in the partition.
 */
#ifndef DT_LZ_SEARCH_H
#define DT_LZ_SEARCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <dt/plugin.h>

#define LZ_UNKNOWN_RET INT64_MAX

typedef struct lz_op {
	size_t op;       /* the model's compact op: its offset in ctx->opbase
			  * (prepared: see lz_ctx.prepare) */
	int64_t call;    /* history index of the invocation */
	int64_t ret;     /* history index of the completion, LZ_UNKNOWN_RET */
	int64_t process;
	/* unknown ops only: the previous unknown op of this partition that
	 * is the same operation (f, key, value), or -1.  Such ops are
	 * interchangeable, so the search only ever places the first one
	 * still pending: the linearized ones of a class stay a prefix. */
	int64_t same_prev;
} lz_op;

typedef enum lz_verdict {
	LZ_OK = 0,       /* linearizable */
	LZ_VIOLATION,    /* not linearizable */
	LZ_TIMEOUT,      /* time budget spent */
	LZ_MEMORY,       /* memory bound reached */
	LZ_STOPPED,      /* another partition failed first */
	LZ_NOMEM,        /* malloc failed */
	LZ_ERROR,        /* the model refused an op (lz_ctx.prepare) */
	LZ_DEFERRED      /* its round's step budget spent: searched again,
			  * with a bigger one, after the other partitions */
} lz_verdict;

typedef struct lz_part {
	char *key;        /* partition key, or NULL */
	lz_op *ops;       /* known ops by call, then unknown ops by call */
	size_t n;
	size_t nknown;
	bool prepared;    /* its ops are in ctx->opbase */
	/* results */
	lz_verdict verdict;
	uint32_t *best;   /* longest linearizable prefix found (op ids) */
	size_t nbest;
	uint64_t steps;   /* model steps tried */
	uint64_t cache;   /* cache entries */
	size_t mem_peak;  /* bytes at most, for this partition */
} lz_part;

typedef struct lz_ctx {
	const dt_model_type *mt;
	void *model;
	double deadline;          /* CLOCK_MONOTONIC seconds, 0: none */
	size_t mem_limit;         /* bytes over every partition, 0: none */
	atomic_size_t mem_used;
	atomic_size_t mem_peak;   /* bytes at most, all partitions */
	atomic_bool stop;
	int threads;              /* 0: one per core */
	/* Steps a search of this round may take (0: no bound): partitions
	 * are searched in rounds of growing budgets (lz_search_all), so that
	 * a hard one does not starve the others. */
	uint64_t budget;
	/* The model's ops of a partition are made when it is searched
	 * (prepare: 0, or -1 and the partition's verdict is LZ_ERROR):
	 * after a violation the other partitions are never prepared.
	 * prepare may move opbase; it runs on the calling thread only. */
	const unsigned char *opbase;
	int (*prepare)(struct lz_ctx *ctx, lz_part *p);
	void *prepare_arg;
} lz_ctx;

/* The model's op of op id of p. */
#define LZ_MOP(ctx, p, id) ((const void *)((ctx)->opbase + (p)->ops[id].op))

double lz_now(void);

/* Sort ops (known by call first, unknown by call after) and count them. */
void lz_part_order(lz_part *p);

/* Buffers a thread reuses from one partition to the next. */
typedef struct lz_ws lz_ws;
lz_ws *lz_ws_new(void);
void lz_ws_free(lz_ws *w);

/* Search one partition; sets p->verdict and the result fields. */
void lz_search(lz_ctx *ctx, lz_part *p, lz_ws *w);

/* Search every partition, in parallel when it pays, in rounds: each
 * round gives every undecided partition a step budget (growing from
 * round to round; none for the last undecided one), so that easy
 * partitions are decided before a hard one takes the time or memory;
 * stops the others at the first violation.  A partition that reaches the
 * memory bound or fails to allocate stays undecided but does not stop
 * the others: one of them may still prove a violation. */
void lz_search_all(lz_ctx *ctx, lz_part *parts, size_t nparts);

void lz_part_clear(const lz_ctx *ctx, lz_part *p);

#endif
