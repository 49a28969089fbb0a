/*
 * sidebyside.h: DT's linearizability checker and porcupine's porc-check
 * on the same files in one run (in-process: the best of N runs, parsing
 * excluded, on both sides; whole-process: both as commands, alternating,
 * the median of the paired ratios), one row of a Markdown table a class
 * of histories.
 */
#ifndef DT_BENCH_SIDEBYSIDE_H
#define DT_BENCH_SIDEBYSIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "history_import.h"

/* One check in process: the verdict ("linearizable", "not-linearizable",
 * "unknown" or "error") and its seconds; timeout 0: none. */
typedef const char *(*sbs_check_fn)(const dt_history *h, const char *model,
				    double timeout, double *secs);

typedef struct sbs_env {
	const char *porc;      /* porc-check, or NULL: DT alone */
	const char *dt_check;  /* dt-check (the real binary) */
	sbs_check_fn check;
	int runs;              /* in-process runs a file (the best kept) */
	int rounds;            /* whole-process rounds */
	int disagree;          /* decided differently, over every class */
	int dt_unknown;        /* unknown where porcupine decides */
	int porc_unknown;      /* unknown where DT decides */
} sbs_env;

typedef struct sbs_class {
	const char *title;
	const char *porc_fmt;  /* porc-check -f: etcd, kv, edn */
	const char *model;     /* DT's model */
	dt_history_format fmt; /* DT's format */
	double timeout;        /* seconds a check, 0: none */
	int runs, rounds;      /* 0: the env's */
	char **files;
	size_t nfiles;
} sbs_class;

/* Print the table's header. */
void sbs_header(const sbs_env *env);

/* Check every file of c with both, print its row; 0, or -1 when a file
 * cannot be read. */
int sbs_run(sbs_env *env, const sbs_class *c);

#endif
