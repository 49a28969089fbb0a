/* SPDX-License-Identifier: MIT */
/*
 * explain.c: turn a violated partition's search result into words (JSON)
 * and a picture (one self-contained HTML file, no network).
 *
 * The page only draws a window of about a hundred operations around the
 * one that could not be placed and counts the rest, so that it stays a
 * few hundred kilobytes for any history size.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

#define WINDOW_BEFORE 60
#define WINDOW_AFTER 40
#define MAX_CANDIDATES 10
#define PREFIX_TAIL 5

static char *describe_op(const lz_ctx *ctx, const lz_part *p, size_t id)
{
	char *s = ctx->mt->describe_op ? ctx->mt->describe_op(ctx->model, LZ_MOP(ctx, p, id)) : NULL;

	return s ? s : strdup("?");
}

static char *describe_state(const lz_ctx *ctx, const dt_model_buf *b)
{
	char *s = ctx->mt->describe_state ?
		  ctx->mt->describe_state(ctx->model, b->data, b->len) : NULL;

	return s ? s : strdup("?");
}

void lz_expl_clear(lz_expl *x)
{
	if (x->p != NULL)
		for (size_t i = 0; i < x->p->n; i++) {
			if (x->after)
				free(x->after[i]);
			if (x->desc)
				free(x->desc[i]);
		}
	free(x->order);
	free(x->after);
	free(x->desc);
	free(x->in_window);
	free(x->cand);
	free(x->legal);
	free(x->state);
	memset(x, 0, sizeof(*x));
}

int lz_explain(const lz_ctx *ctx, const lz_part *p, bool full, lz_expl *x)
{
	dt_model_buf st = { 0 }, next = { 0 };
	char err[DT_ERRBUF_SIZE];
	size_t n = p->n;
	int64_t bret = INT64_MAX;

	memset(x, 0, sizeof(*x));
	x->p = p;
	x->blocked = -1;
	x->order = calloc(n + 1, sizeof(*x->order));
	x->after = calloc(n + 1, sizeof(*x->after));
	x->desc = calloc(n + 1, sizeof(*x->desc));
	x->in_window = calloc(n + 1, sizeof(*x->in_window));
	x->cand = calloc(n + 1, sizeof(*x->cand));
	x->legal = calloc(n + 1, sizeof(*x->legal));
	if (!x->order || !x->after || !x->desc || !x->in_window || !x->cand || !x->legal)
		goto fail;
	for (size_t i = 0; i < p->nbest; i++)
		x->order[p->best[i]] = (uint32_t)i + 1;
	/* The op that blocks: the unplaced known op that returns first. */
	for (size_t i = 0; i < p->nknown; i++)
		if (x->order[i] == 0 && p->ops[i].ret < bret) {
			bret = p->ops[i].ret;
			x->blocked = (int64_t)i;
		}
	/* The window: known ids around it, and what was called meanwhile. */
	{
		size_t b = x->blocked >= 0 ? (size_t)x->blocked : 0;

		x->lo = b > WINDOW_BEFORE ? b - WINDOW_BEFORE : 0;
		x->hi = b + WINDOW_AFTER < p->nknown ? b + WINDOW_AFTER : p->nknown;
		x->pos_lo = x->lo < p->nknown ? p->ops[x->lo].call : 0;
		x->pos_hi = x->hi > x->lo ? p->ops[x->hi - 1].call : x->pos_lo;
		for (size_t i = x->lo; i < x->hi; i++) {
			x->in_window[i] = true;
			if (p->ops[i].ret > x->pos_hi)
				x->pos_hi = p->ops[i].ret;
		}
		for (size_t i = p->nknown; i < n; i++)
			if (p->ops[i].call >= x->pos_lo && p->ops[i].call <= x->pos_hi)
				x->in_window[i] = true;
		/* the prefix's last ops belong in the picture too */
		for (size_t i = p->nbest > PREFIX_TAIL ? p->nbest - PREFIX_TAIL : 0;
		     i < p->nbest; i++)
			x->in_window[p->best[i]] = true;
	}
	/* Replay the prefix. */
	if (ctx->mt->init(ctx->model, &st, err) != 0)
		goto fail;
	for (size_t i = 0; i < p->nbest; i++) {
		uint32_t id = p->best[i];
		dt_step r;

		next.len = 0;
		r = ctx->mt->step(ctx->model, st.data, st.len, LZ_MOP(ctx, p, id), &next);
		if (r == DT_STEP_NEW) {
			dt_model_buf t = st;

			if (next.data == NULL)
				goto fail;
			st = next;
			next = t;
		}
		if (full ? x->in_window[id] : i + PREFIX_TAIL >= p->nbest)
			x->after[id] = describe_state(ctx, &st);
	}
	x->state = describe_state(ctx, &st);
	/* Candidates: unplaced ops called before the blocked op returned. */
	for (size_t i = 0; i < n; i++) {
		if (x->order[i] != 0 || p->ops[i].call > bret)
			continue;
		x->cand[i] = true;
		next.len = 0;
		x->legal[i] = ctx->mt->step(ctx->model, st.data, st.len,
					    LZ_MOP(ctx, p, i), &next) != DT_STEP_ILLEGAL;
		x->in_window[i] = true;
	}
	/* the words: for the page, every op shown; else what the JSON says */
	for (size_t i = 0; i < n; i++)
		if (full ? x->in_window[i] : x->cand[i] || (int64_t)i == x->blocked)
			x->desc[i] = describe_op(ctx, p, i);
	for (size_t i = p->nbest > PREFIX_TAIL ? p->nbest - PREFIX_TAIL : 0;
	     !full && i < p->nbest; i++)
		x->desc[p->best[i]] = describe_op(ctx, p, p->best[i]);
	free(st.data);
	free(next.data);
	return 0;
