/* SPDX-License-Identifier: MIT */
/*
 * The directory-entry rules of dt-faultfs through a real mount, in both
 * models (README.md): ext4 (any fsync of something changed commits every
 * name change before it; auto_da_alloc on a rename over a file) and
 * strict (only a directory's fsync does, up to its last change).  Each
 * test makes names, syncs some things, cuts the power, and checks which
 * names came back and what the report says was undone; also that the
 * hidden folder of the backing is invisible and untouchable.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ffs.h"

static ffs_mnt f;
static const char *const strict[] = { "--dirs", "strict", NULL };

static void fini(void)
{
	ffs_done(&f);
}

TestSuite(dirs, .timeout = 60, .fini = fini);

/* Power loss; returns how many directory changes were undone. */
static size_t power_loss(void)
{
	json_t *r = ffs_call(&f, "{\"cmd\": \"power-loss\"}");
	size_t n = json_array_size(json_object_get(r, "undone"));

	json_decref(r);
	return n;
}

static void expect_content(const char *path, const char *want)
{
	char *s = ffs_get(path, NULL);

	cr_assert_not_null(s, "%s: %s", path, strerror(errno));
	cr_expect_str_eq(s, want, "%s", path);
	free(s);
}

Test(dirs, create_without_any_fsync_is_lost)
{
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "new"), "data", 4, false, false);
	cr_assert(mkdir(ffs_at(&f, "sub"), 0755) == 0);
	cr_expect_eq(power_loss(), 2);
	cr_expect(!ffs_exists(ffs_at(&f, "new")));
	cr_expect(!ffs_exists(ffs_at(&f, "sub")));
	cr_expect(!ffs_exists(ffs_disk(&f, "new")), "left in the backing folder");
	ffs_stop(&f);
}

Test(dirs, ext4_file_fsync_commits_its_name_and_earlier_changes)
{
	ffs_start(&f, NULL);
	cr_assert(mkdir(ffs_at(&f, "d"), 0755) == 0);
	ffs_put(ffs_at(&f, "d/other"), "", 0, false, false);
	ffs_put(ffs_at(&f, "d/f"), "kept", 4, false, true);
	/* after the commit: lost */
	ffs_put(ffs_at(&f, "late"), "", 0, false, false);
	cr_expect_eq(power_loss(), 1);
	expect_content(ffs_at(&f, "d/f"), "kept");
	cr_expect(ffs_exists(ffs_at(&f, "d/other")), "an earlier create was lost");
	cr_expect(!ffs_exists(ffs_at(&f, "late")));
	ffs_stop(&f);
}

Test(dirs, ext4_fdatasync_commits_only_after_a_size_change)
{
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "db"), "0123456789", 10, false, true);
	ffs_put(ffs_at(&f, "x"), "", 0, false, false);
	/* An overwrite in place changes no size: its fdatasync commits
	 * nothing (ext4's i_datasync_tid), so x is lost. */
	{
		int fd = open(ffs_at(&f, "db"), O_WRONLY);

		cr_assert(fd >= 0);
		cr_assert_eq(pwrite(fd, "AB", 2, 0), 2);
		cr_assert_eq(fdatasync(fd), 0);
		close(fd);
	}
	cr_expect_eq(power_loss(), 1);
	cr_expect(!ffs_exists(ffs_at(&f, "x")));
	expect_content(ffs_at(&f, "db"), "AB23456789");
	/* An append does change it: the commit takes y along. */
	ffs_put(ffs_at(&f, "y"), "", 0, false, false);
	{
		int fd = open(ffs_at(&f, "db"), O_WRONLY | O_APPEND);

		cr_assert(fd >= 0);
		cr_assert_eq(write(fd, "!", 1), 1);
		cr_assert_eq(fdatasync(fd), 0);
		close(fd);
	}
	cr_expect_eq(power_loss(), 0);
	cr_expect(ffs_exists(ffs_at(&f, "y")));
	ffs_stop(&f);
}

Test(dirs, strict_needs_the_directory_fsync)
{
	ffs_start(&f, strict);
	ffs_put(ffs_at(&f, "f"), "data", 4, false, true);
	/* The file's fsync made its data durable, not its name. */
	cr_expect_eq(power_loss(), 1);
	cr_expect(!ffs_exists(ffs_at(&f, "f")));
	ffs_put(ffs_at(&f, "g"), "data", 4, false, true);
	ffs_sync(f.mnt, false);
	cr_expect_eq(power_loss(), 0);
	expect_content(ffs_at(&f, "g"), "data");
	ffs_stop(&f);
}

