/* SPDX-License-Identifier: MIT */
/*
 * timeline.c: timeline.html of a run folder (see timeline.h): the page
 * core/lib/timeline.html, compiled in, with the run's data in it.
 *
 * The data stays small whatever the history: each operation is five
 * unsigned LEB128 varints (about 8 bytes): its start after the previous
 * one's and its length, in microseconds (operations are in order of
 * start), its lane, its outcome, node and operation name packed as
 * outcome | node << 2 | name << 8, and its history line after the
 * previous one's (zigzag: it may go back in an imported history);
 * base64 in the page (D.packed), which unpacks them.  Only
 * the operations an anomaly involves carry their values.  A history of
 * more than TIMELINE_MAX_OPS operations shows its first ones, and says so.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dt/buf.h>
#include <dt/plugin.h>

#include "store.h"
#include "timeline.h"
#include "timeline_page.h"   /* timeline_page[]: core/lib/timeline.html */

#define TIMELINE_MAX_OPS 2000000u

typedef struct slot {
	int64_t start, end;   /* nanoseconds; end -1 until it completes */
	uint32_t meta;        /* lane | name << 16 | outcome << 24 | node + 1 << 26 */
	uint32_t index;       /* the invoke's history index */
	size_t ret;           /* the completion's history index, or SIZE_MAX */
} slot;

typedef struct names {
	const char *name[255];
	size_t n;
} names;

/* The index of s in the table, added when new; 0 when it is full. */
static unsigned name_id(names *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->name[i], s) == 0)
			return (unsigned)i;
	if (t->n == 255)
		return 0;
	t->name[t->n] = s;
	return (unsigned)t->n++;
}

static json_t *names_json(const names *t)
{
	json_t *a = json_array();

	for (size_t i = 0; i < t->n; i++)
		json_array_append_new(a, json_string(t->name[i]));
	return a;
}

static json_t *b64_json(const void *p, size_t len)
{
	char *s = dt_base64_encode(p, len);
	json_t *v = json_string(s ? s : "");

	free(s);
	return v;
}

/* Every history index an anomaly report names: integers under "index"
 * or "return-index" anywhere in the checkers' results. */
static void collect_indexes(const json_t *v, bool named, dt_map *out)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_integer(v) && named) {
		int64_t idx = json_integer_value(v);

		dt_map_put(out, &idx, sizeof(idx), (void *)1);
		return;
	}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, e)
			collect_indexes(e, strcmp(k, "index") == 0 ||
					strcmp(k, "return-index") == 0 ||
					strcmp(k, "indexes") == 0, out);
	else if (json_is_array(v))
		json_array_foreach(v, i, e)
			collect_indexes(e, named, out);
}

/* The value an op's completion read, and the value its invoke wrote
 * (cas: what it wrote), for the lines from reads to writes. */
static const json_t *read_value(const dt_op *ret)
{
	return json_is_object(ret->value) ? json_object_get(ret->value, "value") : NULL;
}

static const json_t *written_value(const dt_op *call)
{
	const json_t *v = json_is_object(call->value) ? json_object_get(call->value, "value") : NULL;

	if (strcmp(call->f, "cas") == 0)
		return json_array_get(v, 1);
	return strcmp(call->f, "write") == 0 || strcmp(call->f, "put") == 0 ? v : NULL;
}

static const json_t *op_key(const dt_op *op)
{
	return json_is_object(op->value) ? json_object_get(op->value, "key") : NULL;
}

static int put_varint(dt_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	return dt_buf_put(b, tmp, n);
}

/* A signed step as an unsigned varint: 0, -1, 1, -2... as 0, 1, 2, 3...
 * (an imported history's lines need not be in the order of their times). */
static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* The slots (in order of start) as the page's varints (see the top). */
static int pack_slots(const slot *slots, size_t n, dt_buf *out)
{
	int64_t prev_start = 0, prev_index = 0;

	for (size_t i = 0; i < n; i++) {
		const slot *s = &slots[i];
		uint32_t m = s->meta;
		uint64_t tail = ((m >> 24) & 3) | (uint64_t)(m >> 26) << 2 |
				(uint64_t)((m >> 16) & 0xff) << 8;
		int64_t dstart = (s->start - prev_start) / 1000;
		int64_t len = (s->end - s->start) / 1000;

		/* starts are in order; the micro-seconds of each are taken
		 * from the last one's rounded value, so that no error adds up */
		if (put_varint(out, (uint64_t)(dstart > 0 ? dstart : 0)) != 0 ||
		    put_varint(out, (uint64_t)(len > 0 ? len : 0)) != 0 ||
		    put_varint(out, m & 0xffff) != 0 || put_varint(out, tail) != 0 ||
		    put_varint(out, zigzag((int64_t)s->index - prev_index)) != 0)
			return -1;
		prev_start += (dstart > 0 ? dstart : 0) * 1000;
		prev_index = s->index;
	}
	return 0;
}

