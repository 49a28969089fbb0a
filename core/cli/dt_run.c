/*
 * dt-run: run one test from the shell.
 *
 *   dt-run --suite NAME [options]     run a suite, print the verdict
 *   dt-run --suite NAME --repeat N    up to N runs, until one is not valid
 *   dt-run list suites|charts|plugins
 *   dt-run cleanup                    remove what crashed runs left
 *   dt-run check DIR...               check stored runs' histories again
 *   dt-run check-suite FILE...        every check of a run, nothing run
 *   dt-run describe NAME              a component's options
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <dlfcn.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"
#include "log.h"
#include "owned.h"
#include "paths.h"
#include "registry.h"
#include "run.h"
#include "store.h"

static const char usage_text[] =
"Usage: dt-run --suite NAME [OPTION]...\n"
"       dt-run list suites|charts|plugins [OPTION]...\n"
"       dt-run cleanup [OPTION]...\n"
"       dt-run check RUN-FOLDER... [OPTION]...\n"
"       dt-run check-suite SUITE... [OPTION]...\n"
"       dt-run describe NAME|suite|chart [OPTION]...\n"
"       dt-run timeline RUN-FOLDER... [OPTION]...\n"
"       dt-run shrink RUN-FOLDER [--repeat N] [OPTION]...\n"
"\n"
"Run a DT suite: bring its chart up, drive its workload through its\n"
"client while its nemeses inject faults, record the history and check it.\n"
"`check` checks stored runs again (store/SUITE/latest, ...) with the\n"
"checkers of the suite as it ran, and rewrites their results.json.  A run\n"
"folder's suite.json is also a suite: --suite store/SUITE/latest/suite.json\n"
"runs it again as it ran (same seed).  `check-suite` makes every check a\n"
"run makes before it starts (each section against its component's\n"
"options, every plugin's own rules) and starts nothing; `describe` prints\n"
"a component's options (type, default, range, meaning); `timeline` writes\n"
"a run folder's timeline.html again (every run writes one); `shrink`\n"
"finds the fewest faults of an invalid run that still make it fail\n"
"(--repeat N: runs a candidate gets, default 3) and writes them as a suite.\n"
"\n"
"Options:\n"
"  -s, --suite NAME        the suite to run (suites/NAME.yaml, or a path)\n"
"  -t, --time-limit S      seconds of workload (overrides the suite)\n"
"  -c, --concurrency N     client workers (overrides the suite)\n"
"  -r, --rate R            operations per second over all workers (0: no limit)\n"
"  -p, --platform P        local (default) or k8s\n"
"      --seed N            seed for every random choice (same seed, same choices)\n"
"      --repeat N          run up to N times, stopping at the first run that\n"
"                          is not valid (with --seed S: seeds S, S+1, ...)\n"
"      --store DIR         store root (default: ./store)\n"
"  -n, --nemesis a,b,...   only these nemeses of the suite (\"\" for none)\n"
"      --keep              keep the nodes' data directories\n"
"      --dry-run           check everything, print the plan, start nothing\n"
"      --plugin-path DIRS  extra plugin directories (colon separated)\n"
"      --suite-path DIRS   extra suite directories\n"
"      --chart-path DIRS   extra chart directories\n"
"  -v, --verbose           more log on stderr (twice for debug)\n"
"  -q, --quiet             errors only\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Exit status:\n"
"  0  valid: no anomaly found\n"
"  1  invalid: a checker found an anomaly\n"
"  2  unknown: the checkers could not decide (time budget, cancelled run)\n"
"  3  usage error\n"
"  4  configuration error (suite, chart, plugin)\n"
"  5  infrastructure error (platform, nodes, store)\n"
"\n"
"Environment: DT_PLUGIN_PATH, DT_SUITE_PATH, DT_CHART_PATH (colon lists\n"
"searched before the installed directories), DT_STATE_DIR.\n";

enum {
	OPT_SEED = 256, OPT_STORE, OPT_KEEP, OPT_DRY_RUN, OPT_PLUGIN_PATH,
	OPT_SUITE_PATH, OPT_CHART_PATH, OPT_REPEAT
};

static const struct option long_opts[] = {
	{ "suite", required_argument, NULL, 's' },
	{ "time-limit", required_argument, NULL, 't' },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "rate", required_argument, NULL, 'r' },
	{ "platform", required_argument, NULL, 'p' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "nemesis", required_argument, NULL, 'n' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ "suite-path", required_argument, NULL, OPT_SUITE_PATH },
	{ "chart-path", required_argument, NULL, OPT_CHART_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static dt_run *current_run;
static volatile sig_atomic_t stop_requested;
static bool progress_shown;

/*
 * A plugin that crashes takes dt-run with it.  Say where (the shared
 * object holding the faulting instruction) and what is left, then die
 * of the same signal.  results.json is only ever written whole at the
 * end, so no verdict is claimed; the next run (or `dt-run cleanup`)
 * removes what the platform had made.
 */
