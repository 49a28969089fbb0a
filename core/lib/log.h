/* SPDX-License-Identifier: MIT */
/* log.h: the core's side of dt_log(): where log lines go. */
#ifndef DT_CORE_LOG_H
#define DT_CORE_LOG_H

#include <dt/plugin.h>

typedef void (*dt_log_hook)(dt_log_level level, const char *msg, void *arg);

void dt_log_set_level(dt_log_level level);
/* dt_log to the log file only: for what the caller reports itself (an
 * error dt-run prints once). */
void dt_log_file(dt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
dt_log_level dt_log_get_level(void);
/* Append every log line to path as well; -1 with errno when it cannot. */
int dt_log_open(const char *path);
void dt_log_close(void);
/* A hook sees every line (the progress display clears its line first). */
void dt_log_set_hook(dt_log_hook hook, void *arg);

/*
 * Per-thread log files, for a process that runs several runs at once
 * (dtd with `parallel` > 1).  After dt_log_per_thread(true), dt_log_open
 * and dt_log_close act on the calling thread's own file, and dt_log
 * writes to the file of the thread it is called from (else to none).
 * A thread that works for a run (scheduler workers, the nemesis thread)
 * shares its file: the starting thread takes dt_log_thread_get() and the
 * new thread calls dt_log_thread_set() with it first, and
 * dt_log_thread_set(NULL) before it ends.  The file is closed when the
 * last thread lets go of it.  Without dt_log_per_thread, these change
 * nothing (dt-run: one global file).
 */
typedef struct dt_log_sink dt_log_sink;

void dt_log_per_thread(bool on);
/* The calling thread's sink with a reference for the caller, or NULL. */
dt_log_sink *dt_log_thread_get(void);
/* Make sink (its reference is taken over) the calling thread's, letting
 * go of the one it had; NULL: none. */
void dt_log_thread_set(dt_log_sink *sink);

#endif
