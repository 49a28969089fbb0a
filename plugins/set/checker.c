/*
 * checker.c: the set-full checker (Jepsen's set-full): what became of
 * every element a set workload tried to add, judged from every read of
 * the whole set, the final read above all.
 *
 * An element is *known* from the moment its add was acknowledged (ok),
 * or, for an add of unknown outcome, from the first read that showed it.
 * Reads are ordered by the time they began; each read that began after
 * an element was known must show it (a set loses nothing).  Verdicts:
 *
 *   ok          every read that began after it was known shows it
 *   stale       some did not, but later ones do (absent for a while:
 *               replication lag; an anomaly only with stale-invalid)
 *   lost        known, and absent from the last read (the final read,
 *               when the suite has one): an acknowledged write is gone
 *   never-read  acknowledged, and no read began after it
 *   recovered   its add's outcome was unknown (info) and a read shows it
 *   unexpected  a read shows an element never added, or one whose add
 *               certainly failed
 *
 * Lost and unexpected elements make the history invalid.  The report
 * gives each count, the first elements of each kind with the history
 * indexes and times (seconds from the run's start) of their add and
 * reads, when the lost ones were acknowledged, and the latency from an
 * add's invoke to the first read that showed it.
 *
 * Cost: one pass over the adds, two over the reads' elements (a read of
 * the whole set is as large as the set): linear in the history's size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

typedef enum elem_add {
	ADD_NONE = 0,   /* never added (seen in a read only) */
	ADD_PENDING,    /* invoked, no completion */
	ADD_OK,
	ADD_FAIL,
	ADD_INFO
} elem_add;

typedef struct elem {
	json_int_t value;
	elem_add add;
	int64_t add_index, add_time;     /* the invoke */
	int64_t ack_index, ack_time;     /* the completion, or -1 */
	const char *node;                /* that served the add (borrowed) */
	int64_t known;                   /* time known present, or INT64_MAX */
	long first_pos, last_pos;        /* reads (by start) showing it, -1 */
	long start_pos;                  /* first read that began after known */
	long last_absent;                /* last such read lacking it, or -1 */
	long present_after;
} elem;

typedef struct set_read {
	int64_t invoke_time, invoke_index, ret_time, ret_index;
	const json_t *value;             /* the elements (borrowed) */
	bool final;
} set_read;

typedef struct sf {
	elem *elems;
	size_t nelems, capelems;
	dt_map *index;                   /* value -> elem position + 1 */
	set_read *reads;
	size_t nreads, capreads;
	long long report;
} sf;

static elem *elem_get(sf *c, json_int_t v)
{
	bool made;
	void **slot = dt_map_slot(c->index, &v, sizeof(v), &made);
	elem *e;

	if (slot == NULL)
		return NULL;
	if (!made)
		return &c->elems[(uintptr_t)*slot - 1];
	if (dt_grow(&c->elems, &c->capelems, c->nelems + 1, sizeof(*c->elems)) != 0) {
		dt_map_del(c->index, &v, sizeof(v));
		return NULL;
	}
	*slot = (void *)(uintptr_t)(c->nelems + 1);
	e = &c->elems[c->nelems++];
	memset(e, 0, sizeof(*e));
	e->value = v;
	e->add_index = e->ack_index = -1;
	e->add_time = e->ack_time = -1;
	e->known = INT64_MAX;
	e->first_pos = e->last_pos = e->start_pos = e->last_absent = -1;
	return e;
}

static int cmp_read(const void *a, const void *b)
{
	const set_read *x = a, *y = b;

	if (x->invoke_time != y->invoke_time)
		return (x->invoke_time > y->invoke_time) - (x->invoke_time < y->invoke_time);
	return (x->invoke_index > y->invoke_index) - (x->invoke_index < y->invoke_index);
}

/* Pair invokes with completions by process; adds into elems, ok reads
 * into reads.  -1 with err for a value the checker cannot judge. */