Test(dirs, strict_commits_up_to_the_last_change_of_the_directory)
{
	ffs_start(&f, strict);
	cr_assert(mkdir(ffs_at(&f, "a"), 0755) == 0);
	cr_assert(mkdir(ffs_at(&f, "b"), 0755) == 0);
	ffs_sync(f.mnt, false);
	ffs_put(ffs_at(&f, "a/1"), "", 0, false, false);
	ffs_put(ffs_at(&f, "b/2"), "", 0, false, false);
	ffs_put(ffs_at(&f, "a/3"), "", 0, false, false);
	/* b's fsync commits a/1 (before it) and b/2, not a/3 (after). */
	ffs_sync(ffs_at(&f, "b"), false);
	cr_expect_eq(power_loss(), 1);
	cr_expect(ffs_exists(ffs_at(&f, "a/1")));
	cr_expect(ffs_exists(ffs_at(&f, "b/2")));
	cr_expect(!ffs_exists(ffs_at(&f, "a/3")));
	ffs_stop(&f);
}

Test(dirs, rename_not_committed_is_undone)
{
	json_t *r;
	const json_t *u;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "old"), "content", 7, false, true);
	cr_assert_eq(rename(ffs_at(&f, "old"), ffs_at(&f, "new")), 0);
	cr_expect(!ffs_exists(ffs_at(&f, "old")));
	r = ffs_call(&f, "{\"cmd\": \"power-loss\"}");
	u = json_array_get(json_object_get(r, "undone"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(u, "op")), "rename");
	cr_expect_str_eq(json_string_value(json_object_get(u, "path")), "old");
	cr_expect_str_eq(json_string_value(json_object_get(u, "to")), "new");
	json_decref(r);
	expect_content(ffs_at(&f, "old"), "content");
	cr_expect(!ffs_exists(ffs_at(&f, "new")));
	ffs_stop(&f);
}

/* The classic replace: write a temporary file, fsync it, rename it over
 * the target.  Without a directory fsync (or any later commit) the
 * rename is lost and the target keeps its old content, never a mix. */
Test(dirs, replace_by_rename_keeps_old_or_new)
{
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "target"), "old", 3, false, true);
	ffs_put(ffs_at(&f, "tmp"), "new", 3, false, true);
	cr_assert_eq(rename(ffs_at(&f, "tmp"), ffs_at(&f, "target")), 0);
	expect_content(ffs_at(&f, "target"), "new");
	cr_expect_eq(power_loss(), 1);
	expect_content(ffs_at(&f, "target"), "old");
	expect_content(ffs_at(&f, "tmp"), "new");
	cr_assert_eq(rename(ffs_at(&f, "tmp"), ffs_at(&f, "target")), 0);
	ffs_sync(f.mnt, false);
	cr_expect_eq(power_loss(), 0);
	expect_content(ffs_at(&f, "target"), "new");
	cr_expect(!ffs_exists(ffs_at(&f, "tmp")));
	/* Nothing kept in the trash once committed. */
	{
		DIR *d = opendir(ffs_disk(&f, ".dt-faultfs/trash"));
		struct dirent *de;
		int n = 0;

		cr_assert_not_null(d);
		while ((de = readdir(d)) != NULL)
			n += de->d_name[0] != '.';
		closedir(d);
		cr_expect_eq(n, 0, "trash not emptied by the commit");
	}
	ffs_stop(&f);
}

/* ext4's auto_da_alloc: a file renamed over another, not fsync'd, has
 * its data written by the commit that makes the rename durable; strict
 * has no such rule: the target is then empty. */
Test(dirs, auto_da_alloc_ext4_only)
{
	for (int mode = 0; mode < 2; mode++) {
		ffs_start(&f, mode ? strict : NULL);
		ffs_put(ffs_at(&f, "target"), "old", 3, false, true);
		ffs_sync(f.mnt, false);
		ffs_put(ffs_at(&f, "tmp"), "new", 3, false, false);
		cr_assert_eq(rename(ffs_at(&f, "tmp"), ffs_at(&f, "target")), 0);
		ffs_sync(f.mnt, false);
		power_loss();
		expect_content(ffs_at(&f, "target"), mode ? "" : "new");
		ffs_stop(&f);
		ffs_done(&f);
	}
}

