/* SPDX-License-Identifier: MIT */
/*
 * The scheduler, with a client, workload and nemesis defined here:
 * weights honoured, the rate held, the final heal always made, an info
 * op retiring its process, targets chosen as configured; and with the
 * mem client and bank workload from the build tree, the same seed
 * making the same choices.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"
#include "scheduler.h"

/* ---- a client that answers at once; every Nth op is info ---- */

static atomic_int calls;
static int info_every;

static void *c_open(const dt_client_env *env, char *err) { (void)env; (void)err; return &calls; }
static void *c_connect(void *c, int w, char *err) { (void)c; (void)w; (void)err; return &calls; }
static void c_disconnect(void *c) { (void)c; }
static void c_close(void *c) { (void)c; }

static dt_op_type c_invoke(void *conn, const char *f, const json_t *v,
			   dt_reply *reply)
{
	int n = atomic_fetch_add(&calls, 1) + 1;

	(void)conn; (void)f; (void)v; (void)reply;
	if (info_every > 0 && n % info_every == 0)
		return DT_OP_INFO;
	return DT_OP_OK;
}

static const dt_client_type client = {
	.size = sizeof(dt_client_type),
	.info = { "t", "0", "" }, .create = c_open, .connect = c_connect,
	.invoke = c_invoke, .disconnect = c_disconnect, .destroy = c_close,
};

static json_t *w_generate(void *w, const char *f, dt_rng *rng)
{
	(void)w; (void)f;
	return json_integer((json_int_t)dt_rng_below(rng, 100));
}

static const dt_workload_op wops[] = { { "a", 1 }, { "b", 3 }, { NULL, 0 } };
static const dt_workload_type workload = {
	.size = sizeof(dt_workload_type),
	.info = { "t", "0", "" }, .ops = wops, .generate = w_generate,
};

/* ---- a nemesis that counts ---- */

static atomic_int starts, heals;

static void *n_create(const dt_nemesis_env *env, char *err) { (void)env; (void)err; return &starts; }
static void n_destroy(void *n) { (void)n; }
static int n_start(void *n, const size_t *t, size_t nt, dt_rng *rng, json_t **what, char *err)
{
	(void)n; (void)t; (void)err;
	atomic_fetch_add(&starts, 1);
	/* a draw from the scheduler's generator, so that a test can see the
	 * nemesis is given the same one under the same seed */
	*what = json_pack("{sisI}", "targets", (int)nt,
			  "draw", (json_int_t)dt_rng_below(rng, 1000000));
	return 0;
}
static int n_heal(void *n, json_t **what, char *err)
{
	(void)n; (void)what; (void)err;
	atomic_fetch_add(&heals, 1);
	return 0;
}
static const dt_nemesis_type nemesis = {
	.size = sizeof(dt_nemesis_type),
	.info = { "count", "0", "" }, .create = n_create, .start = n_start,
	.heal = n_heal, .destroy = n_destroy,
};

static char path[] = "/tmp/dt-test-sched-XXXXXX";
static dt_history_writer *hw;

static void setup(void)
{
	char err[DT_ERRBUF_SIZE];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	hw = dt_history_writer_open(path, err);
	cr_assert_not_null(hw, "%s", err);
	atomic_store(&calls, 0);
	atomic_store(&starts, 0);
	atomic_store(&heals, 0);
	info_every = 0;
}

static void teardown(void)
{
	unlink(path);
}

TestSuite(scheduler, .init = setup, .fini = teardown);

/* Run the scheduler until `invokes` operations have been invoked or
 * `seconds` have passed, whichever comes first (0 invokes: the time
 * only); the history it wrote.  The test's client and workload unless
 * cfg names others. */
static dt_history *run_until(dt_sched_config *cfg, size_t invokes, double seconds)
{
	char err[DT_ERRBUF_SIZE] = "";
	struct timespec start, now, tick = { 0, 10 * 1000 * 1000 };
	dt_sched *s;
	dt_history *h;

	if (hw == NULL)
		hw = dt_history_writer_open(path, err);
	cr_assert_not_null(hw, "%s", err);
	if (cfg->client == NULL)
		cfg->client = &client;
	if (cfg->workload == NULL)
		cfg->workload = &workload;
	cfg->history = hw;
	s = dt_sched_start(cfg, err);
	cr_assert_not_null(s, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		uint64_t counts[4];
		struct timespec left = tick;
		double elapsed;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - start.tv_sec) +
			  (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		dt_history_counts(hw, counts);
		if (elapsed >= seconds || (invokes > 0 && counts[DT_OP_INVOKE] >= invokes))
			break;
		if (seconds - elapsed < 0.01)
			left.tv_nsec = (long)((seconds - elapsed) * 1e9);
		nanosleep(&left, NULL);
	}
	dt_sched_stop(s);
	cr_assert_eq(dt_history_writer_close(hw, err), 0, "%s", err);
	hw = NULL;
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	return h;
}

