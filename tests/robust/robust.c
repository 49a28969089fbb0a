/* SPDX-License-Identifier: MIT */
/*
 * robust.c: helpers of the robustness tests (see robust.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "robust.h"

static char tmpdir[64];

const char *rb_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/dt-robust-XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	return tmpdir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)f;
	if (flag == FTW_DP)
		chmod(path, 0700);
	return remove(path) == 0 || errno == ENOENT ? 0 : 0;
}

void rb_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void rb_tmpdir_remove(void)
{
	if (tmpdir[0] == '\0')
		return;
	rb_rmtree(tmpdir);
	tmpdir[0] = '\0';
}

char *rb_write(const char *name, const void *data, size_t len)
{
	char *path = malloc(PATH_MAX);
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%s", rb_tmpdir(), name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len) {
		perror(path);
		abort();
	}
	fclose(f);
	return path;
}

char *rb_write_str(const char *name, const char *text)
{
	return rb_write(name, text, strlen(text));
}

char *rb_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *rb_dt_run(void)
{
	return TEST_BUILDDIR "/core/dt-run";
}

int rb_spawn(rb_proc *p, const char *const *argv, const char *file_limit)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (file_limit != NULL) {
			/* "out of disk": writes past the limit fail with EFBIG */
			struct rlimit rl;

			rl.rlim_cur = rl.rlim_max = strtoull(file_limit, NULL, 10);
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	p->out = fds[0];
	return 0;
}

int rb_finish(rb_proc *p, char *buf, size_t size)
{
	size_t got = 0;
	int status = 0;
	char sink[4096];

	for (;;) {
		ssize_t r;

		if (got + 1 < size)
			r = read(p->out, buf + got, size - 1 - got);
		else
			r = read(p->out, sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got + 1 < size)
			got += (size_t)r;
	}
	buf[got] = '\0';
	close(p->out);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int rb_run(char *buf, size_t size, const char *const *argv)
{
	rb_proc p;
	int st;

	if (rb_spawn(&p, argv, NULL) != 0)
		return -1;
	st = rb_finish(&p, buf, size);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void free_params(struct criterion_test_params *p)
{
	cr_free(p->params);
}

struct criterion_test_params rb_index_params(size_t n)
{
	size_t *idx = cr_malloc(n * sizeof(*idx));

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n, free_params);
}

void rb_with_dir(char *dst, size_t size, const char *src)
{
	const char *dir = rb_tmpdir();
	size_t dl = strlen(dir), n = 0;

	while (*src != '\0' && n + 4 < size) {
		if (strncmp(src, dir, dl) == 0) {
			memcpy(dst + n, "DIR", 3);
			n += 3;
			src += dl;
		} else {
			dst[n++] = *src++;
		}
	}
	dst[n] = '\0';
}

size_t rb_children_of(pid_t parent, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	while (d != NULL && (e = readdir(d)) != NULL && n < max) {
		char path[300], buf[512], *p;
		FILE *f;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL) {
			int ppid = 0;

			if (sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == parent)
				out[n++] = pid;
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return n;
}
