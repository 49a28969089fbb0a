/* SPDX-License-Identifier: MIT */
/*
 * config.c: dtd's settings (YAML config, then command-line flags), and
 * what it must find before it serves anything: a state folder, a store
 * and a token that only its own user controls (dt_owned_dir), and the
 * locks that keep a second dtd off the same state folder or store.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "dtd.h"
#include "log.h"
#include "owned.h"
#include "paths.h"
#include "registry.h"
#include "yamldoc.h"

static const char usage_text[] =
"Usage: dtd [OPTION]...\n"
"       dtd rebuild-index [OPTION]...\n"
"       dtd import ARCHIVE... [OPTION]...\n"
"\n"
"DT's service: a queue of test runs, their history in an SQLite index and\n"
"the run store, a JSON API and a web dashboard.  Stays in the foreground.\n"
"`dtd rebuild-index` makes the index anew from the store (every run folder's\n"
"suite.json and results.json), keeping a damaged dtd.db aside, and exits.\n"
"`dtd import` adds runs archived by another dtd (GET /api/runs/ID/archive,\n"
"a tar.gz of the run folder) to the store and the index (dtd stopped).\n"
"\n"
"Options:\n"
"  -c, --config FILE       YAML config (keys: listen, state-dir, store, token,\n"
"                          dashboard, parallel, max-body, max-time-limit,\n"
"                          max-concurrency, max-queued, max-run-ops,\n"
"                          max-run-disk, max-streams, max-streams-per-address,\n"
"                          stream-lifetime, request-timeout, allowed-hosts,\n"
"                          require-token-for-reads, suite-path, chart-path,\n"
"                          plugin-path, keep-runs, max-store, prune-invalid,\n"
"                          webhook-url, webhook-allowed-hosts,\n"
"                          webhook-retries)\n"
"  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0:\n"
"                          any free port, printed at start)\n"
"      --state-dir DIR     database and token (default /var/lib/dt as root,\n"
"                          else $XDG_STATE_HOME/dt or ~/.local/state/dt); it\n"
"                          must be yours and writable by you only\n"
"      --store DIR         run store root (default STATE-DIR/store)\n"
"      --dashboard DIR     the dashboard's files\n"
"  -j, --parallel N        runs at once (default 1)\n"
"      --request-timeout DURATION\n"
"                          time a client has to send a whole request\n"
"                          (headers and body) from its connection or its\n"
"                          last reply (default 10s; replies take as long\n"
"                          as they need)\n"
"      --allow-host NAME   a Host name dtd answers to besides loopback names\n"
"                          and addresses (repeatable; others get 421)\n"
"      --require-token-for-reads\n"
"                          every API call needs the token, reads too\n"
"      --keep-runs N       keep the newest N finished runs of each suite\n"
"                          (invalid runs are kept too; 0: all, the default)\n"
"      --max-store SIZE    remove the oldest finished runs while the run\n"
"                          folders take more (\"10GiB\"; invalid runs kept)\n"
"      --prune-invalid     retention may remove invalid runs too\n"
"      --webhook-url URL   POST a JSON body there when a run ends invalid or\n"
"                          a schedule fails (its host must be allowed)\n"
"      --webhook-allow-host NAME\n"
"                          a host webhook-url may name (repeatable)\n"
"      --plugin-path DIRS  extra plugin directories (colon separated)\n"
"      --suite-path DIRS   extra suite directories\n"
"      --chart-path DIRS   extra chart directories\n"
"  -v, --verbose           more log on stderr (twice for debug)\n"
"  -q, --quiet             errors only\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Mutating API calls need 'Authorization: Bearer TOKEN'.  The token comes\n"
"from the config, or is made at first start and kept in STATE-DIR/token\n"
"(mode 0600); dtd prints where, never the token itself.\n";

enum {
	OPT_STATE = 256, OPT_STORE, OPT_DASHBOARD, OPT_PLUGIN_PATH,
	OPT_SUITE_PATH, OPT_CHART_PATH, OPT_REQUEST_TIMEOUT, OPT_ALLOW_HOST,
	OPT_AUTH_READS, OPT_KEEP_RUNS, OPT_MAX_STORE, OPT_PRUNE_INVALID,
	OPT_WEBHOOK_URL, OPT_WEBHOOK_HOST
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "state-dir", required_argument, NULL, OPT_STATE },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "dashboard", required_argument, NULL, OPT_DASHBOARD },
	{ "parallel", required_argument, NULL, 'j' },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
	{ "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
	{ "require-token-for-reads", no_argument, NULL, OPT_AUTH_READS },
	{ "keep-runs", required_argument, NULL, OPT_KEEP_RUNS },
	{ "max-store", required_argument, NULL, OPT_MAX_STORE },
	{ "prune-invalid", no_argument, NULL, OPT_PRUNE_INVALID },
	{ "webhook-url", required_argument, NULL, OPT_WEBHOOK_URL },
	{ "webhook-allow-host", required_argument, NULL, OPT_WEBHOOK_HOST },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ "suite-path", required_argument, NULL, OPT_SUITE_PATH },
	{ "chart-path", required_argument, NULL, OPT_CHART_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void dtd_config_defaults(dtd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->parallel = 1;
	c->max_body = 64 * 1024;
	c->max_time_limit = 24 * 3600;
	c->request_timeout = DTD_REQUEST_TIMEOUT;
	c->max_concurrency = 256;
	c->max_queued = 100;
	c->max_run_ops = 1000000;
	c->max_run_disk = (uint64_t)1 << 30;
	c->max_streams = 64;
	c->max_streams_per_address = 16;
	c->stream_lifetime = 300;
	c->webhook_retries = 5;
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
	for (size_t i = 0; c->allowed_hosts != NULL && c->allowed_hosts[i]; i++)
		free(c->allowed_hosts[i]);
	free(c->allowed_hosts);
	c->allowed_hosts = NULL;
	free(c->webhook_url);
	for (size_t i = 0; c->webhook_hosts != NULL && c->webhook_hosts[i]; i++)
		free(c->webhook_hosts[i]);
	free(c->webhook_hosts);
	c->webhook_hosts = NULL;
	dt_registry_free(c->registry);
	c->registry = NULL;
}

static void set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? strdup(v) : NULL;
}

/* A Host name of allowed-hosts: letters, digits, '-' and '.'. */
static bool host_name(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

static int add_to(char ***list, const char *name)
{
	size_t n = 0;
	char **l;

	while (*list != NULL && (*list)[n] != NULL)
		n++;
	l = realloc(*list, (n + 2) * sizeof(*l));
	if (l == NULL)
		return -1;
	*list = l;
	l[n] = strdup(name);
	l[n + 1] = NULL;
	return l[n] ? 0 : -1;
}

static int add_host(dtd_config *c, const char *name)
{
	return add_to(&c->allowed_hosts, name);
}

/* ---- the config file ------------------------------------------------------ */

typedef enum { K_STRING, K_INT, K_DURATION, K_SIZE, K_BOOL, K_HOSTS,
	       K_WEBHOOK_HOSTS } key_kind;

/* Every key of the config: its kind, where it goes, its range and what
 * an error says ("must be ..."). */
typedef struct key {
	const char *name;
	key_kind kind;
	size_t off;
	double min, max;
	const char *want;
} key;

#define REQUEST_TIMEOUT_RANGE "a duration from 0.1s to 1h (\"10s\")"
#define AT(field) offsetof(dtd_config, field)

static const key keys[] = {
	{ "listen", K_STRING, AT(listen), 0, 0, "a string" },
	{ "state-dir", K_STRING, AT(state_dir), 0, 0, "a string" },
	{ "store", K_STRING, AT(store), 0, 0, "a string" },
	{ "token", K_STRING, AT(token), 0, 0, "a string (quote a token of "
	  "digits: token: \"0123...\")" },
	{ "dashboard", K_STRING, AT(dashboard), 0, 0, "a string" },
	{ "suite-path", K_STRING, AT(suite_path), 0, 0, "a string" },
	{ "chart-path", K_STRING, AT(chart_path), 0, 0, "a string" },
	{ "plugin-path", K_STRING, AT(plugin_path), 0, 0, "a string" },
	{ "parallel", K_INT, AT(parallel), 1, 64, "an integer from 1 to 64" },
	{ "max-body", K_INT, AT(max_body), 1024, 1 << 30, "bytes, at least 1024" },
	{ "max-time-limit", K_DURATION, AT(max_time_limit), 1e-9, 1e9,
	  "a duration (\"1h\")" },
	{ "request-timeout", K_DURATION, AT(request_timeout), 0.1, 3600,
	  REQUEST_TIMEOUT_RANGE },
	{ "max-concurrency", K_INT, AT(max_concurrency), 1, 1024,
	  "an integer from 1 to 1024" },
	{ "max-queued", K_INT, AT(max_queued), 1, 100000,
	  "an integer from 1 to 100000" },
	{ "max-run-ops", K_INT, AT(max_run_ops), 100, 1e12,
	  "a number of operations, at least 100" },
	{ "max-run-disk", K_SIZE, AT(max_run_disk), 1 << 20, 1e15,
	  "a size, at least 1MiB (\"1GiB\")" },
	{ "max-streams", K_INT, AT(max_streams), 1, 200,
	  "an integer from 1 to 200" },
	{ "max-streams-per-address", K_INT, AT(max_streams_per_address), 1, 200,
	  "an integer from 1 to 200" },
	{ "stream-lifetime", K_DURATION, AT(stream_lifetime), 1, 86400,
	  "a duration from 1s to 24h (\"5m\")" },
	{ "allowed-hosts", K_HOSTS, 0, 0, 0, "a list of host names" },
	{ "require-token-for-reads", K_BOOL, AT(auth_reads), 0, 0, "true or false" },
	{ "keep-runs", K_INT, AT(keep_runs), 0, 1e9, "a number of runs, 0 for all" },
	{ "max-store", K_SIZE, AT(max_store), 0, 1e18, "a size (\"10GiB\"), 0 for "
	  "no limit" },
	{ "prune-invalid", K_BOOL, AT(prune_invalid), 0, 0, "true or false" },
	{ "webhook-url", K_STRING, AT(webhook_url), 0, 0, "a URL (http or https)" },
	{ "webhook-allowed-hosts", K_WEBHOOK_HOSTS, 0, 0, 0, "a list of host names" },
	{ "webhook-retries", K_INT, AT(webhook_retries), 1, 100,
	  "an integer from 1 to 100" },
};

/* Set one key from its YAML value; -1 with err (file:line: key: ...). */
static int set_key(dt_doc *doc, const key *k, const json_t *v, dtd_config *c,
		   char *err)
{
	char *base = (char *)c;
	double d;
	uint64_t u;
	size_t i;
	json_t *h;

	switch (k->kind) {
	case K_STRING:
		if (!json_is_string(v))
			break;
		set_str((char **)(void *)(base + k->off), json_string_value(v));
		return 0;
	case K_INT:
		d = (double)json_integer_value(v);
		if (!json_is_integer(v) || d < k->min || d > k->max)
			break;
		*(long *)(void *)(base + k->off) = (long)json_integer_value(v);
		return 0;
	case K_DURATION:
		if (dt_json_duration(v, &d) != 0 || d < k->min || d > k->max)
			break;
		*(double *)(void *)(base + k->off) = d;
		return 0;
	case K_SIZE:
		if (dt_json_size(v, &u) != 0 || (double)u < k->min || (double)u > k->max)
			break;
		*(uint64_t *)(void *)(base + k->off) = u;
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			break;
		*(bool *)(void *)(base + k->off) = json_is_true(v);
		return 0;
	case K_HOSTS:
	case K_WEBHOOK_HOSTS:
		if (!json_is_array(v))
			break;
		json_array_foreach(v, i, h) {
			if (!host_name(json_string_value(h))) {
				char at[64];

				snprintf(at, sizeof(at), "%s[%zu]", k->name, i);
				return dt_doc_fail(doc, at, err, "must be a host name "
						   "(letters, digits, '-', '.')");
			}
			if (add_to(k->kind == K_HOSTS ? &c->allowed_hosts :
				   &c->webhook_hosts, json_string_value(h)) != 0)
				return dt_fail(err, "out of memory");
		}
		return 0;
	}
	return dt_doc_fail(doc, k->name, err, "must be %s", k->want);
}

/* Read the YAML config; command-line flags override it afterwards. */
static int load_config(const char *file, dtd_config *c, char *err)
{
	dt_doc *doc = dt_doc_load(file, err);
	const char *name;
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
	json_object_foreach(doc->root, name, v) {
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(name, keys[i].name) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			char known[1024];
			size_t len = 0;

			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				len += (size_t)snprintf(known + len, sizeof(known) - len,
							"%s%s", k ? ", " : "", keys[k].name);
			dt_doc_fail(doc, name, err, "unknown key (known: %s)", known);
			goto out;
		}
		if (set_key(doc, &keys[i], v, c, err) != 0)
			goto out;
	}
	rc = 0;
out:
	dt_doc_free(doc);
	return rc;
}

