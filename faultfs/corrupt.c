/* SPDX-License-Identifier: MIT */
/*
 * corrupt.c: damage files at rest, as a disk does while a node is down:
 * flipped bits, zeroed ranges, files cut short.  Meant for a node whose
 * processes are stopped (the corrupt nemesis kills them first).
 *
 * The damage is done to the durable file.  A file with unsynced data is
 * first written back (the machine kept running after the process died,
 * so its page cache reached the disk), then damaged, then the kernel's
 * cached pages of it are dropped so the next reader sees the damage.
 * Random choices come from the request's seed (or one drawn from the
 * daemon's, reported), and the report lists every change exactly: the
 * file, and per bit its offset, bit number and the byte before and
 * after; per zeroed range its offset, length and how many bytes were not
 * zero; per cut the size before and after.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

typedef struct match {
	char *path;     /* in the mount */
	off_t size;
} match;

typedef struct matches {
	match *m;
	size_t n, cap;
	size_t files;   /* regular files seen */
} matches;

static uint64_t below(dt_rng *x, uint64_t n)
{
	return n ? dt_rng_below(x, n) : 0;
}

/* Collect the regular files under at (path: its path in the mount)
 * that match the pattern, the hidden folder left out. */
static int walk(ff_fs *fs, int at, const char *path, const char *pattern,
		matches *out, int depth)
{
	int fd = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char child[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (depth == 0 && strcmp(de->d_name, FF_HIDDEN) == 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", path,
				     path[0] ? "/" : "", de->d_name) >= sizeof(child))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			int sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY |
					 O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				rc = walk(fs, sub, child, pattern, out, depth + 1);
				close(sub);
			}
		} else if (S_ISREG(st.st_mode)) {
			ff_inode *in = ff_find(fs, st.st_dev, st.st_ino);

			/* Unsynced data counts: it is written back first. */
			if (in != NULL) {
				off_t vis = ff_cache_size(in);

				if (vis > st.st_size)
					st.st_size = vis;
				ff_inode_put(fs, in);
			}
			out->files++;
			if (fnmatch(pattern, child, 0) != 0)
				continue;
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 16;
				match *g = realloc(out->m, cap * sizeof(*g));

				if (g == NULL) {
					rc = -1;
					break;
				}
				out->m = g;
				out->cap = cap;
			}
			out->m[out->n].path = strdup(child);
			out->m[out->n].size = st.st_size;
			if (out->m[out->n].path == NULL)
				rc = -1;
			else
				out->n++;
		}
	}
	closedir(d);
	return rc;
}

static json_t *bitflip(int fd, off_t lo, off_t hi, uint64_t bits, dt_rng *x)
{
	json_t *flips = json_array();
	uint64_t span = (uint64_t)(hi - lo) * 8, done = 0;
	off_t *at = calloc(bits, sizeof(*at));
	int *bit = calloc(bits, sizeof(*bit));

	if (at == NULL || bit == NULL)
		goto out;
	if (bits > span)
		bits = span;
	while (done < bits) {
		uint64_t k = below(x, span);
		off_t off = lo + (off_t)(k / 8);
		int b = (int)(k % 8);
		unsigned char c;
		bool seen = false;

		/* Each bit once: two flips of one bit would undo it. */
		for (uint64_t i = 0; i < done && !seen; i++)
			seen = at[i] == off && bit[i] == b;
		if (seen)
			continue;
		if (pread(fd, &c, 1, off) != 1)
			break;
		at[done] = off;
		bit[done] = b;
		done++;
		{
			unsigned char after = c ^ (unsigned char)(1u << b);

			if (pwrite(fd, &after, 1, off) != 1)
				break;
			json_array_append_new(flips, json_pack("{s:I, s:i, s:i, s:i}",
				"offset", (json_int_t)off, "bit", b, "before", c,
				"after", after));
		}
	}
out:
	free(at);
	free(bit);
	return flips;
}

/* Zero [off, off+len): how many bytes were not zero before, or -1. */
static long long zero_range(int fd, off_t off, off_t len)
{
	char buf[FF_PAGE];
	long long nonzero = 0;

	for (off_t pos = off; pos < off + len;) {
		size_t n = (size_t)(off + len - pos) < sizeof(buf) ?
			   (size_t)(off + len - pos) : sizeof(buf);
		ssize_t r = pread(fd, buf, n, pos);

		if (r <= 0)
			return -1;
		for (ssize_t i = 0; i < r; i++)
			nonzero += buf[i] != 0;
		memset(buf, 0, (size_t)r);
		if (pwrite(fd, buf, (size_t)r, pos) != r)
			return -1;
		pos += r;
	}
	return nonzero;
}

