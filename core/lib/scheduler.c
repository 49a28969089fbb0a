/* SPDX-License-Identifier: MIT */
/*
 * scheduler.c: worker threads, the rate limit and the nemesis thread.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "scheduler.h"

typedef struct weighted_op {
	const char *f;
	double cumulative; /* running sum of weights */
} weighted_op;

typedef struct worker {
	dt_sched *sched;
	dt_log_sink *log; /* a reference to the starting thread's log */
	pthread_t thread;
	int index;
	bool started;
	int64_t process;  /* its process number when it stopped */
} worker;

typedef struct nemesis_state {
	dt_sched_nemesis *n;
	bool active;
	struct timespec next_chance;
	struct timespec heal_at;
} nemesis_state;

struct dt_sched {
	dt_sched_config cfg;
	dt_log_sink *nemesis_log; /* a reference for the nemesis thread */
	atomic_bool stop;
	atomic_bool nemesis_stop; /* the faults are over, workers may go on */
	atomic_bool healed;       /* the nemesis thread has healed them all */
	atomic_bool workers_stop; /* the workers are over, the faults may not be */
	bool workers_joined;
	weighted_op *ops;
	size_t nops;
	double total_weight;

	pthread_mutex_t rate_lock;
	struct timespec next_slot;

	worker *workers;
	pthread_t nemesis_thread;
	bool nemesis_started;
	pthread_mutex_t nemesis_lock; /* guards nemesis_state.active */
	nemesis_state *nstate;
	dt_rng nemesis_rng;
	struct timespec end_at;   /* start + time limit, when has_end */
	struct timespec started;  /* when the threads started */
	bool has_end;
};

static void ts_add(struct timespec *t, double seconds)
{
	double whole = floor(seconds);

	t->tv_sec += (time_t)whole;
	t->tv_nsec += (long)((seconds - whole) * 1e9);
	while (t->tv_nsec >= 1000000000) {
		t->tv_nsec -= 1000000000;
		t->tv_sec++;
	}
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/* Whether the nemesis thread must end (the run, or only its faults). */
static bool nemesis_over(dt_sched *s)
{
	return atomic_load(&s->stop) || atomic_load(&s->nemesis_stop);
}

/* Whether the workers must end. */
static bool workers_over(dt_sched *s)
{
	return atomic_load(&s->stop) || atomic_load(&s->workers_stop);
}

/* Sleep until t (CLOCK_MONOTONIC) or stop (or, for the nemesis thread,
 * the end of the faults; for a worker, the end of the workers), in
 * slices of at most 50ms. */
static void sleep_until_or(dt_sched *s, const struct timespec *t, bool nemesis)
{
	for (;;) {
		struct timespec now, slice;

		if (nemesis ? nemesis_over(s) : workers_over(s))
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_cmp(&now, t) >= 0)
			return;
		slice = now;
		ts_add(&slice, 0.05);
		if (ts_cmp(&slice, t) > 0)
			slice = *t;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &slice, NULL);
	}
}

static void sleep_until(dt_sched *s, const struct timespec *t)
{
	sleep_until_or(s, t, false);
}

/* The rate limit: one shared schedule of slots, 1/rate apart.  A worker
 * that falls behind does not earn a burst: slots never lag the clock by
 * more than one interval. */
static void wait_turn(dt_sched *s)
{
	struct timespec slot, now;
	double interval;

	if (s->cfg.rate <= 0)
		return;
	interval = 1.0 / s->cfg.rate;
	pthread_mutex_lock(&s->rate_lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_cmp(&s->next_slot, &now) < 0)
		s->next_slot = now;
	slot = s->next_slot;
	ts_add(&s->next_slot, interval);
	pthread_mutex_unlock(&s->rate_lock);
	sleep_until(s, &slot);
}

static const char *choose_op(dt_sched *s, dt_rng *rng)
{
	double x = dt_rng_double(rng) * s->total_weight;

	for (size_t i = 0; i < s->nops; i++)
		if (x < s->ops[i].cumulative)
			return s->ops[i].f;
	return s->ops[s->nops - 1].f;
}

/* Record an event (the recorder only reads f, value, error and node);
 * returns its time in the history (ns), or -1 when the recorder has
 * failed. */
