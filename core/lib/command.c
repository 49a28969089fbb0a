/* SPDX-License-Identifier: MIT */
/*
 * command.c: dt_command_run and dt_command_spawn (dt/command.h): fork,
 * exec without a shell, read the output under a deadline, kill, reap.
 *
 * libc only, and no state: dt-agent compiles this file in, so it formats
 * its own errors instead of calling dt_fail.
 *
 * How a run goes: the parent resolves the program, opens the namespace,
 * /dev/null, the log and two pipes (output, and a report pipe), all
 * close-on-exec, and forks with every signal blocked.  The child resets
 * the signals, moves its descriptors into place, enters the namespace
 * and the directory, closes every other descriptor and execs; when a
 * step fails it writes which one and errno into the report pipe and
 * exits.  The parent reads the report pipe to its end (exec closed it)
 * to learn whether the program started, then reads the output until it
 * ends or the deadline passes.  dt_command_spawn_pipes starts the child
 * the same way with its stdin, stdout and stderr on pipes it hands back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dt/command.h>

extern char **environ;

/* Searched after PATH: where ip, tc and iptables live. */
#define FALLBACK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The child's step that failed, as it reports it to the parent. */
enum step { STEP_NETNS = 1, STEP_CWD, STEP_EXEC, STEP_PARENT };

typedef struct report {
	int step;
	int errnum;
} report;

/* What the parent prepares for the child: all set before the fork. */
typedef struct launch {
	char prog[PATH_MAX];     /* argv[0] resolved */
	char netns[PATH_MAX];    /* the namespace's path, for errors */
	int nsfd;                /* namespace to enter, or -1 */
	bool own_nsfd;           /* opened here (closed by launch_done) */
	int devnull, logfd;      /* opened here (closed by launch_done) */
	int in, out, err;        /* become 0, 1, 2; -1: keep ours */
	int report[2];           /* the report pipe */
	bool session;            /* setsid (spawn) rather than setpgid */
	pid_t parent;            /* for die_with_parent */
	int maxfd;               /* when close_range is missing */
	struct sigaction dfl;    /* SIG_DFL, for every signal */
} launch;

