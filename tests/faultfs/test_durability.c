/* SPDX-License-Identifier: MIT */
/*
 * What survives a power loss of dt-faultfs: a program writes through a
 * real FUSE mount, fsyncs some of it and not the rest, the daemon drops
 * what is not durable, and the files are checked both at once and after
 * an unmount and a new mount on the same backing folder (so the durable
 * state is really the disk's, not the daemon's memory).  Covers fsync,
 * fdatasync, O_SYNC and O_DSYNC, overwrites, truncates, mmap (bbolt's
 * shared read-only map with pwrite + fdatasync, and stores through a
 * shared writable map with and without msync), concurrent writers, and
 * the writeback forced by --max-dirty.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ffs.h"

static ffs_mnt f;

static void fini(void)
{
	ffs_done(&f);
}

TestSuite(durability, .timeout = 60, .fini = fini);

/* The file's content must be exactly want (len bytes). */
static void expect_file(const char *path, const char *want, size_t len)
{
	size_t got;
	char *s = ffs_get(path, &got);

	cr_assert_not_null(s, "%s: %s", path, strerror(errno));
	cr_expect_eq(got, len, "%s: %zu bytes, expected %zu", path, got, len);
	cr_expect(got == len && memcmp(s, want, len) == 0, "%s: wrong content",
		  path);
	free(s);
}

static void power_loss(void)
{
	json_decref(ffs_call(&f, "{\"cmd\": \"power-loss\"}"));
}

static void remount(void)
{
	ffs_stop(&f);
	ffs_mount(&f, NULL);
}

Test(durability, fsynced_data_survives_the_rest_is_dropped)
{
	char big[5000], more[100];
	json_t *r;

	memset(big, 'x', sizeof(big));
	memset(more, 'y', sizeof(more));
	ffs_start(&f, NULL);
	/* b made first, so that a's fsync commits b's name (ext4). */
	ffs_put(ffs_at(&f, "b"), "not synced", 10, false, false);
	ffs_put(ffs_at(&f, "a"), "synced", 6, false, true);
	ffs_put(ffs_at(&f, "c"), big, sizeof(big), false, true);
	ffs_put(ffs_at(&f, "c"), more, sizeof(more), true, false);
	/* Before: everything is visible. */
	expect_file(ffs_at(&f, "b"), "not synced", 10);
	r = ffs_call(&f, "{\"cmd\": \"power-loss\"}");
	/* The report names exactly the two files with unsynced data. */
	cr_expect_eq(json_array_size(json_object_get(r, "files")), 2);
	cr_expect_eq(json_integer_value(json_object_get(r, "bytes")), 110);
	json_decref(r);
	for (int round = 0; round < 2; round++) {
		expect_file(ffs_at(&f, "a"), "synced", 6);
		expect_file(ffs_at(&f, "b"), "", 0);
		expect_file(ffs_at(&f, "c"), big, sizeof(big));
		if (round == 0)
			remount();
	}
	/* The backing folder holds the durable state. */
	expect_file(ffs_disk(&f, "c"), big, sizeof(big));
	ffs_stop(&f);
}

Test(durability, fdatasync_o_sync_and_o_dsync_are_durable)
{
	int fd;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "anchor"), "", 0, false, true);
	fd = open(ffs_at(&f, "d"), O_WRONLY | O_CREAT, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "datasync", 8), 8);
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(write(fd, "-lost", 5), 5);
	close(fd);
	fd = open(ffs_at(&f, "s"), O_WRONLY | O_CREAT | O_SYNC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "osync", 5), 5);
	close(fd);
	fd = open(ffs_at(&f, "ds"), O_WRONLY | O_CREAT | O_DSYNC, 0644);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "odsync", 6), 6);
	close(fd);
	power_loss();
	remount();
	expect_file(ffs_at(&f, "d"), "datasync", 8);
	expect_file(ffs_at(&f, "s"), "osync", 5);
	expect_file(ffs_at(&f, "ds"), "odsync", 6);
	ffs_stop(&f);
}