static int64_t record(dt_sched *s, int64_t process, dt_op_type type,
		      const char *f, const json_t *value, const char *error,
		      const char *node)
{
	dt_op op = {
		.process = process, .type = type, .f = (char *)f,
		.value = (json_t *)value, .error = (char *)error,
		.node = (char *)node,
	};

	return dt_history_append(s->cfg.history, &op) < 0 ? -1 : op.time;
}

static void *connect_retrying(dt_sched *s, int index)
{
	char err[DT_ERRBUF_SIZE];
	bool said = false;

	while (!workers_over(s)) {
		void *conn;
		struct timespec t;

		err[0] = '\0';
		conn = s->cfg.client->connect(s->cfg.client_data, index, err);
		if (conn != NULL)
			return conn;
		if (!said)
			dt_log(DT_LOG_WARN, "worker %d: cannot connect: %s "
			       "(retrying)", index, err);
		said = true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ts_add(&t, 0.2);
		sleep_until(s, &t);
	}
	return NULL;
}

/*
 * Each thread that runs plugin code gets an alternate signal stack, so
 * that a crash handler installed with SA_ONSTACK (dt-run's) can still
 * run and name the plugin when that code overflows its own stack.
 */
#define ALT_STACK_SIZE (64 * 1024)

static void *alt_stack_on(void)
{
	void *mem = malloc(ALT_STACK_SIZE);
	stack_t ss = { .ss_sp = mem, .ss_size = ALT_STACK_SIZE };

	if (mem != NULL && sigaltstack(&ss, NULL) != 0) {
		free(mem);
		mem = NULL;
	}
	return mem;
}

static void alt_stack_off(void *mem)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (mem == NULL)
		return;
	sigaltstack(&ss, NULL);
	free(mem);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	dt_sched *s = w->sched;
	int64_t process = w->index;
	dt_rng rng;
	void *conn;
	void *alt = alt_stack_on();

	dt_log_thread_set(w->log);
	dt_rng_seed(&rng, s->cfg.seed * 1000003 + (uint64_t)w->index + 1);
	conn = connect_retrying(s, w->index);
	while (conn != NULL && !workers_over(s)) {
		const char *f;
		json_t *value;
		dt_reply reply = { 0 };
		dt_op_type outcome;
		int64_t t0, t1;

		f = choose_op(s, &rng);
		value = s->cfg.workload->generate(s->cfg.workload_data, f, &rng);
		wait_turn(s);
		if (workers_over(s)) {
			json_decref(value);
			break;
		}
		/* The latency is the time between the invoke's and the
		 * completion's events in the history: the recorder reads the
		 * clock anyway, and a pair of clock_gettime calls more per op
		 * is measurable at a million ops a second. */
		t0 = record(s, process, DT_OP_INVOKE, f, value, NULL, NULL);
		outcome = s->cfg.client->invoke(conn, f, value, &reply);
		if (outcome != DT_OP_OK && outcome != DT_OP_FAIL)
			outcome = DT_OP_INFO;
		t1 = record(s, process, outcome, f,
			    outcome == DT_OP_OK && reply.value != NULL ?
			    reply.value : value, reply.error, reply.node);
		dt_metrics_record(s->cfg.metrics, w->index, f, outcome,
				  t0 >= 0 && t1 >= t0 ? t1 - t0 : 0);
		if (s->cfg.workload->completed != NULL)
			s->cfg.workload->completed(s->cfg.workload_data, &rng, f,
						   value, outcome,
						   outcome == DT_OP_OK ?
						   reply.value : NULL);
		json_decref(reply.value);
		json_decref(value);
		free(reply.error);
		if (outcome == DT_OP_INFO) {
			/* The op may still happen: this process can never
			 * invoke again.  Start afresh as a new one. */
			process += s->cfg.concurrency;
			s->cfg.client->disconnect(conn);
			conn = connect_retrying(s, w->index);
		}
	}
	if (conn != NULL)
		s->cfg.client->disconnect(conn);
	w->process = process;
	dt_log_thread_set(NULL);
	alt_stack_off(alt);
	return NULL;
}

