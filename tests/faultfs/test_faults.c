/* SPDX-License-Identifier: MIT */
/*
 * The run-time faults of dt-faultfs, each observed by a program using
 * the mount: EIO on read, write and fsync by path pattern (and an fsync
 * error that loses the unsynced pages, as Linux does), a probability
 * whose strikes match the rule's own count, ENOSPC with a budget (short
 * write, then ENOSPC, statfs), added latency, and corruption of files at
 * rest, where every changed bit, zeroed byte and cut must be exactly
 * what the report says.  Also the control protocol's errors.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "ffs.h"

static ffs_mnt f;

static void fini(void)
{
	ffs_done(&f);
}

TestSuite(faults, .timeout = 60, .fini = fini);

static int read_errno(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY), e = 0;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	if (read(fd, buf, sizeof(buf)) < 0)
		e = errno;
	close(fd);
	return e;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(faults, eio_on_read_by_pattern)
{
	json_t *r;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "x.dat"), "data", 4, false, true);
	ffs_put(ffs_at(&f, "y.txt"), "text", 4, false, true);
	cr_assert(mkdir(ffs_at(&f, "sub"), 0755) == 0);
	ffs_put(ffs_at(&f, "sub/z.dat"), "deep", 4, false, true);
	r = ffs_call(&f, "{\"cmd\": \"fault\", \"kind\": \"error\", \"ops\": [\"read\"], "
		     "\"path\": \"*.dat\"}");
	cr_expect_eq(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	/* Each open drops the kernel's cached pages, so reads reach the
	 * daemon as a cold cache's would. */
	cr_expect_eq(read_errno(ffs_at(&f, "x.dat")), EIO);
	cr_expect_eq(read_errno(ffs_at(&f, "sub/z.dat")), EIO, "* crosses /");
	cr_expect_eq(read_errno(ffs_at(&f, "y.txt")), 0);
	r = ffs_call(&f, "{\"cmd\": \"clear\"}");
	{
		/* The kernel may ask again after a failed read-ahead: the
		 * rule counts FUSE reads, at least one per read(2) here,
		 * and at probability 1 it strikes every read it matches. */
		const json_t *c = json_array_get(json_object_get(r, "cleared"), 0);
		json_int_t struck = json_integer_value(json_object_get(c, "struck"));

		cr_expect_geq(struck, 2);
		cr_expect_eq(json_integer_value(json_object_get(c, "matched")), struck);
	}
	json_decref(r);
	cr_expect_eq(read_errno(ffs_at(&f, "x.dat")), 0);
	ffs_stop(&f);
}