static void on_crash(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	char msg[1024];
	Dl_info dl = { 0 };
	void *pc = NULL;
	int n;

	(void)si;
#if defined(__x86_64__)
	pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = (void *)uc->uc_mcontext.pc;
#else
	(void)uc;
#endif
	if (pc != NULL)
		dladdr(pc, &dl);
	/* An abort() or assert() faults in libc: name the plugin that
	 * called it, the innermost frame that lies in a dt_*.so. */
	if (dl.dli_fname == NULL || strstr(dl.dli_fname, "/dt_") == NULL) {
		void *frames[64];
		int nf = backtrace(frames, 64);

		for (int i = 0; i < nf; i++) {
			Dl_info f = { 0 };

			if (dladdr(frames[i], &f) && f.dli_fname != NULL &&
			    strstr(f.dli_fname, "/dt_") != NULL) {
				dl = f;
				break;
			}
		}
	}
	n = snprintf(msg, sizeof(msg), "\ndt-run: fatal: %s in %s%s%s; no verdict was "
		     "written; the history so far is in %s; run `dt-run cleanup` "
		     "to remove what the platform made\n",
		     strsignal(sig), dl.dli_fname ? dl.dli_fname : "dt-run",
		     dl.dli_sname ? " at " : "", dl.dli_sname ? dl.dli_sname : "",
		     current_run && dt_run_dir(current_run) ? dt_run_dir(current_run) :
		     "the store");
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;   /* no next run of a --repeat */
	if (current_run != NULL)
		dt_run_cancel(current_run);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dt-run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dt-run --help'.\n");
	return DT_EXIT_USAGE;
}

static int parse_double(const char *opt, const char *s, double min, double max,
			double *out)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || *end != '\0' || !(d >= min && d <= max)) {
		fprintf(stderr, "dt-run: --%s: '%s' is not a number between %g and %g\n",
			opt, s, min, max);
		return -1;
	}
	*out = d;
	return 0;
}

static void clear_progress(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
}

static void log_hook(dt_log_level level, const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
	if (level <= dt_log_get_level())
		clear_progress();
}

static void observe(const dt_run_event *ev, void *arg)
{
	bool tty = *(bool *)arg;

	switch (ev->kind) {
	case DT_RUN_PROGRESS:
		if (tty) {
			fprintf(stderr, "\r\033[K[%5.1fs/%.0fs] ops %llu  ok %llu  fail %llu  "
				"info %llu  %.0f ops/s%s%s",
				ev->elapsed, ev->limit,
				(unsigned long long)(ev->ok + ev->fail + ev->info),
				(unsigned long long)ev->ok, (unsigned long long)ev->fail,
				(unsigned long long)ev->info, ev->rate,
				ev->active[0] ? "  nemesis: " : "", ev->active);
			progress_shown = true;
		} else if ((long)ev->elapsed >= 10 && (long)ev->elapsed % 10 == 0) {
			fprintf(stderr, "dt: %.0fs/%.0fs: %llu ok, %llu fail, %llu info, "
				"%.0f ops/s%s%s\n", ev->elapsed, ev->limit,
				(unsigned long long)ev->ok, (unsigned long long)ev->fail,
				(unsigned long long)ev->info, ev->rate,
				ev->active[0] ? ", nemesis: " : "", ev->active);
		}
		break;
	case DT_RUN_NEMESIS:
		dt_log(DT_LOG_INFO, "nemesis %s: %s", ev->active, ev->phase);
		break;
	case DT_RUN_PHASE:
	case DT_RUN_VERDICT:
		clear_progress();
		break;
	}
}

