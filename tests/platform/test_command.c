/* SPDX-License-Identifier: MIT */
/*
 * test_command.c: dt_command_run and dt_command_spawn (dt/command.h)
 * with real programs: exit codes, output in a bounded buffer (head and
 * tail) and a log, deadlines that kill the whole process group, missing
 * programs, a network namespace made by the test (root only), and the
 * caller's descriptors closed in the child.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <dt/plugin.h>

static char err[DT_ERRBUF_SIZE];
static char out[4096];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run argv with out as its buffer; the dt_command is returned in *c. */
static int run(dt_command *c, const char *const *argv, double timeout)
{
	c->argv = argv;
	c->timeout = timeout;
	if (c->out == NULL) {
		c->out = out;
		c->outlen = sizeof(out);
	}
	err[0] = '\0';
	return dt_command_run(c, err);
}

/* Processes of process group pgid that are not zombies. */
static int live_in_group(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[1024], state;
		const char *p;
		int pgrp;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f) != NULL ? strrchr(buf, ')') : NULL;
		fclose(f);
		/* ") S PPID PGRP ...": fields after the command name */
		if (p != NULL && sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 &&
		    pgrp == pgid && state != 'Z' && state != 'X')
			n++;
	}
	closedir(d);
	return n;
}

Test(command, exit_codes)
{
	const char *t[] = { "true", NULL }, *f[] = { "false", NULL };
	const char *sig[] = { "sh", "-c", "kill -TERM $$", NULL };
	dt_command c = { 0 };

	cr_expect_eq(run(&c, t, 5), 0, "%s", err);
	cr_expect_gt(c.pid, 0);
	c = (dt_command){ 0 };
	cr_expect_eq(run(&c, f, 5), 1, "%s", err);
	c = (dt_command){ 0 };
	cr_expect_eq(run(&c, sig, 5), 128 + SIGTERM, "%s", err);
	cr_expect_eq(c.signal, SIGTERM);
}

Test(command, stdout_and_stderr_in_the_buffer)
{
	const char *argv[] = { "sh", "-c", "echo one; echo two >&2", NULL };
	dt_command c = { 0 };

	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_str_eq(out, "one\ntwo\n");
	cr_expect_eq(c.outused, 8);
}

Test(command, stdin_is_dev_null)
{
	const char *argv[] = { "cat", NULL };
	dt_command c = { 0 };

	/* cat of a terminal or of the runner's pipe would wait. */
	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_str_eq(out, "");
}

Test(command, output_cut_to_the_buffer)
{
	const char *argv[] = { "sh", "-c", "printf 0123; printf 456789", NULL };
	char small[5];
	dt_command c = { .out = small, .outlen = sizeof(small) };

	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_str_eq(small, "0123");
	cr_expect_eq(c.outused, 4);
	c = (dt_command){ .out = small, .outlen = sizeof(small),
			  .keep_tail = true };
	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_str_eq(small, "6789");
}

Test(command, output_appended_to_a_log)
{
	char dir[] = "/tmp/dt-command-XXXXXX", path[64], text[64] = "";
	const char *argv[] = { "echo", "hello", NULL };
	dt_command c = { 0 };
	FILE *f;
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	c.log_path = path;
	cr_expect_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_eq(run(&c, argv, 5), 0, "%s", err);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	rmdir(dir);
	cr_expect_str_eq(text, "hello\nhello\n");
	cr_expect_str_eq(out, "hello\n");
}

Test(command, environment_and_directory)
{
	const char *argv[] = { "sh", "-c", "echo $DT_X; pwd", NULL };
	char *envp[] = { "DT_X=from-envp", NULL };
	dt_command c = { .envp = envp, .cwd = "/" };

	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	cr_expect_str_eq(out, "from-envp\n/\n");
	c = (dt_command){ .cwd = "/nonexistent-dt-dir" };
	cr_expect_eq(run(&c, argv, 5), -1);
	cr_expect(strstr(err, "sh: working directory /nonexistent-dt-dir") != NULL,
		  "%s", err);
}

Test(command, deadline_kills_the_group, .timeout = 10)
{
	const char *argv[] = { "sh", "-c", "sleep 5; true", NULL };
	dt_command c = { 0 };
	double t0 = now_s(), took;
	int live = -1;

	cr_assert_eq(run(&c, argv, 0.3), -1);
	took = now_s() - t0;
	cr_expect_str_eq(err, "sh: no answer after 0.3 s");
	cr_expect_eq(c.errnum, ETIMEDOUT);
	cr_expect(took >= 0.29 && took < 2, "took %.2f s", took);
	/* sh is reaped; the sleep it started went with it */
	cr_assert_gt(c.pid, 0);
	for (int i = 0; i < 100 && (live = live_in_group(c.pid)) > 0; i++)
		usleep(10000);
	cr_expect_eq(live, 0, "%d processes of group %d still run", live,
		     (int)c.pid);
}

