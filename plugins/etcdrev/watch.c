/*
 * watch.c: the watch checker: the guarantees etcd's robustness tests
 * hold its watch to, judged on the watch sessions of a history (the
 * etcd client's watch op: one session, its responses in order).
 *
 *   ordered       within a session revisions never go back: each event's
 *                 revision >= the one before, and a response's first
 *                 > the previous response's last ("travel back in
 *                 time", etcd-io/etcd#15271, shows here)
 *   unique        no event (revision, key) twice in a session
 *   atomic        a revision comes whole in one response: never split
 *                 over two, never without an event of it on a watched
 *                 key that another watcher or the writes saw
 *   bookmarkable  after a progress notification at revision B, no event
 *                 <= B, and every event <= B was delivered before it
 *   resumable     a session from revision S delivers no event before S,
 *                 and its first is the first event >= S on its keys
 *   reliable      no gap: every event on its keys between the first and
 *                 the last the session saw was delivered
 *   invented      every event matches a write: the acknowledged one of
 *                 its revision (key, value, put or delete; a revoke's
 *                 deletes), or one of unknown outcome
 *   inconsistent  two sessions never report one (revision, key)
 *                 differently
 *
 * "Every event" is the union of what all sessions saw and what the
 * acknowledged writes made (their revisions are known).  A session
 * ended by a compaction owes nothing before the compacted revision.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "etcdrev.h"
#include "watch.h"

enum { A_ORDERED, A_UNIQUE, A_ATOMIC, A_BOOKMARK, A_RESUME, A_RELIABLE,
       A_INVENTED, A_INCONSISTENT, A_COUNT };

static const char *const anomaly_names[] = {
	"ordered", "unique", "atomic", "bookmarkable", "resumable", "reliable",
	"invented", "inconsistent"
};

typedef struct wc_session {
	const dt_op *op;         /* its completion */
	const char *node, *key;
	bool prefix;
	int64_t start, created, last_bookmark, first_rev, last_rev;
	wc_event *ev;
	size_t nev;
} wc_session;

typedef struct wc_ctx {
	wc_session *s;
	size_t ns;
	wc_writes writes;
	wc_event **all;          /* every distinct (rev, key), by rev, key */
	size_t nall;
	dt_map *seen;            /* "rev key" -> first wc_event seen */
	json_t *lists[A_COUNT];
	size_t counts[A_COUNT];
	long long max_reported;
} wc_ctx;

static bool matches(const wc_session *s, const char *key)
{
	size_t n = strlen(s->key);

	if (key == NULL)
		return false;
	return s->prefix ? strncmp(key, s->key, n) == 0 : strcmp(key, s->key) == 0;
}

/* Record an anomaly of type t in session s (NULL: none) with the members
 * of detail (a new reference taken over). */
static void report(wc_ctx *c, int t, const wc_session *s, json_t *detail)
{
	c->counts[t]++;
	if (detail == NULL)
		return;
	if ((long long)json_array_size(c->lists[t]) >= c->max_reported) {
		json_decref(detail);
		return;
	}
	if (s != NULL) {
		char w[160];

		snprintf(w, sizeof(w), "%s%s", s->key, s->prefix ? "*" : "");
		json_object_set_new(detail, "process", json_integer(s->op->process));
		json_object_set_new(detail, "index", json_integer(s->op->index));
		if (s->node != NULL)
			json_object_set_new(detail, "node", json_string(s->node));
		json_object_set_new(detail, "watch", json_string(w));
		json_object_set_new(detail, "start", json_integer(s->start));
	}
	json_array_append_new(c->lists[t], detail);
}

static json_t *event_json(const wc_event *e)
{
	json_t *j = json_pack("{sIssss}", "revision", (json_int_t)e->rev,
			      "type", e->type == WC_PUT ? "put" : "delete",
			      "key", e->key ? e->key : "?");

	if (j != NULL && e->value != NULL)
		json_object_set_new(j, "value", json_string(e->value));
	return j;
}

static int parse_event(const json_t *j, size_t response, wc_event *e)
{
	const char *type = json_string_value(json_object_get(j, "type"));

	memset(e, 0, sizeof(*e));
	e->rev = json_integer_value(json_object_get(j, "rev"));
	e->key = json_string_value(json_object_get(j, "key"));
	if (type == NULL || e->key == NULL || e->rev <= 0)
		return -1;
	e->type = strcmp(type, "delete") == 0 ? WC_DELETE : WC_PUT;
	if (e->type == WC_PUT)
		e->value = json_string_value(json_object_get(j, "value"));
	e->create = json_integer_value(json_object_get(j, "create"));
	e->version = json_integer_value(json_object_get(j, "version"));
	e->prev_lease = json_integer_value(json_object_get(json_object_get(j, "prev"),
							   "lease"));
	e->response = response;
	return 0;
}

