/*
 * run.c: one run from suite to verdict (see run.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history.h"
#include "log.h"
#include "run.h"
#include "scheduler.h"
#include "store.h"

struct dt_run {
	dt_run_opts opts;
	dt_registry *reg;
	bool own_reg;
	dt_suite *suite;
	const dt_client_type *client;
	const dt_workload_type *workload;
	const dt_platform_type *platform; /* NULL: the chart needs no nodes */
	dt_sched_nemesis *nemeses;
	char run_id[16];
	char *dir;
	json_t *results;
	atomic_bool cancel;
	dt_run_observer observer;
	void *observer_arg;
};

const char *dt_state_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("DT_STATE_DIR");

	if (env != NULL && env[0] == '/')
		return env;
	if (geteuid() == 0)
		return "/run/dt";
	snprintf(dir, sizeof(dir), "/tmp/dt-%u", (unsigned)geteuid());
	return dir;
}

int dt_verdict_code(const json_t *valid)
{
	if (json_is_true(valid))
		return DT_EXIT_VALID;
	if (json_is_false(valid))
		return DT_EXIT_INVALID;
	return DT_EXIT_UNKNOWN;
}

static void emit(dt_run *r, const dt_run_event *ev)
{
	if (r->observer != NULL)
		r->observer(ev, r->observer_arg);
}

static void emit_phase(dt_run *r, const char *phase)
{
	dt_run_event ev = { .kind = DT_RUN_PHASE, .phase = phase };

	dt_log(DT_LOG_DEBUG, "phase: %s", phase);
	emit(r, &ev);
}

static bool chart_has_nodes(const dt_suite *s)
{
	const json_t *local = json_object_get(s->chart_doc->root, "local");
	const json_t *nodes = json_object_get(local, "nodes");

	if (strcmp(s->platform, "local") != 0)
		return true;
	return local != NULL && !(json_is_integer(nodes) &&
				  json_integer_value(nodes) == 0);
}

static int resolve_plugins(dt_run *r, char *err)
{
	const dt_suite *s = r->suite;
	const dt_component *c;
	char e[DT_ERRBUF_SIZE];

#define GET(kind, name, path)                                              \
	do {                                                               \
		c = dt_registry_get(r->reg, kind, name, e);                \
		if (c == NULL)                                             \
			return dt_doc_fail(s->doc, path, err, "%s", e);    \
	} while (0)

	GET(DT_KIND_CLIENT, s->client, s->client_config ? "client.name" : "client");
	r->client = c->type;
	GET(DT_KIND_WORKLOAD, s->workload,
	    s->workload_config ? "workload.name" : "workload");
	r->workload = c->type;
	if (chart_has_nodes(s)) {
		GET(DT_KIND_PLATFORM, s->platform, "platform");
		r->platform = c->type;
	}
	r->nemeses = calloc(s->nnemeses + 1, sizeof(*r->nemeses));
	if (r->nemeses == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < s->nnemeses; i++) {
		char p[64];

		snprintf(p, sizeof(p), "nemesis[%zu].name", i);
		GET(DT_KIND_NEMESIS, s->nemeses[i].name, p);
		r->nemeses[i].conf = &s->nemeses[i];
		r->nemeses[i].type = c->type;
	}
	for (size_t i = 0; i < s->ncheckers; i++) {
		char p[64];

		snprintf(p, sizeof(p), "checkers[%zu]", i);
		GET(DT_KIND_CHECKER, s->checkers[i].name, p);
	}
#undef GET
	return 0;
}

dt_run *dt_run_new(const dt_run_opts *opts, char *err)
{
	dt_run *r = calloc(1, sizeof(*r));
	char e[DT_ERRBUF_SIZE];

	if (r == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	r->opts = *opts;
	atomic_init(&r->cancel, false);
	r->suite = dt_suite_load(opts->suite, opts->suite_path,
				 opts->chart_path, err);
	if (r->suite == NULL)
		goto fail;
	if (opts->platform != NULL)
		r->suite->platform = opts->platform;
	if (opts->time_limit >= 0)
		r->suite->time_limit = opts->time_limit;
	if (opts->concurrency > 0)
		r->suite->concurrency = opts->concurrency;
	if (opts->rate >= 0)
		r->suite->rate = opts->rate;
	if (opts->has_seed) {
		r->suite->seed = opts->seed;
		r->suite->has_seed = true;
	}
	if (!r->suite->has_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r->suite->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20);
		r->suite->seed %= 1000000000ULL;
	}
	if (opts->nemesis != NULL &&
	    dt_suite_select_nemeses(r->suite, opts->nemesis, err) != 0)
		goto fail;
	if (opts->registry != NULL) {
		r->reg = opts->registry;
	} else {
		r->reg = dt_registry_new(opts->plugin_path);
		r->own_reg = true;
		if (r->reg == NULL) {
			dt_fail(err, "out of memory");
			goto fail;
		}
	}
	if (resolve_plugins(r, e) != 0) {
		snprintf(err, DT_ERRBUF_SIZE, "%s", e);
		goto fail;
	}
	return r;
fail:
	dt_run_free(r);
	return NULL;
}

