/*
 * dtd: DT's long-running service.  Runs suites from a queue through the
 * same core as dt-run, keeps an SQLite index of runs, and serves a JSON
 * API and the web dashboard.  Foreground by default (systemd, containers).
 *
 *   dtd [--config FILE] [--listen 127.0.0.1:8080] [--state-dir DIR] ...
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dtd.h"
#include "log.h"
#include "paths.h"
#include "registry.h"
#include "store.h"
#include "suite.h"
#include "yamldoc.h"

static const char usage_text[] =
"Usage: dtd [OPTION]...\n"
"\n"
"DT's service: a queue of test runs, their history in an SQLite index and\n"
"the run store, a JSON API and a web dashboard.  Stays in the foreground.\n"
"\n"
"Options:\n"
"  -c, --config FILE       YAML config (keys: listen, state-dir, store, token,\n"
"                          dashboard, parallel, max-body, max-time-limit,\n"
"                          request-timeout, suite-path, chart-path,\n"
"                          plugin-path)\n"
"  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0:\n"
"                          any free port, printed at start)\n"
"      --state-dir DIR     database and token (default /var/lib/dt as root,\n"
"                          else ~/.local/state/dt)\n"
"      --store DIR         run store root (default STATE-DIR/store)\n"
"      --dashboard DIR     the dashboard's files\n"
"  -j, --parallel N        runs at once (default 1)\n"
"      --request-timeout DURATION\n"
"                          time a client has to send a whole request\n"
"                          (headers and body) from its connection or its\n"
"                          last reply (default 10s; replies take as long\n"
"                          as they need)\n"
"      --plugin-path DIRS  extra plugin directories (colon separated)\n"
"      --suite-path DIRS   extra suite directories\n"
"      --chart-path DIRS   extra chart directories\n"
"  -v, --verbose           more log on stderr (twice for debug)\n"
"  -q, --quiet             errors only\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Mutating API calls need 'Authorization: Bearer TOKEN'.  The token comes\n"
"from the config, or is made at first start, printed once and kept in\n"
"STATE-DIR/token (mode 0600).\n";

enum {
	OPT_STATE = 256, OPT_STORE, OPT_DASHBOARD, OPT_PLUGIN_PATH,
	OPT_SUITE_PATH, OPT_CHART_PATH, OPT_REQUEST_TIMEOUT
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "state-dir", required_argument, NULL, OPT_STATE },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "dashboard", required_argument, NULL, OPT_DASHBOARD },
	{ "parallel", required_argument, NULL, 'j' },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ "suite-path", required_argument, NULL, OPT_SUITE_PATH },
	{ "chart-path", required_argument, NULL, OPT_CHART_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

void dtd_config_free(dtd_config *c)
{
	free(c->listen);
	free(c->state_dir);
	free(c->store);
	free(c->token);
	free(c->dashboard);
	free(c->suite_path);
	free(c->chart_path);
	free(c->plugin_path);
	dt_registry_free(c->registry);
	c->registry = NULL;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? strdup(v) : NULL;
}

/* A request-timeout (config value or flag): a duration from 0.1 s to
 * 1 h, or -1. */
static double parse_request_timeout(const json_t *v)
{
	double d;

	return dt_json_duration(v, &d) == 0 && d >= 0.1 && d <= 3600 ? d : -1;
}

#define REQUEST_TIMEOUT_RANGE "a duration from 0.1s to 1h (\"10s\")"

/* Read the YAML config; command-line flags override it afterwards. */
static int load_config(const char *file, dtd_config *c, char *err)
{
	static const char *const strings[] = {
		"listen", "state-dir", "store", "token", "dashboard",
		"suite-path", "chart-path", "plugin-path"
	};
	char **slots[] = {
		&c->listen, &c->state_dir, &c->store, &c->token, &c->dashboard,
		&c->suite_path, &c->chart_path, &c->plugin_path
	};
	dt_doc *doc = dt_doc_load(file, err);
	const char *key;
	json_t *v;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (doc->root == NULL) {
		dt_doc_free(doc);
		return 0;
	}
	if (!json_is_object(doc->root)) {
		dt_doc_fail(doc, "", err, "the config must be a mapping");
		goto out;
	}
	json_object_foreach(doc->root, key, v) {
		size_t i;

		for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			if (strcmp(key, strings[i]) == 0)
				break;
		if (i < sizeof(strings) / sizeof(strings[0])) {
			if (!json_is_string(v) && !json_is_integer(v)) {
				dt_doc_fail(doc, key, err, "must be a string");
				goto out;
			}
			set_str(slots[i], json_string_value(v));
		} else if (strcmp(key, "parallel") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 64) {
				dt_doc_fail(doc, key, err, "must be an integer from 1 to 64");
				goto out;
			}
			c->parallel = (long)json_integer_value(v);
		} else if (strcmp(key, "max-body") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1024) {
				dt_doc_fail(doc, key, err, "must be bytes, at least 1024");
				goto out;
			}
			c->max_body = (long)json_integer_value(v);
		} else if (strcmp(key, "max-time-limit") == 0) {
			double d = 0;

			if (dt_json_duration(v, &d) != 0 || d <= 0) {
				dt_doc_fail(doc, key, err, "must be a duration (\"1h\")");
				goto out;
			}
			c->max_time_limit = d;
		} else if (strcmp(key, "request-timeout") == 0) {
			c->request_timeout = parse_request_timeout(v);
			if (c->request_timeout < 0) {
				dt_doc_fail(doc, key, err, "must be " REQUEST_TIMEOUT_RANGE);
				goto out;
			}
		} else {
			dt_doc_fail(doc, key, err, "unknown key (known: listen, state-dir, "
				    "store, token, dashboard, parallel, max-body, "
				    "max-time-limit, request-timeout, suite-path, "
				    "chart-path, plugin-path)");
			goto out;
		}
	}
	rc = 0;
