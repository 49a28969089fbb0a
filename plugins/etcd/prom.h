/* SPDX-License-Identifier: MIT */
/*
 * prom.h: a parser for the Prometheus text exposition format (what
 * etcd serves at /metrics), and the histogram arithmetic the etcd
 * client's metrics need.  Kept apart from the client so that it can be
 * tested and fuzzed alone.
 *
 *   # HELP name text
 *   # TYPE name counter|gauge|histogram|summary|untyped
 *   name{label="value",...} 1.5e3 [timestamp]
 *
 * Malformed lines are skipped and counted, never fatal: a scrape is
 * best effort.
 */
#ifndef DT_PROM_H
#define DT_PROM_H

#include <stdbool.h>
#include <stddef.h>

#define ETCD_PROM_MAX_LABELS 16

typedef struct etcd_prom_sample {
	const char *name;
	size_t nlabels;
	const char *label_name[ETCD_PROM_MAX_LABELS];
	const char *label_value[ETCD_PROM_MAX_LABELS]; /* unescaped */
	double value;           /* +-Inf and NaN as in C */
} etcd_prom_sample;

/* Called for each sample; strings are valid during the call only.
 * Return non-zero to stop the parse. */
typedef int (*etcd_prom_fn)(const etcd_prom_sample *s, void *arg);

/* Parse len bytes (need not be NUL-terminated).  Returns how many lines
 * were malformed and skipped (0 for a clean text). */
size_t etcd_prom_parse(const char *text, size_t len, etcd_prom_fn fn,
		       void *arg);

/* The value of a label of a sample, or NULL. */
const char *etcd_prom_label(const etcd_prom_sample *s, const char *name);

/* A histogram summed over every label but `le`: feed it the samples
 * NAME_bucket, NAME_sum and NAME_count with etcd_prom_hist_add. */
#define ETCD_PROM_MAX_BUCKETS 64

typedef struct etcd_prom_hist {
	const char *name;       /* the family, borrowed */
	size_t nbuckets;
	double le[ETCD_PROM_MAX_BUCKETS];    /* upper bounds, ascending */
	double count[ETCD_PROM_MAX_BUCKETS]; /* cumulative counts */
	double sum, total;      /* _sum and _count */
	bool seen;
} etcd_prom_hist;

/* Take s into h when it belongs to h's family; true when it did. */
bool etcd_prom_hist_add(etcd_prom_hist *h, const etcd_prom_sample *s);

/* The q-quantile (0 < q < 1) by linear interpolation inside the bucket
 * that holds it, as Prometheus' histogram_quantile does; NaN when the
 * histogram is empty.  A quantile in the +Inf bucket is the largest
 * finite bound. */
double etcd_prom_hist_quantile(const etcd_prom_hist *h, double q);

#endif