/* Take a watch completion apart into a session; -1 when malformed. */
static int session_of(const dt_op *op, wc_session *s)
{
	const json_t *v = op->value, *resps = json_object_get(v, "responses"), *r;
	size_t i, n = 0;

	memset(s, 0, sizeof(*s));
	s->op = op;
	s->node = op->node;
	s->key = json_string_value(json_object_get(v, "key"));
	s->prefix = json_is_true(json_object_get(v, "prefix"));
	s->start = json_integer_value(json_object_get(v, "start"));
	s->created = json_integer_value(json_object_get(v, "created"));
	if (s->key == NULL || !json_is_array(resps))
		return -1;
	json_array_foreach(resps, i, r)
		n += json_array_size(json_object_get(r, "events"));
	s->ev = calloc(n ? n : 1, sizeof(*s->ev));
	if (s->ev == NULL)
		return -1;
	json_array_foreach(resps, i, r) {
		const json_t *evs = json_object_get(r, "events"), *e;
		size_t k;

		if (json_is_true(json_object_get(r, "progress"))) {
			int64_t b = json_integer_value(json_object_get(r, "rev"));

			if (b > s->last_bookmark)
				s->last_bookmark = b;
			continue;
		}
		json_array_foreach(evs, k, e)
			if (parse_event(e, i, &s->ev[s->nev++]) != 0)
				return -1;
	}
	for (size_t k = 0; k < s->nev; k++) {
		if (s->first_rev == 0)
			s->first_rev = s->ev[k].rev;
		if (s->ev[k].rev > s->last_rev)
			s->last_rev = s->ev[k].rev;
	}
	return 0;
}

static void seen_key(char *buf, size_t size, int64_t rev, const char *key)
{
	snprintf(buf, size, "%lld %s", (long long)rev, key);
}

static int cmp_event(const void *a, const void *b)
{
	const wc_event *x = *(wc_event *const *)a, *y = *(wc_event *const *)b;

	if (x->rev != y->rev)
		return (x->rev > y->rev) - (x->rev < y->rev);
	return strcmp(x->key, y->key);
}

/* The union: every (rev, key) a session saw or an acknowledged write made. */
static int build_union(wc_ctx *c, wc_event *synth, size_t nsynth)
{
	size_t total = nsynth;
	size_t n = 0;
	char k[512];

	for (size_t i = 0; i < c->ns; i++)
		total += c->s[i].nev;
	c->all = calloc(total ? total : 1, sizeof(*c->all));
	if (c->all == NULL)
		return -1;
	for (size_t i = 0; i < c->ns; i++)
		for (size_t j = 0; j < c->s[i].nev; j++) {
			wc_event *e = &c->s[i].ev[j];
			bool made;
			void **slot;

			seen_key(k, sizeof(k), e->rev, e->key);
			slot = dt_map_slot(c->seen, k, strlen(k), &made);
			if (slot == NULL)
				return -1;
			if (made) {
				*slot = e;
				c->all[n++] = e;
				continue;
			}
			{
				const wc_event *o = *slot;

				if (o->type != e->type || o->create != e->create ||
				    o->version != e->version ||
				    (e->value == NULL) != (o->value == NULL) ||
				    (e->value && strcmp(e->value, o->value) != 0)) {
					json_t *d = json_pack("{soso}", "event",
						event_json(e), "other", event_json(o));

					report(c, A_INCONSISTENT, &c->s[i], d);
				}
			}
		}
	for (size_t i = 0; i < nsynth; i++) {
		bool made;
		void **slot;

		seen_key(k, sizeof(k), synth[i].rev, synth[i].key);
		slot = dt_map_slot(c->seen, k, strlen(k), &made);
		if (slot == NULL)
			return -1;
		if (made) {
			*slot = &synth[i];
			c->all[n++] = &synth[i];
		}
	}
	c->nall = n;
	qsort(c->all, n, sizeof(*c->all), cmp_event);
	return 0;
}