static int cmp_slot(const void *a, const void *b)
{
	const slot *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->index > y->index) - (x->index < y->index);
}

static char *op_text(const dt_history *h, const slot *s)
{
	char *call = json_dumps(h->ops[s->index].value, JSON_COMPACT | JSON_ENCODE_ANY);
	char *ret = s->ret != SIZE_MAX ?
		json_dumps(h->ops[s->ret].value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	char *t = dt_strdupf("%.200s -> %.200s%s%s", call ? call : "null",
			     ret ? ret : "(no completion)",
			     s->ret != SIZE_MAX && h->ops[s->ret].error ? "  " : "",
			     s->ret != SIZE_MAX && h->ops[s->ret].error ?
			     h->ops[s->ret].error : "");

	free(call);
	free(ret);
	return t;
}

/* The shortest failing prefix the core found (results "minimal", the
 * checker's "minimal" report), as the line the page draws; NULL when
 * there is none (a valid run, or a checker that made its own). */
static json_t *cut_json(const json_t *results)
{
	const json_t *which = json_object_get(results, "minimal");
	const char *name = json_string_value(json_object_get(which, "checker"));
	const json_t *rep = name ? json_object_get(json_object_get(json_object_get(
				  results, "checkers"), name), "minimal") : NULL;
	const json_t *until = json_object_get(rep, "until");
	char text[200];

	if (!json_is_number(until))
		return NULL;
	snprintf(text, sizeof(text), "%s fails by %.3f s: its first %lld of %lld "
		 "operations (minimal.jsonl)", name, json_number_value(until),
		 (long long)json_integer_value(json_object_get(rep, "operations")),
		 (long long)json_integer_value(json_object_get(rep, "from")));
	return json_pack("{s:f, s:s}", "at", json_number_value(until), "text", text);
}

/* Nemesis intervals and node marks from the nemesis events. */
static void nemesis_json(const dt_history *h, json_t *bands, json_t *marks)
{
	json_t *open = json_object();   /* nemesis -> its band */

	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		const char *name;
		double t = (double)op->time / 1e9;
		bool kill;

		if (op->process != DT_PROCESS_NEMESIS || op->type != DT_OP_INFO)
			continue;
		name = json_string_value(json_object_get(op->value, "nemesis"));
		if (name == NULL)
			continue;
		kill = strcmp(name, "kill") == 0 || strcmp(name, "power-loss") == 0;
		if (strcmp(op->f, "start") == 0) {
			json_t *nodes = json_object_get(op->value, "nodes");
			json_t *b = json_pack("{s:s, s:f, s:O*}", "nemesis", name,
					      "from", t, "nodes", nodes);
			size_t k;
			json_t *nd;

			json_array_append(bands, b);
			json_object_set_new(open, name, b);
			json_array_foreach(nodes, k, nd)
				if (kill && json_is_string(nd))
					json_array_append_new(marks, json_pack("{s:O, s:s, s:f}",
						"node", nd, "kind", "down", "at", t));
		} else if (strcmp(op->f, "heal") == 0) {
			json_t *b = json_object_get(open, name);

			if (b == NULL)
				continue;
			json_object_set_new(b, "to", json_real(t));
			if (kill) {
				size_t k;
				json_t *nd;

				json_array_foreach(json_object_get(b, "nodes"), k, nd)
					json_array_append_new(marks, json_pack("{s:O, s:s, s:f}",
						"node", nd, "kind", "up", "at", t));
			}
			json_object_del(open, name);
		}
	}
	json_decref(open);
}

/* What the page is built from: one slot an operation, in start order. */
typedef struct tl {
	const dt_history *h;
	long long lanes;
	slot *slots;
	size_t nslots, cap, total;  /* total: operations, drawn or not */
	names fs, nodes;
	dt_map *slot_of;            /* history index -> slot + 1 */
	dt_map *hot;                /* slot + 1 of the ops anomalies name */
	int64_t last;               /* the last event's time */
	double longest;             /* the longest operation, seconds */
} tl;

/* Pair each invoke with its completion (the next event of its process)
 * into t->slots, sorted by start. */