static dt_history *run_for(dt_sched_config *cfg, double seconds)
{
	return run_until(cfg, 0, seconds);
}

/*
 * b has weight 3 of 4.  The share of b among the first N invokes is
 * within t of 0.75 except with probability at most 2 exp(-2 N t^2)
 * (Hoeffding: each choice is a draw of its own).  N = 5000, t = 0.05:
 * 2 exp(-25) = 2.8e-11, below 1e-9, so a correct scheduler does not
 * fail here by chance; a wrong one does (equal weights give 0.5, weights
 * swapped 0.25, the first op always 0).
 */
#define WEIGHT_SAMPLE 5000
#define WEIGHT_TOLERANCE 0.05

Test(scheduler, weights_are_honoured)
{
	dt_sched_config cfg = { .concurrency = 2, .seed = 1 };
	dt_history *h = run_until(&cfg, WEIGHT_SAMPLE, 20);
	size_t a = 0, b = 0;
	double share;

	for (size_t i = 0; i < h->count && a + b < WEIGHT_SAMPLE; i++) {
		if (h->ops[i].type != DT_OP_INVOKE)
			continue;
		if (strcmp(h->ops[i].f, "a") == 0)
			a++;
		else if (strcmp(h->ops[i].f, "b") == 0)
			b++;
		else
			cr_assert_fail("op %zu: no operation '%s'", i, h->ops[i].f);
	}
	cr_assert_eq(a + b, WEIGHT_SAMPLE, "only %zu ops in 20 s", a + b);
	share = (double)b / (double)(a + b);
	cr_assert_lt(fabs(share - 0.75), WEIGHT_TOLERANCE,
		     "share of b: %f over %zu ops", share, a + b);
	dt_history_free(h);
}

/* Weights given: b (0) is never chosen, over enough invokes that a
 * scheduler ignoring the override would have chosen it (0.75 each). */
Test(scheduler, suite_weights_override_and_zero_removes)
{
	json_t *weights = json_pack("{sisi}", "a", 1, "b", 0);
	dt_sched_config cfg = { .concurrency = 2, .seed = 1, .weights = weights };
	dt_history *h = run_until(&cfg, 1000, 20);
	size_t invokes = 0;

	for (size_t i = 0; i < h->count; i++) {
		cr_assert_str_eq(h->ops[i].f, "a");
		invokes += h->ops[i].type == DT_OP_INVOKE;
	}
	cr_assert_geq(invokes, 1000, "only %zu ops in 20 s", invokes);
	dt_history_free(h);
	json_decref(weights);
}

Test(scheduler, rate_is_held)
{
	dt_sched_config cfg = { .concurrency = 4, .seed = 2, .rate = 200 };
	dt_history *h;
	size_t invokes = 0;

	/* valgrind slows every thread too much for a rate to mean anything */
	if (getenv("DT_UNDER_VALGRIND") != NULL)
		cr_skip_test("a rate cannot be measured under valgrind");
	h = run_for(&cfg, 1.0);
	for (size_t i = 0; i < h->count; i++)
		invokes += h->ops[i].type == DT_OP_INVOKE;
	/* 200/s for 1 s: never above (the limit holds); below only by
	 * what a loaded machine's scheduling delays cost */
	cr_assert(invokes >= 140 && invokes <= 205, "%zu invokes at 200/s", invokes);
	dt_history_free(h);
}

