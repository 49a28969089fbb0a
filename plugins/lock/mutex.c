/*
 * mutex.c: the mutex checker.  A lock is safe when no two processes
 * hold it at once.  A process holds it, as far as it can know, from the
 * completion of its acquire (ok) until it invokes its release, and no
 * longer than its lease: ttl_ms from the acquire's invoke, on the test's
 * own clock (a holder must stop relying on the lock then; the server's
 * lease started later, so a correct server never hands the lock on
 * before that).  Two such intervals of one key that overlap are a
 * violation: the server let a second process take a lock whose lease,
 * measured truly, had not run out, and whose holder had not let go.
 *
 * Only what a process was told counts: an acquire whose outcome is
 * unknown (info) holds nothing the checker can place, and a failed one
 * nothing at all.  A release that failed as "not held" shows the lock
 * was taken from its holder before the holder let go; the report counts
 * those (lost), which are no violation by themselves (the lease may have
 * run out).
 *
 * The report names both holders of each overlap (process, token, the
 * node that granted it, the operations' indexes) and the interval, in ms
 * since the run started; valid is false when there is one.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"

#define MAX_REPORTED 10

typedef struct hold {
	const char *key;
	const char *token;
	const char *node;
	int64_t process;
	int64_t start;       /* ns: the acquire's ok */
	int64_t end;         /* ns: the release's invoke, or the lease's end */
	int64_t lease_end;   /* ns: acquire invoke + ttl, or INT64_MAX */
	int64_t acquire;     /* index of the acquire's ok */
	int64_t release;     /* index of the release's invoke, or -1 */
} hold;

typedef struct pending {
	int64_t process;
	const dt_op *invoke;
	long open;           /* index into holds of its open hold, or -1 */
} pending;

typedef struct procs {
	pending *v;
	size_t n, cap;
} procs;

static pending *proc_get(procs *ps, int64_t process)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].process == process)
			return &ps->v[i];
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		pending *v = realloc(ps->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n] = (pending){ .process = process, .open = -1 };
	return &ps->v[ps->n++];
}

