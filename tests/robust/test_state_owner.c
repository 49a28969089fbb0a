/* SPDX-License-Identifier: MIT */
/*
 * test_state_owner.c: state files someone else planted (issue 16, item
 * 3).  `dt-run cleanup`, and every local platform start, undo what the
 * state files of the state folder list: processes are killed, data
 * folders removed, a killed run's history cut.  The review planted a
 * 0777 /tmp/dt-1 whose state file named a victim's folder, and uid 1's
 * cleanup deleted it; pid lines would have killed the victim's
 * processes.  Here, as root with a second uid (nobody):
 *
 *   - a state folder someone else controls: nothing is undone
 *   - a state file that is not the user's: nothing it names is touched
 *   - a data folder that is not the run's (STORE/data of the file's
 *     `store` line, no link on the way): kept
 *   - a pid of another user's process, start time right: not signalled
 *     (and, as a control, one of the user's own: killed)
 *   - a run claim (run-ID.json) someone else wrote: no history cut
 *
 * Each case plants what the attacker would, runs the dt-run of the
 * build ($DT_BUILDDIR, so that the same test can run against an older
 * build), and checks the victim's files and processes.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "robust.h"

static char t[128]; /* rb_tmpdir(): short */
static pid_t sleepers[4];
static int nsleepers;

static void setup(void)
{
	snprintf(t, sizeof(t), "%s", rb_tmpdir());
	chmod(t, 0755); /* nobody walks into it */
}

static void teardown(void)
{
	/* Only the processes this test started, by their pids. */
	for (int i = 0; i < nsleepers; i++) {
		kill(sleepers[i], SIGKILL);
		waitpid(sleepers[i], NULL, 0);
	}
	nsleepers = 0;
	rb_tmpdir_remove();
}

TestSuite(state_owner, .init = setup, .fini = teardown, .timeout = 60);

static uid_t nobody(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() != 0 || pw == NULL)
		cr_skip_test("needs root and the user nobody (the second uid)");
	return pw->pw_uid;
}

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", t, name);
}