Test(dirs, unlink_not_committed_brings_the_durable_file_back)
{
	struct stat st;
	int fd;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "durable", 7, false, true);
	ffs_put(ffs_at(&f, "f"), " and more", 9, true, false);
	fd = open(ffs_at(&f, "f"), O_RDONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(unlink(ffs_at(&f, "f")), 0);
	cr_expect(!ffs_exists(ffs_at(&f, "f")));
	/* Unlinked while open: no link left, as the mount shows it. */
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_nlink, 0);
	close(fd);
	cr_expect_eq(power_loss(), 1);
	expect_content(ffs_at(&f, "f"), "durable");
	/* rmdir too. */
	cr_assert(mkdir(ffs_at(&f, "d"), 0700) == 0);
	ffs_sync(f.mnt, false);
	cr_assert_eq(rmdir(ffs_at(&f, "d")), 0);
	cr_expect_eq(power_loss(), 1);
	cr_assert_eq(stat(ffs_at(&f, "d"), &st), 0);
	cr_expect(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	ffs_stop(&f);
}

Test(dirs, errors_of_names_as_posix_says)
{
	ffs_start(&f, NULL);
	cr_assert(mkdir(ffs_at(&f, "d"), 0755) == 0);
	ffs_put(ffs_at(&f, "d/x"), "", 0, false, false);
	ffs_put(ffs_at(&f, "file"), "", 0, false, false);
	cr_expect(rmdir(ffs_at(&f, "d")) != 0 && errno == ENOTEMPTY);
	cr_expect(unlink(ffs_at(&f, "d")) != 0 && errno == EISDIR);
	cr_expect(rmdir(ffs_at(&f, "file")) != 0 && errno == ENOTDIR);
	cr_expect(rename(ffs_at(&f, "file"), ffs_at(&f, "d")) != 0 && errno == EISDIR);
	cr_expect(rename(ffs_at(&f, "d"), ffs_at(&f, "file")) != 0 && errno == ENOTDIR);
	cr_expect(unlink(ffs_at(&f, "none")) != 0 && errno == ENOENT);
	/* Failed calls change nothing: the two creates are all there is. */
	cr_expect_eq(power_loss(), 3);
	ffs_stop(&f);
}

Test(dirs, the_hidden_folder_is_invisible)
{
	DIR *d;
	struct dirent *de;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "", 0, false, false);
	cr_assert(ffs_exists(ffs_disk(&f, ".dt-faultfs")));
	cr_expect(!ffs_exists(ffs_at(&f, ".dt-faultfs")));
	d = opendir(f.mnt);
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		cr_expect_str_neq(de->d_name, ".dt-faultfs");
	closedir(d);
	cr_expect(mkdir(ffs_at(&f, ".dt-faultfs"), 0755) != 0 && errno == EACCES);
	cr_expect(rename(ffs_at(&f, "f"), ffs_at(&f, ".dt-faultfs")) != 0 &&
		  errno == EACCES);
	ffs_stop(&f);
}

/* ext4 journals a truncate: a later commit (here another file's fsync)
 * makes the cut durable, not the data written after it (the "empty file
 * after a crash" of truncate-and-rewrite without fsync)... */
Test(dirs, ext4_truncate_is_journalled)
{
	int fd;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "0123456789", 10, false, true);
	cr_assert_eq(truncate(ffs_at(&f, "f"), 4), 0);
	ffs_put(ffs_at(&f, "g"), "x", 1, false, true);
	/* the cut was committed with g's fsync; then more is written */
	fd = open(ffs_at(&f, "f"), O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "ABC", 3), 3);
	close(fd);
	power_loss();
	expect_content(ffs_at(&f, "f"), "0123");
	ffs_stop(&f);
}

/* ... unless auto_da_alloc applies: truncated to zero, written and
 * closed, the file's data goes with the commit. */
Test(dirs, ext4_truncate_to_zero_and_close_writes_with_the_commit)
{
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "conf"), "old settings", 12, false, true);
	/* O_TRUNC, write, close: no fsync */
	ffs_put(ffs_at(&f, "conf"), "new", 3, false, false);
	ffs_put(ffs_at(&f, "other"), "y", 1, false, true);
	power_loss();
	expect_content(ffs_at(&f, "conf"), "new");
	ffs_stop(&f);
	ffs_done(&f);
	/* strict has no such rule: the cut is durable only with the file's
	 * own fsync, and neither happened. */
	ffs_start(&f, strict);
	ffs_put(ffs_at(&f, "conf"), "old settings", 12, false, true);
	ffs_sync(f.mnt, false);
	ffs_put(ffs_at(&f, "conf"), "new", 3, false, false);
	ffs_sync(f.mnt, false);
	power_loss();
	expect_content(ffs_at(&f, "conf"), "old settings");
	ffs_stop(&f);
}