static void list_yaml(const char *kind, const char *extra)
{
	char **path = dt_yaml_path(kind, extra);

	for (size_t i = 0; path != NULL && path[i] != NULL; i++) {
		struct dirent **names;
		int n = scandir(path[i], &names, NULL, alphasort);

		for (int j = 0; j < n; j++) {
			size_t len = strlen(names[j]->d_name);

			if (len > 5 && strcmp(names[j]->d_name + len - 5, ".yaml") == 0)
				printf("%-24.*s %s/%s\n", (int)len - 5, names[j]->d_name,
				       path[i], names[j]->d_name);
			free(names[j]);
		}
		if (n >= 0)
			free(names);
	}
	dt_path_free(path);
}

static void warn_line(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "dt-run: warning: %s\n", msg);
}

static int list_plugins(const char *plugin_path)
{
	dt_registry *reg = dt_registry_new(plugin_path);

	if (reg == NULL)
		return DT_EXIT_INFRA;
	dt_registry_load_all(reg, warn_line, NULL);
	printf("%-9s %-20s %-8s %-50s %s\n", "KIND", "NAME", "VERSION",
	       "DESCRIPTION", "FILE");
	for (int k = 0; k < DT_KIND_COUNT; k++)
		for (size_t i = 0; i < dt_registry_count(reg); i++) {
			const dt_component *c = dt_registry_at(reg, i);

			if ((int)c->kind != k)
				continue;
			printf("%-9s %-20s %-8s %-50s %s\n", dt_kind_name(c->kind),
			       c->info->name, c->info->version ? c->info->version : "-",
			       c->info->description ? c->info->description : "",
			       c->file);
		}
	dt_registry_free(reg);
	return 0;
}

/* A killed run's folder: its history cut at its last whole line (the
 * writer's reserved zeros, a torn line), so that any JSONL reader takes
 * it; `dt-run check` then marks it incomplete. */
static void trim_killed(const char *dir, void *arg)
{
	char path[4096], err[DT_ERRBUF_SIZE];
	bool cut;
	int64_t last;

	(void)arg;
	snprintf(path, sizeof(path), "%s/history.jsonl", dir);
	if (access(path, F_OK) != 0)
		return;
	if (dt_history_trim(path, &cut, &last, err) != 0)
		fprintf(stderr, "dt-run: cleanup: %s\n", err);
	else if (cut)
		printf("%s: history cut at its last event (%.1f s): the run was "
		       "killed; `dt-run check %s` checks what it recorded\n", dir,
		       last >= 0 ? (double)last / 1e9 : 0, dir);
}