Test(command, deadline_holds_when_output_is_closed, .timeout = 10)
{
	/* The program closes its output and lingers: no end of file tells
	 * that it is late, the deadline does. */
	const char *argv[] = { "sh", "-c", "exec >&- 2>&-; sleep 5", NULL };
	dt_command c = { 0 };
	double t0 = now_s(), took;

	cr_expect_eq(run(&c, argv, 0.3), -1);
	took = now_s() - t0;
	cr_expect_eq(c.errnum, ETIMEDOUT, "%s", err);
	cr_expect(took < 2, "took %.2f s", took);
}

Test(command, missing_command)
{
	const char *argv[] = { "dt-no-such-command", "x", NULL };
	const char *path[] = { "/nonexistent/dt-tool", NULL };
	const char *none[] = { NULL };
	dt_command c = { 0 };

	strcpy(out, "stale");
	cr_expect_eq(run(&c, argv, 5), -1);
	cr_expect_str_eq(err, "dt-no-such-command: command not found");
	cr_expect_eq(c.errnum, ENOENT);
	cr_expect_eq(c.pid, 0);
	cr_expect_str_eq(out, "");
	c = (dt_command){ 0 };
	cr_expect_eq(run(&c, path, 5), -1);
	cr_expect_str_eq(err, "/nonexistent/dt-tool: command not found");
	c = (dt_command){ 0 };
	cr_expect_eq(run(&c, none, 5), -1);
	cr_expect_str_eq(err, "empty command");
}

