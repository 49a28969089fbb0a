/* SPDX-License-Identifier: MIT */
/*
 * proc.c: one program of the exec client on three pipes.  A request is
 * one line of JSON written to its stdin, its reply one line read from
 * its stdout, both under the operation's deadline (our ends are
 * nonblocking, so a program that stops reading or writing cannot hold a
 * worker past it).  What it writes on stderr goes to the run's log, a
 * line at a time, whenever we wait on it.
 *
 * Every way a program can go wrong ends the call with an exact sentence:
 * it exited (with its status), its stdout line N is not the reply
 * expected (the parser says why and quotes it), a line longer than
 * max-line, or no reply in time.  The caller then stops it: a program
 * out of step can never be trusted with the next request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

/* Longest stderr line logged whole; longer ones are cut. */
#define EXEC_ERR_LINE 4096

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Log the whole lines of ebuf (and, with all, the rest). */
static void log_stderr(exec_proc *p, bool all)
{
	size_t start = 0;

	for (size_t i = 0; i < p->ebuf.len; i++) {
		if (p->ebuf.data[i] != '\n')
			continue;
		dt_log(DT_LOG_INFO, "exec %s: %.*s", p->label,
		       (int)(i - start), (char *)p->ebuf.data + start);
		start = i + 1;
	}
	if ((all || p->ebuf.len - start > EXEC_ERR_LINE) && start < p->ebuf.len) {
		dt_log(DT_LOG_INFO, "exec %s: %.*s", p->label,
		       (int)(p->ebuf.len - start), (char *)p->ebuf.data + start);
		start = p->ebuf.len;
	}
	memmove(p->ebuf.data, p->ebuf.data + start, p->ebuf.len - start);
	p->ebuf.len -= start;
}

/* Read what stderr has; false once it is closed. */
static bool drain_stderr(exec_proc *p)
{
	char buf[4096];
	ssize_t n;

	if (p->err < 0)
		return false;
	while ((n = read(p->err, buf, sizeof(buf))) > 0)
		if (dt_buf_put(&p->ebuf, buf, (size_t)n) != 0)
			break;
	log_stderr(p, false);
	if (n == 0) {
		close(p->err);
		p->err = -1;
		return false;
	}
	return true;
}

/* Milliseconds left before d, for poll (at least 1 while any is left). */
static int ms_left(const dt_deadline *d)
{
	double left = dt_deadline_left(d);

	if (left <= 0)
		return 0;
	return left > 3600 ? 3600000 : (int)(left * 1000) + 1;
}

/* How the program ended, once it closed its stdout or stdin: reap it if
 * it exits within a moment (killing it otherwise). */
static char *how_it_ended(exec_proc *p, const char *when)
{
	int status = 0;
	pid_t w = 0;

	for (int i = 0; i < 50 && (w = waitpid(p->pid, &status, WNOHANG)) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (w == 0) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
		return dt_strdupf("%s: the program closed its stdout before "
				  "its reply to %s", p->label, when);
	}
	p->pid = 0;
	drain_stderr(p);
	log_stderr(p, true);
	if (WIFSIGNALED(status))
		return dt_strdupf("%s: the program was killed by signal %d "
				  "(%s) before its reply to %s", p->label,
				  WTERMSIG(status), strsignal(WTERMSIG(status)),
				  when);
	return dt_strdupf("%s: the program exited with status %d before its "
			  "reply to %s", p->label, WEXITSTATUS(status), when);
}