static int make_slots(tl *t)
{
	const dt_history *h = t->h;
	size_t *open = NULL, nopen = 0;   /* process -> slot + 1 */

	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (op->time > t->last)
			t->last = op->time;
		if (op->process == DT_PROCESS_NEMESIS || op->process < 0)
			continue;
		if ((size_t)op->process >= nopen &&
		    dt_grow(&open, &nopen, (size_t)op->process + 1, sizeof(*open)) != 0)
			goto fail;
		if (op->type == DT_OP_INVOKE) {
			t->total++;
			if (t->nslots == TIMELINE_MAX_OPS)
				continue;
			if (dt_grow(&t->slots, &t->cap, t->nslots + 1, sizeof(*t->slots)) != 0)
				goto fail;
			t->slots[t->nslots] = (slot){
				.start = op->time, .end = -1,
				.meta = (uint32_t)((uint64_t)op->process % (uint64_t)t->lanes) |
					name_id(&t->fs, op->f) << 16 | 2u << 24,
				.index = (uint32_t)i, .ret = SIZE_MAX,
			};
			open[op->process] = ++t->nslots;
		} else if (open[op->process] != 0) {
			slot *sl = &t->slots[open[op->process] - 1];
			unsigned o = op->type == DT_OP_OK ? 0 : op->type == DT_OP_FAIL ? 1 : 2;
			unsigned nd = op->node ? name_id(&t->nodes, op->node) + 1 : 0;

			sl->end = op->time;
			sl->ret = i;
			sl->meta = (sl->meta & 0x00ffffffu) | o << 24 | (nd > 63 ? 0 : nd) << 26;
			open[op->process] = 0;
		}
	}
	free(open);
	for (size_t i = 0; i < t->nslots; i++) {
		double len;

		if (t->slots[i].end < 0)
			t->slots[i].end = t->last;   /* never completed */
		len = (double)(t->slots[i].end - t->slots[i].start) / 1e9;
		if (len > t->longest)
			t->longest = len;
	}
	qsort(t->slots, t->nslots, sizeof(*t->slots), cmp_slot);
	for (size_t i = 0; i < t->nslots; i++) {
		int64_t k = t->slots[i].index;

		dt_map_put(t->slot_of, &k, sizeof(k), (void *)(i + 1));
		if (t->slots[i].ret != SIZE_MAX) {
			k = (int64_t)t->slots[i].ret;
			dt_map_put(t->slot_of, &k, sizeof(k), (void *)(i + 1));
		}
	}
	return 0;
fail:
	free(open);
	return -1;
}

/* The anomalies: each failing checker's summary over the ops its report
 * names, which become hot. */
static json_t *anomalies_json(tl *t, const json_t *results)
{
	json_t *anomalies = json_array(), *c;
	const char *cname;

	json_object_foreach((json_t *)json_object_get(results, "checkers"), cname, c) {
		dt_map *mine = dt_map_new();
		size_t it = 0, len;
		const void *key;
		double from = INFINITY, to = -INFINITY;

		if (mine == NULL || !json_is_false(json_object_get(c, "valid"))) {
			dt_map_free(mine, NULL);
			continue;
		}
		collect_indexes(c, false, mine);
		while (dt_map_next(mine, &it, &key, &len, NULL)) {
			size_t sl = (size_t)(uintptr_t)dt_map_get(t->slot_of, key, len);

			if (sl == 0)
				continue;
			dt_map_put(t->hot, &sl, sizeof(sl), (void *)1);
			if ((double)t->slots[sl - 1].start / 1e9 < from)
				from = (double)t->slots[sl - 1].start / 1e9;
			if ((double)t->slots[sl - 1].end / 1e9 > to)
				to = (double)t->slots[sl - 1].end / 1e9;
		}
		dt_map_free(mine, NULL);
		if (from <= to) {
			const char *sum = json_string_value(json_object_get(c, "summary"));
			char *text = dt_strdupf("%s: %s", cname, sum ? sum : "invalid");

			json_array_append_new(anomalies, json_pack("{s:s, s:f, s:f}",
				"text", text ? text : cname, "from", from, "to", to));
			free(text);
		}
	}
	return anomalies;
}

/* Edges from the latest writes (at most 3) of the value the read in
 * slot sl - 1 read. */
static void read_edges(const tl *t, size_t sl, json_t *edges)
{
	const dt_history *h = t->h;
	const slot *s = &t->slots[sl - 1];
	const json_t *v, *k;
	int found = 0;

	if (s->ret == SIZE_MAX || h->ops[s->ret].type != DT_OP_OK ||
	    (v = read_value(&h->ops[s->ret])) == NULL ||
	    (k = op_key(&h->ops[s->index])) == NULL)
		return;
	for (size_t j = sl - 1; j-- > 0 && found < 3;) {
		const dt_op *call = &h->ops[t->slots[j].index];
		const json_t *w = written_value(call);

		if (w == NULL || !json_equal(w, v) || !json_equal(op_key(call), k))
			continue;
		json_array_append_new(edges, json_pack("{s:I, s:I}", "write",
			(json_int_t)j, "read", (json_int_t)(sl - 1)));
		found++;
	}
}