void dt_run_set_observer(dt_run *r, dt_run_observer fn, void *arg)
{
	r->observer = fn;
	r->observer_arg = arg;
}

void dt_run_cancel(dt_run *r)
{
	atomic_store(&r->cancel, true);
}

const char *dt_run_dir(const dt_run *r)
{
	return r->dir;
}

const json_t *dt_run_results(const dt_run *r)
{
	return r->results;
}

void dt_run_free(dt_run *r)
{
	if (r == NULL)
		return;
	free(r->nemeses);
	dt_suite_free(r->suite);
	if (r->own_reg)
		dt_registry_free(r->reg);
	json_decref(r->results);
	free(r->dir);
	free(r);
}

static void make_run_id(char *buf, size_t size)
{
	unsigned char b[3] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			b[0] = (unsigned char)getpid();
		close(fd);
	}
	snprintf(buf, size, "%02x%02x%02x", b[0], b[1], b[2]);
}

/* For platforms: stop waiting (for a slow node) once the run is cancelled. */
static bool run_cancelled(void *arg)
{
	return atomic_load(&((dt_run *)arg)->cancel);
}

static void on_nemesis(const char *name, bool start, const json_t *what, void *arg)
{
	dt_run *r = arg;
	dt_run_event ev = { .kind = DT_RUN_NEMESIS, .active = name,
			    .phase = start ? "start" : "heal", .detail = what };

	emit(r, &ev);
}