/* Index of the first union event with rev >= rev. */
static size_t union_from(const wc_ctx *c, int64_t rev)
{
	size_t lo = 0, hi = c->nall;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->all[mid]->rev < rev)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void check_invented(wc_ctx *c)
{
	for (size_t i = 0; i < c->nall; i++) {
		const wc_event *e = c->all[i];
		const wc_write *w;
		size_t nw;
		bool ok = false;

		if (e->response == (size_t)-1)
			continue; /* made from a write */
		w = wc_writes_at(&c->writes, e->rev, &nw);
		if (w != NULL) {
			for (size_t k = 0; k < nw && !ok; k++)
				ok = wc_write_explains(&w[k], e);
		} else {
			for (size_t k = c->writes.nknown; k < c->writes.n && !ok; k++)
				ok = wc_write_explains(&c->writes.all[k], e);
		}
		if (!ok) {
			json_t *d = json_pack("{so}", "event", event_json(e));

			if (w != NULL)
				json_object_set_new(d, "write-index", json_integer(w->index));
			json_object_set_new(d, "problem", json_string(w != NULL ?
				"the write acknowledged at this revision is another" :
				"no write could have made it"));
			report(c, A_INVENTED, NULL, d);
		}
	}
}

static void check_session(wc_ctx *c, wc_session *s)
{
	dt_map *mine = dt_map_new();
	int64_t lo, hi;
	char k[512];

	if (mine == NULL)
		return;
	/* ordered, unique, atomic (split), bookmarkable (late), resumable */
	for (size_t i = 0; i < s->nev; i++) {
		const wc_event *e = &s->ev[i], *p = i ? &s->ev[i - 1] : NULL;
		bool made;

		if (p != NULL && e->rev < p->rev)
			report(c, A_ORDERED, s, json_pack("{sIsIsI}", "revision",
				(json_int_t)e->rev, "after", (json_int_t)p->rev,
				"response", (json_int_t)e->response));
		else if (p != NULL && e->rev == p->rev && e->response != p->response)
			report(c, A_ATOMIC, s, json_pack("{sIsIsI}", "revision",
				(json_int_t)e->rev, "response", (json_int_t)e->response,
				"also-in", (json_int_t)p->response));
		void **slot;

		seen_key(k, sizeof(k), e->rev, e->key);
		slot = dt_map_slot(mine, k, strlen(k), &made);
		if (slot != NULL && !made)
			report(c, A_UNIQUE, s, json_pack("{so}", "event", event_json(e)));
		else if (slot != NULL)
			*slot = (void *)e;
		if (s->start > 0 && e->rev < s->start)
			report(c, A_RESUME, s, json_pack("{soss}", "event", event_json(e),
				"problem", "before the revision the watch started at"));
	}
	{
		const json_t *resps = json_object_get(s->op->value, "responses"), *r;
		size_t ri;

		json_array_foreach(resps, ri, r) {
			int64_t b;

			if (!json_is_true(json_object_get(r, "progress")))
				continue;
			b = json_integer_value(json_object_get(r, "rev"));
			for (size_t i = 0; i < s->nev; i++)
				if (s->ev[i].response > ri && s->ev[i].rev <= b) {
					report(c, A_BOOKMARK, s, json_pack("{sIso}",
						"bookmark", (json_int_t)b, "event",
						event_json(&s->ev[i])));
					break;
				}
		}
	}
	/* missing events: what the session owes, from its start to the last
	 * revision it saw (an event or a bookmark) */
	lo = s->start > 0 ? s->start : s->created + 1;
	hi = s->last_rev > s->last_bookmark ? s->last_rev : s->last_bookmark;
	for (size_t i = union_from(c, lo); i < c->nall && c->all[i]->rev <= hi; i++) {
		const wc_event *e = c->all[i];
		int t;
		json_t *d;

		if (!matches(s, e->key))
			continue;
		seen_key(k, sizeof(k), e->rev, e->key);
		if (dt_map_get(mine, k, strlen(k)) != NULL)
			continue; /* delivered */
		if (s->first_rev == 0 || e->rev < s->first_rev)
			t = s->start > 0 ? A_RESUME : A_RELIABLE;
		else if (e->rev > s->last_rev)
			t = A_BOOKMARK;
		else
			t = A_RELIABLE;
		/* the session delivered other events of this revision */
		for (size_t j = 0; j < s->nev; j++)
			if (s->ev[j].rev == e->rev) {
				t = A_ATOMIC;
				break;
			}
		d = json_pack("{sos{sIsI}}", "missing", event_json(e), "saw",
			      "first", (json_int_t)s->first_rev, "last", (json_int_t)hi);
		if (t == A_RESUME)
			json_object_set_new(d, "problem", json_string(
				"the first event after the start was not delivered"));
		report(c, t, s, d);
	}
	dt_map_free(mine, NULL);
}