fail:
	free(st.data);
	free(next.data);
	lz_expl_clear(x);
	return -1;
}

static json_t *op_json(const lz_expl *x, size_t id)
{
	const lz_op *o = &x->p->ops[id];
	json_t *j = json_object();

	/* set one by one: json_pack parses its format every time */
	json_object_set_new_nocheck(j, "index", json_integer((json_int_t)o->call));
	json_object_set_new_nocheck(j, "process", json_integer((json_int_t)o->process));
	json_object_set_new_nocheck(j, "op", json_string(x->desc[id] ? x->desc[id] : "?"));
	if (o->ret != LZ_UNKNOWN_RET)
		json_object_set_new_nocheck(j, "return-index", json_integer(o->ret));
	return j;
}

json_t *lz_expl_json(const lz_ctx *ctx, const lz_expl *x)
{
	const lz_part *p = x->p;
	json_t *j = json_object(), *tail = json_array(), *cands = json_array();
	size_t nc = 0;

	(void)ctx;
	json_object_set_new_nocheck(j, "key", p->key && p->key[0] ? json_string(p->key) : json_null());
	json_object_set_new_nocheck(j, "ops", json_integer((json_int_t)p->n));
	json_object_set_new_nocheck(j, "linearizable-prefix", json_integer((json_int_t)p->nbest));
	for (size_t i = p->nbest > PREFIX_TAIL ? p->nbest - PREFIX_TAIL : 0;
	     i < p->nbest; i++) {
		json_t *o = op_json(x, p->best[i]);

		json_object_set_new_nocheck(o, "state-after", json_string(
			x->after[p->best[i]] ? x->after[p->best[i]] : "?"));
		json_array_append_new(tail, o);
	}
	json_object_set_new_nocheck(j, "prefix-tail", tail);
	json_object_set_new_nocheck(j, "state", json_string(x->state ? x->state : "?"));
	if (x->blocked >= 0) {
		json_t *b = op_json(x, (size_t)x->blocked);

		json_object_set_new_nocheck(b, "legal-here",
				    json_boolean(x->legal[x->blocked]));
		json_object_set_new_nocheck(j, "unplaced", b);
	}
	for (size_t i = 0; i < p->n && nc < MAX_CANDIDATES; i++)
		if (x->cand[i]) {
			json_t *o = op_json(x, i);

			json_object_set_new_nocheck(o, "legal-here", json_boolean(x->legal[i]));
			json_array_append_new(cands, o);
			nc++;
		}
	json_object_set_new_nocheck(j, "candidates", cands);
	return j;
}

