/* SPDX-License-Identifier: MIT */
/*
 * log.c: dt_log() writes to the run's dt.log (every level) and to stderr
 * (up to the verbosity chosen on the command line).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dt/plugin.h>
#include "log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static dt_log_level log_stderr_level = DT_LOG_WARN;
static dt_log_hook log_hook_fn;
static void *log_hook_arg;

/* Per-thread files (see log.h); refs and per_thread under log_lock. */
struct dt_log_sink {
	FILE *f;
	int refs;
};
static bool per_thread;
static __thread dt_log_sink *thread_sink;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void dt_log_set_level(dt_log_level level)
{
	log_stderr_level = level;
}

dt_log_level dt_log_get_level(void)
{
	return log_stderr_level;
}

/* Drop a reference; caller holds log_lock. */
static void sink_release(dt_log_sink *s)
{
	if (s != NULL && --s->refs == 0) {
		fclose(s->f);
		free(s);
	}
}

void dt_log_per_thread(bool on)
{
	pthread_mutex_lock(&log_lock);
	per_thread = on;
	pthread_mutex_unlock(&log_lock);
}

dt_log_sink *dt_log_thread_get(void)
{
	dt_log_sink *s;

	pthread_mutex_lock(&log_lock);
	s = thread_sink;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&log_lock);
	return s;
}

void dt_log_thread_set(dt_log_sink *sink)
{
	pthread_mutex_lock(&log_lock);
	sink_release(thread_sink);
	thread_sink = sink;
	pthread_mutex_unlock(&log_lock);
}

int dt_log_open(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -1;
	pthread_mutex_lock(&log_lock);
	if (per_thread) {
		dt_log_sink *s = calloc(1, sizeof(*s));

		if (s == NULL) {
			pthread_mutex_unlock(&log_lock);
			fclose(f);
			return -1;
		}
		s->f = f;
		s->refs = 1;
		sink_release(thread_sink);
		thread_sink = s;
		pthread_mutex_unlock(&log_lock);
		return 0;
	}
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void dt_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (per_thread) {
		sink_release(thread_sink);
		thread_sink = NULL;
		pthread_mutex_unlock(&log_lock);
		return;
	}
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

void dt_log_set_hook(dt_log_hook hook, void *arg)
{
	pthread_mutex_lock(&log_lock);
	log_hook_fn = hook;
	log_hook_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

static void log_line(dt_log_level level, bool to_stderr, const char *fmt,
		     va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if ((unsigned)level > DT_LOG_DEBUG)
		level = DT_LOG_DEBUG;

	pthread_mutex_lock(&log_lock);
	if (log_hook_fn != NULL)
		log_hook_fn(level, msg, log_hook_arg);
	if (thread_sink != NULL || log_file != NULL) {
		FILE *f = thread_sink != NULL ? thread_sink->f : log_file;
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(f, "%s.%03ldZ %s: %s\n", stamp,
			ts.tv_nsec / 1000000, level_names[level], msg);
		fflush(f);
	}
	if (to_stderr && level <= log_stderr_level)
		fprintf(stderr, "dt: %s: %s\n", level_names[level], msg);
	pthread_mutex_unlock(&log_lock);
}

void dt_log(dt_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, true, fmt, ap);
	va_end(ap);
}

void dt_log_file(dt_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, false, fmt, ap);
	va_end(ap);
}
