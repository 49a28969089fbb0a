/* SPDX-License-Identifier: MIT */
/*
 * exec.h: what the files of the exec client share: the client (one per
 * run), a program (one per worker, one for setup, one for metrics) and
 * the functions each file offers the others.  Private to plugins/exec.
 *
 * Files: client.c (the configuration and the client callbacks), proc.c
 * (a program on pipes: start, one request and its reply under a
 * deadline, its stderr into the log, stop), request.c (the requests'
 * JSON), reply.c (the reply parser).
 */
#ifndef DT_EXEC_H
#define DT_EXEC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <dt/plugin.h>

#include "reply.h"

/* The protocol's version, sent in every open request. */
#define EXEC_PROTOCOL 1

/* The client: read-only once create returns, except metrics_proc, which
 * only the metrics thread touches, and roles_proc, under roles_lock.  Owns argv and env_own (and their
 * strings), envp (not its strings), cwd, eps, workload, metrics_proc and
 * roles_proc. */
typedef struct exec_client {
	char **argv;          /* the command, {nodes} replaced; NULL-ended */
	char *cwd;            /* or NULL */
	char **envp;          /* ours plus the config's env, or NULL */
	char **env_own;       /* envp's strings from the config */
	dt_endpoint *eps;     /* the nodes, or NULL when there are none */
	size_t neps;
	long node;            /* fixed endpoint, or -1 to spread */
	double timeout;       /* seconds an operation may take */
	double open_timeout;  /* seconds a program may take to answer open */
	double setup_timeout; /* and setup */
	size_t max_line;      /* bytes of a reply line */
	bool setup, metrics;  /* the program answers these requests */
	bool roles;
	char *workload;       /* its name */
	struct exec_proc *metrics_proc;
	struct exec_proc *roles_proc;  /* under roles_lock */
	pthread_mutex_t roles_lock;
} exec_client;

/* A program: the process and its three pipes (ours nonblocking).  Owns
 * the fds, the buffers and label.  One thread at a time. */
typedef struct exec_proc {
	const exec_client *c;
	pid_t pid;
	int in, out, err;
	dt_buf rbuf;          /* stdout read, not yet a whole line */
	dt_buf ebuf;          /* stderr read, not yet a whole line */
	uint64_t lines;       /* lines of stdout read so far */
	int64_t next_id;
	double call_timeout;  /* of the call under way, for messages */
	char label[32];       /* "worker 3", "setup", "metrics" */
} exec_proc;

/* ---- proc.c ---- */

/* Start the program for label (worker >= 0, or -1) and send it open,
 * waiting for its ok within the open timeout.  NULL with err. */
exec_proc *exec_proc_start(const exec_client *c, const char *label,
			   int worker, char *err);
/*
 * Send request (a JSON object it takes over; its "id" is set here) and
 * read the reply within timeout seconds.  0 with *r filled, or -1 with
 * *error (malloc'd) saying exactly what went wrong: the program exited,
 * wrote what is not a reply (line number, what was expected), a line
 * too long, or no reply in time.  After -1 the program is out of step:
 * stop it.
 */
int exec_proc_call(exec_proc *p, json_t *request, double timeout,
		   exec_reply *r, char **error);
/* Send close, give it grace seconds to exit, then kill its process
 * group; reap it, log what it wrote on stderr, free p.  NULL is fine. */
void exec_proc_stop(exec_proc *p, double grace);

/* ---- request.c ---- */

/* {"type": "open", "protocol", "worker", "workload", "timeout", "nodes",
 * "node", "address"}; node is an endpoint index or -1. */
json_t *exec_request_open(const exec_client *c, int worker, long node);
/* {"type": "invoke", "f", "key"?, "value", "node"?, "address"?}: a keyed
 * workload's {key, value} argument is spread into key and value. */
json_t *exec_request_invoke(const exec_client *c, const char *f,
			    const json_t *value, long node);
/* {"type": TYPE} for setup, metrics and close. */
json_t *exec_request_plain(const char *type);
/* The value an ok reply recorded for the op: for a keyed argument
 * {key, value} the reply's value goes back in the same shape. */
json_t *exec_result(const json_t *arg, json_t *value);

#endif /* DT_EXEC_H */
