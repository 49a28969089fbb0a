/* SPDX-License-Identifier: MIT */
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
#include "owned.h"
#include "run.h"
#include "scheduler.h"
#include "store.h"
#include "timeline.h"

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

/* $DT_STATE_DIR, /run/dt for root, else the user's runtime folder
 * ($XDG_RUNTIME_DIR/dt, private and emptied at logout, as the network
 * namespaces it lists), else /tmp/dt-UID.  Whatever it is, it is used
 * only once dt_owned_dir has found it the user's own (a /tmp/dt-UID
 * planted by someone else is refused, never used). */
const char *dt_state_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("DT_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (env != NULL && env[0] == '/')
		return env;
	if (geteuid() == 0)
		return "/run/dt";
	if (xdg != NULL && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/dt", xdg);
	else
		snprintf(dir, sizeof(dir), "/tmp/dt-%u", (unsigned)geteuid());
	return dir;
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

/* The components the suite resolved to (dt_suite_check found them). */
static void take_components(dt_run *r)
{
	const dt_suite *s = r->suite;

	r->client = s->client_type;
	r->workload = s->workload_type;
	r->platform = s->platform_type;
	for (size_t i = 0; i < s->nnemeses; i++) {
		r->nemeses[i].conf = &s->nemeses[i];
		r->nemeses[i].type = s->nemesis_types[i];
	}
}

/* --platform P: the suite's platform section, if it has one for another
 * platform, does not apply to P. */
static int override_platform(dt_suite *s, const char *name, char *err)
{
	json_t *obj;

	if (strcmp(s->platform, name) == 0)
		return 0;
	obj = json_pack("{ss}", "name", name);
	if (obj == NULL || json_object_set_new(s->doc->root, "platform", obj) != 0)
		return dt_fail(err, "out of memory");
	s->platform_config = obj;
	s->platform = json_string_value(json_object_get(obj, "name"));
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
	if (opts->platform != NULL &&
	    override_platform(r->suite, opts->platform, err) != 0)
		goto fail;
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
	if (dt_suite_check(r->suite, r->reg, e) != 0) {
		snprintf(err, DT_ERRBUF_SIZE, "%s", e);
		goto fail;
	}
	r->nemeses = calloc(r->suite->nnemeses + 1, sizeof(*r->nemeses));
	if (r->nemeses == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	take_components(r);
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
		printf("  nemesis   %s: probability %.2f every %.1f s for %.1f s%s%s\n",
		       s->nemeses[i].name, s->nemeses[i].probability,
		       s->nemeses[i].interval, s->nemeses[i].duration,
		       DT_TARGET_IS_ROLE(s->nemeses[i].target) ? ", aimed at the " : "",
		       DT_TARGET_IS_ROLE(s->nemeses[i].target) ?
		       dt_target_mode_name(s->nemeses[i].target) : "");
	if (s->recovery > 0)
		printf("  recovery  %.1f s after the heal%s\n", s->recovery,
		       s->recovery_workload ? ", the workload running" : "");
	if (s->final_reads && r->workload->final_reads != NULL)
		printf("  final     the workload's final reads (each retried up to %.0f s)\n",
		       s->final_timeout);
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
			.config = s->platform_config,
			.keep = r->opts.keep, .dry_run = true,
		};
		void *p = r->platform->create(&penv, e);

		json_decref(resolved);
		if (p == NULL) {
			dt_fail(err, "platform %s: %s", s->platform, e);
			return DT_EXIT_INFRA;
		}
		r->platform->destroy(p);
	}
	return DT_EXIT_VALID;
}

/*
 * The phases of a run, in order; each one's time goes to results.json
 * ("phases") and the dashboard, and a phase that takes far longer than
 * it should is named in the log.
 */
enum {
	PH_SETUP, PH_RUNNING, PH_HEALING, PH_RECOVERY, PH_FINAL, PH_TEARDOWN,
	PH_CHECKING, PH_COUNT
};

static const char *const phase_names[PH_COUNT] = {
	"setup", "running", "healing", "recovery", "final", "teardown", "checking"
};

/* What a run holds while it executes; released in reverse order. */
typedef struct run_parts {
	dt_history_writer *hw;
	void *platform, *client, *workload;
	dt_node *nodes;
	size_t nnodes, ncreated;
	dt_sched *sched;
	dt_metrics *metrics;
	struct timespec phase_t0;
	int phase;
	double phase_secs[PH_COUNT];
	double ran_for;          /* seconds of workload before the end */
	int64_t next_process;    /* the first process the final reads use */
	bool claimed;
	char *version;           /* the client's version(), or NULL */
} run_parts;

static void phase_enter(dt_run *r, run_parts *rp, int phase)
{
	if (rp->phase >= 0)
		rp->phase_secs[rp->phase] = seconds_since(&rp->phase_t0);
	clock_gettime(CLOCK_MONOTONIC, &rp->phase_t0);
	rp->phase = phase;
	if (phase < PH_COUNT)
		emit_phase(r, phase_names[phase]);
}

/* The phases' seconds for results.json; a phase that overran (running
 * past its time limit by more than 2 s, healing or teardown past 10 s)
 * is said in the log, so a run that took longer than it should says
 * why. */
static json_t *phases_json(const dt_run *r, const run_parts *rp)
{
	json_t *j = json_object();

	for (int i = 0; i < PH_COUNT; i++)
		if ((i != PH_RECOVERY && i != PH_FINAL) || rp->phase_secs[i] > 0)
			json_object_set_new(j, phase_names[i], json_real(rp->phase_secs[i]));
	if (rp->phase_secs[PH_RUNNING] > r->suite->time_limit + 2)
		dt_log(DT_LOG_WARN, "the running phase took %.1f s, %.1f s past the "
		       "time limit (a nemesis start or heal that did not end)",
		       rp->phase_secs[PH_RUNNING],
		       rp->phase_secs[PH_RUNNING] - r->suite->time_limit);
	if (rp->phase_secs[PH_HEALING] > 10)
		dt_log(DT_LOG_WARN, "healing the nemeses and stopping the workers "
		       "took %.1f s", rp->phase_secs[PH_HEALING]);
	if (rp->phase_secs[PH_TEARDOWN] > 10)
		dt_log(DT_LOG_WARN, "teardown took %.1f s", rp->phase_secs[PH_TEARDOWN]);
	return j;
}

/* A setup error placed in the suite or chart (file:line:col: ...) is a
 * configuration error, whatever stage found it; others are the
 * infrastructure's. */
static int setup_status(const dt_suite *s, const char *err)
{
	if (strncmp(err, s->doc->file, strlen(s->doc->file)) == 0 ||
	    strncmp(err, s->chart_doc->file, strlen(s->chart_doc->file)) == 0)
		return DT_EXIT_CONFIG;
	return DT_EXIT_INFRA;
}

/* Store folder, log, suite.json, the claim that `dt-run cleanup` finds
 * if the run is killed, the workload, the platform's nodes, the client,
 * the nemeses.  DT_EXIT_* on failure (err says why), 0 when set up. */
static int phase_setup(dt_run *r, run_parts *rp, char *err)
{
	dt_suite *s = r->suite;
	char path[PATH_MAX], e[DT_ERRBUF_SIZE] = "";
	json_t *resolved;

	/* The platform's state files there say what a cleanup removes and
	 * signals: a folder someone else controls is refused. */
	if (dt_owned_dir(dt_state_dir(), "state folder", true, err) != 0)
		return DT_EXIT_INFRA;
	r->dir = dt_store_make_run_dir(r->opts.store ? r->opts.store : "store",
				       r->opts.run_dir, s->name, err);
	if (r->dir == NULL)
		return DT_EXIT_INFRA;
	snprintf(path, sizeof(path), "%s/dt.log", r->dir);
	dt_log_open(path);
	dt_log(DT_LOG_INFO, "run %s of suite %s in %s (seed %llu)", r->run_id,
	       s->name, r->dir, (unsigned long long)s->seed);
	if (dt_store_claim(dt_state_dir(), r->run_id, r->dir, e) == 0)
		rp->claimed = true;
	else
		dt_log(DT_LOG_WARN, "%s (`dt-run cleanup` will not find this run "
		       "if it is killed)", e);
	resolved = dt_suite_to_json(s);
	if (dt_store_write_json(r->dir, "suite.json", resolved, err) != 0) {
		json_decref(resolved);
		return DT_EXIT_INFRA;
	}
	phase_enter(r, rp, PH_SETUP);
	if (r->workload->create != NULL) {
		rp->workload = r->workload->create(s->workload_config, e);
		if (rp->workload == NULL) {
			dt_fail(err, "workload %s: %s", s->workload, e);
			json_decref(resolved);
			return DT_EXIT_INFRA;
		}
	}
	if (r->platform != NULL) {
		dt_platform_env penv = {
			.run_id = r->run_id, .store_dir = r->dir,
			.state_dir = dt_state_dir(),
			.chart = s->chart_doc->root, .chart_file = s->chart_doc->file,
			.suite = resolved, .config = s->platform_config,
			.keep = r->opts.keep, .dry_run = false,
			.cancelled = run_cancelled, .cancelled_arg = r,
		};

		rp->platform = r->platform->create(&penv, e);
		if (rp->platform == NULL) {
			dt_fail(err, "platform %s: %s", s->platform, e);
			json_decref(resolved);
			return DT_EXIT_INFRA;
		}
		rp->nnodes = r->platform->nodes(rp->platform, &rp->nodes);
	}
	json_decref(resolved);
	{
		dt_client_env cenv = {
			.config = s->client_config, .workload = s->workload,
			.workload_config = s->workload_config,
			.nodes = rp->nodes, .nnodes = rp->nnodes, .store_dir = r->dir,
			.timeout = s->timeout,
		};

		rp->client = r->client->create(&cenv, e);
		if (rp->client == NULL) {
			dt_fail(err, "client %s: %s", s->client, e);
			return DT_EXIT_INFRA;
		}
		if (r->client->prepare && r->client->prepare(rp->client, e) != 0) {
			dt_fail(err, "client %s: prepare: %s", s->client, e);
			return DT_EXIT_INFRA;
		}
		/* The system's version, as its servers say: trends show a
		 * regression after an upgrade. */
		if (r->client->version != NULL)
			rp->version = r->client->version(rp->client);
	}
	for (; rp->ncreated < s->nnemeses; rp->ncreated++) {
		size_t i = rp->ncreated;
		dt_nemesis_env nenv = {
			.platform = r->platform, .platform_data = rp->platform,
			.nodes = rp->nodes, .nnodes = rp->nnodes,
			.config = s->nemeses[i].config, .run_id = r->run_id,
		};

		r->nemeses[i].data = r->nemeses[i].type->create(&nenv, e);
		if (r->nemeses[i].data == NULL) {
			/* A message already placed (file:line:col) keeps its
			 * place; a bare one gets the entry's. */
			if (strncmp(e, s->doc->file, strlen(s->doc->file)) == 0)
				dt_fail(err, "%s", e);
			else
				dt_conf_fail(s->nemeses[i].config, NULL, err,
					     "nemesis %s: %s", s->nemeses[i].name, e);
			return DT_EXIT_INFRA;
		}
	}
	return 0;
}

/* Whether the suite has phases after the faults: a recovery or the
 * workload's final reads. */
static bool has_after(const dt_run *r)
{
	return r->suite->recovery > 0 ||
	       (r->suite->final_reads && r->workload->final_reads != NULL);
}

/* The recovery: the cluster left alone (or under the workload alone)
 * for the suite's recovery, reporting progress as the run does. */
static void wait_recovery(dt_run *r, run_parts *rp)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		double el = seconds_since(&t0);
		uint64_t c[4];
		dt_run_event ev = { .kind = DT_RUN_PROGRESS, .phase = "recovery",
				    .active = "" };

		if (atomic_load(&r->cancel) || el >= r->suite->recovery)
			return;
		dt_history_counts(rp->hw, c);
		ev.elapsed = el;
		ev.limit = r->suite->recovery;
		ev.ok = c[DT_OP_OK];
		ev.fail = c[DT_OP_FAIL];
		ev.info = c[DT_OP_INFO];
		emit(r, &ev);
		dt_sleep(r->suite->recovery - el < 1 ? r->suite->recovery - el : 1);
	}
}