static int watch_check(const dt_checker_env *env, const dt_history *h,
		       json_t **result, char *err)
{
	wc_ctx c = { 0 };
	wc_event *synth = NULL;
	size_t nsynth = 0, nevents = 0, compacted = 0;
	dt_map *processes = dt_map_new();
	json_t *anomalies, *types;
	int rc = -1;

	c.max_reported = env->config ? dt_opt_int(env->config, "max-reported") : 20;
	if (c.max_reported <= 0)
		c.max_reported = 20;
	c.seen = dt_map_new();
	c.s = calloc(h->count ? h->count : 1, sizeof(*c.s));
	for (int t = 0; t < A_COUNT; t++)
		c.lists[t] = json_array();
	if (c.seen == NULL || c.s == NULL || processes == NULL) {
		dt_fail(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];
		char pk[32];

		if (op->type != DT_OP_OK || op->f == NULL || strcmp(op->f, "watch") != 0)
			continue;
		if (session_of(op, &c.s[c.ns]) != 0) {
			free(c.s[c.ns].ev);
			dt_fail(err, "history line %lld: a watch completion that is "
				"not a session (key, responses with events with "
				"rev, type and key)", (long long)op->index + 1);
			goto out;
		}
		nevents += c.s[c.ns].nev;
		if (json_object_get(op->value, "compact") != NULL)
			compacted++;
		snprintf(pk, sizeof(pk), "%lld", (long long)op->process);
		dt_map_puts(processes, pk, (void *)op);
		c.ns++;
	}
	if (wc_writes_build(h, &c.writes, err) != 0)
		goto out;
	synth = calloc(c.writes.nknown ? c.writes.nknown : 1, sizeof(*synth));
	if (synth == NULL) {
		dt_fail(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.writes.nknown; i++) {
		const wc_write *w = &c.writes.all[i];

		if (w->type == WC_REVOKE || w->key == NULL)
			continue; /* its keys are known only from watchers */
		synth[nsynth].rev = w->rev;
		synth[nsynth].type = w->type;
		synth[nsynth].key = w->key;
		synth[nsynth].value = w->value;
		synth[nsynth].response = (size_t)-1;
		nsynth++;
	}
	if (build_union(&c, synth, nsynth) != 0) {
		dt_fail(err, "out of memory");
		goto out;
	}
	check_invented(&c);
	for (size_t i = 0; i < c.ns; i++)
		check_session(&c, &c.s[i]);
	anomalies = json_object();
	types = json_array();
	for (int t = 0; t < A_COUNT; t++) {
		if (c.counts[t] == 0)
			continue;
		json_array_append_new(types, json_string(anomaly_names[t]));
		json_object_set_new(anomalies, anomaly_names[t], json_pack("{sIsO}",
			"count", (json_int_t)c.counts[t], "examples", c.lists[t]));
	}
	{
		bool bad = json_array_size(types) > 0;
		json_t *v = bad ? json_false() : c.ns == 0 ? json_string("unknown") :
			    json_true();

		*result = json_pack("{sosIsIsIsIsIsIsoso}", "valid", v,
			"sessions", (json_int_t)c.ns,
			"watchers", (json_int_t)dt_map_count(processes),
			"events", (json_int_t)nevents,
			"distinct-events", (json_int_t)c.nall,
			"writes-acknowledged", (json_int_t)c.writes.nknown,
			"compacted-sessions", (json_int_t)compacted,
			"anomaly-types", types, "anomalies", anomalies);
		if (c.ns == 0)
			json_object_set_new(*result, "reason",
					    json_string("no watch session completed"));
	}
	rc = 0;
out:
	for (size_t i = 0; c.s != NULL && i < c.ns; i++)
		free(c.s[i].ev);
	free(c.s);
	free(c.all);
	free(synth);
	for (int t = 0; t < A_COUNT; t++)
		json_decref(c.lists[t]);
	wc_writes_free(&c.writes);
	dt_map_free(c.seen, NULL);
	dt_map_free(processes, NULL);
	return rc;
}

static const dt_option watch_options[] = {
	{ .name = "max-reported", .type = DT_OPT_INT, .def = "20", .min = 1,
	  .max = 100000, .doc = "examples kept of each kind of anomaly" },
	{ .name = NULL }
};

const dt_checker_type etcdrev_watch_checker = {
	.size = sizeof(dt_checker_type),
	.info = { .name = "watch", .version = "1.0",
		  .description = "etcd's watch guarantees: ordered, unique, atomic, "
				 "bookmarkable, resumable, reliable; no invented events",
		  .options = watch_options },
	.check = watch_check,
};