static void make_dir(const char *name, mode_t mode, uid_t uid)
{
	char p[PATH_MAX];

	path_of(p, name);
	cr_assert(mkdir(p, mode) == 0 || errno == EEXIST, "%s: %s", p, strerror(errno));
	cr_assert_eq(chown(p, uid, (gid_t)uid), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

static void make_file(const char *name, const char *text, mode_t mode, uid_t uid)
{
	char p[PATH_MAX];
	FILE *f;

	path_of(p, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chown(p, uid, (gid_t)uid), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

static bool exists(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	path_of(p, name);
	return lstat(p, &st) == 0;
}

/* `dt-run cleanup` as uid with DT_STATE_DIR=T/state_name; its exit
 * status, what it printed in out. */
static int cleanup_as(uid_t uid, const char *state_name, char *out, size_t size)
{
	const char *build = getenv("DT_BUILDDIR");
	char bin[PATH_MAX], state[PATH_MAX];
	const char *argv[] = { bin, "cleanup", NULL };
	rb_proc p;
	int fds[2], st;

	snprintf(bin, sizeof(bin), "%s/core/dt-run", build ? build : TEST_BUILDDIR);
	path_of(state, state_name);
	cr_assert_eq(pipe(fds), 0);
	p.pid = fork();
	cr_assert_geq(p.pid, 0);
	if (p.pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		setenv("DT_STATE_DIR", state, 1);
		if (chdir("/") != 0 || (uid != 0 && (setgroups(0, NULL) != 0 ||
						     setgid((gid_t)uid) != 0 ||
						     setuid(uid) != 0)))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	p.out = fds[0];
	st = rb_finish(&p, out, size);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Field 22 of /proc/PID/stat. */
static unsigned long long start_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
		       "%*d %*d %*d %*d %*d %*d %llu", &v);
	fclose(f);
	return v;
}

/* A `sleep 600` of uid, started by this test; its pid. */
static pid_t sleeper(uid_t uid)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (uid != 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 ||
				 setuid(uid) != 0))
			_exit(126);
		execlp("sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	sleepers[nsleepers++] = pid;
	for (int i = 0; i < 100 && start_of(pid) == 0; i++)
		usleep(10000);
	usleep(50000); /* exec'd */
	return pid;
}

static bool alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

Test(state_owner, a_state_folder_someone_else_controls_undoes_nothing)
{
	uid_t victim = nobody();
	char out[8192], line[PATH_MAX + 64], data[PATH_MAX];

	/* The victim's run folder, with its data. */
	make_dir("victim", 0755, victim);
	make_dir("victim/data", 0755, victim);
	make_file("victim/suite.json", "{}\n", 0644, victim);
	make_file("victim/data/dump.rdb", "the victim's data\n", 0644, victim);
	/* The attacker's state folder, open to all, naming it. */
	make_dir("planted", 0777, 0);
	path_of(data, "victim/data");
	snprintf(line, sizeof(line), "owner 1 1\ndatadir %s\n", data);
	make_file("planted/local-zz9.state", line, 0666, 0);
	cr_expect_neq(cleanup_as(victim, "planted", out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "state folder") != NULL, "%s", out);
	cr_expect(exists("victim/data/dump.rdb"), "the victim's data was removed: %s", out);
	cr_expect(exists("planted/local-zz9.state"), "the planted file was consumed");
}

Test(state_owner, a_state_file_that_is_not_yours_undoes_nothing)
{
	uid_t evil = nobody();
	char out[8192], line[PATH_MAX + 64], data[PATH_MAX];

	/* Root's run folder and root's state folder; a state file in it
	 * that is someone else's. */
	make_dir("rootrun", 0755, 0);
	make_dir("rootrun/data", 0755, 0);
	make_file("rootrun/suite.json", "{}\n", 0644, 0);
	make_file("rootrun/data/keep", "root's\n", 0644, 0);
	make_dir("state", 0700, 0);
	path_of(data, "rootrun/data");
	snprintf(line, sizeof(line), "owner 1 1\ndatadir %s\n", data);
	make_file("state/local-zz8.state", line, 0644, evil);
	cleanup_as(0, "state", out, sizeof(out));
	cr_expect(exists("rootrun/data/keep"), "a state file of uid %u removed "
		  "root's data: %s", (unsigned)evil, out);
}

Test(state_owner, a_data_folder_that_is_not_a_run_s_is_kept)
{
	char out[8192], line[3 * PATH_MAX + 64], a[PATH_MAX], b[PATH_MAX], target[PATH_MAX];

	char store[PATH_MAX];

	nobody();
	/* Own state files, own folders, but not the run's data: another
	 * folder than its store's, none named, and one through a link. */
	make_dir("run", 0755, 0);
	make_dir("run/data", 0755, 0);
	make_file("run/data/keep", "the run's\n", 0644, 0);
	make_dir("precious", 0755, 0);
	make_dir("precious/data", 0755, 0);
	make_file("precious/data/keep", "not a run's\n", 0644, 0);
	make_dir("elsewhere", 0755, 0);
	make_dir("elsewhere/data", 0755, 0);
	make_file("elsewhere/data/keep", "reached through a link\n", 0644, 0);
	path_of(target, "elsewhere");
	path_of(b, "linked");
	cr_assert_eq(symlink(target, b), 0);
	make_dir("state", 0700, 0);
	path_of(a, "precious/data");
	path_of(store, "run");
	snprintf(line, sizeof(line), "owner 1 1\nstore %s\ndatadir %s\n", store, a);
	make_file("state/local-zz7.state", line, 0600, 0);
	snprintf(line, sizeof(line), "owner 1 1\ndatadir %s/data\n", store);
	make_file("state/local-zz4.state", line, 0600, 0);
	snprintf(line, sizeof(line), "owner 1 1\nstore %s\ndatadir %s/data\n", b, b);
	make_file("state/local-zz3.state", line, 0600, 0);
	cleanup_as(0, "state", out, sizeof(out));
	cr_expect(exists("precious/data/keep"), "a folder outside the run's store was removed: %s", out);
	cr_expect(exists("run/data/keep"), "a data folder was removed with no store named: %s", out);
	cr_expect(exists("elsewhere/data/keep"), "a folder reached through a link was removed: %s", out);
	/* The control: the run's own data, its store named, goes. */
	snprintf(line, sizeof(line), "owner 1 1\nstore %s\ndatadir %s/data\n", store, store);
	make_file("state/local-zz2.state", line, 0600, 0);
	cleanup_as(0, "state", out, sizeof(out));
	cr_expect(!exists("run/data"), "the run's own data folder stayed: %s", out);
}

Test(state_owner, a_pid_of_another_user_is_not_signalled)
{
	uid_t other = nobody();
	char out[8192], line[256];
	pid_t theirs = sleeper(other), mine = sleeper(0);

	make_dir("state", 0700, 0);
	/* Both recorded with their right start times: only ours is ours. */
	snprintf(line, sizeof(line), "owner 1 1\npid %d %llu\npid %d %llu\n", (int)theirs,
		 start_of(theirs), (int)mine, start_of(mine));
	make_file("state/local-zz6.state", line, 0600, 0);
	cleanup_as(0, "state", out, sizeof(out));
	cr_expect(alive(theirs), "root's cleanup killed pid %d of uid %u: %s", (int)theirs,
		  (unsigned)other, out);
	usleep(100000);
	cr_expect(!alive(mine), "the control: the user's own recorded process lives");
}

Test(state_owner, a_run_claim_someone_else_wrote_cuts_no_history)
{
	uid_t evil = nobody();
	char out[8192], line[PATH_MAX + 64], dir[PATH_MAX], hist[PATH_MAX + 32];
	struct stat before, after;
	int fd;

	/* Root's history with a zeroed tail (as a killed writer leaves it):
	 * a cleanup that believes a claim cuts it. */
	make_dir("rootrun", 0755, 0);
	path_of(dir, "rootrun");
	snprintf(hist, sizeof(hist), "%s/history.jsonl", dir);
	fd = open(hist, O_WRONLY | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "{\"index\":0}\n", 12), 12);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	close(fd);
	stat(hist, &before);
	make_dir("state", 0700, 0);
	snprintf(line, sizeof(line), "{\"pid\": 1, \"start\": 1, \"dir\": \"%s\"}\n", dir);
	make_file("state/run-zz5.json", line, 0644, evil);
	cleanup_as(0, "state", out, sizeof(out));
	stat(hist, &after);
	cr_expect_eq(after.st_size, before.st_size, "a claim of uid %u cut root's history "
		     "to %lld bytes: %s", (unsigned)evil, (long long)after.st_size, out);
}
