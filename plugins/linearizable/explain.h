/* SPDX-License-Identifier: MIT */
/*
 * explain.h: what a violation looks like, for results.json and the
 * HTML visualization: the longest linearizable prefix the search found,
 * the op that could not be placed after it, the candidates and the
 * model states.
 */
#ifndef DT_LZ_EXPLAIN_H
#define DT_LZ_EXPLAIN_H

#include "search.h"

typedef struct lz_expl {
	const lz_part *p;
	uint32_t *order;     /* by op id: 1-based place in the prefix, 0 none */
	char **after;        /* by op id: state after it (window ops only) */
	char **desc;         /* by op id: the op (window ops only) */
	bool *in_window;
	bool *cand;          /* could go next after the prefix */
	bool *legal;         /* ... and the model accepts it there */
	int64_t blocked;     /* op id that must be placed and cannot, or -1 */
	char *state;         /* state after the prefix */
	size_t lo, hi;       /* window: known ids [lo, hi) */
	int64_t pos_lo, pos_hi;
} lz_expl;

/* Replay the best prefix of a violated partition; full: describe every
 * op of the window (for the page), else only those the JSON names.
 * 0, or -1 (memory). */
int lz_explain(const lz_ctx *ctx, const lz_part *p, bool full, lz_expl *x);
void lz_expl_clear(lz_expl *x);

/* The JSON details of a violation. */
json_t *lz_expl_json(const lz_ctx *ctx, const lz_expl *x);

/* Write the self-contained HTML page.  0, or -1 with err. */
int lz_html_write(const char *path, const char *model, const lz_expl *x,
		  char *err);

#endif