static int collect(sf *c, const dt_history *h, char *err)
{
	dt_map *pending = dt_map_new();   /* process -> invoke index + 1 */
	int rc = -1;

	if (pending == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i], *call;
		void *p;

		if (op->process == DT_PROCESS_NEMESIS || op->f == NULL)
			continue;
		if (op->type == DT_OP_INVOKE) {
			if (dt_map_put(pending, &op->process, sizeof(op->process),
				       (void *)(uintptr_t)(i + 1)) != 0)
				goto oom;
			if (strcmp(op->f, "add") == 0) {
				elem *e;

				if (!json_is_integer(op->value)) {
					dt_fail(err, "op %lld: an add of a value that is not "
						"an integer (the set workload's elements are)",
						(long long)op->index);
					goto out;
				}
				e = elem_get(c, json_integer_value(op->value));
				if (e == NULL)
					goto oom;
				if (e->add == ADD_NONE) {
					e->add = ADD_PENDING;
					e->add_index = op->index;
					e->add_time = op->time;
				}
			}
			continue;
		}
		p = dt_map_del(pending, &op->process, sizeof(op->process));
		if (p == NULL)
			continue;
		call = &h->ops[(uintptr_t)p - 1];
		if (strcmp(call->f, "add") == 0 && json_is_integer(call->value)) {
			elem *e = elem_get(c, json_integer_value(call->value));

			if (e == NULL)
				goto oom;
			if (e->add_index != call->index)
				continue; /* a second add of the same element */
			e->add = op->type == DT_OP_OK ? ADD_OK :
				 op->type == DT_OP_FAIL ? ADD_FAIL : ADD_INFO;
			e->ack_index = op->index;
			e->ack_time = op->time;
			e->node = op->node;
			if (e->add == ADD_OK)
				e->known = op->time;
		} else if (strcmp(call->f, "read") == 0 && op->type == DT_OP_OK) {
			set_read *r;

			if (!json_is_array(op->value)) {
				dt_fail(err, "op %lld: a read that is not a list of "
					"elements", (long long)op->index);
				goto out;
			}
			if (dt_grow(&c->reads, &c->capreads, c->nreads + 1,
				    sizeof(*c->reads)) != 0)
				goto oom;
			r = &c->reads[c->nreads++];
			r->invoke_time = call->time;
			r->invoke_index = call->index;
			r->ret_time = op->time;
			r->ret_index = op->index;
			r->value = op->value;
			r->final = (op->flags & DT_OP_FLAG_FINAL) != 0;
		}
	}
	rc = 0;
	goto out;
oom:
	dt_fail(err, "out of memory");
out:
	dt_map_free(pending, NULL);
	return rc;
}

/* The first read (by start) that began after t: reads[pos..) began
 * after it. */
static long first_after(const sf *c, int64_t t)
{
	size_t lo = 0, hi = c->nreads;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->reads[mid].invoke_time > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (long)lo;
}

/* Pass over the reads: which show what, and when each element became
 * known; then which reads after that lack it.  -1 out of memory. */
static int sweep(sf *c)
{
	for (size_t j = 0; j < c->nreads; j++) {
		size_t k;
		json_t *v;

		json_array_foreach(c->reads[j].value, k, v) {
			elem *e;

			if (!json_is_integer(v))
				continue;
			e = elem_get(c, json_integer_value(v));
			if (e == NULL)
				return -1;
			if (e->first_pos < 0)
				e->first_pos = (long)j;
			if (c->reads[j].ret_time < e->known && e->add != ADD_OK)
				e->known = c->reads[j].ret_time;
		}
	}
	for (size_t i = 0; i < c->nelems; i++)
		c->elems[i].start_pos = c->elems[i].known == INT64_MAX ? -1 :
					first_after(c, c->elems[i].known);
	for (size_t j = 0; j < c->nreads; j++) {
		size_t k;
		json_t *v;

		json_array_foreach(c->reads[j].value, k, v) {
			elem *e = json_is_integer(v) ?
				  elem_get(c, json_integer_value(v)) : NULL;

			if (e == NULL || e->start_pos < 0 || (long)j < e->start_pos ||
			    e->last_pos == (long)j)
				continue;
			if ((e->last_pos < 0 && (long)j > e->start_pos) ||
			    (e->last_pos >= 0 && e->last_pos != (long)j - 1))
				e->last_absent = (long)j - 1;
			e->last_pos = (long)j;
			e->present_after++;
		}
	}
	for (size_t i = 0; i < c->nelems; i++) {
		elem *e = &c->elems[i];

		if (e->start_pos >= 0 && e->start_pos < (long)c->nreads &&
		    e->last_pos != (long)c->nreads - 1)
			e->last_absent = (long)c->nreads - 1;
	}
	return 0;
}

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