/* Record one event of the final phase; its time, or -1. */
static int64_t record_final(run_parts *rp, int64_t process, dt_op_type type,
			    const char *f, const json_t *value, const char *error,
			    const char *node)
{
	dt_op op = {
		.process = process, .type = type, .f = (char *)f,
		.value = (json_t *)value, .error = (char *)error,
		.node = (char *)node, .flags = DT_OP_FLAG_FINAL,
	};

	return dt_history_append(rp->hw, &op) < 0 ? -1 : op.time;
}

/*
 * The final reads (Jepsen's final generator): each of the workload's,
 * on a connection of its own, until it succeeds or the suite's
 * final-reads-timeout passes; a failed try is recorded and tried again
 * half a second later, an unknown one (info) moves to a new process.
 * Every event is marked final.  How many did not succeed.
 */
static size_t final_reads(dt_run *r, run_parts *rp)
{
	dt_suite *s = r->suite;
	json_t *reads = r->workload->final_reads(rp->workload);
	int64_t process = rp->next_process;
	void *conn = NULL;
	size_t i, missed = 0;
	json_t *one;

	json_array_foreach(reads, i, one) {
		const char *f = json_string_value(json_object_get(one, "f"));
		const json_t *value = json_object_get(one, "value");
		dt_deadline d;
		char last[DT_ERRBUF_SIZE] = "no try";
		bool done = false;

		if (f == NULL)
			continue;
		dt_deadline_set(&d, s->final_timeout);
		while (!done && !atomic_load(&r->cancel) && !dt_deadline_expired(&d)) {
			dt_reply reply = { 0 };
			dt_op_type t;
			char e[DT_ERRBUF_SIZE] = "";

			if (conn == NULL) {
				conn = r->client->connect(rp->client, (int)s->concurrency, e);
				if (conn == NULL) {
					snprintf(last, sizeof(last), "cannot connect: %s", e);
					dt_deadline_nap(&d, 0.5);
					continue;
				}
			}
			record_final(rp, process, DT_OP_INVOKE, f, value, NULL, NULL);
			t = r->client->invoke(conn, f, value, &reply);
			if (t != DT_OP_OK && t != DT_OP_FAIL)
				t = DT_OP_INFO;
			record_final(rp, process, t, f, t == DT_OP_OK && reply.value != NULL ?
				     reply.value : value, reply.error, reply.node);
			done = t == DT_OP_OK;
			if (!done)
				snprintf(last, sizeof(last), "%s", reply.error ? reply.error :
					 dt_op_type_name(t));
			json_decref(reply.value);
			free(reply.error);
			if (t == DT_OP_INFO) {
				r->client->disconnect(conn);
				conn = NULL;
				process++;
			}
			if (!done)
				dt_deadline_nap(&d, 0.5);
		}
		if (!done) {
			missed++;
			dt_log(DT_LOG_WARN, "final read %s did not succeed in %.0f s (%s)",
			       f, s->final_timeout, last);
		}
	}
	if (conn != NULL)
		r->client->disconnect(conn);
	json_decref(reads);
	return missed;
}