json_t *dt_run_checkers(dt_registry *reg, const dt_suite *s,
			const dt_history *h, const char *store_dir)
{
	json_t *results = json_object();
	json_t *per = json_object();
	bool any_false = false, any_unknown = false;
	const dt_workload_type *wl = dt_registry_find(reg, DT_KIND_WORKLOAD, s->workload);

	for (size_t i = 0; i < s->ncheckers; i++) {
		const dt_checker_type *ct =
			dt_registry_find(reg, DT_KIND_CHECKER, s->checkers[i].name);
		dt_checker_env env = {
			.config = s->checkers[i].config,
			.workload = s->workload,
			.workload_config = s->workload_config,
			.default_model = wl ? wl->model : NULL,
			.registry = reg,
			.store_dir = store_dir,
		};
		char err[DT_ERRBUF_SIZE] = "";
		json_t *res = NULL;
		struct timespec t0, t1;
		double timeout = 0;

		json_t *to = json_object_get(s->checkers[i].config, "timeout");
		if (to != NULL)
			timeout = dt_parse_duration(to);
		env.timeout = timeout > 0 ? timeout : 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (ct == NULL || ct->check(&env, h, &res, err) != 0 || res == NULL) {
			json_decref(res);
			res = json_pack("{ssss}", "valid", "unknown", "error",
					ct == NULL ? "checker not loaded" : err);
			dt_log(DT_LOG_ERROR, "checker %s: %s", s->checkers[i].name,
			       ct == NULL ? "not loaded" : err);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		json_object_set_new(res, "seconds",
				    json_real((double)(t1.tv_sec - t0.tv_sec) +
					      (t1.tv_nsec - t0.tv_nsec) / 1e9));
		{
			json_t *v = json_object_get(res, "valid");

			if (json_is_false(v))
				any_false = true;
			else if (!json_is_true(v))
				any_unknown = true;
		}
		/* Two checkers of one name (two models) get #2, #3... */
		if (json_object_get(per, s->checkers[i].name) != NULL) {
			char key[128];

			snprintf(key, sizeof(key), "%s#%zu", s->checkers[i].name, i + 1);
			json_object_set_new(per, key, res);
		} else {
			json_object_set_new(per, s->checkers[i].name, res);
		}
	}
	json_object_set_new(results, "valid", any_false ? json_false() :
			    any_unknown || s->ncheckers == 0 ? json_string("unknown") :
			    json_true());
	json_object_set_new(results, "checkers", per);
	{
		uint64_t c[4] = { 0 };

		for (size_t i = 0; i < h->count; i++)
			if (h->ops[i].process != DT_PROCESS_NEMESIS)
				c[h->ops[i].type]++;
		json_object_set_new(results, "counts",
			json_pack("{sIsIsIsI}", "invoke", (json_int_t)c[0],
				  "ok", (json_int_t)c[1], "fail", (json_int_t)c[2],
				  "info", (json_int_t)c[3]));
	}
	return results;
}

json_t *dt_run_recheck(dt_registry *reg, const char *dir, char *err)
{
	char path[PATH_MAX];
	dt_suite *s = NULL;
	dt_history *h = NULL;
	json_t *res = NULL;

	/* suite.json is the suite as it ran (overrides applied, chart
	 * inlined): the checkers and their models as they were. */
	if (snprintf(path, sizeof(path), "%s/suite.json", dir) >= (int)sizeof(path)) {
		dt_fail(err, "%s: path too long", dir);
		return NULL;
	}
	if (access(path, R_OK) != 0) {
		dt_fail(err, "%s: not a run folder (no suite.json: %s)", dir,
			strerror(errno));
		return NULL;
	}
	s = dt_suite_load(path, NULL, NULL, err);
	if (s == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	h = dt_history_read_jsonl(path, err);
	if (h == NULL)
		goto out;
	/* dt_run_checkers finds components already loaded: load them. */
	if (dt_registry_get(reg, DT_KIND_WORKLOAD, s->workload, err) == NULL)
		goto out;
	for (size_t i = 0; i < s->ncheckers; i++)
		if (dt_registry_get(reg, DT_KIND_CHECKER, s->checkers[i].name,
				    err) == NULL)
			goto out;
	res = dt_run_checkers(reg, s, h, dir);
	json_object_set_new(res, "suite", json_string(s->name));
	json_object_set_new(res, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(res, "rechecked", json_true());
	if (dt_store_write_json(dir, "results.json", res, err) != 0) {
		json_decref(res);
		res = NULL;
	}
out:
	dt_history_free(h);
	dt_suite_free(s);
	return res;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Wait out the time limit (or a cancel), reporting progress.  A history
 * that can no longer be written ends the run at once: -1 with err. */
static int wait_run(dt_run *r, dt_sched *sched, dt_history_writer *hw, char *err)
{
	struct timespec t0;
	uint64_t last_done = 0;
	double last_t = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		double el = seconds_since(&t0);
		uint64_t c[4];
		char active[256];
		dt_run_event ev = { .kind = DT_RUN_PROGRESS };
		struct timespec nap = { 0, 100 * 1000000 };

		if (dt_history_failed(hw, err) != 0)
			return -1;
		if (atomic_load(&r->cancel) || el >= r->suite->time_limit)
			break;
		if (el - last_t >= 1.0 || last_t == 0) {
			dt_history_counts(hw, c);
			dt_sched_active(sched, active, sizeof(active));
			ev.elapsed = el;
			ev.limit = r->suite->time_limit;
			ev.ok = c[DT_OP_OK];
			ev.fail = c[DT_OP_FAIL];
			ev.info = c[DT_OP_INFO];
			{
				uint64_t done = c[1] + c[2] + c[3];

				ev.rate = el > last_t ? (double)(done - last_done) / (el - last_t) : 0;
				last_done = done;
			}
			last_t = el;
			ev.active = active;
			emit(r, &ev);
		}
		{
			double left = r->suite->time_limit - el;

			if (left < 0.1)
				nap.tv_nsec = (long)(left * 1e9);
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* --dry-run: say what the run would do, and let the platform print the
 * commands it would run; nothing is started and nothing is written. */
static int dry_run(dt_run *r, char *err)
{
	const dt_suite *s = r->suite;
	char e[DT_ERRBUF_SIZE] = "";

	printf("suite %s (seed %llu): %lld workers, %s, %.1f s, timeout %.3f s\n",
	       s->name, (unsigned long long)s->seed, s->concurrency,
	       s->rate > 0 ? "rate-limited" : "no rate limit", s->time_limit,
	       s->timeout);
	printf("  chart     %s\n", s->chart);
	printf("  platform  %s\n", r->platform ? s->platform : "none (the chart has no nodes)");
	printf("  client    %s\n  workload  %s\n", s->client, s->workload);
	for (size_t i = 0; i < s->nnemeses; i++)
		printf("  nemesis   %s: probability %.2f every %.1f s for %.1f s\n",
		       s->nemeses[i].name, s->nemeses[i].probability,
		       s->nemeses[i].interval, s->nemeses[i].duration);
	for (size_t i = 0; i < s->ncheckers; i++)
		printf("  checker   %s\n", s->checkers[i].name);
	fflush(stdout);
	if (r->platform != NULL) {
		json_t *resolved = dt_suite_to_json(s);
		dt_platform_env penv = {
			.run_id = r->run_id, .store_dir = NULL,
			.state_dir = dt_state_dir(),
			.chart = s->chart_doc->root, .chart_file = s->chart_doc->file,
			.suite = resolved,
			.config = json_object_get(s->doc->root, "platform"),
			.keep = r->opts.keep, .dry_run = true,
		};
		void *p = r->platform->setup(&penv, e);

		json_decref(resolved);
		if (p == NULL) {
			dt_fail(err, "platform %s: %s", s->platform, e);
			return DT_EXIT_INFRA;
		}
		r->platform->teardown(p);
	}
	return DT_EXIT_VALID;
}

int dt_run_execute(dt_run *r, char *err)
{
	dt_suite *s = r->suite;
	dt_history_writer *hw = NULL;
	void *platform = NULL, *client = NULL, *workload = NULL;
	dt_node *nodes = NULL;
	size_t nnodes = 0, ncreated = 0;
	dt_sched *sched = NULL;
	dt_metrics *metrics = NULL;
	int status = DT_EXIT_INFRA;
	char path[PATH_MAX];
	char e[DT_ERRBUF_SIZE] = "";
	json_t *resolved;
	dt_history *h;

	make_run_id(r->run_id, sizeof(r->run_id));
	if (r->opts.dry_run)
		return dry_run(r, err);
	r->dir = dt_store_make_run_dir(r->opts.store ? r->opts.store : "store",
				       r->opts.run_dir, s->name, err);
	if (r->dir == NULL)
		return DT_EXIT_INFRA;
	snprintf(path, sizeof(path), "%s/dt.log", r->dir);
	dt_log_open(path);
	dt_log(DT_LOG_INFO, "run %s of suite %s in %s (seed %llu)", r->run_id,
	       s->name, r->dir, (unsigned long long)s->seed);
	resolved = dt_suite_to_json(s);
	if (dt_store_write_json(r->dir, "suite.json", resolved, err) != 0) {
		json_decref(resolved);
		goto out;
	}
	emit_phase(r, "setup");

	workload = r->workload->create ?
		r->workload->create(s->workload_config, e) : NULL;
	if (r->workload->create && workload == NULL) {
		dt_fail(err, "workload %s: %s", s->workload, e);
		json_decref(resolved);
		goto out;
	}
	if (r->platform != NULL) {
		dt_platform_env penv = {
			.run_id = r->run_id, .store_dir = r->dir,
			.state_dir = dt_state_dir(),
			.chart = s->chart_doc->root, .chart_file = s->chart_doc->file,
			.suite = resolved,
			.config = json_object_get(s->doc->root, "platform"),
			.keep = r->opts.keep, .dry_run = r->opts.dry_run,
			.cancelled = run_cancelled, .cancelled_arg = r,
		};

		platform = r->platform->setup(&penv, e);
		if (platform == NULL) {
			dt_fail(err, "platform %s: %s", s->platform, e);
			json_decref(resolved);
			goto out;
		}
		nnodes = r->platform->nodes(platform, &nodes);
	}
	json_decref(resolved);
	{
		dt_client_env cenv = {
			.config = s->client_config, .workload = s->workload,
			.workload_config = s->workload_config,
			.nodes = nodes, .nnodes = nnodes, .store_dir = r->dir,
			.timeout = s->timeout,
		};

		client = r->client->open(&cenv, e);
		if (client == NULL) {
			dt_fail(err, "client %s: %s", s->client, e);
			goto out;
		}
		if (r->client->setup && r->client->setup(client, e) != 0) {
			dt_fail(err, "client %s: setup: %s", s->client, e);
			goto out;
		}
	}
	for (; ncreated < s->nnemeses; ncreated++) {
		dt_nemesis_env nenv = {
			.platform = r->platform, .platform_data = platform,
			.nodes = nodes, .nnodes = nnodes,
			.config = s->nemeses[ncreated].config, .run_id = r->run_id,
		};

		r->nemeses[ncreated].data = r->nemeses[ncreated].type->create(&nenv, e);
		if (r->nemeses[ncreated].data == NULL) {
			dt_conf_fail(s->nemeses[ncreated].config, NULL, err,
				     "nemesis %s: %s", s->nemeses[ncreated].name, e);
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/history.jsonl", r->dir);
	hw = dt_history_writer_open(path, err);
	if (hw == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/metrics.jsonl", r->dir);
	metrics = dt_metrics_start(path, hw, (size_t)s->concurrency, r->client,
				   client, err);
	if (metrics == NULL)
		goto out;
	{
		dt_sched_config sc = {
			.client = r->client, .client_data = client,
			.workload = r->workload, .workload_data = workload,
			.weights = s->weights, .history = hw, .metrics = metrics,
			.concurrency = s->concurrency, .rate = s->rate,
			.time_limit = s->time_limit, .seed = s->seed, .nemeses = r->nemeses,
			.nnemeses = s->nnemeses, .nodes = nodes, .nnodes = nnodes,
			.on_nemesis = on_nemesis, .on_nemesis_arg = r,
		};

		emit_phase(r, "running");
		sched = dt_sched_start(&sc, err);
		if (sched == NULL)
			goto out;
	}
	if (wait_run(r, sched, hw, e) != 0) {
		dt_fail(err, "history: %s", e);
		goto out; /* status stays DT_EXIT_INFRA: no verdict */
	}
	dt_sched_stop(sched);
	sched = NULL;
	dt_metrics_stop(metrics);
	metrics = NULL;
	if (atomic_load(&r->cancel))
		dt_log(DT_LOG_WARN, "run cancelled: nemeses healed, checking "
		       "the history recorded so far");
	status = DT_EXIT_UNKNOWN; /* from here on, the history stands */
out:
	dt_sched_stop(sched);
	dt_metrics_stop(metrics);
	for (size_t i = 0; i < ncreated; i++)
		r->nemeses[i].type->destroy(r->nemeses[i].data);
	if (client != NULL)
		r->client->close(client);
	if (platform != NULL)
		r->platform->teardown(platform);
	if (workload != NULL && r->workload->destroy)
		r->workload->destroy(workload);
	if (hw != NULL && dt_history_writer_close(hw, e) != 0 &&
	    status == DT_EXIT_UNKNOWN) {
		dt_fail(err, "history: %s", e);
		status = DT_EXIT_INFRA;
	}
	if (status != DT_EXIT_UNKNOWN) {
		if (status >= DT_EXIT_USAGE)
			dt_log(DT_LOG_ERROR, "%s", err);
		dt_log_close();
		return status;
	}

	emit_phase(r, "checking");
	snprintf(path, sizeof(path), "%s/history.jsonl", r->dir);
	h = dt_history_read_jsonl(path, err);
	if (h == NULL) {
		dt_log_close();
		return DT_EXIT_INFRA;
	}
	r->results = dt_run_checkers(r->reg, s, h, r->dir);
	dt_history_free(h);
	json_object_set_new(r->results, "suite", json_string(s->name));
	json_object_set_new(r->results, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(r->results, "cancelled", json_boolean(atomic_load(&r->cancel)));
	if (dt_store_write_json(r->dir, "results.json", r->results, err) != 0) {
		dt_log_close();
		return DT_EXIT_INFRA;
	}
	status = dt_verdict_code(json_object_get(r->results, "valid"));
	{
		dt_run_event ev = { .kind = DT_RUN_VERDICT, .detail = r->results };

		emit(r, &ev);
	}
	dt_log(DT_LOG_INFO, "verdict: %s", status == DT_EXIT_VALID ? "valid" :
	       status == DT_EXIT_INVALID ? "invalid" : "unknown");
	dt_log_close();
	return status;
}
