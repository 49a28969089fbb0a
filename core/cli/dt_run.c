/* SPDX-License-Identifier: MIT */
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
 *   dt-run timeline DIR...            a run's timeline.html again
 *   dt-run shrink DIR                 the fewest faults that still fail
 *
 * This file: the options, the commands' table and the runs; each
 * command lives in a file of its own (cli.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "registry.h"
#include "run.h"

static const char usage_text[] =
"Usage: dt-run --suite NAME [OPTION]...\n"
"       dt-run list suites|charts|plugins [OPTION]...\n"
"       dt-run cleanup [OPTION]...\n"
"       dt-run check RUN-FOLDER... [OPTION]...\n"
"       dt-run check-suite SUITE... [OPTION]...\n"
"       dt-run describe NAME|suite|chart [OPTION]...\n"
"       dt-run timeline RUN-FOLDER... [OPTION]...\n"
"       dt-run shrink RUN-FOLDER [--repeat N] [OPTION]...\n"
"       dt-run campaign FILE [OPTION]...\n"
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
"`campaign` runs a matrix of suites x nemesis sets x a parameter's values x\n"
"seeds (a YAML file, see dt-suite(5)) and prints a table of verdicts.\n"
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
"  -n, --nemesis a,b,...   only these nemeses of the suite (\"\" for none);\n"
"                          NAME:MODE:ROLE:KEY=VALUE adds one, as in\n"
"                          partition:isolate-primary:primary\n"
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

static bool progress_shown;



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
			fprintf(stderr, "\r\033[K[%s%s%5.1fs/%.0fs] ops %llu  ok %llu  fail %llu  "
				"info %llu  %.0f ops/s%s%s",
				ev->phase ? ev->phase : "", ev->phase ? " " : "",
				ev->elapsed, ev->limit,
				(unsigned long long)(ev->ok + ev->fail + ev->info),
				(unsigned long long)ev->ok, (unsigned long long)ev->fail,
				(unsigned long long)ev->info, ev->rate,
				ev->active[0] ? "  nemesis: " : "", ev->active);
			progress_shown = true;
		} else if ((long)ev->elapsed >= 10 && (long)ev->elapsed % 10 == 0) {
			fprintf(stderr, "dt: %s%s%.0fs/%.0fs: %llu ok, %llu fail, %llu info, "
				"%.0f ops/s%s%s\n", ev->phase ? ev->phase : "",
				ev->phase ? " " : "", ev->elapsed, ev->limit,
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









/* One run of the suite: load, execute, print the verdict; the exit
 * status. */
static int run_once(const dt_run_opts *o, bool *tty, uint64_t *seed)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_run *r;
	int status;

	r = dt_run_new(o, err);
	if (r == NULL) {
		fprintf(stderr, "dt-run: %s\n", err);
		return DT_EXIT_CONFIG;
	}
	cli_set_run(r);
	dt_run_set_observer(r, observe, tty);
	status = dt_run_execute(r, err);
	clear_progress();
	if (status >= DT_EXIT_USAGE) {
		fprintf(stderr, "dt-run: %s\n", err);
	} else if (!o->dry_run) {
		const json_t *res = dt_run_results(r);

		*seed = (uint64_t)json_integer_value(json_object_get(res, "seed"));
		cli_print_results(dt_run_dir(r), status, res);
	}
	cli_set_run(NULL);   /* before freeing: the signal handler reads it */
	dt_run_free(r);
	return status;
}

/* What the command line says. */
typedef struct cli_args {
	dt_run_opts o;
	dt_log_level level;
	long long repeat;
	bool repeat_given;
} cli_args;

/* The options into a; -1 to go on, else the exit status (--help,
 * --version, a bad option). */
static int parse_options(int argc, char **argv, cli_args *a)
{
	dt_run_opts *o = &a->o;
	int c;
	double d;

	while ((c = getopt_long(argc, argv, "s:t:c:r:p:n:vqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 's': o->suite = optarg; break;
		case 't':
			if (parse_double("time-limit", optarg, 0.1, 7 * 86400.0, &o->time_limit))
				return DT_EXIT_USAGE;
			break;
		case 'c':
			if (parse_double("concurrency", optarg, 1, 4096, &d) || d != (long long)d)
				return cli_usage_error("--concurrency: '%s' is not a whole number between 1 and 4096", optarg);
			o->concurrency = (long long)d;
			break;
		case 'r':
			if (parse_double("rate", optarg, 0, 1e9, &o->rate))
				return DT_EXIT_USAGE;
			break;
		case 'p': o->platform = optarg; break;
		case 'n': o->nemesis = optarg; break;
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
			o->seed = v;
			o->has_seed = true;
			break;
		}
		case OPT_REPEAT:
			if (parse_double("repeat", optarg, 1, 1e6, &d) || d != (long long)d)
				return cli_usage_error("--repeat: '%s' is not a whole number between 1 and 1000000", optarg);
			a->repeat = (long long)d;
			a->repeat_given = true;
			break;
		case OPT_STORE:
			if (optarg[0] == '\0')
				return cli_usage_error("--store: the path is empty");
			o->store = optarg;
			break;
		case OPT_KEEP: o->keep = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_PLUGIN_PATH: o->plugin_path = optarg; break;
		case OPT_SUITE_PATH: o->suite_path = optarg; break;
		case OPT_CHART_PATH: o->chart_path = optarg; break;
		case 'v': if (a->level < DT_LOG_DEBUG) a->level++; break;
		case 'q': a->level = DT_LOG_ERROR; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': printf("dt-run %s (plugin ABI %u)\n", PACKAGE_VERSION, DT_ABI_VERSION); return 0;
		default:
			fprintf(stderr, "Try 'dt-run --help'.\n");
			return DT_EXIT_USAGE;
		}
	}
	return -1;
}

/* ---- commands: dt-run COMMAND ARGS... ------------------------------------ */

static int cmd_list(char **args, int n, cli_args *a)
{
	return cli_list(args, n, &a->o);
}

static int cmd_cleanup(char **args, int n, cli_args *a)
{
	(void)args;
	(void)n;
	return cli_cleanup(a->o.plugin_path);
}

static int cmd_check(char **args, int n, cli_args *a)
{
	return cli_recheck(args, n, a->o.plugin_path);
}

static int cmd_check_suite(char **args, int n, cli_args *a)
{
	return cli_check_suites(args, n, &a->o);
}

static int cmd_describe(char **args, int n, cli_args *a)
{
	return cli_describe(n > 0 ? args[0] : NULL, a->o.plugin_path);
}

static int cmd_timeline(char **args, int n, cli_args *a)
{
	(void)a;
	return cli_timeline(args, n);
}

static int cmd_shrink(char **args, int n, cli_args *a)
{
	int rc;

	if (n != 1)
		return cli_usage_error("%s", "shrink: give one run folder");
	a->o.registry = dt_registry_new(a->o.plugin_path);
	if (a->o.registry == NULL)
		return DT_EXIT_INFRA;
	cli_install_signal_handlers();
	rc = cli_shrink(args[0], a->repeat_given ? (int)a->repeat : 3, &a->o);
	dt_registry_free(a->o.registry);
	return rc;
}

static int cmd_campaign(char **args, int n, cli_args *a)
{
	int rc;

	if (n != 1)
		return cli_usage_error("%s", "campaign: give one campaign file");
	a->o.registry = dt_registry_new(a->o.plugin_path);
	if (a->o.registry == NULL)
		return DT_EXIT_INFRA;
	dt_log_set_hook(log_hook, NULL);
	rc = cli_campaign(args[0], &a->o);
	dt_log_set_hook(NULL, NULL);
	dt_registry_free(a->o.registry);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(char **args, int n, cli_args *a);
} commands[] = {
	{ "campaign", cmd_campaign },
	{ "list", cmd_list },
	{ "cleanup", cmd_cleanup },
	{ "check", cmd_check },
	{ "check-suite", cmd_check_suite },
	{ "describe", cmd_describe },
	{ "timeline", cmd_timeline },
	{ "shrink", cmd_shrink },
};

/* dt-run --suite NAME [--repeat N]: runs until one is not valid. */
static int run_series(cli_args *a)
{
	dt_run_opts *o = &a->o;
	bool tty = isatty(STDERR_FILENO), has_seed = o->has_seed;
	uint64_t seed0 = o->seed, seed = 0;
	long long runs = 0;
	int status = DT_EXIT_VALID;

	if (o->suite == NULL)
		return cli_usage_error("%s", "--suite NAME is required (see `dt-run list suites`)");
	if (a->repeat > 1 && o->dry_run)
		return cli_usage_error("%s", "--repeat and --dry-run do not go together");
	cli_install_signal_handlers();
	dt_log_set_hook(log_hook, NULL);
	o->registry = dt_registry_new(o->plugin_path);
	if (o->registry == NULL) {
		fprintf(stderr, "dt-run: out of memory\n");
		return DT_EXIT_INFRA;
	}
	for (long long i = 0; i < a->repeat; i++) {
		if (a->repeat > 1) {
			if (has_seed)
				o->seed = seed0 + (uint64_t)i;
			printf("run %lld of %lld\n", i + 1, a->repeat);
			fflush(stdout);
		}
		status = run_once(o, &tty, &seed);
		runs = i + 1;
		if (status != DT_EXIT_VALID || cli_stop_requested())
			break;
	}
	if (a->repeat > 1 && status == DT_EXIT_VALID)
		printf("%lld of %lld runs, all valid%s\n", runs, a->repeat,
		       runs < a->repeat ? " (stopped)" : "");
	else if (a->repeat > 1 && status <= DT_EXIT_UNKNOWN)
		printf("%lld of %lld runs: run %lld is %s (seed %llu: rerun it "
		       "with --seed %llu)\n", runs, a->repeat, runs,
		       status == DT_EXIT_INVALID ? "INVALID" : "unknown",
		       (unsigned long long)seed, (unsigned long long)seed);
	else if (a->repeat > 1)
		printf("%lld of %lld runs: run %lld could not be done\n", runs,
		       a->repeat, runs);
	dt_log_set_hook(NULL, NULL);
	dt_registry_free(o->registry);
	return status;
}

int main(int argc, char **argv)
{
	cli_args a = {
		.o = { .time_limit = -1, .concurrency = -1, .rate = -1 },
		.level = DT_LOG_WARN, .repeat = 1,
	};
	int rc = parse_options(argc, argv, &a);

	if (rc >= 0)
		return rc;
	dt_log_set_level(a.level);
	if (optind < argc) {
		const char *cmd = argv[optind];

		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(cmd, commands[i].name) == 0)
				return commands[i].run(argv + optind + 1,
						       argc - optind - 1, &a);
		return cli_usage_error("unknown command '%s' (list, cleanup, check, "
				       "check-suite, describe, timeline, shrink, or --suite NAME)", cmd);
	}
	return run_series(&a);
}
