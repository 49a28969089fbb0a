/* SPDX-License-Identifier: MIT */
/*
 * history.h: the history of a run, written as it happens and read back.
 *
 * history.jsonl holds one event a line:
 *   {"index":N,"time":NS,"process":P,"type":"invoke|ok|fail|info",
 *    "f":"NAME","value":...}
 * plus "key" and "error" when they have one; nemesis events have
 * "process":"nemesis".  Each line is written with one write(2) as soon as
 * the event happens, so a crash of DT loses nothing already recorded and
 * tears at most the last line.
 */
#ifndef DT_CORE_HISTORY_H
#define DT_CORE_HISTORY_H

#include <dt/plugin.h>

typedef struct dt_history_writer dt_history_writer;

/* Create (truncate) path.  NULL with err. */
dt_history_writer *dt_history_writer_open(const char *path, char *err);
/* Flush and close; returns -1 when a write had failed (see err). */
int dt_history_writer_close(dt_history_writer *w, char *err);

/* Nanoseconds since the writer opened (the history's clock). */
int64_t dt_history_now(const dt_history_writer *w);

/*
 * Append an event; index and time are given by the writer (the op's own
 * are ignored and set).  Thread-safe.  value and error may be NULL.
 * Returns the index, or -1 after a write error (recorded: later appends
 * fail too, and close reports it).
 */
int64_t dt_history_append(dt_history_writer *w, dt_op *op);

/* 0 while every append has worked; else -1 with err saying why (the
 * run must stop: nothing more can be recorded). */
int dt_history_failed(dt_history_writer *w, char *err);

/* Counts of client events so far, by type (nemesis events excluded). */
void dt_history_counts(dt_history_writer *w, uint64_t counts[4]);

/* One event as a JSON line (no newline); malloc'd. */
char *dt_op_to_json(const dt_op *op);

/* Parse one JSON line; 0, or -1 with err (no location). */
int dt_op_from_json(const char *line, size_t len, dt_op *op, char *err);

/* Read history.jsonl.  A torn last line is skipped and counted in
 * h->torn; any other bad line is an error naming file:line. */
dt_history *dt_history_read_jsonl(const char *path, char *err);

/* The same for a history a run may still be writing: the first zero
 * byte ends it, whatever follows (the writer may be filling it in). */
dt_history *dt_history_read_live(const char *path, char *err);

/* Cut a history that a crashed or killed writer left (its reserved,
 * zeroed tail; a torn last line) at the end of its last whole line, so
 * that any line-by-line JSON reader takes it.  *cut says whether there
 * was anything to cut; *last_time (may be NULL) gets the last event's
 * time, -1 when none.  0, or -1 with err. */
int dt_history_trim(const char *path, bool *cut, int64_t *last_time, char *err);

#endif