static int by_key_start(const void *a, const void *b)
{
	const hold *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

static const char *str_member(const json_t *v, const char *name)
{
	return json_string_value(json_object_get(v, name));
}

static json_t *holder_json(const hold *h)
{
	json_t *o = json_pack("{s:I, s:s?, s:s?, s:f, s:f, s:I}",
			      "process", (json_int_t)h->process,
			      "token", h->token, "node", h->node,
			      "acquired_ms", (double)h->start / 1e6,
			      "until_ms", (double)h->end / 1e6,
			      "acquire_index", (json_int_t)h->acquire);

	if (h->release >= 0)
		json_object_set_new(o, "release_index", json_integer(h->release));
	else if (h->end == h->lease_end)
		json_object_set_new(o, "until", json_string("lease end"));
	return o;
}

static int mutex_check(const dt_checker_env *env, const dt_history *h,
		       json_t **result, char *err)
{
	procs ps = { 0 };
	hold *holds = NULL;
	size_t nholds = 0, cap = 0, violations = 0, lost = 0, released = 0;
	int64_t last = 0;
	json_t *errors = json_array();

	(void)env;
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		pending *p;

		if (op->time > last)
			last = op->time;
		if (op->process == DT_PROCESS_NEMESIS || op->f == NULL)
			continue;
		p = proc_get(&ps, op->process);
		if (p == NULL)
			goto oom;
		if (op->type == DT_OP_INVOKE) {
			p->invoke = op;
			if (strcmp(op->f, "release") == 0 && p->open >= 0) {
				hold *o = &holds[p->open];

				o->release = op->index;
				if (op->time < o->end)
					o->end = op->time;
				p->open = -1;
			}
			continue;
		}
		if (strcmp(op->f, "release") == 0 && op->type == DT_OP_OK)
			released++;
		if (strcmp(op->f, "release") == 0 && op->type == DT_OP_FAIL &&
		    op->error != NULL && strstr(op->error, "not held") != NULL)
			lost++;
		if (strcmp(op->f, "acquire") == 0 && op->type == DT_OP_OK &&
		    p->invoke != NULL) {
			const json_t *iv = p->invoke->value;
			const json_t *ttl = json_object_get(iv, "ttl_ms");
			const char *key = str_member(op->value, "key");
			hold *o;

			if (key == NULL)
				key = str_member(iv, "key");
			if (nholds == cap) {
				size_t c2 = cap ? cap * 2 : 64;
				hold *v = realloc(holds, c2 * sizeof(*v));

				if (v == NULL)
					goto oom;
				holds = v;
				cap = c2;
			}
			o = &holds[nholds];
			*o = (hold){
				.key = key != NULL ? key : "",
				.token = str_member(op->value, "token"),
				.node = op->node, .process = op->process,
				.start = op->time, .acquire = op->index,
				.release = -1, .lease_end = INT64_MAX,
			};
			if (json_is_number(ttl))
				o->lease_end = p->invoke->time +
					(int64_t)llround(json_number_value(ttl) * 1e6);
			o->end = o->lease_end;
			/* a second acquire ends the first (no client does) */
			if (p->open >= 0 && holds[p->open].end > p->invoke->time)
				holds[p->open].end = p->invoke->time;
			p->open = (long)nholds++;
		}
		p->invoke = NULL;
	}
	/* Holds still open at the end last until the history does (or their
	 * lease). */
	for (size_t i = 0; i < nholds; i++)
		if (holds[i].release < 0 && holds[i].end > last)
			holds[i].end = last;
	qsort(holds, nholds, sizeof(*holds), by_key_start);
	for (size_t i = 0, cur = 0; i < nholds; i++) {
		if (i == 0 || strcmp(holds[i].key, holds[cur].key) != 0) {
			cur = i;
			continue;
		}
		if (holds[i].start < holds[cur].end) {
			int64_t to = holds[i].end < holds[cur].end ?
				     holds[i].end : holds[cur].end;

			if (violations++ < MAX_REPORTED)
				json_array_append_new(errors, json_pack(
					"{s:s, s:o, s:o, s:[f,f]}",
					"key", holds[i].key,
					"first", holder_json(&holds[cur]),
					"second", holder_json(&holds[i]),
					"overlap_ms", (double)holds[i].start / 1e6,
					(double)to / 1e6));
		}
		if (holds[i].end > holds[cur].end)
			cur = i;
	}
	*result = json_pack("{s:b, s:I, s:I, s:I, s:I, s:o}",
			    "valid", violations == 0,
			    "holds", (json_int_t)nholds,
			    "released", (json_int_t)released,
			    "lost", (json_int_t)lost,
			    "violations", (json_int_t)violations,
			    "errors", errors);
	if (violations > 0) {
		const json_t *e = json_array_get(errors, 0);
		const json_t *a = json_object_get(e, "first"), *b = json_object_get(e, "second");
		char s[512];

		snprintf(s, sizeof(s), "mutual exclusion violated %zu time(s); first: "
			 "process %" PRId64 " (token %s, from %s) and process %" PRId64
			 " (token %s, from %s) both held %s from %.1f to %.1f ms",
			 violations,
			 (int64_t)json_integer_value(json_object_get(a, "process")),
			 str_member(a, "token") ? str_member(a, "token") : "?",
			 str_member(a, "node") ? str_member(a, "node") : "?",
			 (int64_t)json_integer_value(json_object_get(b, "process")),
			 str_member(b, "token") ? str_member(b, "token") : "?",
			 str_member(b, "node") ? str_member(b, "node") : "?",
			 str_member(e, "key"),
			 json_number_value(json_array_get(json_object_get(e, "overlap_ms"), 0)),
			 json_number_value(json_array_get(json_object_get(e, "overlap_ms"), 1)));
		json_object_set_new(*result, "summary", json_string(s));
		json_object_set_new(*result, "anomaly-types", json_pack("[s]", "mutex-overlap"));
	}
	free(holds);
	free(ps.v);
	return 0;
oom:
	free(holds);
	free(ps.v);
	json_decref(errors);
	return dt_fail(err, "out of memory");
}

/* The lock workload's histories only. */
static int mutex_validate(const dt_validate_env *env, char *err)
{
	if (env->workload == NULL || strcmp(env->workload, "lock") == 0)
		return 0;
	return dt_fail(err, "checks the lock workload's holders, and this "
		       "suite's workload is %s", env->workload);
}

const dt_checker_type mutex_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "mutex", .version = "1.0",
		  .description = "lock: no two holders overlap in real time "
				 "(within their leases)",
		  .validate = mutex_validate },
	.check = mutex_check,
};