/* After the time limit: heal every fault; then, when the suite has
 * them, the recovery (the workload stopped, unless recovery-workload)
 * and the final reads. */
static void phase_after(dt_run *r, run_parts *rp)
{
	dt_suite *s = r->suite;

	phase_enter(r, rp, PH_HEALING);
	if (!has_after(r) || atomic_load(&r->cancel)) {
		dt_sched_finish(rp->sched, &rp->next_process);
		rp->sched = NULL;
		return;
	}
	/* The scheduler stays until the end: the nemesis thread, idle,
	 * is the parent of the processes its heals restarted. */
	dt_sched_stop_nemeses(rp->sched);
	if (!s->recovery_workload)
		dt_sched_stop_workers(rp->sched, &rp->next_process);
	if (s->recovery > 0) {
		phase_enter(r, rp, PH_RECOVERY);
		dt_log(DT_LOG_INFO, "recovery: %.1f s with every fault healed%s",
		       s->recovery, s->recovery_workload ? ", the workload running" : "");
		wait_recovery(r, rp);
	}
	dt_sched_stop_workers(rp->sched, &rp->next_process);
	if (s->final_reads && r->workload->final_reads != NULL &&
	    !atomic_load(&r->cancel)) {
		size_t missed;

		phase_enter(r, rp, PH_FINAL);
		missed = final_reads(r, rp);
		dt_log(DT_LOG_INFO, "final reads done%s", missed ? " (some did not "
		       "succeed: the checkers judge without them)" : "");
	}
	dt_sched_finish(rp->sched, NULL);
	rp->sched = NULL;
}

