/* SPDX-License-Identifier: MIT */
/*
 * cli.h: the parts of dt-run, a file each (dt_run.c: the options, the
 * commands' table and the runs).
 */
#ifndef DT_CLI_H
#define DT_CLI_H

#include "run.h"

/* signals.c: SIGINT/SIGTERM cancel the run set here (and stop a
 * --repeat series); a crash names the plugin and the run's folder. */
void cli_install_signal_handlers(void);
void cli_set_run(dt_run *r);
bool cli_stop_requested(void);

/* list.c: dt-run list suites|charts|plugins; "dt-run: warning: MSG". */
int cli_list(char **args, int n, const dt_run_opts *o);
void cli_warn_line(const char *msg, void *arg);

/* cleanup.c: dt-run cleanup; 0, or 5 when something could not be. */
int cli_cleanup(const char *plugin_path);

/* check.c: dt-run check DIR...: the worst verdict's status (invalid over
 * unknown over valid), 4 when a folder cannot be checked; and a run's
 * verdict, counts and checker summaries as dt-run prints them. */
int cli_recheck(char **dirs, int n, const char *plugin_path);
void cli_print_results(const char *dir, int status, const json_t *res);

/* "dt-run: MESSAGE" and a hint on stderr; returns DT_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* dt-run describe NAME|suite|chart: 0, or DT_EXIT_CONFIG for no such
 * component. */
int cli_describe(const char *name, const char *plugin_path);
/* dt-run timeline DIR...: each run folder's timeline.html written again
 * from its history (and results, suite); 0, or 5 when one could not be. */
int cli_timeline(char **dirs, int n);
/* dt-run shrink DIR: the smallest fault schedule that still fails as the
 * run did, tries runs a candidate; 1 when found (it reproduced), 2 when
 * the failure did not come back, 4 on a bad folder. */
int cli_shrink(const char *dir, int tries, const dt_run_opts *opts);
/* dt-run check-suite FILE...: 0 when every one would run, else 4. */
int cli_check_suites(char **files, int n, const dt_run_opts *o);

/* campaign.c: dt-run campaign FILE: every cell run, a summary table;
 * the worst verdict's status, 5 when a run could not be done. */
int cli_campaign(const char *file, const dt_run_opts *base);

#endif