Test(scheduler, info_retires_the_process)
{
	dt_sched_config cfg = { .concurrency = 3, .seed = 3, .rate = 2000 };
	dt_history *h;
	/* at most 400 ops (2000/s for 0.2 s): at most 57 infos, so process
	 * numbers stay under 2 + 3 * 57 */
	int64_t open_invoke[1024];
	bool seen_after_info[1024] = { false };
	size_t infos = 0;

	info_every = 7;
	h = run_for(&cfg, 0.2);
	memset(open_invoke, -1, sizeof(open_invoke));
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		cr_assert_lt(op->process, 1024);
		if (op->type == DT_OP_INFO) {
			infos++;
			seen_after_info[op->process] = true;
			continue;
		}
		/* a process that had an info op never appears again */
		cr_assert(!seen_after_info[op->process],
			  "process %lld used after its info op", (long long)op->process);
		/* the replacement is process + concurrency */
	}
	cr_assert_gt(infos, 3);
	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].process >= 3)
			goto replaced;
	cr_assert_fail("no replacement process appeared");
replaced:
	dt_history_free(h);
	(void)open_invoke;
}

Test(scheduler, every_started_nemesis_is_healed_at_the_end)
{
	dt_node nodes[3] = { { .name = "n1" }, { .name = "n2" }, { .name = "n3" } };
	dt_nemesis_conf nc = { .name = "count", .probability = 1, .interval = 0.05,
			       .duration = 100, .target = DT_TARGET_ALL };
	dt_sched_nemesis sn = { .conf = &nc, .type = &nemesis, .data = &starts };
	dt_sched_config cfg = { .concurrency = 1, .seed = 4, .rate = 100,
				.nemeses = &sn, .nnemeses = 1, .nodes = nodes, .nnodes = 3 };
	dt_history *h = run_for(&cfg, 0.3);
	size_t recorded = 0;

	/* the duration (100 s) outlasts the run: the heal comes from stop */
	cr_assert_eq(atomic_load(&starts), 1);
	cr_assert_eq(atomic_load(&heals), 1);
	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].process == DT_PROCESS_NEMESIS) {
			recorded++;
			if (h->ops[i].type == DT_OP_INFO && strcmp(h->ops[i].f, "start") == 0)
				cr_assert_eq(json_array_size(json_object_get(h->ops[i].value, "nodes")), 3);
		}
	cr_assert_eq(recorded, 4, "start and heal, invoke and info each");
	dt_history_free(h);
}

Test(scheduler, short_duration_heals_and_starts_again)
{
	dt_nemesis_conf nc = { .name = "count", .probability = 1, .interval = 0.05,
			       .duration = 0.02, .target = DT_TARGET_ONE };
	dt_sched_nemesis sn = { .conf = &nc, .type = &nemesis, .data = &starts };
	dt_sched_config cfg = { .concurrency = 1, .seed = 5, .rate = 100,
				.nemeses = &sn, .nnemeses = 1 };
	dt_history *h = run_for(&cfg, 0.5);

	cr_assert_geq(atomic_load(&starts), 4);
	cr_assert_eq(atomic_load(&starts), atomic_load(&heals));
	dt_history_free(h);
}

/* No fault starts at or after the time limit (the run is stopping):
 * with chances every 0.1 s and a 0.3 s limit, those at 0.1 and 0.2
 * start, those at 0.3 and 0.4 do not, though stop comes at 0.45. */
Test(scheduler, no_nemesis_starts_at_the_time_limit)
{
	dt_nemesis_conf nc = { .name = "count", .probability = 1, .interval = 0.1,
			       .duration = 0.05, .target = DT_TARGET_ONE };
	dt_sched_nemesis sn = { .conf = &nc, .type = &nemesis, .data = &starts };
	dt_sched_config cfg = { .concurrency = 1, .seed = 6, .rate = 100,
				.time_limit = 0.3, .nemeses = &sn, .nnemeses = 1 };
	dt_history *h = run_for(&cfg, 0.45);

	cr_assert_eq(atomic_load(&starts), 2);
	cr_assert_eq(atomic_load(&heals), 2);
	dt_history_free(h);
}