/* The workers and nemeses until the time limit or a cancel. */
static int phase_run(dt_run *r, run_parts *rp, char *err)
{
	dt_suite *s = r->suite;
	char path[PATH_MAX], e[DT_ERRBUF_SIZE] = "";
	struct timespec t0;

	snprintf(path, sizeof(path), "%s/history.jsonl", r->dir);
	rp->hw = dt_history_writer_open(path, err);
	if (rp->hw == NULL)
		return DT_EXIT_INFRA;
	snprintf(path, sizeof(path), "%s/metrics.jsonl", r->dir);
	rp->metrics = dt_metrics_start(path, rp->hw, (size_t)s->concurrency,
				       r->client, rp->client, err);
	if (rp->metrics == NULL)
		return DT_EXIT_INFRA;
	{
		dt_sched_config sc = {
			.client = r->client, .client_data = rp->client,
			.workload = r->workload, .workload_data = rp->workload,
			.weights = s->weights, .history = rp->hw, .metrics = rp->metrics,
			.concurrency = s->concurrency, .rate = s->rate,
			.time_limit = s->time_limit, .seed = s->seed,
			.nemeses = r->nemeses, .nnemeses = s->nnemeses,
			.nodes = rp->nodes, .nnodes = rp->nnodes,
			.on_nemesis = on_nemesis, .on_nemesis_arg = r,
			.schedule = s->schedule, .nschedule = s->nschedule,
			.has_schedule = s->has_schedule,
		};

		phase_enter(r, rp, PH_RUNNING);
		rp->sched = dt_sched_start(&sc, err);
		if (rp->sched == NULL)
			return DT_EXIT_INFRA;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (wait_run(r, rp->sched, rp->hw, e) != 0) {
		dt_fail(err, "history: %s", e);
		return DT_EXIT_INFRA; /* no verdict */
	}
	rp->ran_for = seconds_since(&t0);
	/* Heal every active nemesis, recover, read, stop the workers. */
	phase_after(r, rp);
	dt_metrics_stop(rp->metrics);
	rp->metrics = NULL;
	if (atomic_load(&r->cancel))
		dt_log(DT_LOG_WARN, "run cancelled at %.1f s of %.0f s: nemeses "
		       "healed, checking the history recorded so far",
		       rp->ran_for, s->time_limit);
	return 0;
}

/* Everything setup made, in reverse; the history closed.  A history
 * that cannot be closed whole turns a verdict into an infrastructure
 * error. */
static int phase_teardown(dt_run *r, run_parts *rp, int status, char *err)
{
	char e[DT_ERRBUF_SIZE] = "";

	if (rp->phase < PH_TEARDOWN)
		phase_enter(r, rp, PH_TEARDOWN);
	dt_sched_stop(rp->sched);
	rp->sched = NULL;
	dt_metrics_stop(rp->metrics);
	rp->metrics = NULL;
	for (size_t i = 0; i < rp->ncreated; i++)
		r->nemeses[i].type->destroy(r->nemeses[i].data);
	rp->ncreated = 0;
	if (rp->client != NULL)
		r->client->destroy(rp->client);
	rp->client = NULL;
	if (rp->platform != NULL)
		r->platform->destroy(rp->platform);
	rp->platform = NULL;
	if (rp->workload != NULL && r->workload->destroy)
		r->workload->destroy(rp->workload);
	rp->workload = NULL;
	if (rp->hw != NULL && dt_history_writer_close(rp->hw, e) != 0 &&
	    status == DT_EXIT_UNKNOWN) {
		dt_fail(err, "history: %s", e);
		status = DT_EXIT_INFRA;
	}
	rp->hw = NULL;
	return status;
}

/* timeline.html beside the results; a failure costs the page, not the
 * verdict. */
static void write_timeline(dt_run *r, const dt_history *h)
{
	json_t *suite = dt_suite_to_json(r->suite);
	char e[DT_ERRBUF_SIZE];

	if (dt_timeline_write(r->dir, h, r->results, suite, e) != 0)
		dt_log(DT_LOG_WARN, "%s", e);
	json_decref(suite);
}

/* The checkers over the history, results.json written. */
static int phase_check(dt_run *r, run_parts *rp, char *err)
{
	dt_suite *s = r->suite;
	char path[PATH_MAX];
	dt_history *h;
	bool cancelled = atomic_load(&r->cancel);
	int status;

	phase_enter(r, rp, PH_CHECKING);
	snprintf(path, sizeof(path), "%s/history.jsonl", r->dir);
	h = dt_history_read_jsonl(path, err);
	if (h == NULL)
		return DT_EXIT_INFRA;
	r->results = dt_run_checkers(r->reg, s, h, r->dir);
	phase_enter(r, rp, PH_COUNT);
	json_object_set_new(r->results, "suite", json_string(s->name));
	json_object_set_new(r->results, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(r->results, "cancelled", json_boolean(cancelled));
	json_object_set_new(r->results, "phases", phases_json(r, rp));
	json_object_set_new(r->results, "ran-seconds", json_real(rp->ran_for));
	if (rp->version != NULL)
		json_object_set_new(r->results, "server-version", json_string(rp->version));
	if (cancelled) {
		char why[128];

		snprintf(why, sizeof(why), "cancelled at %.1f s of %.0f s",
			 rp->ran_for, s->time_limit);
		dt_results_cut_short(r->results, why);
	} else {
		json_object_set_new(r->results, "complete", json_true());
	}
	if (dt_store_write_json(r->dir, "results.json", r->results, err) != 0) {
		dt_history_free(h);
		return DT_EXIT_INFRA;
	}
	write_timeline(r, h);
	dt_history_free(h);
	status = dt_verdict_code(json_object_get(r->results, "valid"));
	{
		dt_run_event ev = { .kind = DT_RUN_VERDICT, .detail = r->results };

		emit(r, &ev);
	}
	dt_log(DT_LOG_INFO, "verdict: %s%s", status == DT_EXIT_VALID ? "valid" :
	       status == DT_EXIT_INVALID ? "invalid" : "unknown",
	       cancelled ? " (cancelled)" : "");
	return status;
}

int dt_run_execute(dt_run *r, char *err)
{
	run_parts rp = { .phase = -1 };
	int status;

	make_run_id(r->run_id, sizeof(r->run_id));
	if (r->opts.dry_run)
		return dry_run(r, err);
	status = phase_setup(r, &rp, err);
	if (status == DT_EXIT_INFRA)
		status = setup_status(r->suite, err);
	if (status == 0)
		status = phase_run(r, &rp, err);
	if (status == 0)
		status = DT_EXIT_UNKNOWN; /* from here on, the history stands */
	status = phase_teardown(r, &rp, status, err);
	if (status == DT_EXIT_UNKNOWN)
		status = phase_check(r, &rp, err);
	else if (status >= DT_EXIT_USAGE)
		dt_log_file(DT_LOG_ERROR, "%s", err); /* the caller prints it */
	if (rp.claimed)
		dt_store_release(dt_state_dir(), r->run_id);
	free(rp.version);
	dt_log_close();
	return status;
}
