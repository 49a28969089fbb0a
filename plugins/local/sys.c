/*
 * sys.c: running commands and processes for the local platform, inside a
 * named network namespace when asked, always by fork/execve (never a
 * shell: a value from a YAML file can not become a command).
 *
 * The nemesis thread calls these while other threads run, so the child
 * side of every fork does only async-signal-safe things: setns, dup2,
 * execve.  Everything that allocates (resolving the program in PATH,
 * opening the namespace) is done in the parent before the fork.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

extern char **environ;

bool lc_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Find argv0 in PATH, then /usr/sbin and /sbin (ip, tc and iptables live
 * there and a user's PATH may lack them). */
static int resolve(const char *argv0, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char buf[8192];
	char *save = NULL;

	if (strchr(argv0, '/') != NULL) {
		snprintf(out, size, "%s", argv0);
		return access(out, X_OK);
	}
	snprintf(buf, sizeof(buf), "%s:/usr/sbin:/sbin:/usr/bin:/bin",
		 path != NULL ? path : "");
	for (char *d = strtok_r(buf, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(out, size, "%s/%s", d, argv0) >= size)
			continue;
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

static int open_netns(const char *netns, char *err)
{
	char path[PATH_MAX];
	int fd;

	if (netns == NULL)
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		dt_fail(err, "network namespace %s: %s", netns, strerror(errno));
	return fd;
}

/*
 * fork with every signal blocked: the child must not run dt-run's
 * handlers (a SIGTERM arriving between fork and exec would be "handled"
 * by the core's handler in the child, and lost).  The child resets every
 * disposition before child_exec unblocks; the parent gets its mask back.
 */
static pid_t fork_quiet(void)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		for (int sig = 1; sig < NSIG; sig++)
			sigaction(sig, &dfl, NULL);
		return 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* The child's side: reset what the parent's threads may have changed,
 * enter the namespace, exec.  Only async-signal-safe calls. */
static void child_exec(int nsfd, const char *prog, char *const *argv)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0)
		_exit(126);
	/* No descriptor of dt-run (history, sockets, dtd's listener)
	 * leaks into a server that may outlive it. */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	execve(prog, argv, environ);
	_exit(127);
}