out:
	dt_doc_free(doc);
	return rc;
}

static char *default_state_dir(void)
{
	char buf[PATH_MAX];
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (geteuid() == 0)
		return strdup("/var/lib/dt");
	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof(buf), "%s/dt", xdg);
	else
		snprintf(buf, sizeof(buf), "%s/.local/state/dt", home ? home : "/tmp");
	return strdup(buf);
}

/* The token from STATE/token, made (and printed once) when absent. */
static int load_token(dtd_config *c, char *err)
{
	char path[PATH_MAX], tok[65];
	unsigned char raw[24];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/token", c->state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, tok, sizeof(tok) - 1);
		close(fd);
		if (n <= 0)
			return dt_fail(err, "%s: empty or unreadable", path);
		tok[n] = '\0';
		tok[strcspn(tok, "\r\n")] = '\0';
		if (strlen(tok) < 16)
			return dt_fail(err, "%s: token shorter than 16 characters", path);
		set_str(&c->token, tok);
		return 0;
	}
	if (errno != ENOENT)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		if (fd >= 0)
			close(fd);
		return dt_fail(err, "/dev/urandom: %s", strerror(errno));
	}
	close(fd);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	n = write(fd, tok, strlen(tok));
	if (n != (ssize_t)strlen(tok) || write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return dt_fail(err, "%s: cannot write", path);
	}
	close(fd);
	set_str(&c->token, tok);
	printf("dtd: API token (kept in %s): %s\n", path, tok);
	fflush(stdout);
	return 0;
}

static int parse_args(int argc, char **argv, dtd_config *c, char *err)
{
	const char *file = NULL;
	int opt, verbose = 0;
	bool quiet = false;

	/* First the config file, so that flags override it. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:l:j:vqhV", long_opts, NULL)) != -1)
		if (opt == 'c')
			file = optarg;
	if (file != NULL && load_config(file, c, err) != 0)
		return DT_EXIT_CONFIG;
	opterr = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:l:j:vqhV", long_opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'c':
			break;
		case 'l':
			set_str(&c->listen, optarg);
			break;
		case OPT_STATE:
			set_str(&c->state_dir, optarg);
			break;
		case OPT_STORE:
			set_str(&c->store, optarg);
			break;
		case OPT_DASHBOARD:
			set_str(&c->dashboard, optarg);
			break;
		case 'j':
			c->parallel = strtol(optarg, &end, 10);
			if (*end != '\0' || c->parallel < 1 || c->parallel > 64) {
				dt_fail(err, "--parallel: want a number from 1 to 64");
				return DT_EXIT_USAGE;
			}
			break;
		case OPT_REQUEST_TIMEOUT: {
			json_t *v = json_string(optarg);

			c->request_timeout = parse_request_timeout(v);
			json_decref(v);
			if (c->request_timeout < 0) {
				dt_fail(err, "--request-timeout: want " REQUEST_TIMEOUT_RANGE);
				return DT_EXIT_USAGE;
			}
			break;
		}
		case OPT_PLUGIN_PATH:
			set_str(&c->plugin_path, optarg);
			break;
		case OPT_SUITE_PATH:
			set_str(&c->suite_path, optarg);
			break;
		case OPT_CHART_PATH:
			set_str(&c->chart_path, optarg);
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("dtd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			dt_fail(err, "try 'dtd --help'");
			return DT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		dt_fail(err, "unexpected argument '%s'", argv[optind]);
		return DT_EXIT_USAGE;
	}
	dt_log_set_level(quiet ? DT_LOG_ERROR : verbose >= 2 ? DT_LOG_DEBUG :
			 verbose == 1 ? DT_LOG_INFO : DT_LOG_WARN);
	return 0;
}

/* One dtd a state folder: a second one would take the first one's
 * running runs for aborted.  The lock lasts as long as the process. */
static int lock_state(const char *dir, char *err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/dtd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return dt_fail(err, "another dtd uses the state folder %s", dir);
		return dt_fail(err, "%s: %s", path, strerror(e));
	}
	return fd;
}

