/*
 * classes.h: the classes of histories the checker benchmark runs beside
 * porcupine: the shared etcd and kv files, the etcd files rewritten with
 * runs of blanks, and generated ones (50-client kv, valid and not;
 * Knossos EDN cas-register; cas-register and kv at scale; optionally the
 * hard single-key ones), written in porcupine's formats to a temporary
 * folder removed afterwards.
 */
#ifndef DT_BENCH_CLASSES_H
#define DT_BENCH_CLASSES_H

#include "sidebyside.h"

typedef struct bench_sizes {
	long scale_ops;       /* cas-register at scale */
	long kv_ops;          /* kv at scale (1000 keys) */
	int edn_files;        /* Knossos EDN files */
	bool hard;            /* the hard single-key classes too */
	double hard_timeout;  /* seconds a hard check */
} bench_sizes;

/* 0, or -1 when a class could not be made or read. */
int bench_classes(sbs_env *env, const char *testdata, const bench_sizes *sz);

#endif
