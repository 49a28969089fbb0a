/*
 * netns.c: dt-agent's access to other pods.  A container is found by its
 * id in /proc/PID/cgroup (the agent runs with hostPID, so /proc shows
 * every process of the node); an argv runs in a process's network
 * namespace by a child that setns()es into /proc/PID/ns/net and execs,
 * so the agent itself never leaves its own namespace.
 */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

int agent_container_pids(const char *proc_root, const char *container_id,
			 pid_t *pids, size_t max, char *err)
{
	const char *id = strstr(container_id, "://");
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	id = id ? id + 3 : container_id;
	if (strlen(id) < 12) {
		snprintf(err, AGENT_ERRBUF, "container id '%s' is too short",
			 container_id);
		return -1;
	}
	d = opendir(proc_root);
	if (d == NULL) {
		snprintf(err, AGENT_ERRBUF, "%s: %s", proc_root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		char path[512], line[4096];
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cgroup", proc_root, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strstr(line, id) != NULL) {
				pids[n++] = (pid_t)atoi(de->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return (int)n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int agent_run_in_netns(const char *proc_root, pid_t pid,
		       const char *const *argv, double timeout_s,
		       char *out, size_t outlen, char *err)
{
	int pfd[2], nsfd = -1, status = 0;
	double deadline = now_s() + timeout_s;
	size_t olen = 0;
	bool killed = false;
	pid_t child;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (argv == NULL || argv[0] == NULL) {
		snprintf(err, AGENT_ERRBUF, "empty argv");
		return -1;
	}
	if (pid > 0) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, (int)pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			snprintf(err, AGENT_ERRBUF, "%.400s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, AGENT_ERRBUF, "pipe: %s", strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	child = fork();
	if (child < 0) {
		snprintf(err, AGENT_ERRBUF, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0) {
			dprintf(2, "setns into the netns of pid %d: %s\n",
				(int)pid, strerror(errno));
			_exit(126);
		}
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	if (nsfd >= 0)
		close(nsfd);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double left = deadline - now_s();
		char chunk[2048];
		ssize_t n;

		if (left <= 0 && !killed) {
			kill(child, SIGKILL);
			killed = true;
		}
		if (poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 100) <= 0)
			continue;
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n <= 0)
			break;
		if (out != NULL && olen + 1 < outlen) {
			size_t take = (size_t)n < outlen - 1 - olen ?
				(size_t)n : outlen - 1 - olen;

			memcpy(out + olen, chunk, take);
			olen += take;
			out[olen] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		snprintf(err, AGENT_ERRBUF, "%s: killed after %g s", argv[0],
			 timeout_s);
		return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(err, AGENT_ERRBUF, "%s: killed by signal %d", argv[0],
		 WTERMSIG(status));
	return -1;
}