/* Fill what neither the config nor the flags gave. */
static int complete_config(dtd_config *c, char *err)
{
	char buf[2 * PATH_MAX + 2];

	if (c->listen == NULL)
		c->listen = strdup("127.0.0.1:8080");
	if (c->state_dir == NULL)
		c->state_dir = default_state_dir();
	if (c->store == NULL) {
		snprintf(buf, sizeof(buf), "%s/store", c->state_dir);
		c->store = strdup(buf);
	}
	if (c->dashboard == NULL) {
		if (dt_running_uninstalled())
			c->dashboard = strdup(DT_SOURCE_DIR "/dashboard");
		else
			c->dashboard = strdup(DT_DATA_DIR "/dashboard");
	}
	if (c->listen == NULL || c->state_dir == NULL || c->store == NULL ||
	    c->dashboard == NULL)
		return dt_fail(err, "out of memory");
	if (dt_mkdirs(c->state_dir) != 0)
		return dt_fail(err, "state folder %s: %s", c->state_dir, strerror(errno));
	chmod(c->state_dir, 0700);
	if (c->store[0] != '/') {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return dt_fail(err, "getcwd: %s", strerror(errno));
		snprintf(buf, sizeof(buf), "%s/%s", cwd, c->store);
		set_str(&c->store, buf);
	}
	if (dt_mkdirs(c->store) != 0)
		return dt_fail(err, "store %s: %s", c->store, strerror(errno));
	if (c->token != NULL && strlen(c->token) < 16)
		return dt_fail(err, "token: at least 16 characters");
	if (c->token == NULL && load_token(c, err) != 0)
		return -1;
	return 0;
}

static void warn_plugin_load(const char *msg, void *arg)
{
	(void)arg;
	dt_log(DT_LOG_WARN, "dtd: %s", msg);
}

int main(int argc, char **argv)
{
	dtd_config cfg = { .parallel = 1, .max_body = 64 * 1024,
			   .max_time_limit = 24 * 3600,
			   .request_timeout = DTD_REQUEST_TIMEOUT };
	dtd_ctx ctx = { .cfg = &cfg };
	dtd_http *http = NULL;
	char err[DT_ERRBUF_SIZE] = "", path[PATH_MAX];
	struct sigaction sa;
	int status, n, lock_fd = -1;

	status = parse_args(argc, argv, &cfg, err);
	if (status != 0) {
		fprintf(stderr, "dtd: %s\n", err);
		dtd_config_free(&cfg);
		return status;
	}
	status = DT_EXIT_INFRA;
	if (complete_config(&cfg, err) != 0)
		goto fail;
	lock_fd = lock_state(cfg.state_dir, err);
	if (lock_fd < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/dtd.db", cfg.state_dir);
	ctx.db = dtd_db_open(path, err);
	if (ctx.db == NULL)
		goto fail;
	n = dtd_db_abort_running(ctx.db);
	if (n > 0)
		dt_log(DT_LOG_WARN, "dtd: %d run%s left running by the last dtd "
		       "marked aborted (histories kept)", n, n == 1 ? "" : "s");
	/* Every plugin once, at start; the registry is then only read, by
	 * every run and request thread at once. */
	cfg.registry = dt_registry_new(cfg.plugin_path);
	if (cfg.registry == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	dt_registry_load_all(cfg.registry, warn_plugin_load, NULL);
	dt_registry_seal(cfg.registry);
	ctx.plugins = dtd_api_plugins(&cfg);
	/* Several runs at once: each run's dt.log gets its own lines. */
	if (cfg.parallel > 1)
		dt_log_per_thread(true);
	ctx.runner = dtd_runner_start(&cfg, ctx.db, err);
	if (ctx.runner == NULL)
		goto fail;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	http = dtd_http_start(&ctx, cfg.listen, err);
	if (http == NULL)
		goto fail;
	{
		char host[256], *colon;

		snprintf(host, sizeof(host), "%s", cfg.listen);
		colon = strrchr(host, ':');
		if (colon != NULL)
			*colon = '\0';
		printf("dtd: listening on http://%s:%u/ (state %s, store %s)\n",
		       host, dtd_http_port(http), cfg.state_dir, cfg.store);
		fflush(stdout);
	}
	while (stop_signal == 0) {
		struct timespec nap = { 0, 200 * 1000000 };

		nanosleep(&nap, NULL);
	}
	dt_log(DT_LOG_WARN, "dtd: signal %d: cancelling runs and stopping",
	       (int)stop_signal);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "dtd: %s\n", err);
out:
	if (ctx.runner != NULL)
		dtd_runner_join(ctx.runner);
	dtd_http_stop(http);
	dtd_runner_stop(ctx.runner);
	dtd_db_close(ctx.db);
	json_decref(ctx.plugins);
	dtd_config_free(&cfg);
	if (lock_fd >= 0)
		close(lock_fd);
	return status;
}