/* Roles as the client reports them, resolved into targets. */
Test(scheduler, role_targets)
{
	dt_node nodes[5];
	size_t out[5];
	dt_rng rng;
	dt_nemesis_conf nc = { .target = DT_TARGET_PRIMARY };
	json_t *roles = json_pack("{s:s, s:s, s:s, s:s, s:s}", "n1", "replica",
				  "n2", "primary", "n3", "follower", "n4", "down",
				  "n5", "stale-primary");

	memset(nodes, 0, sizeof(nodes));
	for (int i = 0; i < 5; i++)
		snprintf(nodes[i].name, sizeof(nodes[i].name), "n%d", i + 1);
	dt_rng_seed(&rng, 9);
	cr_assert_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 1);
	cr_expect_eq(out[0], 1);
	nc.target = DT_TARGET_REPLICAS;
	cr_assert_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 2);
	cr_expect(out[0] == 0 && out[1] == 2);
	for (int i = 0; i < 50; i++) {
		nc.target = DT_TARGET_MINORITY_WITH_PRIMARY;
		cr_assert_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 2);
		cr_expect(out[0] == 1 || out[1] == 1, "no primary in the minority");
		cr_expect_neq(out[0], out[1]);
		nc.target = DT_TARGET_MAJORITY_WITHOUT_PRIMARY;
		cr_assert_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 3);
		for (int k = 0; k < 3; k++)
			cr_expect_neq(out[k], 1, "the primary in the majority");
		cr_expect(out[0] < out[1] && out[1] < out[2]);
	}
	/* the leader spelling; no primary at all: no target */
	json_object_set_new(roles, "n2", json_string("leader"));
	nc.target = DT_TARGET_PRIMARY;
	cr_assert_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 1);
	json_object_set_new(roles, "n2", json_string("down"));
	cr_expect_eq(dt_sched_role_targets(&nc, nodes, 5, roles, &rng, out), 0);
	cr_expect_eq(dt_sched_role_targets(&nc, nodes, 5, NULL, &rng, out), 0);
	json_decref(roles);
}

Test(scheduler, targets)
{
	dt_node nodes[5];
	size_t out[5];
	dt_rng rng;
	dt_nemesis_conf nc = { .target = DT_TARGET_FIXED, .target_value = 2 };

	memset(nodes, 0, sizeof(nodes));
	for (int i = 0; i < 5; i++)
		snprintf(nodes[i].name, sizeof(nodes[i].name), "n%d", i + 1);
	dt_rng_seed(&rng, 9);
	cr_assert_eq(dt_sched_targets(&nc, nodes, 5, &rng, out), 2);
	cr_assert_neq(out[0], out[1]);
	nc.target = DT_TARGET_FIXED_PERCENT;
	nc.target_value = 60;
	cr_assert_eq(dt_sched_targets(&nc, nodes, 5, &rng, out), 3);
	nc.target = DT_TARGET_ALL;
	cr_assert_eq(dt_sched_targets(&nc, nodes, 5, &rng, out), 5);
	nc.target = DT_TARGET_RANDOM_MAX_PERCENT;
	nc.target_value = 40;
	for (int i = 0; i < 100; i++) {
		size_t n = dt_sched_targets(&nc, nodes, 5, &rng, out);

		cr_assert(n >= 1 && n <= 2);
	}
	nc.target = DT_TARGET_NAMED;
	nc.target_names = json_pack("[ss]", "n4", "n2");
	cr_assert_eq(dt_sched_targets(&nc, nodes, 5, &rng, out), 2);
	cr_assert_eq(out[0], 3);
	cr_assert_eq(out[1], 1);
	json_decref(nc.target_names);
}

/* ---- the same seed, the same choices: mem and bank, no system ---- */

#define SEED_WORKERS 3

/* What one run chose: per worker, the [f, value] of each invoke in
 * order; and each nemesis start (its targets and the draw the nemesis
 * made from the generator it was given). */
typedef struct choices {
	json_t *worker[SEED_WORKERS];
	json_t *starts;
} choices;

/* Run the mem client under the bank workload (both loaded from the build
 * tree) and the counting nemesis with probability 0.5 over five named
 * nodes (names only: mem needs no system) for 0.3 s; what it chose.
 * Which ops and values a worker draws, and which chances the nemesis
 * takes, come from the seed alone; how many there are in 0.3 s is the
 * machine's, so runs are compared on their common length. */
