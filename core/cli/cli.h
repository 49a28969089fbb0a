/*
 * cli.h: the parts of dt-run in files of their own.
 */
#ifndef DT_CLI_H
#define DT_CLI_H

#include "run.h"

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

#endif