/* ---- command line ---------------------------------------------------------- */

int dtd_config_parse(int argc, char **argv, dtd_config *c, dtd_command *cmd,
		     char *err)
{
	const char *file = NULL;
	int opt, verbose = 0;
	bool quiet = false;

	*cmd = DTD_SERVE;
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
			double d = -1;

			if (dt_json_duration(v, &d) != 0 || d < 0.1 || d > 3600) {
				json_decref(v);
				dt_fail(err, "--request-timeout: want " REQUEST_TIMEOUT_RANGE);
				return DT_EXIT_USAGE;
			}
			json_decref(v);
			c->request_timeout = d;
			break;
		}
		case OPT_ALLOW_HOST:
			if (!host_name(optarg)) {
				dt_fail(err, "--allow-host: '%s' is not a host name "
					"(letters, digits, '-', '.')", optarg);
				return DT_EXIT_USAGE;
			}
			if (add_host(c, optarg) != 0) {
				dt_fail(err, "out of memory");
				return DT_EXIT_INFRA;
			}
			break;
		case OPT_AUTH_READS:
			c->auth_reads = true;
			break;
		case OPT_KEEP_RUNS:
			c->keep_runs = strtol(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '\0' || c->keep_runs < 0) {
				dt_fail(err, "--keep-runs: want a number of runs (0: all)");
				return DT_EXIT_USAGE;
			}
			break;
		case OPT_MAX_STORE:
			if (dt_parse_size(optarg, &c->max_store) != 0) {
				dt_fail(err, "--max-store: want a size (\"10GiB\", 0: no limit)");
				return DT_EXIT_USAGE;
			}
			break;
		case OPT_PRUNE_INVALID:
			c->prune_invalid = true;
			break;
		case OPT_WEBHOOK_URL:
			set_str(&c->webhook_url, optarg);
			break;
		case OPT_WEBHOOK_HOST:
			if (!host_name(optarg)) {
				dt_fail(err, "--webhook-allow-host: '%s' is not a host "
					"name (letters, digits, '-', '.')", optarg);
				return DT_EXIT_USAGE;
			}
			if (add_to(&c->webhook_hosts, optarg) != 0) {
				dt_fail(err, "out of memory");
				return DT_EXIT_INFRA;
			}
			break;
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
	if (optind < argc && strcmp(argv[optind], "rebuild-index") == 0) {
		*cmd = DTD_REBUILD_INDEX;
		optind++;
	} else if (optind < argc && strcmp(argv[optind], "import") == 0) {
		*cmd = DTD_IMPORT;
		c->args = argv + optind + 1;
		c->nargs = argc - optind - 1;
		if (c->nargs == 0) {
			dt_fail(err, "import: give the archives (made by GET "
				"/api/runs/ID/archive)");
			return DT_EXIT_USAGE;
		}
		optind = argc;
	}
	if (optind < argc) {
		dt_fail(err, "unexpected argument '%s'", argv[optind]);
		return DT_EXIT_USAGE;
	}
	dt_log_set_level(quiet ? DT_LOG_ERROR : verbose >= 2 ? DT_LOG_DEBUG :
			 verbose == 1 ? DT_LOG_INFO : DT_LOG_WARN);
	return 0;
}