/* ---- HTML ------------------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static int proc_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int lz_html_write(const char *path, const char *model, const lz_expl *x,
		  char *err)
{
	const lz_part *p = x->p;
	FILE *f = fopen(path, "w");
	int64_t *procs = NULL, lo = INT64_MAX, hi = INT64_MIN;
	size_t np = 0, shown = 0;
	const double W = 1100, ROW = 26, LEFT = 70;
	double scale;

	if (f == NULL)
		return dt_fail(err, "cannot write %s: %m", path);
	procs = calloc(p->n + 1, sizeof(*procs));
	if (procs == NULL) {
		fclose(f);
		return dt_fail(err, "out of memory");
	}
	for (size_t i = 0; i < p->n; i++) {
		const lz_op *o = &p->ops[i];

		if (!x->in_window[i])
			continue;
		shown++;
		procs[np++] = o->process;
		if (o->call < lo)
			lo = o->call;
		if (o->ret != LZ_UNKNOWN_RET && o->ret > hi)
			hi = o->ret;
		if (o->call > hi)
			hi = o->call;
	}
	qsort(procs, np, sizeof(*procs), proc_cmp);
	{
		size_t k = 0;

		for (size_t i = 0; i < np; i++)
			if (k == 0 || procs[k - 1] != procs[i])
				procs[k++] = procs[i];
		np = k;
	}
	if (hi <= lo)
		hi = lo + 1;
	hi += (hi - lo) / 20 + 1;   /* room for ops of unknown outcome */
	scale = (W - LEFT - 10) / (double)(hi - lo);

	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<title>DT linearizability: not linearizable</title><style>"
		"body{font:13px sans-serif;margin:16px}"
		"rect.op{fill:#9ecae1;stroke:#3182bd}rect.lin{fill:#a1d99b;stroke:#31a354}"
		"rect.bad{fill:#fb6a4a;stroke:#a50f15;stroke-width:2}"
		"rect.cand{fill:#fdd0a2;stroke:#e6550d}rect.unk{fill:#ddd;stroke:#888;stroke-dasharray:3}"
		"text{font:11px monospace}td,th{padding:1px 8px;text-align:left}"
		"tr.bad{background:#fcbba1}</style></head><body>\n");
	fprintf(f, "<h2>Not linearizable</h2><p>Model <b>");
	esc(f, model);
	fprintf(f, "</b>, partition <b>");
	esc(f, p->key && p->key[0] ? p->key : "(whole history)");
	fprintf(f, "</b>: %zu operations; the longest linearizable prefix found "
		"holds %zu of them. Shown: %zu operations around the one that "
		"cannot be placed (history positions %" PRId64 "..%" PRId64
		"); %zu not shown.</p>\n", p->n, p->nbest, shown, lo, hi, p->n - shown);
	if (x->blocked >= 0) {
		fprintf(f, "<p>Cannot be placed: <b>");
		esc(f, x->desc[x->blocked]);
		fprintf(f, "</b> (process %" PRId64 ", called at %" PRId64
			", returned at %" PRId64 ") in state <b>",
			p->ops[x->blocked].process, p->ops[x->blocked].call,
			p->ops[x->blocked].ret);
		esc(f, x->state);
		fprintf(f, "</b>.</p>\n");
	}
	fprintf(f, "<p>Bars: green linearized (number = place in the order, hover "
		"for the state after it), red the op that cannot be placed, orange "
		"other candidates, grey dashed unknown outcome (returns at the end), "
		"blue not reached.</p>\n");
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		W, ROW * (double)(np + 1) + 10);
	for (size_t k = 0; k < np; k++)
		fprintf(f, "<text x=\"2\" y=\"%.0f\">p%" PRId64 "</text>\n",
			ROW * (double)k + 18, procs[k]);
	for (size_t i = 0; i < p->n; i++) {
		const lz_op *o = &p->ops[i];
		const char *cls;
		size_t row = 0;
		double x0, x1;

		if (!x->in_window[i])
			continue;
		while (row < np && procs[row] != o->process)
			row++;
		x0 = LEFT + (double)(o->call - lo) * scale;
		x1 = LEFT + (double)((o->ret == LZ_UNKNOWN_RET ? hi : o->ret) - lo) * scale;
		if (x1 - x0 < 4)
			x1 = x0 + 4;
		cls = (int64_t)i == x->blocked ? "bad" : x->cand[i] ? "cand" :
		      x->order[i] ? "lin" : o->ret == LZ_UNKNOWN_RET ? "unk" : "op";
		fprintf(f, "<g><title>");
		esc(f, x->desc[i]);
		fprintf(f, "\nprocess %" PRId64 ", positions %" PRId64 "..", o->process, o->call);
		if (o->ret == LZ_UNKNOWN_RET)
			fprintf(f, "end (unknown outcome)");
		else
			fprintf(f, "%" PRId64, o->ret);
		if (x->order[i]) {
			fprintf(f, "\nlinearized #%u, state after: ", x->order[i]);
			esc(f, x->after[i] ? x->after[i] : "?");
		}
		if (x->cand[i])
			fprintf(f, "\ncandidate: %s in state %s", x->legal[i] ?
				"legal" : "illegal", "after the prefix");
		fprintf(f, "</title><rect class=\"%s\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\" rx=\"3\"/>", cls, x0, ROW * (double)row + 4,
			x1 - x0, ROW - 8);
		if (x->order[i])
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\">%u</text>", x0 + 2,
				ROW * (double)row + 17, x->order[i]);
		fprintf(f, "</g>\n");
	}
	fprintf(f, "</svg>\n<h3>End of the longest linearizable prefix</h3>"
		"<table><tr><th>#</th><th>process</th><th>op</th><th>state after</th></tr>\n");
	for (size_t k = p->nbest > 30 ? p->nbest - 30 : 0; k < p->nbest; k++) {
		uint32_t id = p->best[k];

		fprintf(f, "<tr><td>%zu</td><td>%" PRId64 "</td><td>", k + 1,
			p->ops[id].process);
		esc(f, x->desc[id] ? x->desc[id] : "?");
		fprintf(f, "</td><td>");
		esc(f, x->after[id] ? x->after[id] : "?");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n<h3>Candidates after it</h3><table>"
		"<tr><th>process</th><th>op</th><th>legal in that state</th></tr>\n");
	for (size_t i = 0; i < p->n; i++)
		if (x->cand[i]) {
			fprintf(f, "<tr%s><td>%" PRId64 "</td><td>",
				(int64_t)i == x->blocked ? " class=\"bad\"" : "",
				p->ops[i].process);
			esc(f, x->desc[i]);
			fprintf(f, "</td><td>%s</td></tr>\n", x->legal[i] ? "yes" : "no");
		}
	fprintf(f, "</table></body></html>\n");
	free(procs);
	if (fclose(f) != 0)
		return dt_fail(err, "cannot write %s: %m", path);
	return 0;
}