Test(durability, overwrite_and_truncate_not_synced_come_back)
{
	char page[3 * 4096];
	int fd;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (char)('a' + i % 26);
	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "o"), page, sizeof(page), false, true);
	/* An overwrite across a page boundary, not synced. */
	fd = open(ffs_at(&f, "o"), O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, "OVERWRITE", 9, 4090), 9);
	close(fd);
	{
		char *s = ffs_get(ffs_at(&f, "o"), NULL);

		cr_expect(memcmp(s + 4090, "OVERWRITE", 9) == 0);
		free(s);
	}
	/* A truncate then growth: the cut bytes read as zeros until a power
	 * loss brings them back. */
	cr_assert_eq(truncate(ffs_at(&f, "o"), 100), 0);
	cr_assert_eq(truncate(ffs_at(&f, "o"), 200), 0);
	{
		size_t len;
		char *s = ffs_get(ffs_at(&f, "o"), &len);

		cr_expect_eq(len, 200);
		for (size_t i = 100; i < 200; i++)
			cr_expect_eq(s[i], 0, "byte %zu not zero", i);
		free(s);
	}
	power_loss();
	expect_file(ffs_at(&f, "o"), page, sizeof(page));
	remount();
	expect_file(ffs_at(&f, "o"), page, sizeof(page));
	/* A truncate that is synced is durable. */
	cr_assert_eq(truncate(ffs_at(&f, "o"), 10), 0);
	ffs_sync(ffs_at(&f, "o"), false);
	power_loss();
	expect_file(ffs_at(&f, "o"), page, 10);
	ffs_stop(&f);
}

/* bbolt's way: the db file mapped shared and read-only, pages written
 * with pwrite and made durable with fdatasync. */
Test(durability, mmap_reader_with_pwrite_and_fdatasync)
{
	char zero[8192] = { 0 };
	char *map;
	int fd;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "db"), zero, sizeof(zero), false, true);
	fd = open(ffs_at(&f, "db"), O_RDWR);
	cr_assert(fd >= 0);
	map = mmap(NULL, sizeof(zero), PROT_READ, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED, "mmap: %s", strerror(errno));
	cr_assert_eq(pwrite(fd, "meta-1", 6, 0), 6);
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(pwrite(fd, "page-2", 6, 4096), 6);
	/* The map sees both at once. */
	cr_expect(memcmp(map, "meta-1", 6) == 0, "map misses the first write");
	cr_expect(memcmp(map + 4096, "page-2", 6) == 0,
		  "map misses the second write");
	munmap(map, sizeof(zero));
	close(fd);
	power_loss();
	fd = open(ffs_at(&f, "db"), O_RDONLY);
	cr_assert(fd >= 0);
	map = mmap(NULL, sizeof(zero), PROT_READ, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED);
	cr_expect(memcmp(map, "meta-1", 6) == 0, "the synced page was lost");
	cr_expect(map[4096] == 0, "the unsynced page survived the power loss");
	munmap(map, sizeof(zero));
	close(fd);
	ffs_stop(&f);
}

/* Stores through a shared writable map: durable after msync, dropped
 * without it, even when the map is gone before the power loss (the
 * kernel's dirty page reaches the daemon first). */
Test(durability, mmap_writer_msync)
{
	char zero[8192] = { 0 };
	char *map;
	int fd;

	ffs_start(&f, NULL);
	ffs_put(ffs_at(&f, "m"), zero, sizeof(zero), false, true);
	fd = open(ffs_at(&f, "m"), O_RDWR);
	cr_assert(fd >= 0);
	map = mmap(NULL, sizeof(zero), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED, "mmap: %s", strerror(errno));
	memcpy(map, "synced", 6);
	cr_assert_eq(msync(map, 4096, MS_SYNC), 0);
	memcpy(map + 4096, "unsynced", 8);
	munmap(map, sizeof(zero));
	close(fd);
	power_loss();
	{
		char *s = ffs_get(ffs_at(&f, "m"), NULL);

		cr_expect(memcmp(s, "synced", 6) == 0, "msync'd store lost");
		cr_expect(s[4096] == 0, "store without msync survived");
		free(s);
	}
	ffs_stop(&f);
}

