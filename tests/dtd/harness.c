/* SPDX-License-Identifier: MIT */
/*
 * harness.c: a dtd process for the API tests (see harness.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

int dtd_start(dtd_proc *p, const char *const *extra)
{
	const char *build = getenv("DT_BUILDDIR"), *src = getenv("DT_SRCDIR");
	char bin[1024], suites[1024];
	const char *argv[32];
	int n = 0, fd[2];
	size_t len = 0;

	if (build == NULL || src == NULL)
		return -1;
	if (p->dir[0] == '\0') {
		snprintf(p->dir, sizeof(p->dir), "/tmp/dtd-test.XXXXXX");
		if (mkdtemp(p->dir) == NULL)
			return -1;
		snprintf(p->state, sizeof(p->state), "%s/state", p->dir);
	}
	snprintf(bin, sizeof(bin), "%s/core/dtd/dtd", build);
	snprintf(suites, sizeof(suites), "%s/tests/dtd/suites", src);
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--state-dir";
	argv[n++] = p->state;
	argv[n++] = "--suite-path";
	argv[n++] = suites;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (pipe(fd) != 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fd[1], 1);
		if (getenv("DTD_TEST_VERBOSE") == NULL)
			dup2(null, 2);
		close(fd[0]);
		close(fd[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	p->out[0] = '\0';
	p->port = 0;
	/* Read stdout until the "listening on" line. */
	while (len < sizeof(p->out) - 1) {
		ssize_t r = read(fd[0], p->out + len, sizeof(p->out) - 1 - len);
		char *l;

		if (r <= 0)
			break;
		len += (size_t)r;
		p->out[len] = '\0';
		l = strstr(p->out, "listening on http://127.0.0.1:");
		if (l != NULL && strchr(l, '\n') != NULL) {
			p->port = atoi(l + strlen("listening on http://127.0.0.1:"));
			break;
		}
	}
	close(fd[0]);
	if (p->port <= 0) {
		dtd_kill(p, SIGKILL);
		return -1;
	}
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/token", p->state);
		f = fopen(path, "r");
		if (f != NULL) {
			if (fgets(p->token, sizeof(p->token), f) == NULL)
				p->token[0] = '\0';
			p->token[strcspn(p->token, "\n")] = '\0';
			fclose(f);
		}
	}
	return 0;
}

int dtd_kill(dtd_proc *p, int sig)
{
	int st = 0;

	if (p->pid <= 0)
		return 0;
	kill(p->pid, sig);
	/* 60 s to stop, then SIGKILL (its pid only): a dtd stuck (an old
	 * build blocked on a FIFO) must not outlive its test. */
	for (int i = 0; i < 600; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		nap(0.1);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &st, 0);
	p->pid = 0;
	return -1;
}

int dtd_stop(dtd_proc *p)
{
	char cmd[600];
	int rc = dtd_kill(p, SIGTERM);

	if (p->dir[0] == '/' && strncmp(p->dir, "/tmp/dtd-test.", 14) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", p->dir);
	}
	p->dir[0] = '\0';
	return rc;
}

int dtd_connect(const dtd_proc *p, int rcvbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)p->port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	http_reply *r = arg;
	char *b = realloc(r->body, r->len + size * n + 1);

	if (b == NULL)
		return 0;
	memcpy(b + r->len, data, size * n);
	r->body = b;
	r->len += size * n;
	b[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	http_reply *r = arg;
	size_t have = strlen(r->headers);

	if (have + size * n < sizeof(r->headers)) {
		memcpy(r->headers + have, data, size * n);
		r->headers[have + size * n] = '\0';
	}
	return size * n;
}

int http(const dtd_proc *p, const char *method, const char *path,
	 const char *body, const char *token, http_reply *r)
{
	return http_ex(p, method, path, body, token, NULL, r);
}

int http_ex(const dtd_proc *p, const char *method, const char *path,
	    const char *body, const char *token, const char *const *headers,
	    http_reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[2048], auth[256];
	char *ct = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	r->body = calloc(1, 1);
	if (c == NULL)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", p->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		h = curl_slist_append(h, "Content-Type: application/json");
	}
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(r->type, sizeof(r->type), "%s", ct);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void http_reply_free(http_reply *r)
{
	free(r->body);
	r->body = NULL;
}

json_t *http_json(const http_reply *r)
{
	return json_loadb(r->body, r->len, 0, NULL);
}

json_t *wait_run(const dtd_proc *p, long long id, double timeout)
{
	char path[64];
	json_t *run = NULL;

	snprintf(path, sizeof(path), "/api/runs/%lld", id);
	for (double t = 0; t < timeout; t += 0.1) {
		http_reply r;
		const char *st;

		json_decref(run);
		run = NULL;
		if (http(p, "GET", path, NULL, NULL, &r) == 0)
			run = http_json(&r);
		http_reply_free(&r);
		st = json_string_value(json_object_get(run, "status"));
		if (st != NULL && strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
			return run;
		nap(0.1);
	}
	return run;
}

int run_sparse_file(const dtd_proc *p, long long id, const char *name,
		    off_t size, char *path, size_t path_size)
{
	json_t *run = wait_run(p, id, 60);
	const char *dir = json_string_value(json_object_get(run, "store"));
	int fd, rc = -1;

	if (dir == NULL || size < 4)
		goto out;
	snprintf(path, path_size, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	if (pwrite(fd, "end\n", 4, size - 4) == 4)
		rc = 0;
	close(fd);
out:
	json_decref(run);
	return rc;
}

long long post_run(const dtd_proc *p, const char *json)
{
	http_reply r;
	json_t *j;
	long long id = -1;

	if (http(p, "POST", "/api/runs", json, p->token, &r) == 0 && r.status == 201) {
		j = http_json(&r);
		id = (long long)json_integer_value(json_object_get(j, "id"));
		json_decref(j);
	}
	http_reply_free(&r);
	return id;
}

int dtd_try(const char *const *argv, uid_t uid, const char *cwd,
	    char *const *env, char *out, size_t size)
{
	const char *build = getenv("DT_BUILDDIR");
	char bin[1024];
	int fd[2], st = 0;
	size_t len = 0;
	pid_t pid;
	double t0 = mono_s();
	bool started = false;

	out[0] = '\0';
	if (build == NULL || pipe(fd) != 0)
		return -1;
	snprintf(bin, sizeof(bin), "%s/core/dtd/dtd", build);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		if (cwd != NULL && chdir(cwd) != 0)
			_exit(126);
		if (uid != (uid_t)-1 && (setgroups(0, NULL) != 0 ||
					 setgid((gid_t)uid) != 0 || setuid(uid) != 0))
			_exit(126);
		if (env != NULL)
			execve(bin, (char *const *)argv, env);
		else
			execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	/* Until it exits (EOF) or says it listens; 30 s at most. */
	while (len < size - 1 && mono_s() - t0 < 30) {
		struct pollfd pf = { .fd = fd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 1000) <= 0)
			continue;
		n = read(fd[0], out + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
		if (strstr(out, "listening on") != NULL) {
			started = true;
			break;
		}
	}
	close(fd[0]);
	if (started || mono_s() - t0 >= 30)
		kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (started)
		return DTD_TRY_STARTED;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