static json_t *elem_json(const sf *c, const elem *e)
{
	static const char *const adds[] = { "none", "invoked", "ok", "fail", "info" };
	json_t *j = json_pack("{s:I, s:s}", "element", (json_int_t)e->value,
			      "add", adds[e->add]);

	if (e->add_index >= 0) {
		json_object_set_new(j, "add-index", json_integer(e->add_index));
		json_object_set_new(j, "added-at", json_real(secs(e->add_time)));
	}
	if (e->ack_index >= 0) {
		json_object_set_new(j, "index", json_integer(e->ack_index));
		json_object_set_new(j, e->add == ADD_OK ? "acknowledged-at" : "completed-at",
				    json_real(secs(e->ack_time)));
	}
	if (e->node != NULL)
		json_object_set_new(j, "node", json_string(e->node));
	if (e->first_pos >= 0) {
		const set_read *f = &c->reads[e->first_pos];

		json_object_set_new(j, "first-seen-index", json_integer(f->ret_index));
		json_object_set_new(j, "first-seen-at", json_real(secs(f->ret_time)));
	}
	if (e->last_pos >= 0) {
		const set_read *l = &c->reads[e->last_pos];

		json_object_set_new(j, "last-seen-index", json_integer(l->ret_index));
		json_object_set_new(j, "last-seen-at", json_real(secs(l->ret_time)));
	}
	if (e->last_absent >= 0) {
		const set_read *a = &c->reads[e->last_absent];

		json_object_set_new(j, "last-absent-index", json_integer(a->ret_index));
		json_object_set_new(j, "last-absent-at", json_real(secs(a->invoke_time)));
	}
	return j;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Quantiles of the add-to-visibility latency, in milliseconds. */
static json_t *latency_json(const sf *c)
{
	int64_t *lat = malloc((c->nelems + 1) * sizeof(*lat));
	size_t n = 0;
	json_t *j = json_object();
	static const struct { const char *name; double q; } qs[] = {
		{ "0", 0 }, { "0.5", 0.5 }, { "0.95", 0.95 }, { "0.99", 0.99 }, { "1", 1 }
	};

	if (lat == NULL)
		return j;
	for (size_t i = 0; i < c->nelems; i++) {
		const elem *e = &c->elems[i];

		if (e->first_pos >= 0 && e->add_time >= 0)
			lat[n++] = c->reads[e->first_pos].ret_time - e->add_time;
	}
	qsort(lat, n, sizeof(*lat), cmp_i64);
	for (size_t q = 0; n > 0 && q < sizeof(qs) / sizeof(qs[0]); q++)
		json_object_set_new(j, qs[q].name, json_real(
			(double)lat[(size_t)(qs[q].q * (double)(n - 1) + 0.5)] / 1e6));
	free(lat);
	return j;
}

typedef struct counts {
	size_t attempted, acknowledged, ok, stale, lost, lost_acked, never_read,
	       recovered, unexpected;
	int64_t lost_from, lost_to;      /* acknowledgement times of lost ones */
	int64_t worst_stale;
} counts;

static void list_add(json_t *list, long long max, const sf *c, const elem *e)
{
	if ((long long)json_array_size(list) < max)
		json_array_append_new(list, elem_json(c, e));
}

static json_t *verdicts(const sf *c, counts *n)
{
	json_t *lost = json_array(), *stale = json_array(), *never = json_array();
	json_t *recovered = json_array(), *unexpected = json_array(), *r;

	memset(n, 0, sizeof(*n));
	n->lost_from = INT64_MAX;
	n->lost_to = -1;
	for (size_t i = 0; i < c->nelems; i++) {
		const elem *e = &c->elems[i];
		bool seen = e->first_pos >= 0;

		if (e->add != ADD_NONE)
			n->attempted++;
		if (e->add == ADD_OK)
			n->acknowledged++;
		if (seen && (e->add == ADD_NONE || e->add == ADD_FAIL)) {
			n->unexpected++;
			list_add(unexpected, c->report, c, e);
			continue;
		}
		if (seen && (e->add == ADD_INFO || e->add == ADD_PENDING)) {
			n->recovered++;
			list_add(recovered, c->report, c, e);
		}
		if (e->known == INT64_MAX)
			continue; /* an add that failed, or unknown and never seen */
		if (e->start_pos >= (long)c->nreads) {
			if (!seen) {
				n->never_read++;
				list_add(never, c->report, c, e);
			} else {
				n->ok++; /* shown by the last read itself */
			}
			continue;
		}
		if (e->last_pos != (long)c->nreads - 1) {
			n->lost++;
			if (e->add == ADD_OK) {
				n->lost_acked++;
				if (e->ack_time < n->lost_from)
					n->lost_from = e->ack_time;
				if (e->ack_time > n->lost_to)
					n->lost_to = e->ack_time;
			}
			list_add(lost, c->report, c, e);
			continue;
		}
		if (e->last_absent >= 0) {
			int64_t for_ns = c->reads[e->last_absent].invoke_time - e->known;

			n->stale++;
			if (for_ns > n->worst_stale)
				n->worst_stale = for_ns;
			list_add(stale, c->report, c, e);
			continue;
		}
		n->ok++;
	}
	r = json_pack("{s:o, s:o, s:o, s:o, s:o}", "lost", lost, "stale", stale,
		      "never-read", never, "recovered", recovered,
		      "unexpected", unexpected);
	return r;
}

static int setfull_check(const dt_checker_env *env, const dt_history *h,
			 json_t **result, char *err)
{
	sf c = { .report = dt_opt_int(env->config, "report") };
	bool stale_invalid = dt_opt_bool(env->config, "stale-invalid");
	json_t *res = NULL, *types;
	const set_read *last;
	counts n;
	char summary[512];
	int rc = -1;

	if (c.report <= 0)
		c.report = 20;
	c.index = dt_map_new();
	if (c.index == NULL)
		return dt_fail(err, "out of memory");
	if (collect(&c, h, err) != 0)
		goto out;
	qsort(c.reads, c.nreads, sizeof(*c.reads), cmp_read);
	if (sweep(&c) != 0) {
		dt_fail(err, "out of memory");
		goto out;
	}
	res = verdicts(&c, &n);
	last = c.nreads > 0 ? &c.reads[c.nreads - 1] : NULL;
	types = json_array();
	if (n.lost > 0)
		json_array_append_new(types, json_string("lost"));
	if (n.unexpected > 0)
		json_array_append_new(types, json_string("unexpected"));
	if (stale_invalid && n.stale > 0)
		json_array_append_new(types, json_string("stale"));
	json_object_set_new(res, "anomaly-types", types);
	if (json_array_size(types) > 0)
		json_object_set_new(res, "valid", json_false());
	else if (n.acknowledged > 0 && n.never_read == n.acknowledged)
		json_object_set_new(res, "valid", json_string("unknown"));
	else
		json_object_set_new(res, "valid", json_true());
	json_object_set_new(res, "attempted-count", json_integer((json_int_t)n.attempted));
	json_object_set_new(res, "acknowledged-count", json_integer((json_int_t)n.acknowledged));
	json_object_set_new(res, "ok-count", json_integer((json_int_t)n.ok));
	json_object_set_new(res, "lost-count", json_integer((json_int_t)n.lost));
	json_object_set_new(res, "lost-acknowledged-count", json_integer((json_int_t)n.lost_acked));
	json_object_set_new(res, "stale-count", json_integer((json_int_t)n.stale));
	json_object_set_new(res, "never-read-count", json_integer((json_int_t)n.never_read));
	json_object_set_new(res, "recovered-count", json_integer((json_int_t)n.recovered));
	json_object_set_new(res, "unexpected-count", json_integer((json_int_t)n.unexpected));
	json_object_set_new(res, "reads", json_integer((json_int_t)c.nreads));
	json_object_set_new(res, "worst-stale-seconds", json_real(secs(n.worst_stale)));
	if (n.lost_acked > 0)
		json_object_set_new(res, "lost-acknowledged-between", json_pack("[f, f]",
			secs(n.lost_from), secs(n.lost_to)));
	if (last != NULL)
		json_object_set_new(res, "last-read", json_pack("{s:I, s:f, s:b, s:I}",
			"index", (json_int_t)last->ret_index, "at", secs(last->ret_time),
			"final", last->final,
			"elements", (json_int_t)json_array_size(last->value)));
	json_object_set_new(res, "latency-ms", latency_json(&c));
	if (n.lost > 0)
		snprintf(summary, sizeof(summary), "%zu of %zu acknowledged adds lost "
			 "(acknowledged between %.3f s and %.3f s), absent from the %s "
			 "read at %.3f s; %zu lost in all",
			 n.lost_acked, n.acknowledged, secs(n.lost_from > n.lost_to ? 0 :
			 n.lost_from), secs(n.lost_to < 0 ? 0 : n.lost_to),
			 last->final ? "final" : "last", secs(last->ret_time), n.lost);
	else if (n.unexpected > 0)
		snprintf(summary, sizeof(summary), "%zu elements read that were never "
			 "added or whose add failed", n.unexpected);
	else if (stale_invalid && n.stale > 0)
		snprintf(summary, sizeof(summary), "%zu elements absent from reads "
			 "after their add was acknowledged (worst %.3f s)", n.stale,
			 secs(n.worst_stale));
	else
		summary[0] = '\0';
	if (n.unexpected > 0 && n.lost > 0) {
		size_t len = strlen(summary);

		snprintf(summary + len, sizeof(summary) - len, "; %zu unexpected",
			 n.unexpected);
	}
	if (summary[0])
		json_object_set_new(res, "summary", json_string(summary));
	*result = res;
	res = NULL;
	rc = 0;
out:
	json_decref(res);
	free(c.elems);
	free(c.reads);
	dt_map_free(c.index, NULL);
	return rc;
}

static int setfull_validate(const dt_validate_env *env, char *err)
{
	for (size_t i = 0; env->operations != NULL && env->operations[i]; i++)
		if (strcmp(env->operations[i], "read") == 0)
			return 0;
	return dt_fail(err, "judges adds by the reads of the whole set, and this "
		       "suite's workload issues no read");
}

static const dt_option setfull_options[] = {
	{ .name = "stale-invalid", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "an element absent from a read that began after its add was "
		 "acknowledged is an anomaly (a linearizable set), not only lost ones" },
	{ .name = "report", .type = DT_OPT_INT, .def = "20", .min = 1, .max = 100000,
	  .doc = "elements listed of each kind" },
	{ .name = NULL }
};

const dt_checker_type setfull_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "set-full", .version = "1.0",
		  .description = "what became of every element added to a set: lost, "
				 "stale, never read, recovered, unexpected",
		  .options = setfull_options, .validate = setfull_validate },
	.check = setfull_check,
};