static int fail(dt_command *c, char *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(dt_command *c, char *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	c->errnum = errnum;
	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, DT_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* argv0 in PATH, then FALLBACK_PATH; as it is when it has a slash. */
static int resolve(const char *argv0, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[8192];
	char *save = NULL;

	if (strchr(argv0, '/') != NULL)
		return (size_t)snprintf(out, size, "%s", argv0) < size &&
		       executable(out) ? 0 : -1;
	snprintf(dirs, sizeof(dirs), "%s:%s", path != NULL ? path : "",
		 FALLBACK_PATH);
	for (char *d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(out, size, "%s/%s", d, argv0) >= size)
			continue;
		if (executable(out))
			return 0;
	}
	return -1;
}

static void launch_done(launch *l)
{
	if (l->own_nsfd && l->nsfd >= 0)
		close(l->nsfd);
	if (l->devnull >= 0)
		close(l->devnull);
	if (l->logfd >= 0)
		close(l->logfd);
	l->nsfd = l->devnull = l->logfd = -1;
}

/* Open /dev/null (for stdin) and, when log is not NULL, the log. */
static int launch_open(dt_command *c, launch *l, bool in, const char *log,
		       char *err)
{
	const char *name = c->argv[0];

	if (in && (l->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return fail(c, err, errno, "%s: /dev/null: %s", name,
			    strerror(errno));
	if (log != NULL && (l->logfd = open(log, O_WRONLY | O_CREAT |
					    O_APPEND | O_CLOEXEC, 0644)) < 0)
		return fail(c, err, errno, "%s: log %s: %s", name, log,
			    strerror(errno));
	return 0;
}

/* Reset the results, resolve the program, open the namespace. */
static int launch_prepare(dt_command *c, launch *l, char *err)
{
	const char *name;
	long maxfd = sysconf(_SC_OPEN_MAX);

	memset(l, 0, sizeof(*l));
	l->nsfd = l->devnull = l->logfd = l->in = l->out = l->err = -1;
	l->report[0] = l->report[1] = -1;
	l->parent = getpid();
	l->maxfd = maxfd > 0 && maxfd < 65536 ? (int)maxfd : 65536;
	l->dfl.sa_handler = SIG_DFL;
	c->pid = 0;
	c->signal = 0;
	c->errnum = 0;
	c->outused = 0;
	if (c->out != NULL && c->outlen > 0)
		c->out[0] = '\0';
	if (c->argv == NULL || c->argv[0] == NULL || c->argv[0][0] == '\0')
		return fail(c, err, EINVAL, "empty command");
	name = c->argv[0];
	if (resolve(name, l->prog, sizeof(l->prog)) != 0)
		return fail(c, err, ENOENT, "%s: command not found", name);
	if (c->netns_fd > 0) {
		snprintf(l->netns, sizeof(l->netns), "(fd %d)", c->netns_fd);
		l->nsfd = c->netns_fd;
	} else if (c->netns != NULL) {
		if (strchr(c->netns, '/') != NULL)
			snprintf(l->netns, sizeof(l->netns), "%s", c->netns);
		else
			snprintf(l->netns, sizeof(l->netns), "/run/netns/%s",
				 c->netns);
		l->nsfd = open(l->netns, O_RDONLY | O_CLOEXEC);
		if (l->nsfd < 0)
			return fail(c, err, errno, "%s: network namespace %s: %s",
				    name, l->netns, strerror(errno));
		l->own_nsfd = true;
	}
	return 0;
}

/* fd becomes target (an fd already there loses its close-on-exec). */
static void move_fd(int fd, int target)
{
	if (fd < 0)
		return;
	if (fd == target)
		fcntl(fd, F_SETFD, 0);
	else
		dup2(fd, target);
}

static void child_report(int fd, int step, int errnum)
{
	report r = { step, errnum };
	ssize_t w = write(fd, &r, sizeof(r));

	(void)w;
	_exit(127);
}

/* The child's side: only async-signal-safe calls from here to execve. */
static void child(const dt_command *c, launch *l)
{
	sigset_t none;
	int rfd = l->report[1];

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &l->dfl, NULL);
	if (c->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != l->parent)
			child_report(rfd, STEP_PARENT, ESRCH);
	}
	if (l->session)
		setsid();
	else if (!c->same_group)
		setpgid(0, 0);
	move_fd(l->in, 0);
	move_fd(l->out, 1);
	move_fd(l->err, 2);
	if (l->nsfd >= 0 && setns(l->nsfd, CLONE_NEWNET) != 0)
		child_report(rfd, STEP_NETNS, errno);
	if (c->cwd != NULL && chdir(c->cwd) != 0)
		child_report(rfd, STEP_CWD, errno);
	/* Keep only 0, 1, 2 and the report pipe (moved to 3, closed by
	 * exec): nothing of the caller's leaks into the program. */
	if (rfd != 3) {
		if (dup3(rfd, 3, O_CLOEXEC) < 0)
			child_report(rfd, STEP_EXEC, errno);
		rfd = 3;
	}
	if (syscall(SYS_close_range, 4u, ~0u, 0u) != 0)
		for (int fd = 4; fd < l->maxfd; fd++)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(l->prog, (char *const *)c->argv,
	       c->envp != NULL ? c->envp : environ);
	child_report(rfd, STEP_EXEC, errno);
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Fork the child and learn whether it got as far as exec.  Returns its
 * pid, or -1 with err (the failed child reaped). */
static pid_t launch_start(dt_command *c, launch *l, char *err)
{
	const char *name = c->argv[0];
	sigset_t all, old;
	report r;
	ssize_t n;
	pid_t pid;
	int status;

	if (pipe2(l->report, O_CLOEXEC) != 0)
		return fail(c, err, errno, "%s: pipe: %s", name, strerror(errno));
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(c, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(l->report[1]);
	if (pid < 0) {
		int e = errno;

		close(l->report[0]);
		return fail(c, err, e, "%s: fork: %s", name, strerror(e));
	}
	while ((n = read(l->report[0], &r, sizeof(r))) < 0 && errno == EINTR)
		;
	close(l->report[0]);
	if (n != (ssize_t)sizeof(r)) {
		c->pid = pid;
		return pid;
	}
	reap(pid, &status);
	switch (r.step) {
	case STEP_NETNS:
		return fail(c, err, r.errnum, "%s: could not enter network "
			    "namespace %s: %s", name, l->netns,
			    strerror(r.errnum));
	case STEP_CWD:
		return fail(c, err, r.errnum, "%s: working directory %s: %s",
			    name, c->cwd, strerror(r.errnum));
	case STEP_PARENT:
		return fail(c, err, r.errnum, "%s: its parent ended before it "
			    "started", name);
	default:
		return fail(c, err, r.errnum, "%s: cannot run %s: %s", name,
			    l->prog, strerror(r.errnum));
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a full disk loses log lines, not the run */
		buf += w;
		len -= (size_t)w;
	}
}

/* Keep a chunk of output: into the log, and into out (head or tail). */
static void take(dt_command *c, int logfd, const char *buf, size_t n)
{
	size_t room;

	if (logfd >= 0)
		write_all(logfd, buf, n);
	if (c->out == NULL || c->outlen < 2)
		return;
	room = c->outlen - 1;
	if (!c->keep_tail) {
		if (n > room - c->outused)
			n = room - c->outused;
		memcpy(c->out + c->outused, buf, n);
		c->outused += n;
	} else if (n >= room) {
		memcpy(c->out, buf + n - room, room);
		c->outused = room;
	} else {
		if (c->outused + n > room) {
			size_t drop = c->outused + n - room;

			memmove(c->out, c->out + drop, c->outused - drop);
			c->outused -= drop;
		}
		memcpy(c->out + c->outused, buf, n);
		c->outused += n;
	}
	c->out[c->outused] = '\0';
}

/*
 * Read the output until it ends and the child has exited, or the
 * deadline passes: then kill its group (or it) and return true.  A pidfd
 * tells when the child exits while something it started still holds the
 * pipe, or when it closed its output and lingers.
 */
static bool pump(dt_command *c, int rd, int logfd, pid_t pid)
{
	double deadline = c->timeout > 0 ? now_s() + c->timeout : 0;
	int pidfd = deadline > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	bool reading = true, exited = pidfd < 0, late = false;

	while (reading || !exited) {
		struct pollfd pf[2];
		nfds_t n = 0;
		int ms = -1;
		char buf[4096];
		ssize_t r;

		if (deadline > 0) {
			double left = deadline - now_s();

			if (left <= 0) {
				if (c->same_group || kill(-pid, SIGKILL) != 0)
					kill(pid, SIGKILL);
				late = true;
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		if (reading)
			pf[n++] = (struct pollfd){ .fd = rd, .events = POLLIN };
		if (!exited)
			pf[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (poll(pf, n, ms) <= 0)
			continue;
		if (!exited && (pf[n - 1].revents & (POLLIN | POLLHUP)))
			exited = true;
		if (!reading || pf[0].revents == 0)
			continue;
		r = read(rd, buf, sizeof(buf));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			reading = false;
		else
			take(c, logfd, buf, (size_t)r);
	}
	if (pidfd >= 0)
		close(pidfd);
	return late;
}

int dt_command_run(dt_command *c, char *err)
{
	launch l;
	int pfd[2] = { -1, -1 }, status = 0, rc = -1;
	const char *name;
	bool late;

	if (launch_prepare(c, &l, err) != 0 ||
	    launch_open(c, &l, !c->keep_stdin, c->log_path, err) != 0)
		goto out;
	name = c->argv[0];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		fail(c, err, errno, "%s: pipe: %s", name, strerror(errno));
		goto out;
	}
	l.in = l.devnull;
	l.out = pfd[1];
	l.err = c->keep_stderr ? -1 : pfd[1];
	if (launch_start(c, &l, err) < 0)
		goto out;
	close(pfd[1]);
	pfd[1] = -1;
	late = pump(c, pfd[0], l.logfd, c->pid);
	reap(c->pid, &status);
	if (WIFSIGNALED(status)) {
		c->signal = WTERMSIG(status);
		if (late && c->signal == SIGKILL)
			fail(c, err, ETIMEDOUT, "%s: no answer after %g s", name,
			     c->timeout);
		else
			rc = 128 + c->signal;
	} else {
		rc = WEXITSTATUS(status);
	}
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	launch_done(&l);
	return rc;
}

pid_t dt_command_spawn(dt_command *c, char *err)
{
	launch l;
	pid_t pid = -1;

	if (launch_prepare(c, &l, err) == 0 &&
	    launch_open(c, &l, true, c->log_path != NULL ? c->log_path :
			"/dev/null", err) == 0) {
		l.session = true;
		l.in = l.devnull;
		l.out = l.err = l.logfd;
		pid = launch_start(c, &l, err);
	}
	launch_done(&l);
	return pid;
}

/* Close both ends of each pipe that is open. */
static void close_pipes(int p[3][2])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (p[i][j] >= 0) {
				close(p[i][j]);
				p[i][j] = -1;
			}
}

pid_t dt_command_spawn_pipes(dt_command *c, int *in, int *out, int *errfd,
			     char *err)
{
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	launch l;
	pid_t pid = -1;

	*in = *out = -1;
	if (errfd != NULL)
		*errfd = -1;
	if (launch_prepare(c, &l, err) != 0 ||
	    launch_open(c, &l, false, errfd == NULL ? (c->log_path != NULL ?
			c->log_path : "/dev/null") : NULL, err) != 0)
		goto out;
	for (int i = 0; i < (errfd != NULL ? 3 : 2); i++)
		if (pipe2(p[i], O_CLOEXEC) != 0) {
			fail(c, err, errno, "%s: pipe: %s", c->argv[0],
			     strerror(errno));
			goto out;
		}
	l.session = true;
	l.in = p[0][0];
	l.out = p[1][1];
	l.err = errfd != NULL ? p[2][1] : l.logfd;
	pid = launch_start(c, &l, err);
	if (pid < 0)
		goto out;
	*in = p[0][1];
	*out = p[1][0];
	p[0][1] = p[1][0] = -1;
	if (errfd != NULL) {
		*errfd = p[2][0];
		p[2][0] = -1;
	}
out:
	close_pipes(p);
	launch_done(&l);
	return pid;
}
