/* SPDX-License-Identifier: MIT */
/*
 * harness.h: start a dtd of the build on a free loopback port with a
 * temporary state folder, and talk to it with libcurl.  Used by the API
 * tests; everything a test starts is stopped and removed by dtd_stop.
 */
#ifndef DT_TESTS_DTD_HARNESS_H
#define DT_TESTS_DTD_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct dtd_proc {
	pid_t pid;
	int port;
	char dir[256];        /* temporary folder: state/ inside */
	char state[300];
	char token[128];
	char out[4096];       /* what dtd printed on stdout */
} dtd_proc;

/* mkdtemp a folder (once per proc) and start dtd in it with extra
 * arguments (NULL-terminated); returns 0 or -1. */
int dtd_start(dtd_proc *p, const char *const *extra);
/* Send sig and wait; the folder stays (for a restart).  Returns the
 * exit status (0 after a clean stop), or -1 when it did not exit. */
int dtd_kill(dtd_proc *p, int sig);
/* Stop dtd (SIGTERM) and remove its folder; returns dtd_kill's. */
int dtd_stop(dtd_proc *p);

typedef struct http_reply {
	long status;
	char *body;           /* malloc'd, NUL-terminated */
	size_t len;
	char type[128];
	char headers[4096];   /* the reply's header lines, as they came */
} http_reply;

/* method, path ("/api/runs"), body or NULL, token or NULL. */
int http(const dtd_proc *p, const char *method, const char *path,
	 const char *body, const char *token, http_reply *r);
/* The same with extra request headers ("Host: x", NULL-ended). */
int http_ex(const dtd_proc *p, const char *method, const char *path,
	    const char *body, const char *token, const char *const *headers,
	    http_reply *r);

/* Start the dtd of the build with exactly argv[1..] (NULL-ended; argv[0]
 * is ignored) as uid (-1: this one), in cwd (NULL: this one), with env
 * (NULL: this one's).  When it starts listening it is stopped again
 * (SIGTERM) and the result is DTD_TRY_STARTED; else its exit status.
 * What it printed (stdout and stderr) goes to out. */
#define DTD_TRY_STARTED 1000
int dtd_try(const char *const *argv, uid_t uid, const char *cwd,
	    char *const *env, char *out, size_t size);
void http_reply_free(http_reply *r);
/* The reply's body as JSON (new reference) or NULL. */
json_t *http_json(const http_reply *r);

/* A TCP connection to dtd (raw socket, blocking), or -1; rcvbuf > 0
 * sets SO_RCVBUF before connecting (a slow reader). */
int dtd_connect(const dtd_proc *p, int rcvbuf);
/* CLOCK_MONOTONIC in seconds. */
double mono_s(void);

/* GET /api/runs/ID until its status is not queued/running (or timeout
 * seconds pass); returns the run (new reference). */
json_t *wait_run(const dtd_proc *p, long long id, double timeout);
/* Wait for run id to end, then make NAME in its store folder: size
 * bytes, sparse (no disk), ending in "end\n".  Its path goes to path;
 * returns 0, or -1 (no run, or the file could not be made). */
int run_sparse_file(const dtd_proc *p, long long id, const char *name,
		    off_t size, char *path, size_t path_size);
/* POST a run; returns its id, or -1. */
long long post_run(const dtd_proc *p, const char *json);

#endif