static int cleanup(const char *plugin_path)
{
	dt_registry *reg = dt_registry_new(plugin_path);
	int failed = 0, cleaned = 0;
	char err[DT_ERRBUF_SIZE];
	struct stat st;

	if (reg == NULL)
		return DT_EXIT_INFRA;
	/* What the state files there name is removed and signalled: only
	 * from a folder of the user's own. */
	if (lstat(dt_state_dir(), &st) != 0 && errno == ENOENT) {
		dt_registry_free(reg);
		printf("cleaned up after 0 run(s)\n");
		return 0;
	}
	if (dt_owned_dir(dt_state_dir(), "state folder", false, err) != 0) {
		dt_registry_free(reg);
		fprintf(stderr, "dt-run: cleanup: %s; nothing was cleaned\n", err);
		return DT_EXIT_INFRA;
	}
	if (dt_store_cleanup(dt_state_dir(), trim_killed, NULL, err) < 0) {
		fprintf(stderr, "dt-run: cleanup: %s\n", err);
		failed++;
	}
	dt_registry_load_all(reg, warn_line, NULL);
	for (size_t i = 0; i < dt_registry_count(reg); i++) {
		const dt_component *c = dt_registry_at(reg, i);
		const dt_platform_type *pt = c->type;
		int n;

		err[0] = '\0';
		if (c->kind != DT_KIND_PLATFORM || pt->cleanup == NULL)
			continue;
		n = pt->cleanup(dt_state_dir(), err);
		if (n < 0) {
			fprintf(stderr, "dt-run: cleanup (%s): %s\n", c->info->name, err);
			failed++;
		} else {
			cleaned += n;
		}
	}
	dt_registry_free(reg);
	printf("cleaned up after %d run(s)\n", cleaned);
	return failed ? DT_EXIT_INFRA : 0;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	/* The crash handler runs on its own stack, so that a plugin that
	 * overflows its stack is still named. */
	static char crash_stack[64 * 1024];
	stack_t ss = { .ss_sp = crash_stack, .ss_size = sizeof(crash_stack) };

	sigaltstack(&ss, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

/* The verdict of a run folder, its counts and each checker's summary. */
static void print_results(const char *dir, int status, const json_t *res)
{
	const json_t *counts = json_object_get(res, "counts");
	const char *key;
	json_t *v;

	printf("%s: %s%s%s\n", dir, status == DT_EXIT_VALID ? "valid" :
	       status == DT_EXIT_INVALID ? "INVALID" : "unknown",
	       json_is_string(json_object_get(res, "reason")) ? ": " : "",
	       json_is_string(json_object_get(res, "reason")) ?
	       json_string_value(json_object_get(res, "reason")) : "");
	printf("  ops: %lld ok, %lld fail, %lld info\n",
	       (long long)json_integer_value(json_object_get(counts, "ok")),
	       (long long)json_integer_value(json_object_get(counts, "fail")),
	       (long long)json_integer_value(json_object_get(counts, "info")));
	json_object_foreach((json_t *)json_object_get(res, "checkers"), key, v) {
		const json_t *valid = json_object_get(v, "valid");
		const json_t *summary = json_object_get(v, "summary");

		printf("  %-14s %s%s%s\n", key,
		       json_is_true(valid) ? "valid" : json_is_false(valid) ?
		       "INVALID" : "unknown",
		       json_is_string(summary) ? ": " : "",
		       json_is_string(summary) ? json_string_value(summary) : "");
	}
}

/* `dt-run check DIR...`: each run folder's history checked again with
 * the checkers of the suite as it ran.  The worst verdict's status:
 * invalid over unknown over valid; 4 when a folder can not be checked. */
static int recheck(char **dirs, int n, const char *plugin_path)
{
	dt_registry *reg;
	int worst = DT_EXIT_VALID;
	char err[DT_ERRBUF_SIZE];

	if (n == 0)
		return cli_usage_error("%s", "check: give run folders (store/SUITE/latest, ...)");
	reg = dt_registry_new(plugin_path);
	if (reg == NULL) {
		fprintf(stderr, "dt-run: out of memory\n");
		return DT_EXIT_INFRA;
	}
	for (int i = 0; i < n; i++) {
		json_t *res = dt_run_recheck(reg, dirs[i], err);
		int code;

		if (res == NULL) {
			fprintf(stderr, "dt-run: check: %s\n", err);
			worst = DT_EXIT_CONFIG;
			continue;
		}
		code = dt_verdict_code(json_object_get(res, "valid"));
		print_results(dirs[i], code, res);
		json_decref(res);
		if (worst == DT_EXIT_CONFIG)
			continue;
		if (code == DT_EXIT_INVALID || (code == DT_EXIT_UNKNOWN &&
						worst == DT_EXIT_VALID))
			worst = code;
	}
	dt_registry_free(reg);
	return worst;
}

/* One run of the suite: load, execute, print the verdict; the exit
 * status. */
static int run_once(const dt_run_opts *o, bool *tty, uint64_t *seed)
{
	char err[DT_ERRBUF_SIZE] = "";
	int status;

	current_run = dt_run_new(o, err);
	if (current_run == NULL) {
		fprintf(stderr, "dt-run: %s\n", err);
		return DT_EXIT_CONFIG;
	}
	dt_run_set_observer(current_run, observe, tty);
	status = dt_run_execute(current_run, err);
	clear_progress();
	if (status >= DT_EXIT_USAGE) {
		fprintf(stderr, "dt-run: %s\n", err);
	} else if (!o->dry_run) {
		const json_t *res = dt_run_results(current_run);

		*seed = (uint64_t)json_integer_value(json_object_get(res, "seed"));
		print_results(dt_run_dir(current_run), status, res);
	}
	{
		dt_run *r = current_run;

		current_run = NULL; /* before freeing: the signal handler reads it */
		dt_run_free(r);
	}
	return status;
}

int main(int argc, char **argv)
{
	dt_run_opts o = { .time_limit = -1, .concurrency = -1, .rate = -1 };
	dt_log_level level = DT_LOG_WARN;
	bool tty = isatty(STDERR_FILENO), has_seed;
	long long repeat = 1, runs = 0;
	bool repeat_given = false;
	uint64_t seed0, seed = 0;
	int c, status = DT_EXIT_VALID;
	double d;

	while ((c = getopt_long(argc, argv, "s:t:c:r:p:n:vqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 's': o.suite = optarg; break;
		case 't':
			if (parse_double("time-limit", optarg, 0.1, 7 * 86400.0, &o.time_limit))
				return DT_EXIT_USAGE;
			break;
		case 'c':
			if (parse_double("concurrency", optarg, 1, 4096, &d) || d != (long long)d)
				return cli_usage_error("--concurrency: '%s' is not a whole number between 1 and 4096", optarg);
			o.concurrency = (long long)d;
			break;
		case 'r':
			if (parse_double("rate", optarg, 0, 1e9, &o.rate))
				return DT_EXIT_USAGE;
			break;
		case 'p': o.platform = optarg; break;
		case 'n': o.nemesis = optarg; break;
		case OPT_SEED: {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || optarg[0] == '-')
				return cli_usage_error("--seed: '%s' is not a non-negative integer", optarg);
			if (errno == ERANGE || v > INT64_MAX)
				return cli_usage_error("--seed: '%s' is larger than %lld", optarg,
						   (long long)INT64_MAX);
			o.seed = v;
			o.has_seed = true;
			break;
		}
		case OPT_REPEAT:
			if (parse_double("repeat", optarg, 1, 1e6, &d) || d != (long long)d)
				return cli_usage_error("--repeat: '%s' is not a whole number between 1 and 1000000", optarg);
			repeat = (long long)d;
			repeat_given = true;
			break;
		case OPT_STORE:
			if (optarg[0] == '\0')
				return cli_usage_error("--store: the path is empty");
			o.store = optarg;
			break;
		case OPT_KEEP: o.keep = true; break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case OPT_PLUGIN_PATH: o.plugin_path = optarg; break;
		case OPT_SUITE_PATH: o.suite_path = optarg; break;
		case OPT_CHART_PATH: o.chart_path = optarg; break;
		case 'v': if (level < DT_LOG_DEBUG) level++; break;
		case 'q': level = DT_LOG_ERROR; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': printf("dt-run %s (plugin ABI %u)\n", PACKAGE_VERSION, DT_ABI_VERSION); return 0;
		default:
			fprintf(stderr, "Try 'dt-run --help'.\n");
			return DT_EXIT_USAGE;
		}
	}
	dt_log_set_level(level);

	if (optind < argc) {
		const char *cmd = argv[optind];

		if (strcmp(cmd, "list") == 0) {
			const char *what = optind + 1 < argc ? argv[optind + 1] : "";

			if (strcmp(what, "plugins") == 0)
				return list_plugins(o.plugin_path);
			if (strcmp(what, "suites") == 0) {
				list_yaml("suites", o.suite_path);
				return 0;
			}
			if (strcmp(what, "charts") == 0) {
				list_yaml("charts", o.chart_path);
				return 0;
			}
			return cli_usage_error("list: expected suites, charts or plugins, not '%s'", what);
		}
		if (strcmp(cmd, "cleanup") == 0)
			return cleanup(o.plugin_path);
		if (strcmp(cmd, "check") == 0)
			return recheck(argv + optind + 1, argc - optind - 1,
				       o.plugin_path);
		if (strcmp(cmd, "check-suite") == 0)
			return cli_check_suites(argv + optind + 1, argc - optind - 1, &o);
		if (strcmp(cmd, "shrink") == 0) {
			int rc;

			if (optind + 2 != argc)
				return cli_usage_error("%s", "shrink: give one run folder");
			o.registry = dt_registry_new(o.plugin_path);
			if (o.registry == NULL)
				return DT_EXIT_INFRA;
			install_signal_handlers();
			rc = cli_shrink(argv[optind + 1], repeat_given ? (int)repeat : 3, &o);
			dt_registry_free(o.registry);
			return rc;
		}
		if (strcmp(cmd, "timeline") == 0)
			return cli_timeline(argv + optind + 1, argc - optind - 1);
		if (strcmp(cmd, "describe") == 0)
			return cli_describe(optind + 1 < argc ? argv[optind + 1] : NULL,
					    o.plugin_path);
		return cli_usage_error("unknown command '%s' (list, cleanup, check, "
				       "check-suite, describe, timeline, shrink, or --suite NAME)", cmd);
	}
	if (o.suite == NULL)
		return cli_usage_error("%s", "--suite NAME is required (see `dt-run list suites`)");

	has_seed = o.has_seed;
	seed0 = o.seed;
	if (repeat > 1 && o.dry_run)
		return cli_usage_error("%s", "--repeat and --dry-run do not go together");
	install_signal_handlers();
	dt_log_set_hook(log_hook, NULL);
	o.registry = dt_registry_new(o.plugin_path);
	if (o.registry == NULL) {
		fprintf(stderr, "dt-run: out of memory\n");
		return DT_EXIT_INFRA;
	}
	for (long long i = 0; i < repeat; i++) {
		if (repeat > 1) {
			if (has_seed)
				o.seed = seed0 + (uint64_t)i;
			printf("run %lld of %lld\n", i + 1, repeat);
			fflush(stdout);
		}
		status = run_once(&o, &tty, &seed);
		runs = i + 1;
		if (status != DT_EXIT_VALID || stop_requested)
			break;
	}
	if (repeat > 1 && status == DT_EXIT_VALID)
		printf("%lld of %lld runs, all valid%s\n", runs, repeat,
		       runs < repeat ? " (stopped)" : "");
	else if (repeat > 1 && status <= DT_EXIT_UNKNOWN)
		printf("%lld of %lld runs: run %lld is %s (seed %llu: rerun it "
		       "with --seed %llu)\n", runs, repeat, runs,
		       status == DT_EXIT_INVALID ? "INVALID" : "unknown",
		       (unsigned long long)seed, (unsigned long long)seed);
	else if (repeat > 1)
		printf("%lld of %lld runs: run %lld could not be done\n", runs,
		       repeat, runs);
	dt_log_set_hook(NULL, NULL);
	dt_registry_free(o.registry);
	return status;
}
