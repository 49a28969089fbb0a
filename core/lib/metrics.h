/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: metrics.jsonl, sampled once a second during a run.
 *
 * Each line is {"time":NS,"source":SOURCE,"values":{...}} with time on
 * the history's clock.  Source "driver" carries DT's own figures per
 * operation for that second: {"read":{"ops":N,"ok":N,"fail":N,"info":N,
 * "p50":MS,"p95":MS,"p99":MS,"max":MS}, ...}; every other source is a
 * node of the system, with what the client's metrics() returned for it.
 */
#ifndef DT_CORE_METRICS_H
#define DT_CORE_METRICS_H

#include <dt/plugin.h>
#include "history.h"

typedef struct dt_metrics dt_metrics;

/* Open path and start the sampling thread for nworkers workers; client
 * may lack metrics().  NULL with err. */
dt_metrics *dt_metrics_start(const char *path, dt_history_writer *clock,
			     size_t nworkers, const dt_client_type *client,
			     void *client_data, char *err);

/* Count one completion of a worker (0 .. nworkers-1).  Each worker has
 * its own figures and lock, so this costs no contention. */
void dt_metrics_record(dt_metrics *m, int worker, const char *f,
		       dt_op_type type, int64_t latency_ns);

/* Write the last partial second, stop the thread, close the file. */
void dt_metrics_stop(dt_metrics *m);

#endif