Test(faults, eio_on_write)
{
	int fd;

	ffs_start(&f, NULL);
	json_decref(ffs_call(&f, "{\"cmd\": \"fault\", \"kind\": \"error\", "
			     "\"ops\": [\"write\"], \"path\": \"w*\"}"));
	fd = open(ffs_at(&f, "w1"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_expect(write(fd, "abc", 3) < 0 && errno == EIO);
	close(fd);
	ffs_put(ffs_at(&f, "other"), "ok", 2, false, false);
	ffs_stop(&f);
}

/* Linux after a failed writeback: the pages are clean in the cache and
 * never written; a later fsync succeeds and the data is still lost on a
 * crash.  With lose: false, a retry makes it durable. */
Test(faults, fsync_error_loses_the_unsynced_pages)
{
	for (int lose = 1; lose >= 0; lose--) {
		char req[256];
		char *s;
		int fd;

		ffs_start(&f, NULL);
		ffs_put(ffs_at(&f, "wal"), "", 0, false, true);
		snprintf(req, sizeof(req), "{\"cmd\": \"fault\", \"kind\": \"error\", "
			 "\"ops\": [\"fsync\"], \"path\": \"wal\", \"lose\": %s}",
			 lose ? "true" : "false");
		json_decref(ffs_call(&f, req));
		fd = open(ffs_at(&f, "wal"), O_WRONLY);
		cr_assert(fd >= 0);
		cr_assert_eq(write(fd, "record", 6), 6);
		cr_expect(fsync(fd) != 0 && errno == EIO);
		json_decref(ffs_call(&f, "{\"cmd\": \"clear\", \"id\": 1}"));
		cr_expect_eq(fsync(fd), 0, "the retry fails");
		close(fd);
		s = ffs_get(ffs_at(&f, "wal"), NULL);
		cr_expect_str_eq(s, "record", "the data is visible until the crash");
		free(s);
		json_decref(ffs_call(&f, "{\"cmd\": \"power-loss\"}"));
		s = ffs_get(ffs_at(&f, "wal"), NULL);
		cr_expect_str_eq(s, lose ? "" : "record");
		free(s);
		ffs_stop(&f);
		ffs_done(&f);
	}
}

Test(faults, probability_strikes_as_often_as_the_rule_counts)
{
	json_t *r, *c;
	int fd, failed = 0;

	ffs_start(&f, NULL);
	json_decref(ffs_call(&f, "{\"cmd\": \"fault\", \"kind\": \"error\", \"ops\": "
			     "[\"write\"], \"probability\": 0.5, \"seed\": 42}"));
	fd = open(ffs_at(&f, "p"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	for (int i = 0; i < 400; i++)
		if (write(fd, "x", 1) < 0) {
			cr_assert_eq(errno, EIO);
			failed++;
		}
	close(fd);
	r = ffs_call(&f, "{\"cmd\": \"clear\"}");
	c = json_array_get(json_object_get(r, "cleared"), 0);
	cr_expect_eq(json_integer_value(json_object_get(c, "struck")), failed);
	cr_expect_eq(json_integer_value(json_object_get(c, "matched")), 400);
	json_decref(r);
	/* 400 draws at 0.5: 200 +- 10; outside 140..260 is a broken draw. */
	cr_expect(failed > 140 && failed < 260, "%d of 400 failed", failed);
	ffs_stop(&f);
}

Test(faults, full_disk_enospc_with_a_budget)
{
	char buf[8000];
	struct statvfs sv;
	int fd;

	memset(buf, 'z', sizeof(buf));
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "old"), buf, 4096, false, true);
	json_decref(ffs_call(&f, "{\"cmd\": \"fault\", \"kind\": \"full\", "
			     "\"budget\": 10000}"));
	cr_assert_eq(statvfs(f.mnt, &sv), 0);
	cr_expect_leq((unsigned long long)sv.f_bavail * sv.f_bsize, 10000);
	fd = open(ffs_at(&f, "f"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_expect_eq(write(fd, buf, 8000), 8000);
	/* 2000 bytes left: a short write, then ENOSPC. */
	cr_expect_eq(write(fd, buf, 4000), 2000);
	cr_expect(write(fd, buf, 10) < 0 && errno == ENOSPC);
	close(fd);
	cr_expect(open(ffs_at(&f, "new"), O_WRONLY | O_CREAT, 0644) < 0 &&
		  errno == ENOSPC);
	cr_expect(mkdir(ffs_at(&f, "dir"), 0755) != 0 && errno == ENOSPC);
	/* Overwriting what is allocated needs no space. */
	fd = open(ffs_at(&f, "old"), O_WRONLY);
	cr_assert(fd >= 0);
	cr_expect_eq(pwrite(fd, "OVER", 4, 0), 4);
	close(fd);
	cr_assert_eq(statvfs(f.mnt, &sv), 0);
	cr_expect_eq(sv.f_bavail, 0);
	json_decref(ffs_call(&f, "{\"cmd\": \"clear\"}"));
	ffs_put(ffs_at(&f, "new"), "fine", 4, false, false);
	ffs_stop(&f);
}

Test(faults, delay_on_fsync)
{
	double t0, t1;
	json_t *st;
	int fd;

	ffs_start(&f, NULL);
	json_decref(ffs_call(&f, "{\"cmd\": \"fault\", \"kind\": \"delay\", "
			     "\"ops\": [\"fsync\"], \"delay\": \"200ms\"}"));
	fd = open(ffs_at(&f, "slow"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	t0 = now_s();
	cr_assert_eq(fsync(fd), 0);
	t1 = now_s();
	close(fd);
	cr_expect_geq(t1 - t0, 0.2, "fsync took %.3f s", t1 - t0);
	st = ffs_call(&f, "{\"cmd\": \"stats\"}");
	cr_expect_eq(json_integer_value(json_object_get(st, "delays")), 1);
	cr_expect_geq(json_integer_value(json_object_get(st, "delay_ns")), 200000000);
	json_decref(st);
	ffs_stop(&f);
}

/* The bytes of the corrupted file against the original: every
 * difference must be one the report lists, and each listed change must
 * be there. */
Test(faults, corrupt_bitflip_is_reported_exactly)
{
	char orig[10000], *now;
	size_t len;
	json_t *r, *bits;
	const json_t *file, *b;
	size_t i, listed = 0;

	for (i = 0; i < sizeof(orig); i++)
		orig[i] = (char)(i * 31 + 7);
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "data.log"), orig, sizeof(orig), false, true);
	ffs_put(ffs_at(&f, "keep.txt"), "untouched", 9, false, true);
	r = ffs_call(&f, "{\"cmd\": \"corrupt\", \"path\": \"*.log\", \"mode\": "
		     "\"bitflip\", \"bits\": 5, \"seed\": 7}");
	file = json_array_get(json_object_get(r, "corrupted"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(file, "file")), "data.log");
	bits = json_object_get(file, "bits");
	cr_assert_eq(json_array_size(bits), 5);
	now = ffs_get(ffs_at(&f, "data.log"), &len);
	cr_assert_eq(len, sizeof(orig));
	json_array_foreach(bits, i, b) {
		json_int_t off = json_integer_value(json_object_get(b, "offset"));
		int bit = (int)json_integer_value(json_object_get(b, "bit"));

		cr_assert(off >= 0 && off < (json_int_t)sizeof(orig));
		cr_expect_eq((unsigned char)orig[off],
			     json_integer_value(json_object_get(b, "before")));
		/* the reported after, the byte now, the bit flipped */
		orig[off] ^= (char)(1 << bit);
		cr_expect_eq((unsigned char)now[off],
			     json_integer_value(json_object_get(b, "after")));
	}
	for (i = 0; i < len; i++)
		listed += orig[i] != now[i];
	cr_expect_eq(listed, 0, "%zu byte(s) differ from the report", listed);
	free(now);
	json_decref(r);
	now = ffs_get(ffs_at(&f, "keep.txt"), NULL);
	cr_expect_str_eq(now, "untouched");
	free(now);
	ffs_stop(&f);
}

Test(faults, corrupt_zero_and_truncate)
{
	char orig[20000], *now;
	size_t len;
	json_t *r;
	const json_t *one;
	json_int_t off, n;

	memset(orig, 'q', sizeof(orig));
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "a.wal"), orig, sizeof(orig), false, true);
	ffs_put(ffs_at(&f, "b.wal"), orig, sizeof(orig), false, true);
	r = ffs_call(&f, "{\"cmd\": \"corrupt\", \"path\": \"a.wal\", \"mode\": "
		     "\"zero\", \"length\": 1000}");
	one = json_array_get(json_object_get(r, "corrupted"), 0);
	off = json_integer_value(json_object_get(one, "offset"));
	n = json_integer_value(json_object_get(one, "length"));
	cr_expect_eq(n, 1000);
	cr_expect_eq(json_integer_value(json_object_get(one, "nonzero_before")), 1000);
	cr_expect_eq(off % 512, 0, "a zeroed range starts on a sector");
	now = ffs_get(ffs_at(&f, "a.wal"), &len);
	cr_assert_eq(len, sizeof(orig));
	for (json_int_t i = 0; i < (json_int_t)len; i++)
		cr_expect_eq(now[i], i >= off && i < off + n ? 0 : 'q', "byte %lld",
			     (long long)i);
	free(now);
	json_decref(r);
	/* Both files cut, 500 bytes each. */
	r = ffs_call(&f, "{\"cmd\": \"corrupt\", \"path\": \"*.wal\", \"mode\": "
		     "\"truncate\", \"length\": 500, \"files\": \"all\"}");
	cr_expect_eq(json_array_size(json_object_get(r, "corrupted")), 2);
	json_decref(r);
	now = ffs_get(ffs_at(&f, "b.wal"), &len);
	cr_expect_eq(len, sizeof(orig) - 500);
	free(now);
	cr_expect_str_eq(ffs_fail(&f, "{\"cmd\": \"corrupt\", \"path\": \"*.none\", "
				  "\"mode\": \"zero\"}"),
			 "dt-faultfs: no file with data matches '*.none' (0 match, "
			 "2 regular files in the mount)");
	ffs_stop(&f);
}

/* Unsynced data of a file is written back before the damage: the disk
 * got the page cache, then lost bits. */
Test(faults, corrupt_writes_back_first)
{
	json_t *r;
	const json_t *one;
	size_t len;
	char *s;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "f"), "0123456789", 10, false, false);
	r = ffs_call(&f, "{\"cmd\": \"corrupt\", \"path\": \"f\", \"mode\": "
		     "\"truncate\", \"size\": 4}");
	one = json_array_get(json_object_get(r, "corrupted"), 0);
	cr_expect_eq(json_integer_value(json_object_get(one, "written_back")), 10);
	cr_expect_eq(json_integer_value(json_object_get(one, "size_after")), 4);
	json_decref(r);
	s = ffs_get(ffs_at(&f, "f"), &len);
	cr_expect_eq(len, 4);
	cr_expect(memcmp(s, "0123", 4) == 0);
	free(s);
	ffs_stop(&f);
}