static void run_mem_bank(uint64_t seed, choices *out)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_registry *reg = dt_registry_new(NULL);
	const dt_component *cc = dt_registry_get(reg, DT_KIND_CLIENT, "mem", err);
	const dt_component *wc = dt_registry_get(reg, DT_KIND_WORKLOAD, "bank", err);
	json_t *wl = json_pack("{sisisi}", "accounts", 5, "balance", 100,
			       "max-transfer", 50);
	dt_client_env env = { .workload = "bank", .workload_config = wl, .timeout = 1 };
	dt_node nodes[5];
	dt_nemesis_conf nc = { .name = "count", .probability = 0.5, .interval = 0.01,
			       .duration = 0.005, .target = DT_TARGET_RANDOM_MAX_PERCENT,
			       .target_value = 60 };
	dt_sched_nemesis sn = { .conf = &nc, .type = &nemesis, .data = &starts };
	dt_sched_config cfg = { .concurrency = SEED_WORKERS, .seed = seed, .rate = 2000,
				.nemeses = &sn, .nnemeses = 1, .nodes = nodes, .nnodes = 5 };
	const dt_client_type *ct;
	const dt_workload_type *wt;
	dt_history *h;

	cr_assert_not_null(cc, "%s", err);
	cr_assert_not_null(wc, "%s", err);
	ct = cc->type;
	wt = wc->type;
	memset(nodes, 0, sizeof(nodes));
	for (int i = 0; i < 5; i++)
		snprintf(nodes[i].name, sizeof(nodes[i].name), "n%d", i + 1);
	cfg.client = ct;
	cfg.workload = wt;
	cfg.client_data = ct->create(&env, err);
	cr_assert_not_null(cfg.client_data, "%s", err);
	cr_assert_eq(ct->prepare(cfg.client_data, err), 0, "%s", err);
	cfg.workload_data = wt->create(wl, err);
	cr_assert_not_null(cfg.workload_data, "%s", err);
	h = run_for(&cfg, 0.3);
	for (int w = 0; w < SEED_WORKERS; w++)
		out->worker[w] = json_array();
	out->starts = json_array();
	for (size_t i = 0; i < h->count; i++) {
		const dt_op *op = &h->ops[i];

		if (op->process == DT_PROCESS_NEMESIS) {
			if (op->type == DT_OP_INFO && strcmp(op->f, "start") == 0)
				json_array_append(out->starts, op->value);
			continue;
		}
		/* mem never answers info: no process is retired */
		cr_assert_lt(op->process, SEED_WORKERS);
		if (op->type == DT_OP_INVOKE)
			json_array_append_new(out->worker[op->process],
					      json_pack("[sO]", op->f, op->value));
	}
	dt_history_free(h);
	wt->destroy(cfg.workload_data);
	ct->destroy(cfg.client_data);
	json_decref(wl);
	dt_registry_free(reg);
}

static void choices_free(choices *c)
{
	for (int w = 0; w < SEED_WORKERS; w++)
		json_decref(c->worker[w]);
	json_decref(c->starts);
}

/* How many leading entries x and y share. */
static size_t common_prefix(const json_t *x, const json_t *y)
{
	size_t n = 0;

	while (n < json_array_size(x) && n < json_array_size(y) &&
	       json_equal(json_array_get(x, n), json_array_get(y, n)))
		n++;
	return n;
}

/* x and y agree as far as both go, and go at least `min` far. */
static void expect_same(const json_t *x, const json_t *y, size_t min, const char *what)
{
	size_t nx = json_array_size(x), ny = json_array_size(y);
	size_t n = common_prefix(x, y);

	cr_expect_eq(n, nx < ny ? nx : ny, "%s: entry %zu differs (of %zu and %zu)",
		     what, n, nx, ny);
	cr_expect_geq(nx < ny ? nx : ny, min, "%s: only %zu and %zu", what, nx, ny);
}

Test(scheduler, same_seed_same_choices, .timeout = 30)
{
	choices a, b, c;
	char what[32];

	run_mem_bank(42, &a);
	run_mem_bank(42, &b);
	run_mem_bank(43, &c);
	for (int w = 0; w < SEED_WORKERS; w++) {
		snprintf(what, sizeof(what), "worker %d", w);
		expect_same(a.worker[w], b.worker[w], 50, what);
		/* another seed: other ops and values from the first ones
		 * (20 equal by chance: below 2^-20, reads alone) */
		cr_expect_lt(common_prefix(a.worker[w], c.worker[w]), 20,
			     "%s: seeds 42 and 43 chose the same", what);
	}
	expect_same(a.starts, b.starts, 3, "nemesis starts");
	cr_expect_lt(common_prefix(a.starts, c.starts), 3,
		     "nemesis: seeds 42 and 43 chose the same");
	choices_free(&a);
	choices_free(&b);
	choices_free(&c);
}
