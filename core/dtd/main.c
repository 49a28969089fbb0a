/* SPDX-License-Identifier: MIT */
/*
 * dtd: DT's long-running service.  Runs suites from a queue through the
 * same core as dt-run, keeps an SQLite index of runs, and serves a JSON
 * API and the web dashboard.  Foreground by default (systemd, containers).
 *
 *   dtd [--config FILE] [--listen 127.0.0.1:8080] [--state-dir DIR] ...
 *   dtd rebuild-index [--config FILE | --state-dir DIR --store DIR]
 *
 * Settings and the checks of the state folder are config.c's.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dtd.h"
#include "log.h"
#include "registry.h"

#include <curl/curl.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void warn_plugin_load(const char *msg, void *arg)
{
	(void)arg;
	dt_log(DT_LOG_WARN, "dtd: %s", msg);
}

int main(int argc, char **argv)
{
	dtd_config cfg;
	dtd_ctx ctx = { .cfg = &cfg };
	dtd_http *http = NULL;
	char err[DT_ERRBUF_SIZE] = "", path[PATH_MAX];
	struct sigaction sa;
	int status, n, lock_fd = -1, store_lock = -1;
	dtd_command cmd;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	dtd_config_defaults(&cfg);
	status = dtd_config_parse(argc, argv, &cfg, &cmd, err);
	if (status != 0) {
		fprintf(stderr, "dtd: %s\n", err);
		dtd_config_free(&cfg);
		return status;
	}
	status = DT_EXIT_INFRA;
	if (dtd_config_complete(&cfg, cmd == DTD_SERVE, err) != 0)
		goto fail;
	/* One dtd a state folder (a second would take the first one's
	 * running runs for aborted), and one a store (it would write into
	 * the first one's run folders): both locked for the process. */
	lock_fd = dtd_lock(cfg.state_dir, "dtd.lock", "state folder", err);
	if (lock_fd < 0)
		goto fail;
	store_lock = dtd_lock(cfg.store, ".dtd.lock", "store", err);
	if (store_lock < 0)
		goto fail;
	if (cmd == DTD_IMPORT) {
		status = dtd_import(&cfg, cfg.args, cfg.nargs, err);
		if (status != 0)
			goto fail;
		goto out;
	}
	if (cmd == DTD_REBUILD_INDEX) {
		status = dtd_rebuild_index(&cfg, err);
		if (status != 0)
			goto fail;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/dtd.db", cfg.state_dir);
	ctx.db = dtd_db_open(path, err);
	if (ctx.db == NULL)
		goto fail;
	n = dtd_db_abort_running(ctx.db);
	if (n < 0) {
		dt_fail(err, "%s: the index cannot be written: %s", path,
			"stop dtd and run `dtd rebuild-index`");
		goto fail;
	}
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
	/* Schedules (a time missed while down runs once, or not), webhooks,
	 * retention after each run. */
	ctx.service = dtd_service_start(&ctx, err);
	if (ctx.service == NULL)
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
	/* The workers have ended (no end hook runs any more); the service
	 * thread goes before the runner it calls. */
	dtd_service_stop(ctx.service);
	ctx.service = NULL;
	dtd_http_stop(http);
	dtd_runner_stop(ctx.runner);
	dtd_db_close(ctx.db);
	json_decref(ctx.plugins);
	dtd_config_free(&cfg);
	if (store_lock >= 0)
		close(store_lock);
	if (lock_fd >= 0)
		close(lock_fd);
	curl_global_cleanup();
	return status;
}
