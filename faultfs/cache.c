/* SPDX-License-Identifier: MIT */
/*
 * cache.c: the unsynced data of one file.
 *
 * The backing file holds what is durable.  Writes go to 4 KiB pages in
 * memory, sorted by index; a page first touched by a partial write is
 * filled with what readers saw there before.  A reader sees, for each
 * page, the page in memory if there is one, else the backing file up to
 * `base` and zeros after it, all cut at `size`.  `base` is below the
 * backing file's size only after a truncate that is not durable yet:
 * the bytes past it are gone for readers but still on "disk".
 *
 * A flush (fsync, fdatasync, writeback) makes it all durable: the
 * backing file is cut to `base`, the pages are written to it, it is set
 * to `size`, and the pages are freed.  A power loss frees the pages and
 * forgets `size`: readers then see the backing file again.  Pages an
 * fsync failed on with `lose` stay visible but are never written (what
 * Linux does after a writeback error: the page is clean in the cache
 * and its data is lost on the next crash).
 *
 * Invariant: bytes of a page past `size` are zero, so growing a file
 * shows zeros there without touching the pages.  base <= size, base <=
 * dsize.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "faultfs.h"

int ff_cache_data_fd_locked(ff_fs *fs, ff_inode *in)
{
	char proc[64];

	(void)fs;
	if (in->data_fd >= 0)
		return in->data_fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in->fd);
	in->data_fd = open(proc, O_RDWR | O_CLOEXEC);
	return in->data_fd;
}

static int ensure_locked(ff_fs *fs, ff_inode *in)
{
	struct stat st;

	(void)fs;
	if (in->cached)
		return 0;
	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH) != 0)
		return -errno;
	in->size = in->dsize = in->base = st.st_size;
	in->cached = true;
	return 0;
}

void ff_cache_reload_locked(ff_fs *fs, ff_inode *in)
{
	(void)fs;
	in->cached = false;
}

/* Position of the first page with index >= idx. */
static size_t page_pos(const ff_inode *in, uint64_t idx)
{
	size_t lo = 0, hi = in->npages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in->pages[mid]->index < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static ff_page *page_at(const ff_inode *in, uint64_t idx, size_t *pos)
{
	size_t p = page_pos(in, idx);

	if (pos != NULL)
		*pos = p;
	return p < in->npages && in->pages[p]->index == idx ? in->pages[p] : NULL;
}

/* Read [off, off+len) as readers see it (within size). */
static int read_visible(ff_fs *fs, ff_inode *in, char *buf, size_t len,
			off_t off)
{
	off_t end = off + (off_t)len, pos = off;

	while (pos < end) {
		uint64_t idx = (uint64_t)pos / FF_PAGE;
		size_t p;
		ff_page *pg = page_at(in, idx, &p);
		off_t pend = (off_t)(idx + 1) * FF_PAGE;

		if (pg != NULL) {
			off_t stop = pend < end ? pend : end;

			memcpy(buf + (pos - off), pg->data + (pos - (off_t)idx * FF_PAGE),
			       (size_t)(stop - pos));
			pos = stop;
			continue;
		}
		/* Up to the next page held, in one read of the backing. */
		{
			off_t stop = end, have;

			if (p < in->npages &&
			    (off_t)(in->pages[p]->index * FF_PAGE) < stop)
				stop = (off_t)(in->pages[p]->index * FF_PAGE);
			have = stop < in->base ? stop : in->base;
			if (pos < have) {
				int fd = ff_cache_data_fd_locked(fs, in);
				ssize_t n;

				if (fd < 0)
					return -errno;
				n = pread(fd, buf + (pos - off), (size_t)(have - pos), pos);
				if (n < 0)
					return -errno;
				/* The backing file shorter than we knew: zeros. */
				memset(buf + (pos - off) + n, 0,
				       (size_t)(have - pos - n));
				pos = have;
			}
			if (pos < stop) {
				memset(buf + (pos - off), 0, (size_t)(stop - pos));
				pos = stop;
			}
		}
	}
	return 0;
}

int ff_cache_read(ff_fs *fs, ff_inode *in, char *buf, size_t size,
		  off_t off, size_t *got)
{
	int rc;

	*got = 0;
	pthread_mutex_lock(&in->lock);
	rc = ensure_locked(fs, in);
	if (rc == 0 && off < in->size) {
		size_t n = (size_t)(in->size - off) < size ?
			   (size_t)(in->size - off) : size;

		rc = read_visible(fs, in, buf, n, off);
		if (rc == 0)
			*got = n;
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

static void page_free(ff_fs *fs, ff_page *pg)
{
	free(pg);
	atomic_fetch_sub(&fs->stats.dirty_bytes, FF_PAGE);
}

/* The page idx, made (filled as readers saw it) when absent; whole: the
 * caller overwrites all of it. */
static ff_page *page_get(ff_fs *fs, ff_inode *in, uint64_t idx, bool whole,
			 int *rc)
{
	size_t p;
	ff_page *pg = page_at(in, idx, &p);
	off_t start = (off_t)idx * FF_PAGE;

	if (pg != NULL)
		return pg;
	pg = malloc(sizeof(*pg));
	if (pg == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	pg->index = idx;
	pg->lost = false;
	if (whole || start >= in->size) {
		memset(pg->data, 0, FF_PAGE);
	} else {
		size_t n = in->size - start < FF_PAGE ? (size_t)(in->size - start) :
			   FF_PAGE;

		*rc = read_visible(fs, in, (char *)pg->data, n, start);
		if (*rc != 0) {
			free(pg);
			return NULL;
		}
		memset(pg->data + n, 0, FF_PAGE - n);
	}
	if (in->npages == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 16;
		ff_page **grown = realloc(in->pages, cap * sizeof(*grown));

		if (grown == NULL) {
			free(pg);
			*rc = -ENOMEM;
			return NULL;
		}
		in->pages = grown;
		in->cap = cap;
	}
	memmove(in->pages + p + 1, in->pages + p,
		(in->npages - p) * sizeof(*in->pages));
	in->pages[p] = pg;
	in->npages++;
	atomic_fetch_add(&fs->stats.dirty_bytes, FF_PAGE);
	return pg;
}

static void mark_dirty(ff_fs *fs, ff_inode *in, bool size_changed)
{
	if (in->dirty_since == 0)
		in->dirty_since = ff_now_ns();
	ff_tid_touch(fs, in, size_changed);
}

int ff_cache_write(ff_fs *fs, ff_inode *in, const char *buf, size_t size,
		   off_t off, size_t *done)
{
	int rc;
	off_t end;
	bool grew = false;

	*done = 0;
	if (size == 0)
		return 0;
	if (off < 0 || (off_t)size > LLONG_MAX - off)
		return -EFBIG;
	pthread_mutex_lock(&in->lock);
	rc = ensure_locked(fs, in);
	if (rc != 0)
		goto out;
	end = off + (off_t)size;
	if (end > in->size) {
		/* Past the end needs space: a full disk may let part of it
		 * through (a short write) or none (ENOSPC). */
		uint64_t want = (uint64_t)(end - in->size);
		uint64_t ok = ff_fault_space(fs, in, want);

		if (ok < want) {
			if (want - ok >= size) {
				atomic_fetch_add(&fs->stats.enospc, 1);
				rc = -ENOSPC;
				goto out;
			}
			size -= (size_t)(want - ok);
			end = off + (off_t)size;
		}
	}
	for (off_t pos = off; pos < end;) {
		uint64_t idx = (uint64_t)pos / FF_PAGE;
		off_t pstart = (off_t)idx * FF_PAGE;
		off_t stop = pstart + FF_PAGE < end ? pstart + FF_PAGE : end;
		ff_page *pg = page_get(fs, in, idx, pos == pstart &&
				       stop == pstart + FF_PAGE, &rc);

		if (pg == NULL)
			goto out;
		memcpy(pg->data + (pos - pstart), buf + (pos - off),
		       (size_t)(stop - pos));
		/* Rewritten: written again by the next flush. */
		pg->lost = false;
		pos = stop;
	}
	if (end > in->size) {
		in->size = end;
		grew = true;
	}
	in->wbytes += size;
	mark_dirty(fs, in, grew);
	*done = size;
	/* Over the memory allowed for unsynced data: the writer's file is
	 * written back, as the kernel throttles a writer to flush its own
	 * dirty pages (durable earlier, never later). */
	if (fs->max_dirty > 0 &&
	    atomic_load(&fs->stats.dirty_bytes) > fs->max_dirty)
		rc = ff_cache_flush_locked(fs, in, true);
out:
	pthread_mutex_unlock(&in->lock);
	return rc;
}

int ff_cache_truncate(ff_fs *fs, ff_inode *in, off_t nsize)
{
	int rc;

	if (nsize < 0)
		return -EINVAL;
	pthread_mutex_lock(&in->lock);
	rc = ensure_locked(fs, in);
	if (rc != 0)
		goto out;
	/* Growing is sparse (allocates nothing): no space check. */
	if (nsize < in->size) {
		size_t keep = page_pos(in, ((uint64_t)nsize + FF_PAGE - 1) / FF_PAGE);
		ff_page *tail;

		for (size_t i = keep; i < in->npages; i++)
			page_free(fs, in->pages[i]);
		in->npages = keep;
		tail = page_at(in, (uint64_t)nsize / FF_PAGE, NULL);
		if (tail != NULL && nsize % FF_PAGE != 0)
			memset(tail->data + nsize % FF_PAGE, 0,
			       FF_PAGE - (size_t)(nsize % FF_PAGE));
		if (nsize < in->base)
			in->base = nsize;
		if (nsize == 0)
			in->da_alloc = true;
	}
	if (nsize != in->size) {
		in->size = nsize;
		mark_dirty(fs, in, true);
	}
out:
	pthread_mutex_unlock(&in->lock);
	return rc;
}

/* pwritev the pages [a, b) (consecutive indexes, none lost), cut at
 * size. */
static int write_run(int fd, ff_inode *in, size_t a, size_t b, uint64_t *bytes)
{
	struct iovec iov[64];

	while (a < b) {
		size_t n = 0;
		off_t start = (off_t)(in->pages[a]->index * FF_PAGE), pos;
		ssize_t w, want = 0;

		for (; a < b && n < 64; a++, n++) {
			off_t ps = (off_t)(in->pages[a]->index * FF_PAGE);
			size_t len = in->size - ps < FF_PAGE ? (size_t)(in->size - ps) :
				     FF_PAGE;

			iov[n].iov_base = in->pages[a]->data;
			iov[n].iov_len = len;
			want += (ssize_t)len;
		}
		pos = start;
		w = pwritev(fd, iov, (int)n, pos);
		if (w < 0)
			return -errno;
		if (w != want)
			return -EIO; /* the backing file system is full */
		*bytes += (uint64_t)w;
	}
	return 0;
}

int ff_cache_flush_locked(ff_fs *fs, ff_inode *in, bool writeback)
{
	int fd;
	uint64_t bytes = 0;
	size_t kept = 0;
	int rc = 0;

	if (!in->cached || (in->npages == 0 && in->size == in->dsize &&
			    in->base == in->dsize))
		return 0;
	fd = ff_cache_data_fd_locked(fs, in);
	if (fd < 0)
		return -errno;
	if (in->base < in->dsize) {
		if (ftruncate(fd, in->base) != 0)
			return -errno;
		in->dsize = in->base;
	}
	for (size_t i = 0; i < in->npages && rc == 0;) {
		size_t j = i;

		if (in->pages[i]->lost ||
		    (off_t)(in->pages[i]->index * FF_PAGE) >= in->size) {
			i++;
			continue;
		}
		while (j + 1 < in->npages && !in->pages[j + 1]->lost &&
		       in->pages[j + 1]->index == in->pages[j]->index + 1 &&
		       (off_t)(in->pages[j + 1]->index * FF_PAGE) < in->size)
			j++;
		rc = write_run(fd, in, i, j + 1, &bytes);
		i = j + 1;
	}
	if (rc != 0)
		return rc;
	if (ftruncate(fd, in->size) != 0)
		return -errno;
	in->dsize = in->base = in->size;
	for (size_t i = 0; i < in->npages; i++) {
		if (in->pages[i]->lost)
			in->pages[kept++] = in->pages[i];
		else
			page_free(fs, in->pages[i]);
	}
	in->npages = kept;
	in->wbytes = 0;
	in->dirty_since = kept ? in->dirty_since : 0;
	in->da_alloc = false;
	if (writeback) {
		atomic_fetch_add(&fs->stats.writebacks, 1);
		atomic_fetch_add(&fs->stats.writeback_bytes, bytes);
	} else {
		atomic_fetch_add(&fs->stats.flushes, 1);
		atomic_fetch_add(&fs->stats.flushed_bytes, bytes);
	}
	return 0;
}

int ff_cache_flush(ff_fs *fs, ff_inode *in, bool writeback)
{
	int rc;

	if (!in->is_reg)
		return 0;
	pthread_mutex_lock(&in->lock);
	rc = ff_cache_flush_locked(fs, in, writeback);
	pthread_mutex_unlock(&in->lock);
	return rc;
}

int ff_cache_commit_shrink(ff_fs *fs, ff_inode *in)
{
	int rc = 0, fd;

	pthread_mutex_lock(&in->lock);
	if (in->cached && in->base < in->dsize) {
		fd = ff_cache_data_fd_locked(fs, in);
		if (fd < 0 || ftruncate(fd, in->base) != 0)
			rc = -errno;
		else
			in->dsize = in->base;
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

static json_t *report_locked(ff_fs *fs, ff_inode *in)
{
	char path[PATH_MAX];

	if (!in->cached || (in->npages == 0 && in->size == in->dsize &&
			    in->base == in->dsize))
		return NULL;
	if (ff_inode_path(fs, in, path, sizeof(path)) != 0)
		snprintf(path, sizeof(path), "(removed, inode %llu)",
			 (unsigned long long)in->ino);
	return json_pack("{s:s, s:I, s:I, s:I, s:I}", "path", path,
			 "pages", (json_int_t)in->npages,
			 "bytes", (json_int_t)in->wbytes,
			 "size", (json_int_t)in->size,
			 "durable_size", (json_int_t)in->dsize);
}

json_t *ff_cache_report(ff_fs *fs, ff_inode *in)
{
	json_t *r;

	pthread_mutex_lock(&in->lock);
	r = report_locked(fs, in);
	pthread_mutex_unlock(&in->lock);
	return r;
}

void ff_cache_drop(ff_fs *fs, ff_inode *in, json_t *report)
{
	json_t *r;

	pthread_mutex_lock(&in->lock);
	r = report_locked(fs, in);
	if (r != NULL) {
		atomic_fetch_add(&fs->stats.dropped_bytes, in->wbytes);
		atomic_fetch_add(&fs->stats.dropped_pages, in->npages);
		json_array_append_new(report, r);
	}
	for (size_t i = 0; i < in->npages; i++)
		page_free(fs, in->pages[i]);
	in->npages = 0;
	in->wbytes = 0;
	in->dirty_since = 0;
	in->da_alloc = false;
	in->cached = false;
	pthread_mutex_unlock(&in->lock);
}

void ff_cache_lose(ff_fs *fs, ff_inode *in)
{
	size_t n = 0;

	pthread_mutex_lock(&in->lock);
	for (size_t i = 0; i < in->npages; i++) {
		if (!in->pages[i]->lost) {
			in->pages[i]->lost = true;
			n++;
		}
	}
	pthread_mutex_unlock(&in->lock);
	atomic_fetch_add(&fs->stats.lost_pages, n);
}

off_t ff_cache_size(ff_inode *in)
{
	off_t s;

	pthread_mutex_lock(&in->lock);
	s = in->cached ? in->size : -1;
	pthread_mutex_unlock(&in->lock);
	return s;
}

bool ff_cache_dirty(ff_inode *in)
{
	return in->npages > 0 ||
	       (in->cached && (in->size != in->dsize || in->base != in->dsize));
}

void ff_cache_free(ff_fs *fs, ff_inode *in)
{
	for (size_t i = 0; i < in->npages; i++)
		page_free(fs, in->pages[i]);
	free(in->pages);
	in->pages = NULL;
	in->npages = in->cap = 0;
	if (in->data_fd >= 0)
		close(in->data_fd);
	in->data_fd = -1;
}