/* The hot ops: their slots, their text, and edges to what they read. */
static void hot_json(const tl *t, json_t *highlight, json_t *details, json_t *edges)
{
	size_t it = 0, len;
	const void *key;

	while (dt_map_next(t->hot, &it, &key, &len, NULL)) {
		size_t sl;
		char *text;

		memcpy(&sl, key, sizeof(sl));
		json_array_append_new(highlight, json_integer((json_int_t)(sl - 1)));
		text = op_text(t->h, &t->slots[sl - 1]);
		json_array_append_new(details, json_pack("{s:I, s:s}", "slot",
			(json_int_t)(sl - 1), "text", text ? text : ""));
		free(text);
		read_edges(t, sl, edges);
	}
}

json_t *dt_timeline_data(const dt_history *h, const json_t *results,
			 const json_t *suite)
{
	tl t = { .h = h, .lanes = json_integer_value(json_object_get(suite, "concurrency")),
		 .slot_of = dt_map_new(), .hot = dt_map_new() };
	json_t *d = NULL, *bands = json_array(), *marks = json_array();
	json_t *highlight = json_array(), *details = json_array(), *edges = json_array();
	json_t *anomalies = NULL, *m;
	dt_buf packed = { 0 };
	size_t i;

	if (t.lanes <= 0)
		t.lanes = 1;
	if (t.hot == NULL || t.slot_of == NULL || make_slots(&t) != 0)
		goto out;
	anomalies = anomalies_json(&t, results);
	hot_json(&t, highlight, details, edges);
	if (pack_slots(t.slots, t.nslots, &packed) != 0)
		goto out;
	nemesis_json(h, bands, marks);
	json_array_foreach(marks, i, m)   /* node names the nemeses name too */
		name_id(&t.nodes, json_string_value(json_object_get(m, "node")));
	d = json_pack("{s:s?, s:f, s:f, s:I, s:I, s:b, s:I, s:o, s:o, s:o, "
		      "s:o, s:o, s:o, s:o, s:o, s:o, s:O?, s:o?}",
		      "suite", json_string_value(json_object_get(suite, "name")),
		      "duration", (double)t.last / 1e9, "longest", t.longest,
		      "lanes", (json_int_t)t.lanes, "total", (json_int_t)t.total,
		      "truncated", t.total > t.nslots, "ops", (json_int_t)t.nslots,
		      "fs", names_json(&t.fs), "nodes", names_json(&t.nodes),
		      "packed", b64_json(packed.data, packed.len),
		      "nemesis", bands, "marks", marks, "highlight", highlight,
		      "details", details, "edges", edges, "anomalies", anomalies,
		      "verdict", json_object_get(results, "valid"),
		      "cut", cut_json(results));
	bands = marks = highlight = details = edges = anomalies = NULL;
out:
	json_decref(bands);
	json_decref(marks);
	json_decref(highlight);
	json_decref(details);
	json_decref(edges);
	json_decref(anomalies);
	dt_buf_free(&packed);
	free(t.slots);
	dt_map_free(t.hot, NULL);
	dt_map_free(t.slot_of, NULL);
	return d;
}

int dt_timeline_write(const char *dir, const dt_history *h, const json_t *results,
		      const json_t *suite, char *err)
{
	json_t *d = dt_timeline_data(h, results, suite);
	const char *mark = "/*DT-DATA*/", *at;
	char path[4096], tmp[4200];
	char *data;
	FILE *f;
	int rc = -1;

	if (d == NULL)
		return dt_fail(err, "timeline: out of memory");
	/* '/' escaped: "</script>" in a value cannot end the script. */
	data = json_dumps(d, JSON_COMPACT | JSON_ESCAPE_SLASH);
	json_decref(d);
	if (data == NULL)
		return dt_fail(err, "timeline: out of memory");
	at = strstr(timeline_page, mark);
	snprintf(path, sizeof(path), "%s/timeline.html", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL || at == NULL) {
		dt_fail(err, "%s: cannot write it", tmp);
		goto out;
	}
	if (fwrite(timeline_page, 1, (size_t)(at - timeline_page), f) !=
	    (size_t)(at - timeline_page) ||
	    fputs(data, f) < 0 || fputs(at + strlen(mark), f) < 0 || fclose(f) != 0) {
		f = NULL;
		unlink(tmp);
		dt_fail(err, "%s: cannot write it", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		dt_fail(err, "%s: cannot write it", path);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(data);
	return rc;
}