/* Write the whole line within d.  0, or -1 with *error. */
static int send_line(exec_proc *p, const char *line, size_t len,
		     const dt_deadline *d, const char *when, char **error)
{
	sigset_t pipe_set, old;
	int rc = 0;

	/* A program that has exited makes write raise SIGPIPE: keep it
	 * from the process (block it here, take it if it came). */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (len > 0) {
		struct pollfd pf[2] = {
			{ .fd = p->in, .events = POLLOUT },
			{ .fd = p->err, .events = POLLIN },
		};
		ssize_t w = write(p->in, line, len);

		if (w > 0) {
			line += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EPIPE) {
			struct timespec zero = { 0, 0 };

			sigtimedwait(&pipe_set, NULL, &zero);
			*error = how_it_ended(p, when);
			rc = -1;
			break;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			*error = dt_strdupf("%s: writing to the program: %s",
					    p->label, strerror(errno));
			rc = -1;
			break;
		}
		if (dt_deadline_expired(d)) {
			*error = dt_strdupf("%s: the program did not read %s "
					    "within %g s", p->label, when,
					    p->call_timeout);
			rc = -1;
			break;
		}
		if (poll(pf, p->err >= 0 ? 2 : 1, ms_left(d)) > 0 &&
		    (pf[1].revents & (POLLIN | POLLHUP)))
			drain_stderr(p);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * Read one line from stdout within d: its length in *len (without the
 * newline, which rbuf keeps until take_line).  0, or -1 with *error.
 */
static int read_line(exec_proc *p, const dt_deadline *d, const char *when,
		     size_t *len, char **error)
{
	for (;;) {
		unsigned char *nl = p->rbuf.len > 0 ?
			memchr(p->rbuf.data, '\n', p->rbuf.len) : NULL;
		struct pollfd pf[2] = {
			{ .fd = p->out, .events = POLLIN },
			{ .fd = p->err, .events = POLLIN },
		};
		unsigned char *w;
		ssize_t n;

		if (nl != NULL) {
			*len = (size_t)(nl - p->rbuf.data);
			p->lines++;
			if (*len <= p->c->max_line)
				return 0;
		}
		if (nl != NULL || p->rbuf.len > p->c->max_line) {
			*error = dt_strdupf("%s: line %llu of the program's "
					    "stdout is longer than max-line "
					    "(%zu bytes), in reply to %s", p->label,
					    (unsigned long long)p->lines +
					    (nl == NULL), p->c->max_line, when);
			return -1;
		}
		w = dt_buf_reserve(&p->rbuf, 65536);
		if (w == NULL) {
			*error = dt_strdupf("%s: out of memory", p->label);
			return -1;
		}
		n = read(p->out, w, 65536);
		if (n > 0) {
			p->rbuf.len += (size_t)n;
			continue;
		}
		if (n == 0) {
			*error = how_it_ended(p, when);
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			*error = dt_strdupf("%s: reading the program's stdout: "
					    "%s", p->label, strerror(errno));
			return -1;
		}
		if (dt_deadline_expired(d)) {
			*error = dt_strdupf("%s: no reply to %s within %g s",
					    p->label, when, p->call_timeout);
			return -1;
		}
		if (poll(pf, p->err >= 0 ? 2 : 1, ms_left(d)) > 0 &&
		    (pf[1].revents & (POLLIN | POLLHUP)))
			drain_stderr(p);
	}
}

int exec_proc_call(exec_proc *p, json_t *req, double timeout,
		   exec_reply *r, char **error)
{
	char when[128], why[DT_ERRBUF_SIZE];
	dt_deadline dl, *d = &dl;
	int64_t id = p->next_id++;
	const char *type = json_string_value(json_object_get(req, "type"));
	char *text;
	size_t len = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (req == NULL || json_object_set_new(req, "id", json_integer(id)) != 0 ||
	    (text = json_dumps(req, JSON_COMPACT)) == NULL) {
		json_decref(req);
		*error = dt_strdupf("%s: out of memory", p->label);
		return -1;
	}
	dt_deadline_set(d, timeout);
	p->call_timeout = timeout;
	snprintf(when, sizeof(when), "%s request %lld", type ? type : "a",
		 (long long)id);
	json_decref(req);
	/* one write of the line and its newline */
	len = strlen(text);
	{
		char *line = realloc(text, len + 2);

		if (line == NULL) {
			free(text);
			*error = dt_strdupf("%s: out of memory", p->label);
			return -1;
		}
		line[len] = '\n';
		line[len + 1] = '\0';
		text = line;
	}
	rc = send_line(p, text, len + 1, d, when, error);
	free(text);
	if (rc != 0)
		return -1;
	if (read_line(p, d, when, &len, error) != 0)
		return -1;
	rc = exec_reply_parse((char *)p->rbuf.data, len, id, r, why);
	memmove(p->rbuf.data, p->rbuf.data + len + 1, p->rbuf.len - len - 1);
	p->rbuf.len -= len + 1;
	if (rc != 0) {
		*error = dt_strdupf("%s: line %llu of the program's stdout, "
				    "in reply to %s: %s", p->label,
				    (unsigned long long)p->lines, when, why);
		return -1;
	}
	return 0;
}

exec_proc *exec_proc_start(const exec_client *c, const char *label,
			   int worker, char *err)
{
	exec_proc *p = calloc(1, sizeof(*p));
	dt_command cmd = { .argv = (const char *const *)c->argv,
			   .envp = c->envp, .cwd = c->cwd,
			   .die_with_parent = true };
	exec_reply r;
	char *error = NULL;
	long node;

	if (p == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	p->c = c;
	p->in = p->out = p->err = -1;
	p->next_id = 1;
	snprintf(p->label, sizeof(p->label), "%s", label);
	if (dt_command_spawn_pipes(&cmd, &p->in, &p->out, &p->err, err) < 0) {
		free(p);
		return NULL;
	}
	p->pid = cmd.pid;
	set_nonblock(p->in);
	set_nonblock(p->out);
	set_nonblock(p->err);
	node = worker < 0 || c->neps == 0 ? -1 : c->node >= 0 ? c->node :
	       (long)((size_t)worker % c->neps);
	if (exec_proc_call(p, exec_request_open(c, worker, node),
			   c->open_timeout, &r, &error) != 0) {
		dt_fail(err, "%s", error ? error : "out of memory");
		free(error);
		exec_proc_stop(p, 0);
		return NULL;
	}
	if (r.type != DT_OP_OK) {
		dt_fail(err, "%s: the program refused to open: %s", label,
			r.error ? r.error : "(no error given)");
		exec_reply_clear(&r);
		exec_proc_stop(p, 0);
		return NULL;
	}
	exec_reply_clear(&r);
	return p;
}

void exec_proc_stop(exec_proc *p, double grace)
{
	int status;

	if (p == NULL)
		return;
	if (p->pid > 0 && p->in >= 0 && grace > 0) {
		dt_deadline d;
		char *line = "{\"type\":\"close\"}\n", *error = NULL;

		dt_deadline_set(&d, grace);
		p->call_timeout = grace;
		if (send_line(p, line, strlen(line), &d, "close", &error) == 0) {
			close(p->in);
			p->in = -1;
			/* its end: stdout closes when it exits */
			while (p->pid > 0 && !dt_deadline_expired(&d)) {
				struct pollfd pf[2] = {
					{ .fd = p->out, .events = POLLIN },
					{ .fd = p->err, .events = POLLIN },
				};
				char buf[4096];

				if (poll(pf, p->err >= 0 ? 2 : 1, ms_left(&d)) <= 0)
					continue;
				if (pf[1].revents)
					drain_stderr(p);
				if (pf[0].revents && read(p->out, buf, sizeof(buf)) == 0)
					break;
			}
		}
		free(error);
	}
	if (p->pid > 0) {
		pid_t w = waitpid(p->pid, &status, WNOHANG);

		if (w == 0) {
			kill(-p->pid, SIGKILL);
			while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
				;
		}
	}
	if (p->in >= 0)
		close(p->in);
	if (p->out >= 0)
		close(p->out);
	drain_stderr(p);
	if (p->err >= 0)
		close(p->err);
	log_stderr(p, true);
	dt_buf_free(&p->rbuf);
	dt_buf_free(&p->ebuf);
	free(p);
}