/* ---- the state folder, the store, the token ------------------------------- */

/* Root: /var/lib/dt.  Others: $XDG_STATE_HOME/dt, else ~/.local/state/dt;
 * never a shared folder such as /tmp, where someone else could have
 * made it first.  NULL (err) when neither variable is set. */
static char *default_state_dir(char *err)
{
	char buf[PATH_MAX];
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (geteuid() == 0)
		return strdup("/var/lib/dt");
	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof(buf), "%s/dt", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(buf, sizeof(buf), "%s/.local/state/dt", home);
	else {
		dt_fail(err, "no state folder: HOME and XDG_STATE_HOME are not set; "
			"give one with --state-dir (a folder of yours that only you "
			"may write)");
		return NULL;
	}
	return strdup(buf);
}

/* The token from STATE/token, made when absent.  The file must be the
 * user's own, readable by no one else and not a link: a token someone
 * else wrote is a token they know. */
static int load_token(dtd_config *c, char *err)
{
	char path[PATH_MAX], tok[65];
	unsigned char raw[24];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/token", c->state_dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		if (dt_owned_file(fd, path, "token", true, err) != 0) {
			close(fd);
			return -1;
		}
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
	if (errno == ELOOP)
		return dt_fail(err, "token %s is a symbolic link: remove it (dtd "
			       "makes a new one)", path);
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
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
	/* The path, never the token: stdout goes to the journal. */
	printf("dtd: made an API token, kept in %s (mode 0600)\n", path);
	fflush(stdout);
	return 0;
}

