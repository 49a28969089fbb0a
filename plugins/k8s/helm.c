/*
 * helm.c: running the helm CLI (and kubectl port-forward): argv vectors,
 * printing them for --dry-run and the log, running them without a shell
 * with their output kept in a log file, and merging chart values.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "k8s.h"

void dt_k8s_argv_add(dt_k8s_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL)
			abort();
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL)
		abort();
	a->n++;
	a->v[a->n] = NULL;
}

void dt_k8s_argv_addf(dt_k8s_argv *a, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dt_k8s_argv_add(a, buf);
}

void dt_k8s_argv_free(dt_k8s_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->env);
	memset(a, 0, sizeof(*a));
}

void dt_k8s_argv_kubeconfig(dt_k8s_argv *a, const char *kubeconfig)
{
	if (kubeconfig == NULL)
		return;
	if (strchr(kubeconfig, ':') == NULL) {
		dt_k8s_argv_addf(a, "--kubeconfig=%s", kubeconfig);
		return;
	}
	free(a->env);
	if (asprintf(&a->env, "KUBECONFIG=%s", kubeconfig) < 0)
		a->env = NULL;
}

char **dt_k8s_argv_envp(const dt_k8s_argv *a)
{
	extern char **environ;
	size_t n = 0, o = 0;
	char **envp;

	if (a->env == NULL)
		return NULL;
	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 2, sizeof(char *));
	if (envp == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "KUBECONFIG=", 11) != 0)
			envp[o++] = environ[i];
	envp[o] = a->env;
	return envp;
}

char *dt_k8s_argv_string(const dt_k8s_argv *a)
{
	size_t len = 1;
	char *s, *o;

	for (size_t i = 0; i < a->n; i++)
		len += strlen(a->v[i]) * 4 + 3;
	if (a->env != NULL)
		len += strlen(a->env) + 1;
	s = o = malloc(len);
	if (s == NULL)
		return NULL;
	if (a->env != NULL) {
		o = stpcpy(o, a->env);
		*o++ = ' ';
	}
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->v[i];
		bool quote = p[0] == '\0' || strpbrk(p, " \t\n'\"$\\;&|<>()*?[]{}!#`~") != NULL;

		if (i > 0)
			*o++ = ' ';
		if (!quote) {
			o = stpcpy(o, p);
			continue;
		}
		*o++ = '\'';
		for (; *p != '\0'; p++) {
			if (*p == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *p;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int dt_k8s_run(const dt_k8s_argv *a, const char *log_path, double timeout_s,
	       char *out, size_t outlen, char *err)
{
	int pfd[2], status = 0, logfd = -1;
	size_t olen = 0;
	double deadline = now_s() + timeout_s;
	bool killed = false;
	char **envp;
	pid_t pid;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return dt_fail(err, "pipe: %s", strerror(errno));
	if (log_path != NULL)
		logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd >= 0) {
		char *s = dt_k8s_argv_string(a);

		if (s != NULL) {
			if (write(logfd, "$ ", 2) < 0 || write(logfd, s, strlen(s)) < 0 ||
			    write(logfd, "\n", 1) < 0)
				dt_log(DT_LOG_WARN, "k8s: cannot write %s", log_path);
			free(s);
		}
	}
	envp = dt_k8s_argv_envp(a);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		if (logfd >= 0)
			close(logfd);
		free(envp);
		return dt_fail(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (envp != NULL)
			execvpe(a->v[0], a->v, envp);
		else
			execvp(a->v[0], a->v);
		dprintf(2, "cannot run %s: %s\n", a->v[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	free(envp);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double left = deadline - now_s();
		char chunk[4096];
		ssize_t n;

		if (left <= 0 && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
		if (poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 100) <= 0)
			continue;
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n <= 0)
			break;
		if (logfd >= 0 && write(logfd, chunk, (size_t)n) < 0)
			dt_log(DT_LOG_WARN, "k8s: cannot write %s", log_path);
		if (out != NULL && outlen > 1) {
			/* Keep the tail: the reason helm failed is at the end. */
			size_t nn = (size_t)n;

			if (nn >= outlen - 1) {
				memcpy(out, chunk + nn - (outlen - 1), outlen - 1);
				olen = outlen - 1;
			} else {
				if (olen + nn > outlen - 1) {
					size_t drop = olen + nn - (outlen - 1);

					memmove(out, out + drop, olen - drop);
					olen -= drop;
				}
				memcpy(out + olen, chunk, nn);
				olen += nn;
			}
			out[olen] = '\0';
		}
	}
	close(pfd[0]);
	if (logfd >= 0)
		close(logfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed)
		return dt_fail(err, "%s: killed after %g s", a->v[0], timeout_s);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return dt_fail(err, "%s: killed by signal %d", a->v[0], WTERMSIG(status));
}

void dt_k8s_merge(json_t *dst, const json_t *src)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)src, key, v) {
		json_t *d = json_object_get(dst, key);

		if (json_is_object(d) && json_is_object(v))
			dt_k8s_merge(d, v);
		else
			json_object_set_new(dst, key, json_deep_copy(v));
	}
}
