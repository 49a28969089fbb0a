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

#define DT_PROM_MAX_LABELS 16

typedef struct dt_prom_sample {
	const char *name;
	size_t nlabels;
	const char *label_name[DT_PROM_MAX_LABELS];
	const char *label_value[DT_PROM_MAX_LABELS]; /* unescaped */
	double value;           /* +-Inf and NaN as in C */
} dt_prom_sample;

/* Called for each sample; strings are valid during the call only.
 * Return non-zero to stop the parse. */
typedef int (*dt_prom_fn)(const dt_prom_sample *s, void *arg);

/* Parse len bytes (need not be NUL-terminated).  Returns how many lines
 * were malformed and skipped (0 for a clean text). */
size_t dt_prom_parse(const char *text, size_t len, dt_prom_fn fn, void *arg);

/* The value of a label of a sample, or NULL. */
const char *dt_prom_label(const dt_prom_sample *s, const char *name);

/* A histogram summed over every label but `le`: feed it the samples
 * NAME_bucket, NAME_sum and NAME_count with dt_prom_hist_add. */
#define DT_PROM_MAX_BUCKETS 64

typedef struct dt_prom_hist {
	const char *name;       /* the family, borrowed */
	size_t nbuckets;
	double le[DT_PROM_MAX_BUCKETS];    /* upper bounds, ascending */
	double count[DT_PROM_MAX_BUCKETS]; /* cumulative counts */
	double sum, total;      /* _sum and _count */
	bool seen;
} dt_prom_hist;

/* Take s into h when it belongs to h's family; true when it did. */
bool dt_prom_hist_add(dt_prom_hist *h, const dt_prom_sample *s);

/* The q-quantile (0 < q < 1) by linear interpolation inside the bucket
 * that holds it, as Prometheus' histogram_quantile does; NaN when the
 * histogram is empty.  A quantile in the +Inf bucket is the largest
 * finite bound. */
double dt_prom_hist_quantile(const dt_prom_hist *h, double q);

#endif
