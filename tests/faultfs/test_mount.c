/* SPDX-License-Identifier: MIT */
/*
 * dt-faultfs's life cycle on a real mount: a clean unmount (by request
 * and by SIGTERM) leaves nothing and makes everything durable; a daemon
 * killed with SIGKILL leaves a stale mount that dt_faultfs_detach (what
 * the local platform's cleanup calls) removes, touching no mount that is
 * not dt-faultfs's; a busy mount is refused unless lazy; the command
 * line's errors name what is wrong and leave nothing mounted.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "ffs.h"

static ffs_mnt f;

static void fini(void)
{
	ffs_done(&f);
}

TestSuite(mount, .timeout = 60, .fini = fini);

Test(mount, clean_unmount_leaves_nothing_and_syncs)
{
	char *s;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "written", 7, false, false);
	/* ffs_stop checks the mount, the process and the socket. */
	ffs_stop(&f);
	s = ffs_get(ffs_disk(&f, "f"), NULL);
	cr_assert_not_null(s, "a clean unmount lost an unsynced file");
	cr_expect_str_eq(s, "written");
	free(s);
}

Test(mount, sigterm_is_a_clean_end)
{
	int status;
	char *s;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "kept", 4, false, false);
	cr_assert_eq(kill(f.pid, SIGTERM), 0);
	cr_assert_eq(waitpid(f.pid, &status, 0), f.pid);
	f.pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_expect_eq(dt_faultfs_mounted(f.mnt), 0);
	cr_expect(access(f.sock, F_OK) != 0);
	s = ffs_get(ffs_disk(&f, "f"), NULL);
	cr_expect(s != NULL && strcmp(s, "kept") == 0);
	free(s);
}

Test(mount, sigkill_leaves_a_stale_mount_that_detach_removes)
{
	char other[128], err[512];
	struct stat st;
	char *s;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "durable"), "yes", 3, false, true);
	ffs_put(ffs_at(&f, "durable"), " and not", 8, true, false);
	cr_assert_eq(kill(f.pid, SIGKILL), 0);
	cr_assert_eq(waitpid(f.pid, NULL, 0), f.pid);
	f.pid = 0;
	{
		struct statvfs sv;
		int rc = statvfs(f.mnt, &sv), e = errno;

		cr_expect(rc != 0 && e == ENOTCONN, "the mount is not stale: %s",
			  strerror(e));
	}
	cr_expect_eq(dt_faultfs_mounted(f.mnt), 1);
	/* A mount that is not dt-faultfs's is never touched. */
	snprintf(other, sizeof(other), "%s/tmpfs", f.dir);
	cr_assert_eq(mkdir(other, 0755), 0);
	cr_assert_eq(mount("dt-test", other, "tmpfs", 0, "size=1m"), 0);
	cr_expect_eq(dt_faultfs_detach(other, err), 0);
	cr_expect_eq(dt_faultfs_detach(f.mnt, err), 1, "%s", err);
	cr_expect_eq(dt_faultfs_mounted(f.mnt), 0);
	cr_expect_eq(stat(f.mnt, &st), 0);
	cr_expect_eq(umount(other), 0, "the tmpfs was unmounted by detach");
	/* What the killed daemon had not made durable is gone; a new one
	 * starts on the same backing folder and control socket. */
	ffs_mount(&f, NULL);
	s = ffs_get(ffs_at(&f, "durable"), NULL);
	cr_expect(s != NULL && strcmp(s, "yes") == 0);
	free(s);
	ffs_stop(&f);
}

Test(mount, busy_unmount_needs_lazy)
{
	char err[512];
	int fd, status;

	ffs_start(&f, NULL);
	fd = open(ffs_at(&f, "open"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_expect_eq(dt_faultfs_unmount(f.sock, false, err), -1);
	cr_expect(strstr(err, "Device or resource busy") != NULL, "%s", err);
	cr_expect_eq(dt_faultfs_mounted(f.mnt), 1);
	cr_expect_eq(dt_faultfs_unmount(f.sock, true, err), 0, "%s", err);
	cr_expect_eq(dt_faultfs_mounted(f.mnt), 0);
	/* The daemon ends once the last file is closed. */
	close(fd);
	cr_assert_eq(waitpid(f.pid, &status, 0), f.pid);
	f.pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Run dt-faultfs with argv[1..]; its exit status and stderr. */
static int run(const char *const *args, char *out, size_t size)
{
	int p[2], status;
	size_t len = 0;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { TEST_BUILDDIR "/faultfs/dt-faultfs" };
		size_t n = 1;

		for (; *args != NULL && n < 15; args++)
			argv[n++] = *args;
		dup2(p[1], 2);
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t r = read(p[0], out + len, size - 1 - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(mount, bad_command_lines)
{
	char out[4096], inner[160];
	const char *no_args[] = { NULL };
	const char *no_backing[] = { "/nonexistent-dt", "/tmp", NULL };
	const char *bad_dirs[] = { "--dirs", "xfs", "/tmp", "/tmp", NULL };
	const char *bad_size[] = { "--max-dirty", "lots", "/tmp", "/tmp", NULL };
	const char *nested[] = { NULL, NULL, NULL };

	ffs_require();
	cr_expect_eq(run(no_args, out, sizeof(out)), 2);
	cr_expect(strstr(out, "expected BACKING and MOUNTPOINT") != NULL, "%s", out);
	cr_expect_eq(run(no_backing, out, sizeof(out)), 1);
	cr_expect(strstr(out, "dt-faultfs: backing folder /nonexistent-dt: No "
			 "such file or directory") != NULL, "%s", out);
	cr_expect_eq(run(bad_dirs, out, sizeof(out)), 2);
	cr_expect(strstr(out, "--dirs xfs: expected ext4 or strict") != NULL, "%s", out);
	cr_expect_eq(run(bad_size, out, sizeof(out)), 2);
	cr_expect(strstr(out, "--max-dirty lots: expected a size") != NULL, "%s", out);
	ffs_start(&f, NULL);
	snprintf(inner, sizeof(inner), "%s/inner", f.backing);
	cr_assert_eq(mkdir(inner, 0755), 0);
	nested[0] = f.backing;
	nested[1] = inner;
	cr_expect_eq(run(nested, out, sizeof(out)), 1);
	cr_expect(strstr(out, "must not contain each other") != NULL, "%s", out);
	ffs_stop(&f);
}

Test(mount, a_second_daemon_on_the_same_socket_is_refused)
{
	char out[4096], mnt2[160], back2[160];
	const char *args[6];

	ffs_start(&f, NULL);
	snprintf(mnt2, sizeof(mnt2), "%s/mnt2", f.dir);
	snprintf(back2, sizeof(back2), "%s/back2", f.dir);
	cr_assert_eq(mkdir(mnt2, 0755), 0);
	cr_assert_eq(mkdir(back2, 0755), 0);
	args[0] = "--control";
	args[1] = f.sock;
	args[2] = back2;
	args[3] = mnt2;
	args[4] = NULL;
	cr_expect_eq(run(args, out, sizeof(out)), 1);
	cr_expect(strstr(out, "another dt-faultfs answers on") != NULL, "%s", out);
	cr_expect_eq(dt_faultfs_mounted(mnt2), 0, "the refused mount was left");
	json_decref(ffs_call(&f, "{\"cmd\": \"ping\"}"));
	ffs_stop(&f);
}