int lc_run(const char *netns, const char *const *argv, double timeout,
	   char *out, size_t outlen, char *err)
{
	char prog[PATH_MAX];
	int pfd[2] = { -1, -1 }, nsfd = -1, status = 0, devnull;
	size_t used = 0;
	double deadline = now_s() + (timeout > 0 ? timeout : 30);
	pid_t pid, w;

	if (argv == NULL || argv[0] == NULL)
		return dt_fail(err, "empty command");
	if (resolve(argv[0], prog, sizeof(prog)) != 0)
		return dt_fail(err, "%s: command not found", argv[0]);
	if (netns != NULL && (nsfd = open_netns(netns, err)) < 0)
		return -1;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		if (nsfd >= 0)
			close(nsfd);
		return dt_fail(err, "pipe: %s", strerror(errno));
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = fork_quiet();
	if (pid == 0) {
		/* Its own process group: a terminal's ^C stops dt-run,
		 * which then tears down; it must not kill an `ip` or `tc`
		 * half way. */
		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		child_exec(nsfd, prog, (char *const *)argv);
	}
	close(pfd[1]);
	if (devnull >= 0)
		close(devnull);
	if (nsfd >= 0)
		close(nsfd);
	if (pid < 0) {
		close(pfd[0]);
		return dt_fail(err, "fork: %s", strerror(errno));
	}
	if (out != NULL && outlen > 0)
		out[0] = '\0';
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		double left = deadline - now_s();
		char buf[4096];
		ssize_t r;

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pf, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		r = read(pfd[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out != NULL && used + 1 < outlen) {
			size_t take = (size_t)r < outlen - 1 - used ?
				      (size_t)r : outlen - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	close(pfd[0]);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return dt_fail(err, "%s: waitpid: %s", argv[0], strerror(errno));
	if (WIFSIGNALED(status)) {
		if (now_s() >= deadline)
			return dt_fail(err, "%s: no answer after %.0f s",
				       argv[0], timeout > 0 ? timeout : 30);
		return 128 + WTERMSIG(status);
	}
	if (WEXITSTATUS(status) == 126 && netns != NULL)
		return dt_fail(err, "%s: could not enter network namespace %s",
			       argv[0], netns);
	return WEXITSTATUS(status);
}

int lc_runf(const char *netns, char *out, size_t outlen, char *err,
	    const char *fmt, ...)
{
	char line[1024];
	const char *argv[64];
	size_t n = 0;
	char *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *w = strtok_r(line, " ", &save); w != NULL && n < 63;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return lc_run(netns, argv, 30, out, outlen, err);
}

pid_t lc_spawn(const char *netns, char *const *argv, const char *cwd,
	       const char *logpath, char *err)
{
	char prog[PATH_MAX];
	int nsfd = -1, logfd, devnull;
	pid_t pid, parent;

	if (resolve(argv[0], prog, sizeof(prog)) != 0)
		return dt_fail(err, "%s: command not found", argv[0]);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		return dt_fail(err, "%s: %s", logpath, strerror(errno));
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (netns != NULL && (nsfd = open_netns(netns, err)) < 0) {
		close(logfd);
		if (devnull >= 0)
			close(devnull);
		return -1;
	}
	parent = getpid();
	pid = fork_quiet();
	if (pid == 0) {
		/* A node must not outlive dt-run: were dt-run killed between
		 * this fork and recording the pid in the state file, nothing
		 * would know to stop it.  (The signal follows the thread that
		 * forked; those end only after the run is over.) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(124);
		setsid();
		if (cwd != NULL && chdir(cwd) != 0)
			_exit(125);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		child_exec(nsfd, prog, argv);
	}
	close(logfd);
	if (devnull >= 0)
		close(devnull);
	if (nsfd >= 0)
		close(nsfd);
	if (pid < 0)
		return dt_fail(err, "fork: %s", strerror(errno));
	return pid;
}

unsigned long long lc_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* The command name may hold spaces and parentheses: fields start
	 * after the last ')'; that is field 3, start time is field 22. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	for (field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

bool lc_has_net_admin(void)
{
	char line[256];
	bool ok = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			unsigned long long caps = strtoull(line + 7, NULL, 16);

			ok = (caps >> 12) & 1; /* CAP_NET_ADMIN */
			break;
		}
	}
	fclose(f);
	return ok;
}

int lc_mkdirs(const char *path, bool private_dir, char *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return dt_fail(err, "bad directory name '%s'", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return dt_fail(err, "mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, private_dir ? 0700 : 0755) != 0 && errno != EEXIST)
		return dt_fail(err, "mkdir %s: %s", buf, strerror(errno));
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) != 0 && errno != ENOENT ? -1 : 0;
}

int lc_rmtree(const char *path, char *err)
{
	if (!lc_exists(path))
		return 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return dt_fail(err, "removing %s: %s", path, strerror(errno));
	return 0;
}

void lc_tail(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end;
	ssize_t r;

	buf[0] = '\0';
	if (fd < 0 || size < 2) {
		if (fd >= 0)
			close(fd);
		return;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)(size - 1))
		lseek(fd, end - (off_t)(size - 1), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	r = read(fd, buf, size - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text), w;

	if (fd < 0)
		return -1;
	w = write(fd, text, (size_t)len);
	close(fd);
	return w == len ? 0 : -1;
}

static int threads_of_self(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

int lc_enter_userns(char *err)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	const char *netns_dir = "/run/netns";

	if (threads_of_self() != 1)
		return dt_fail(err, "dt-run already runs threads, so it can not "
			       "enter a user namespace");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0)
		return dt_fail(err, "unprivileged user namespaces are not allowed "
			       "here (unshare: %s)", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/setgroups", "deny") != 0 ||
	    write_file("/proc/self/uid_map", map) != 0)
		return dt_fail(err, "user namespace: uid_map: %s", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		return dt_fail(err, "user namespace: gid_map: %s", strerror(errno));
	/* `ip netns` keeps namespaces as files under /run/netns: give this
	 * mount namespace a private, writable one. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return dt_fail(err, "user namespace: private mounts: %s",
			       strerror(errno));
	if (!lc_exists(netns_dir)) {
		if (mount("dt", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") != 0)
			return dt_fail(err, "user namespace: tmpfs on /run: %s",
				       strerror(errno));
		if (mkdir(netns_dir, 0755) != 0)
			return dt_fail(err, "user namespace: mkdir %s: %s",
				       netns_dir, strerror(errno));
	} else if (mount("dt", netns_dir, "tmpfs", MS_NOSUID | MS_NODEV,
			 "mode=755") != 0) {
		return dt_fail(err, "user namespace: tmpfs on %s: %s", netns_dir,
			       strerror(errno));
	}
	return 0;
}