typedef struct writer {
	int id;
	char path[256];
	size_t synced;    /* bytes known durable */
	size_t written;
} writer;

/* Appends records of 37 bytes, fsyncing after a varying number. */
static void *append_some(void *arg)
{
	writer *w = arg;
	int fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	unsigned seed = (unsigned)w->id * 7919u;

	if (fd < 0)
		return NULL;
	if (fsync(fd) == 0)
		w->synced = 0;
	for (int i = 0; i < 400; i++) {
		char rec[64];

		snprintf(rec, sizeof(rec), "%02d:%05d:%027d\n", w->id, i, i * w->id);
		if (write(fd, rec, 37) != 37)
			break;
		w->written += 37;
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 7 == 0 && fsync(fd) == 0)
			w->synced = w->written;
	}
	close(fd);
	return NULL;
}

Test(durability, concurrent_writers_keep_exactly_their_fsynced_prefix)
{
	enum { N = 4 };
	pthread_t t[N];
	writer w[N];

	ffs_start(&f, NULL);
	for (int i = 0; i < N; i++) {
		w[i] = (writer){ .id = i + 1 };
		snprintf(w[i].path, sizeof(w[i].path), "%s/w%d.log", f.mnt, i);
	}
	/* Every file exists durably before the writers start. */
	for (int i = 0; i < N; i++)
		ffs_put(w[i].path, "", 0, false, true);
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, append_some, &w[i]), 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	power_loss();
	remount();
	for (int i = 0; i < N; i++) {
		size_t len;
		char *s = ffs_get(w[i].path, &len);

		cr_assert_not_null(s);
		cr_expect_eq(len, w[i].synced, "writer %d: %zu bytes survive, "
			     "%zu were fsync'd (%zu written)", i, len, w[i].synced,
			     w[i].written);
		for (size_t k = 0; k + 37 <= len; k += 37) {
			char rec[64];

			snprintf(rec, sizeof(rec), "%02d:%05zu:%027zu\n", i + 1,
				 k / 37, (k / 37) * (size_t)(i + 1));
			cr_expect(memcmp(s + k, rec, 37) == 0, "writer %d: record "
				  "%zu damaged", i, k / 37);
		}
		free(s);
	}
	ffs_stop(&f);
}

/* Past --max-dirty the writer's file is written back (made durable
 * early, as the kernel's writeback would), and the stats say so. */
Test(durability, max_dirty_writes_back)
{
	static const char *const args[] = { "--max-dirty", "64k", NULL };
	char chunk[16384];
	json_t *st;
	size_t len;
	char *s;

	memset(chunk, 'w', sizeof(chunk));
	ffs_start(&f, args);
	ffs_put(ffs_at(&f, "big"), "", 0, false, true);
	for (int i = 0; i < 16; i++)
		ffs_put(ffs_at(&f, "big"), chunk, sizeof(chunk), true, false);
	st = ffs_call(&f, "{\"cmd\": \"stats\"}");
	cr_expect_gt(json_integer_value(json_object_get(st, "writebacks")), 0);
	cr_expect_leq(json_integer_value(json_object_get(st, "dirty_bytes")),
		      64 * 1024 + 4096);
	json_decref(st);
	power_loss();
	s = ffs_get(ffs_at(&f, "big"), &len);
	cr_assert_not_null(s);
	/* What was written back survives; what was not, is dropped. */
	cr_expect_gt(len, 0);
	cr_expect_lt(len, 16 * sizeof(chunk));
	free(s);
	ffs_stop(&f);
}