Test(command, inherited_descriptors_closed)
{
	const char *argv[] = { "ls", "/proc/self/fd", NULL };
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	char *save = NULL;
	bool seen = false;
	dt_command c = { 0 };

	cr_assert_geq(fd, 0);
	cr_assert_eq(dup2(fd, 42), 42);
	close(fd);
	cr_assert_eq(run(&c, argv, 5), 0, "%s", err);
	close(42);
	for (char *l = strtok_r(out, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		seen |= strcmp(l, "42") == 0;
	cr_expect(!seen, "fd 42 of the test is open in the child");
}

Test(command, spawn_in_its_own_session, .timeout = 10)
{
	char dir[] = "/tmp/dt-command-XXXXXX", path[64], text[64] = "";
	const char *argv[] = { "sh", "-c", "echo started; exec sleep 5", NULL };
	dt_command c = { .argv = argv };
	int status, fd;
	pid_t pid;
	ssize_t n = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	c.log_path = path;
	pid = dt_command_spawn(&c, err);
	cr_assert_gt(pid, 0, "%s", err);
	cr_expect_eq(getsid(pid), pid);
	for (int i = 0; i < 200 && n == 0; i++) {
		usleep(10000);
		fd = open(path, O_RDONLY);
		cr_assert_geq(fd, 0);
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	kill(pid, SIGKILL);
	cr_expect_eq(waitpid(pid, &status, 0), pid);
	unlink(path);
	rmdir(dir);
	cr_expect_str_eq(text, "started\n");

	c = (dt_command){ .argv = argv, .cwd = "/nonexistent-dt-dir" };
	cr_expect_eq(dt_command_spawn(&c, err), -1);
	cr_expect(strstr(err, "working directory") != NULL, "%s", err);
}

/* Read fd to its end (at most size - 1 bytes), NUL-terminated. */
static void read_to_end(int fd, char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size && (n = read(fd, buf + used, size - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
}

Test(command, spawn_pipes_talks_both_ways, .timeout = 10)
{
	const char *argv[] = { "sh", "-c", "read line; echo \"got $line\"; "
			       "echo oops >&2; read more || echo eof", NULL };
	dt_command c = { .argv = argv };
	char out[128], errtext[128];
	int in, rd, ed, status;
	pid_t pid;

	pid = dt_command_spawn_pipes(&c, &in, &rd, &ed, err);
	cr_assert_gt(pid, 0, "%s", err);
	cr_expect_eq(getsid(pid), pid, "its own session");
	cr_expect(fcntl(in, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(write(in, "hello\n", 6), 6);
	close(in); /* the second read sees the end of its input */
	read_to_end(rd, out, sizeof(out));
	read_to_end(ed, errtext, sizeof(errtext));
	close(rd);
	close(ed);
	cr_expect_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_expect_str_eq(out, "got hello\neof\n");
	cr_expect_str_eq(errtext, "oops\n");
}

Test(command, spawn_pipes_stderr_to_log, .timeout = 10)
{
	char dir[] = "/tmp/dt-command-XXXXXX", path[64], text[64];
	const char *argv[] = { "sh", "-c", "echo out; echo to-log >&2", NULL };
	dt_command c = { .argv = argv };
	int in, rd, status, fd;
	pid_t pid;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	c.log_path = path;
	pid = dt_command_spawn_pipes(&c, &in, &rd, NULL, err);
	cr_assert_gt(pid, 0, "%s", err);
	close(in);
	read_to_end(rd, text, sizeof(text));
	close(rd);
	cr_expect_str_eq(text, "out\n");
	cr_expect_eq(waitpid(pid, &status, 0), pid);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	read_to_end(fd, text, sizeof(text));
	close(fd);
	unlink(path);
	rmdir(dir);
	cr_expect_str_eq(text, "to-log\n");
}

Test(command, spawn_pipes_not_found)
{
	const char *argv[] = { "dt-no-such-program-xyz", NULL };
	dt_command c = { .argv = argv };
	int in = 7, rd = 7, ed = 7;

	cr_expect_eq(dt_command_spawn_pipes(&c, &in, &rd, &ed, err), -1);
	cr_expect_str_eq(err, "dt-no-such-program-xyz: command not found");
	cr_expect(in == -1 && rd == -1 && ed == -1, "no descriptor comes back");
	cr_expect_eq(c.errnum, ENOENT);
}

/* ---- network namespaces (root) ---------------------------------------- */

static char ns_name[64];

static void ns_setup(void)
{
	char cmd[128];

	if (geteuid() != 0)
		return;
	snprintf(ns_name, sizeof(ns_name), "dt-cmdtest-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns_name);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void ns_teardown(void)
{
	char cmd[128];

	if (ns_name[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns_name);
	cr_expect_eq(system(cmd), 0, "%s", cmd);
}

/* Names of the interfaces `ip -o link` printed, space-separated. */
static void link_names(const char *text, char *names, size_t size)
{
	const char *l = text;

	names[0] = '\0';
	while (l != NULL && *l != '\0') {
		char name[64];

		if (sscanf(l, "%*d: %63[^:@]", name) == 1)
			snprintf(names + strlen(names), size - strlen(names),
				 "%s%s", names[0] ? " " : "", name);
		l = strchr(l, '\n');
		if (l != NULL)
			l++;
	}
}

Test(command, runs_inside_a_network_namespace, .init = ns_setup,
     .fini = ns_teardown, .timeout = 20)
{
	const char *argv[] = { "ip", "-o", "link", NULL };
	char names[256], path[128];
	dt_command c = { 0 };
	int fd;

	if (geteuid() != 0)
		cr_skip_test("network namespaces need root");
	c.netns = ns_name;
	cr_assert_eq(run(&c, argv, 10), 0, "%s", err);
	link_names(out, names, sizeof(names));
	cr_expect_str_eq(names, "lo", "inside %s: %s", ns_name, out);

	/* by path and by descriptor alike */
	snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
	c = (dt_command){ .netns = path };
	cr_assert_eq(run(&c, argv, 10), 0, "%s", err);
	link_names(out, names, sizeof(names));
	cr_expect_str_eq(names, "lo");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	c = (dt_command){ .netns_fd = fd };
	cr_expect_eq(run(&c, argv, 10), 0, "%s", err);
	close(fd);
	link_names(out, names, sizeof(names));
	cr_expect_str_eq(names, "lo");

	/* the namespace is not ours: its inode differs */
	{
		const char *rl[] = { "readlink", "/proc/self/ns/net", NULL };
		char ours[sizeof(out)];

		c = (dt_command){ 0 };
		cr_assert_eq(run(&c, rl, 10), 0, "%s", err);
		snprintf(ours, sizeof(ours), "%s", out);
		c = (dt_command){ .netns = ns_name };
		cr_assert_eq(run(&c, rl, 10), 0, "%s", err);
		cr_expect(strncmp(out, "net:[", 5) == 0, "%s", out);
		cr_expect_str_neq(out, ours);
	}

	c = (dt_command){ .netns = "dt-no-such-netns" };
	cr_expect_eq(run(&c, argv, 10), -1);
	cr_expect_str_eq(err, "ip: network namespace /run/netns/dt-no-such-netns: "
			 "No such file or directory");
	/* a file that is no namespace: setns fails in the child */
	c = (dt_command){ .netns = "/dev/null" };
	cr_expect_eq(run(&c, argv, 10), -1);
	cr_expect(strstr(err, "ip: could not enter network namespace /dev/null")
		  != NULL, "%s", err);
}