/* Damage one file; its report, or NULL with err. */
static json_t *damage(ff_fs *fs, const ff_corrupt_spec *c, const char *path,
		      dt_rng *x, char *err, size_t errlen)
{
	int fd = openat(fs->root_fd, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ff_inode *in;
	json_t *r = NULL;
	uint64_t back = 0;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	in = ff_find(fs, st.st_dev, st.st_ino);
	if (in != NULL) {
		uint64_t before = atomic_load(&fs->stats.writeback_bytes);

		if (ff_cache_flush(fs, in, true) != 0)
			ff_log("corrupt: writing %s back first failed", path);
		back = atomic_load(&fs->stats.writeback_bytes) - before;
		pthread_mutex_lock(&in->lock);
	}
	if (fstat(fd, &st) != 0)
		st.st_size = 0;
	r = json_pack("{s:s, s:s, s:I}", "file", path, "mode",
		      ff_corrupt_mode_name(c->mode), "size", (json_int_t)st.st_size);
	if (back > 0)
		json_object_set_new(r, "written_back", json_integer((json_int_t)back));
	if (c->mode == FF_CORRUPT_TRUNCATE) {
		off_t to = c->has_size ? (c->size < st.st_size ? c->size : st.st_size) :
			   c->has_length ? (c->length < st.st_size ?
					    st.st_size - c->length : 0) :
			   (off_t)below(x, (uint64_t)st.st_size);

		if (ftruncate(fd, to) != 0) {
			snprintf(err, errlen, "%s: truncate: %s", path, strerror(errno));
			json_decref(r);
			r = NULL;
		} else {
			json_object_set_new(r, "size_after", json_integer((json_int_t)to));
		}
	} else {
		/* The range to damage: [offset, offset + length), in the
		 * file; random where not given. */
		off_t len = c->has_length ? c->length :
			    c->mode == FF_CORRUPT_ZERO ? FF_PAGE : st.st_size;
		off_t off;

		if (len > st.st_size)
			len = st.st_size;
		if (c->has_offset) {
			off = c->offset < st.st_size ? c->offset : st.st_size;
		} else if (c->mode == FF_CORRUPT_ZERO) {
			/* a lost sector or page: 512-byte aligned */
			off = (off_t)below(x, (uint64_t)(st.st_size - len) / 512 + 1) * 512;
		} else {
			off = (off_t)below(x, (uint64_t)(st.st_size - len) + 1);
		}
		if (off + len > st.st_size)
			len = st.st_size - off;
		if (c->mode == FF_CORRUPT_BITFLIP) {
			json_t *flips = bitflip(fd, off, off + len, c->bits, x);

			json_object_set_new(r, "bits", flips);
		} else {
			long long nz = zero_range(fd, off, len);

			json_object_set_new(r, "offset", json_integer((json_int_t)off));
			json_object_set_new(r, "length", json_integer((json_int_t)len));
			json_object_set_new(r, "nonzero_before", json_integer(nz));
		}
	}
	if (in != NULL) {
		ff_cache_reload_locked(fs, in);
		pthread_mutex_unlock(&in->lock);
		ff_inval_inode(fs, in);
		ff_inode_put(fs, in);
	}
	close(fd);
	atomic_fetch_add(&fs->stats.corruptions, 1);
	return r;
}

json_t *ff_corrupt(ff_fs *fs, const ff_corrupt_spec *c, char *err,
		   size_t errlen)
{
	matches ms = { 0 };
	json_t *files = NULL, *out = NULL;
	uint64_t seed = c->has_seed ? c->seed : fs->seed ^ (uint64_t)ff_now_ns();
	dt_rng x;
	size_t *pick = NULL, npick = 0, usable = 0;

	dt_rng_seed(&x, seed);
	if (walk(fs, fs->root_fd, "", c->pattern, &ms, 0) != 0) {
		snprintf(err, errlen, "reading %s: %s", fs->backing, strerror(errno));
		goto out;
	}
	pick = calloc(ms.n + 1, sizeof(*pick));
	if (pick == NULL)
		goto out;
	/* Empty files have nothing to damage. */
	for (size_t i = 0; i < ms.n; i++)
		if (ms.m[i].size > 0)
			pick[usable++] = i;
	if (usable == 0) {
		snprintf(err, errlen, "no file with data matches '%s' (%zu "
			 "match, %zu regular files in the mount)", c->pattern,
			 ms.n, ms.files);
		goto out;
	}
	if (c->all) {
		npick = usable;
	} else {
		pick[0] = pick[below(&x, usable)];
		npick = 1;
	}
	files = json_array();
	for (size_t i = 0; i < npick; i++) {
		json_t *one = damage(fs, c, ms.m[pick[i]].path, &x, err, errlen);

		if (one == NULL) {
			json_decref(files);
			files = NULL;
			goto out;
		}
		json_array_append_new(files, one);
	}
	out = json_pack("{s:o, s:I, s:s}", "corrupted", files,
			"seed", (json_int_t)seed, "path", c->pattern);
out:
	for (size_t i = 0; i < ms.n; i++)
		free(ms.m[i].path);
	free(ms.m);
	free(pick);
	return out;
}