/* webhook-url: http or https, to a host of webhook-allowed-hosts. */
static int check_webhook(const dtd_config *c, char *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL)
		return dt_fail(err, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, c->webhook_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		dt_fail(err, "webhook-url: '%s' is not an http or https URL",
			c->webhook_url);
		goto out;
	}
	for (size_t i = 0; c->webhook_hosts != NULL && c->webhook_hosts[i]; i++)
		if (strcasecmp(host, c->webhook_hosts[i]) == 0) {
			rc = 0;
			goto out;
		}
	dt_fail(err, "webhook-url: its host '%s' is not in webhook-allowed-hosts "
		"(--webhook-allow-host): dtd calls only the hosts it is told to",
		host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int dtd_config_complete(dtd_config *c, bool need_token, char *err)
{
	char buf[2 * PATH_MAX + 2], *real;

	if (c->listen == NULL)
		c->listen = strdup("127.0.0.1:8080");
	if (c->state_dir == NULL && (c->state_dir = default_state_dir(err)) == NULL)
		return -1;
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
	if (dt_owned_dir(c->state_dir, "state folder", true, err) != 0 ||
	    dt_owned_dir(c->store, "store", true, err) != 0)
		return -1;
	/* The store as its real path: every run folder the index names
	 * must lie under it (files.c). */
	real = realpath(c->store, NULL);
	if (real == NULL)
		return dt_fail(err, "store %s: %s", c->store, strerror(errno));
	free(c->store);
	c->store = real;
	if (c->webhook_url != NULL && check_webhook(c, err) != 0)
		return -1;
	if (c->token != NULL && strlen(c->token) < 16)
		return dt_fail(err, "token: at least 16 characters");
	if (need_token && c->token == NULL && load_token(c, err) != 0)
		return -1;
	/* A user's runs keep the local platform's state in dtd's own state
	 * folder when the user has no runtime folder: never in /tmp. */
	if (geteuid() != 0 && getenv("DT_STATE_DIR") == NULL &&
	    getenv("XDG_RUNTIME_DIR") == NULL) {
		snprintf(buf, sizeof(buf), "%s/run", c->state_dir);
		setenv("DT_STATE_DIR", buf, 1);
	}
	return 0;
}

int dtd_lock(const char *dir, const char *name, const char *what, char *err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return dt_fail(err, "another dtd uses the %s %s", what, dir);
		return dt_fail(err, "%s: %s", path, strerror(e));
	}
	return fd;
}
