/*
 * The scheduler, with a client, workload and nemesis defined here:
 * weights honoured, the rate held, the final heal always made, an info
 * op retiring its process, targets chosen as configured.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	(void)n; (void)t; (void)rng; (void)err;
	atomic_fetch_add(&starts, 1);
	*what = json_pack("{si}", "targets", (int)nt);
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

static dt_history *run_for(dt_sched_config *cfg, double seconds)
{
	char err[DT_ERRBUF_SIZE] = "";
	struct timespec ts = { (time_t)seconds, (long)((seconds - floor(seconds)) * 1e9) };
	dt_sched *s;
	dt_history *h;

	cfg->client = &client;
	cfg->workload = &workload;
	cfg->history = hw;
	s = dt_sched_start(cfg, err);
	cr_assert_not_null(s, "%s", err);
	nanosleep(&ts, NULL);
	dt_sched_stop(s);
	cr_assert_eq(dt_history_writer_close(hw, err), 0, "%s", err);
	hw = NULL;
	h = dt_history_read_jsonl(path, err);
	cr_assert_not_null(h, "%s", err);
	return h;
}

Test(scheduler, weights_are_honoured)
{
	dt_sched_config cfg = { .concurrency = 2, .seed = 1 };
	dt_history *h = run_for(&cfg, 0.3);
	size_t a = 0, b = 0;
	double share;

	for (size_t i = 0; i < h->count; i++)
		if (h->ops[i].type == DT_OP_INVOKE)
			strcmp(h->ops[i].f, "a") == 0 ? a++ : b++;
	cr_assert_gt(a + b, 2000, "only %zu ops", a + b);
	/* b has weight 3 of 4: within 5 standard deviations of 0.75 */
	share = (double)b / (double)(a + b);
	cr_assert_lt(fabs(share - 0.75), 5 * sqrt(0.75 * 0.25 / (double)(a + b)),
		     "share of b: %f over %zu ops", share, a + b);
	dt_history_free(h);
}

Test(scheduler, suite_weights_override_and_zero_removes)
{
	json_t *weights = json_pack("{sisi}", "a", 1, "b", 0);
	dt_sched_config cfg = { .concurrency = 2, .seed = 1, .weights = weights };
	dt_history *h = run_for(&cfg, 0.1);

	for (size_t i = 0; i < h->count; i++)
		cr_assert_str_eq(h->ops[i].f, "a");
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

Test(scheduler, same_seed_same_choices)
{
	dt_rng a, b;

	dt_rng_seed(&a, 42);
	dt_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(dt_rng_next(&a), dt_rng_next(&b));
}