Test(faults, protocol_errors_name_the_key)
{
	static const struct { const char *req, *err; } bad[] = {
		{ "not json", "not JSON: '[' or '{' expected near 'not' (column 3)" },
		{ "[1]", "expected an object {\"cmd\": ...}" },
		{ "{\"cmd\": \"explode\"}", "cmd: unknown command 'explode' "
		  "(ping, stats, power-loss, sync, fault, clear, corrupt, unmount)" },
		{ "{\"cmd\": \"ping\", \"x\": 1}", "ping: unknown key 'x' (known: cmd)" },
		{ "{\"cmd\": \"fault\", \"kind\": \"error\", \"probability\": 2}",
		  "probability: expected a number from 0 to 1" },
		{ "{\"cmd\": \"fault\", \"kind\": \"delay\"}",
		  "delay: required for kind delay" },
		{ "{\"cmd\": \"fault\", \"kind\": \"error\", \"ops\": [\"reed\"]}",
		  "ops[0]: not an operation (read, write, fsync, open, "
		  "create, remove, rename, stat, readdir, setattr, all)" },
		{ "{\"cmd\": \"fault\", \"kind\": \"error\", \"errno\": \"EWHAT\"}",
		  "errno: 'EWHAT' is not one of EIO, ENOSPC, EDQUOT, EROFS, "
		  "ENOMEM, EAGAIN, EINTR, EACCES, EPERM, ENOENT, EBUSY, EFBIG" },
		{ "{\"cmd\": \"corrupt\", \"mode\": \"zero\"}",
		  "path: required (a pattern of the files to corrupt, "
		  "as fnmatch(3): \"*.aof\")" },
		{ "{\"cmd\": \"clear\", \"id\": 99}", "no rule 99" },
	};
	char huge[9000];

	ffs_start(&f, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *r = json_loads(ffs_raw(&f, bad[i].req), 0, NULL);

		cr_assert_not_null(r, "reply to %s is not JSON", bad[i].req);
		cr_expect(json_is_false(json_object_get(r, "ok")));
		cr_expect_str_eq(json_string_value(json_object_get(r, "error")),
				 bad[i].err, "%s", bad[i].req);
		json_decref(r);
	}
	/* A line past the limit is refused; the daemon goes on. */
	memset(huge, ' ', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	cr_expect_str_eq(ffs_raw(&f, huge), "{\"ok\":false,\"error\":\"request "
			 "longer than 8192 bytes\"}");
	json_decref(ffs_call(&f, "{\"cmd\": \"ping\"}"));
	ffs_stop(&f);
}