size_t dt_sched_targets(const dt_nemesis_conf *conf, const dt_node *nodes,
			size_t nnodes, dt_rng *rng, size_t *out)
{
	size_t want = 0;

	if (nnodes == 0)
		return 0;
	switch (conf->target) {
	case DT_TARGET_ONE:
		want = 1;
		break;
	case DT_TARGET_ALL:
		want = nnodes;
		break;
	case DT_TARGET_FIXED:
		want = (size_t)conf->target_value;
		break;
	case DT_TARGET_FIXED_PERCENT:
		want = (size_t)floor(nnodes * conf->target_value / 100.0);
		break;
	case DT_TARGET_RANDOM_MAX_PERCENT: {
		size_t max = (size_t)floor(nnodes * conf->target_value / 100.0);

		want = max > 0 ? 1 + dt_rng_below(rng, max) : 0;
		break;
	}
	case DT_TARGET_NAMED: {
		size_t n = 0, i;
		json_t *name;

		json_array_foreach(conf->target_names, i, name)
			for (size_t k = 0; k < nnodes; k++)
				if (strcmp(nodes[k].name, json_string_value(name)) == 0)
					out[n++] = k;
		return n;
	}
	default:
		return 0; /* roles: dt_sched_role_targets */
	}
	if (want > nnodes)
		want = nnodes;
	/* A partial Fisher-Yates shuffle picks `want` distinct nodes. */
	for (size_t i = 0; i < nnodes; i++)
		out[i] = i;
	for (size_t i = 0; i < want; i++) {
		size_t j = i + dt_rng_below(rng, nnodes - i);
		size_t t = out[i];

		out[i] = out[j];
		out[j] = t;
	}
	/* In node order, for readable records. */
	for (size_t i = 1; i < want; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			size_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return want;
}

/* What a role string means: 1 primary (leader), 2 replica (follower),
 * 0 anything else (down, unknown). */
static int role_kind(const json_t *role)
{
	const char *r = json_string_value(role);

	if (r == NULL)
		return 0;
	if (strcmp(r, "primary") == 0 || strcmp(r, "leader") == 0)
		return 1;
	if (strcmp(r, "replica") == 0 || strcmp(r, "follower") == 0)
		return 2;
	return 0;
}

/* Move a random pick of `want` of cand[0..n) to its front. */
static void pick(size_t *cand, size_t n, size_t want, dt_rng *rng)
{
	for (size_t i = 0; i < want && i < n; i++) {
		size_t j = i + dt_rng_below(rng, n - i);
		size_t t = cand[i];

		cand[i] = cand[j];
		cand[j] = t;
	}
}

static void sort_indexes(size_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
			size_t t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

size_t dt_sched_role_targets(const dt_nemesis_conf *conf, const dt_node *nodes,
			     size_t nnodes, const json_t *roles, dt_rng *rng,
			     size_t *out)
{
	size_t np = 0, no = 0, n = 0;
	size_t *prim = calloc(nnodes + 1, sizeof(size_t));
	size_t *others = calloc(nnodes + 1, sizeof(size_t));

	if (prim == NULL || others == NULL || !json_is_object(roles)) {
		free(prim);
		free(others);
		return 0;
	}
	for (size_t i = 0; i < nnodes; i++) {
		int k = role_kind(json_object_get(roles, nodes[i].name));

		if (k == 1)
			prim[np++] = i;
		else
			others[no++] = i;
	}
	if (np > 0 || conf->target == DT_TARGET_REPLICAS) {
		switch (conf->target) {
		case DT_TARGET_PRIMARY:
			for (size_t i = 0; i < np; i++)
				out[n++] = prim[i];
			break;
		case DT_TARGET_REPLICAS:
			for (size_t i = 0; i < nnodes; i++)
				if (role_kind(json_object_get(roles, nodes[i].name)) == 2)
					out[n++] = i;
			break;
		case DT_TARGET_MINORITY_WITH_PRIMARY: {
			size_t minority = (nnodes - 1) / 2;

			out[n++] = prim[0];
			pick(others, no, minority > 1 ? minority - 1 : 0, rng);
			for (size_t i = 0; i + 1 < minority && i < no; i++)
				out[n++] = others[i];
			break;
		}
		case DT_TARGET_MAJORITY_WITHOUT_PRIMARY: {
			size_t majority = nnodes / 2 + 1;

			pick(others, no, majority, rng);
			for (size_t i = 0; i < majority && i < no; i++)
				out[n++] = others[i];
			break;
		}
		default:
			break;
		}
	}
	sort_indexes(out, n);
	free(prim);
	free(others);
	return n;
}

static json_t *describe(const dt_sched *s, const nemesis_state *ns,
			const size_t *targets, size_t n, json_t *what)
{
	json_t *v = json_is_object(what) ? json_incref(what) : json_object();
	json_t *names = json_array();

	json_object_set_new(v, "nemesis", json_string(ns->n->conf->name));
	/* which entry of the suite's nemesis list: two of one name differ */
	json_object_set_new(v, "entry", json_integer((json_int_t)(ns - s->nstate)));
	if (targets != NULL) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(names, json_string(s->cfg.nodes[targets[i]].name));
		json_object_set_new(v, "nodes", names);
	} else {
		json_decref(names);
	}
	if (what != NULL && !json_is_object(what))
		json_object_set(v, "detail", what);
	return v;
}

/* Log and record the outcome of a nemesis's start or heal: info with
 * what it did, or fail with why (a failed heal is an error: something
 * may be left broken). */
static void nemesis_outcome(dt_sched *s, const char *name, const char *f,
			    int rc, const json_t *v, const char *err)
{
	bool heal = strcmp(f, "heal") == 0;

	if (rc != 0) {
		dt_log(heal ? DT_LOG_ERROR : DT_LOG_WARN, "nemesis %s: %s failed: %s",
		       name, f, err);
		record(s, DT_PROCESS_NEMESIS, DT_OP_FAIL, f, v, err, NULL);
	} else {
		dt_log(DT_LOG_INFO, "nemesis %s: %s", name, heal ? "healed" : "started");
		record(s, DT_PROCESS_NEMESIS, DT_OP_INFO, f, v, NULL, NULL);
	}
}

/* Start a nemesis on targets (n of them; NULL: chosen by its target
 * selection), to be healed after duration seconds. */
static void nemesis_start_on(dt_sched *s, nemesis_state *ns, const size_t *given,
			     size_t ngiven, double duration)
{
	const char *name = ns->n->conf->name;
	size_t *targets = calloc(s->cfg.nnodes + 1, sizeof(size_t));
	size_t n;
	json_t *what = NULL, *v, *roles = NULL;
	const char *role = NULL;
	char err[DT_ERRBUF_SIZE] = "";
	int rc;

	if (targets == NULL)
		return;
	if (given != NULL) {
		n = 0;
		for (size_t i = 0; i < ngiven && n < s->cfg.nnodes; i++)
			if (given[i] < s->cfg.nnodes)
				targets[n++] = given[i];
	} else if (DT_TARGET_IS_ROLE(ns->n->conf->target)) {
		/* Who has the role now, as the client sees it. */
		roles = s->cfg.client->roles != NULL ?
			s->cfg.client->roles(s->cfg.client_data) : NULL;
		n = dt_sched_role_targets(ns->n->conf, s->cfg.nodes, s->cfg.nnodes,
					  roles, &s->nemesis_rng, targets);
		role = dt_target_mode_name(ns->n->conf->target);
	} else {
		n = dt_sched_targets(ns->n->conf, s->cfg.nodes, s->cfg.nnodes,
				     &s->nemesis_rng, targets);
	}
	v = describe(s, ns, targets, n, NULL);
	if (role != NULL) {
		json_object_set_new(v, "role", json_string(role));
		json_object_set(v, "roles", roles != NULL ? roles : json_null());
	}
	record(s, DT_PROCESS_NEMESIS, DT_OP_INVOKE, "start", v, NULL, NULL);
	json_decref(v);
	if (role != NULL && n == 0) {
		char *text = roles != NULL ? json_dumps(roles, JSON_COMPACT) : NULL;

		snprintf(err, sizeof(err), "target %s: no node has that role now "
			 "(the client says %s)", role, text ? text : "nothing");
		free(text);
		rc = -1;
	} else {
		rc = ns->n->type->start(ns->n->data, targets, n, &s->nemesis_rng,
					&what, err);
	}
	v = describe(s, ns, targets, n, what);
	if (role != NULL) {
		json_object_set_new(v, "role", json_string(role));
		json_object_set(v, "roles", roles != NULL ? roles : json_null());
	}
	nemesis_outcome(s, name, "start", rc, v, err);
	if (rc == 0) {
		pthread_mutex_lock(&s->nemesis_lock);
		ns->active = true;
		pthread_mutex_unlock(&s->nemesis_lock);
		clock_gettime(CLOCK_MONOTONIC, &ns->heal_at);
		ts_add(&ns->heal_at, duration);
		if (s->cfg.on_nemesis)
			s->cfg.on_nemesis(name, true, v, s->cfg.on_nemesis_arg);
	}
	json_decref(v);
	json_decref(what);
	json_decref(roles);
	free(targets);
}

static void nemesis_start(dt_sched *s, nemesis_state *ns)
{
	nemesis_start_on(s, ns, NULL, 0, ns->n->conf->duration);
}

static void nemesis_heal(dt_sched *s, nemesis_state *ns)
{
	const char *name = ns->n->conf->name;
	json_t *what = NULL, *v;
	char err[DT_ERRBUF_SIZE] = "";
	int rc;

	v = describe(s, ns, NULL, 0, NULL);
	record(s, DT_PROCESS_NEMESIS, DT_OP_INVOKE, "heal", v, NULL, NULL);
	json_decref(v);
	rc = ns->n->type->heal(ns->n->data, &what, err);
	v = describe(s, ns, NULL, 0, what);
	nemesis_outcome(s, name, "heal", rc, v, err);
	pthread_mutex_lock(&s->nemesis_lock);
	ns->active = false;
	pthread_mutex_unlock(&s->nemesis_lock);
	if (s->cfg.on_nemesis)
		s->cfg.on_nemesis(name, false, v, s->cfg.on_nemesis_arg);
	json_decref(v);
	json_decref(what);
}

/*
 * The explicit schedule: each listed fault at its time (from the run's
 * start), on its nodes, for its duration; a fault whose nemesis is still
 * active when its time comes waits for the heal.  Heals as usual.
 */
static void scheduled_loop(dt_sched *s)
{
	size_t next = 0;

	while (!nemesis_over(s)) {
		struct timespec now, wake;

		clock_gettime(CLOCK_MONOTONIC, &now);
		wake = now;
		ts_add(&wake, 3600);
		for (size_t i = 0; i < s->cfg.nnemeses; i++) {
			nemesis_state *ns = &s->nstate[i];

			if (ns->active && ts_cmp(&now, &ns->heal_at) >= 0)
				nemesis_heal(s, ns);
			if (ns->active && ts_cmp(&ns->heal_at, &wake) < 0)
				wake = ns->heal_at;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		while (next < s->cfg.nschedule && !nemesis_over(s)) {
			const dt_schedule_entry *e = &s->cfg.schedule[next];
			nemesis_state *ns = &s->nstate[e->nemesis];
			struct timespec at = s->started;

			ts_add(&at, e->at);
			if (ts_cmp(&now, &at) < 0) {
				if (ts_cmp(&at, &wake) < 0)
					wake = at;
				break;
			}
			if (s->has_end && ts_cmp(&now, &s->end_at) >= 0) {
				next = s->cfg.nschedule; /* none after the limit */
				break;
			}
			if (ns->active)
				break; /* after its heal */
			nemesis_start_on(s, ns, e->targets, e->ntargets, e->duration);
			next++;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (ns->active && ts_cmp(&ns->heal_at, &wake) < 0)
				wake = ns->heal_at;
		}
		sleep_until_or(s, &wake, true);
	}
}

static void *nemesis_main(void *arg)
{
	dt_sched *s = arg;
	void *alt = alt_stack_on();

	dt_log_thread_set(s->nemesis_log);
	if (s->cfg.has_schedule)
		scheduled_loop(s);
	while (!nemesis_over(s)) {
		struct timespec now, wake;

		clock_gettime(CLOCK_MONOTONIC, &now);
		wake = now;
		ts_add(&wake, 3600);
		for (size_t i = 0; i < s->cfg.nnemeses; i++) {
			nemesis_state *ns = &s->nstate[i];

			if (ns->active && ts_cmp(&now, &ns->heal_at) >= 0)
				nemesis_heal(s, ns);
			/* What came before (another nemesis's slow heal) took
			 * time: decide on the clock as it is now. */
			clock_gettime(CLOCK_MONOTONIC, &now);
			/* No fault starts at or after the time limit: it would
			 * be healed at once (a sliver the history records as
			 * a fault) or, after a slow heal, run past the end. */
			if (!ns->active && s->has_end &&
			    (ts_cmp(&ns->next_chance, &s->end_at) >= 0 ||
			     ts_cmp(&now, &s->end_at) >= 0)) {
				ns->next_chance = s->end_at;
				ts_add(&ns->next_chance, 86400 * 365.0);
			}
			if (!ns->active && ts_cmp(&now, &ns->next_chance) >= 0) {
				ts_add(&ns->next_chance, ns->n->conf->interval);
				if (ts_cmp(&ns->next_chance, &now) < 0) {
					ns->next_chance = now;
					ts_add(&ns->next_chance, ns->n->conf->interval);
				}
				if (dt_rng_double(&s->nemesis_rng) < ns->n->conf->probability)
					nemesis_start(s, ns);
			}
			if (nemesis_over(s))
				break;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (ns->active && ts_cmp(&ns->heal_at, &wake) < 0)
				wake = ns->heal_at;
			if (!ns->active && ts_cmp(&ns->next_chance, &wake) < 0)
				wake = ns->next_chance;
		}
		sleep_until_or(s, &wake, true);
	}
	/* The faults are over: heal everything still active. */
	for (size_t i = 0; i < s->cfg.nnemeses; i++)
		if (s->nstate[i].active)
			nemesis_heal(s, &s->nstate[i]);
	atomic_store(&s->healed, true);
	/* The processes a heal restarted were forked by this thread, and
	 * die with it (PR_SET_PDEATHSIG follows the thread, not the
	 * process): it lives on, idle, until the run's end, so that the
	 * recovery and the final reads find them running. */
	while (!atomic_load(&s->stop)) {
		struct timespec t = { 0, 50 * 1000000 };

		nanosleep(&t, NULL);
	}
	dt_log_thread_set(NULL);
	alt_stack_off(alt);
	return NULL;
}

static int build_ops(dt_sched *s, char *err)
{
	const dt_workload_op *ops = s->cfg.workload->ops;
	size_t n = 0;

	while (ops[n].f != NULL)
		n++;
	s->ops = calloc(n, sizeof(*s->ops));
	if (s->ops == NULL)
		return dt_fail(err, "out of memory");
	if (s->cfg.weights != NULL) {
		const char *f;
		json_t *w;

		json_object_foreach((json_t *)s->cfg.weights, f, w) {
			bool found = false;

			for (size_t i = 0; i < n; i++)
				found |= strcmp(ops[i].f, f) == 0;
			if (!found) {
				char names[256];
				size_t used = 0;

				for (size_t i = 0; i < n && used < sizeof(names); i++)
					used += snprintf(names + used, sizeof(names) - used,
							 "%s%s", i ? ", " : "", ops[i].f);
				return dt_conf_fail(s->cfg.weights, f, err,
					"workload %s has no operation '%s' (it has: %s)",
					s->cfg.workload->info.name, f, names);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *w = s->cfg.weights ?
			json_object_get(s->cfg.weights, ops[i].f) : NULL;
		double weight = w ? json_number_value(w) : ops[i].weight;

		if (s->cfg.weights != NULL && w == NULL)
			weight = 0; /* the suite listed the ops it wants */
		if (weight <= 0)
			continue;
		s->total_weight += weight;
		s->ops[s->nops].f = ops[i].f;
		s->ops[s->nops].cumulative = s->total_weight;
		s->nops++;
	}
	if (s->nops == 0)
		return dt_fail(err, "workload %s: every operation has weight 0",
			       s->cfg.workload->info.name);
	return 0;
}

dt_sched *dt_sched_start(const dt_sched_config *cfg, char *err)
{
	dt_sched *s = calloc(1, sizeof(*s));
	struct timespec now;

	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	atomic_init(&s->stop, false);
	atomic_init(&s->nemesis_stop, false);
	atomic_init(&s->healed, false);
	atomic_init(&s->workers_stop, false);
	pthread_mutex_init(&s->rate_lock, NULL);
	pthread_mutex_init(&s->nemesis_lock, NULL);
	dt_rng_seed(&s->nemesis_rng, cfg->seed ^ 0x6e656d65736973ULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->next_slot = now;
	s->started = now;
	if (cfg->time_limit > 0) {
		s->end_at = now;
		ts_add(&s->end_at, cfg->time_limit);
		s->has_end = true;
	}
	if (build_ops(s, err) != 0)
		goto fail;
	s->workers = calloc((size_t)cfg->concurrency, sizeof(*s->workers));
	s->nstate = calloc(cfg->nnemeses + 1, sizeof(*s->nstate));
	if (s->workers == NULL || s->nstate == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < cfg->nnemeses; i++) {
		s->nstate[i].n = &cfg->nemeses[i];
		s->nstate[i].next_chance = now;
		ts_add(&s->nstate[i].next_chance, cfg->nemeses[i].conf->interval);
	}
	for (long long i = 0; i < cfg->concurrency; i++) {
		worker *w = &s->workers[i];

		w->sched = s;
		w->index = (int)i;
		w->log = dt_log_thread_get();
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			dt_fail(err, "cannot start worker thread %lld: %s", i,
				strerror(errno));
			dt_sched_stop(s);
			return NULL;
		}
		w->started = true;
	}
	if (cfg->nnemeses > 0) {
		s->nemesis_log = dt_log_thread_get();
		if (pthread_create(&s->nemesis_thread, NULL, nemesis_main, s) != 0) {
			dt_fail(err, "cannot start the nemesis thread");
			dt_sched_stop(s);
			return NULL;
		}
		s->nemesis_started = true;
	}
	return s;
fail:
	free(s->ops);
	free(s->workers);
	free(s->nstate);
	pthread_mutex_destroy(&s->rate_lock);
	pthread_mutex_destroy(&s->nemesis_lock);
	free(s);
	return NULL;
}

void dt_sched_stop_nemeses(dt_sched *s)
{
	if (s == NULL || !s->nemesis_started)
		return;
	atomic_store(&s->nemesis_stop, true);
	while (!atomic_load(&s->healed)) {
		struct timespec t = { 0, 10 * 1000000 };

		nanosleep(&t, NULL);
	}
}

/* Join the workers (once); *next gets a process number none used. */
static void join_workers(dt_sched *s, int64_t *next_process)
{
	int64_t next = 0;

	if (!s->workers_joined) {
		for (long long i = 0; i < s->cfg.concurrency; i++)
			if (s->workers[i].started)
				pthread_join(s->workers[i].thread, NULL);
		s->workers_joined = true;
	}
	for (long long i = 0; i < s->cfg.concurrency; i++)
		if (s->workers[i].started && s->workers[i].process + 1 > next)
			next = s->workers[i].process + 1;
	if (next < s->cfg.concurrency)
		next = s->cfg.concurrency;
	if (next_process != NULL)
		*next_process = next;
}

void dt_sched_stop_workers(dt_sched *s, int64_t *next_process)
{
	if (s == NULL)
		return;
	atomic_store(&s->workers_stop, true);
	join_workers(s, next_process);
}

void dt_sched_stop(dt_sched *s)
{
	dt_sched_finish(s, NULL);
}

void dt_sched_finish(dt_sched *s, int64_t *next_process)
{
	if (s == NULL)
		return;
	atomic_store(&s->stop, true);
	join_workers(s, next_process);
	if (s->nemesis_started)
		pthread_join(s->nemesis_thread, NULL);
	free(s->ops);
	free(s->workers);
	free(s->nstate);
	pthread_mutex_destroy(&s->rate_lock);
	pthread_mutex_destroy(&s->nemesis_lock);
	free(s);
}

void dt_sched_active(dt_sched *s, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&s->nemesis_lock);
	for (size_t i = 0; i < s->cfg.nnemeses && used < size; i++)
		if (s->nstate[i].active)
			used += snprintf(buf + used, size - used, "%s%s",
					 used ? "," : "", s->nstate[i].n->conf->name);
	pthread_mutex_unlock(&s->nemesis_lock);
}
