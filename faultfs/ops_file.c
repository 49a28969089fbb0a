/* SPDX-License-Identifier: MIT */
/*
 * ops_file.c: the FUSE operations on file data: create, open, release,
 * flush, read, write, fsync, fallocate.
 *
 * Files are opened through the kernel's page cache (no direct_io) and
 * without the writeback cache: every write(2) reaches us at once as a
 * FUSE write (write-through), an mmap'd store reaches us when the
 * kernel writes the page back (msync, fsync, eviction, or our own
 * invalidation at a power loss), and reads may be served from the
 * kernel's cache, which always holds what we hold.  direct_io would
 * forbid shared mmap on this kernel and libfuse (etcd's bbolt maps its
 * db file), and the writeback cache would let the kernel hold writes
 * we never saw.  keep_cache is off, so each open drops the kernel's
 * cached pages of the file: a file reopened after a power loss is read
 * again from us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"
#include "ops.h"

typedef struct ff_file {
	ff_inode *in;
	int flags;      /* the open(2) flags */
} ff_file;

static ff_file *file_of(struct fuse_file_info *fi)
{
	return (ff_file *)(uintptr_t)fi->fh;
}

static int attach(ff_fs *fs, ff_inode *in, struct fuse_file_info *fi)
{
	ff_file *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return ENOMEM;
	f->in = in;
	f->flags = fi->flags;
	fi->fh = (uintptr_t)f;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	ff_inode_opened(fs, in, 1);
	return 0;
}

static void detach(ff_fs *fs, struct fuse_file_info *fi)
{
	ff_file *f = file_of(fi);

	if (f == NULL)
		return;
	ff_inode_opened(fs, f->in, -1);
	free(f);
	fi->fh = 0;
}

void ff_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	int rc;

	if ((rc = ff_fault(fs, FF_OP_OPEN, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	if (!in->is_reg) {
		fuse_reply_err(req, in->is_dir ? EISDIR : ENXIO);
		return;
	}
	if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY &&
	    (rc = -ff_set_size(fs, in, 0)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	if ((rc = attach(fs, in, fi)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	if (fuse_reply_open(req, fi) != 0)
		detach(fs, fi);
}

void ff_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *in = NULL;
	struct fuse_entry_param e;
	int fd, rc = ff_new_name_check(req, fs, dir, name);
	bool made = false;

	if (rc != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	pthread_mutex_lock(&fs->meta);
	fd = openat(dir->fd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW |
		    O_CLOEXEC, mode & 07777);
	if (fd >= 0) {
		made = true;
		close(fd);
		rc = ff_new_name_done(req, fs, dir, name, false, &in, &e);
	} else if (errno == EEXIST && !(fi->flags & O_EXCL)) {
		/* Raced with another create: an open of what is there. */
		struct stat st;

		in = ff_lookup(fs, dir, name, &st);
		rc = in == NULL ? errno : !in->is_reg ? EISDIR : 0;
		if (rc == 0) {
			memset(&e, 0, sizeof(e));
			e.ino = ff_node_id(fs, in);
			e.attr = st;
			ff_inode_stat(fs, in, &e.attr);
			e.attr_timeout = e.entry_timeout = fs->timeout;
		} else if (in != NULL) {
			ff_forget(fs, in, 1);
			in = NULL;
		}
	} else {
		rc = errno;
	}
	pthread_mutex_unlock(&fs->meta);
	if (rc == 0 && !made && (fi->flags & O_TRUNC))
		rc = -ff_set_size(fs, in, 0);
	if (rc == 0)
		rc = attach(fs, in, fi);
	if (rc != 0) {
		if (in != NULL)
			ff_forget(fs, in, 1);
		fuse_reply_err(req, rc);
		return;
	}
	if (fuse_reply_create(req, &e, fi) != 0) {
		detach(fs, fi);
		ff_forget(fs, in, 1);
	}
}

void ff_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	bool da;

	/* ext4's auto_da_alloc: a file truncated to zero and written has
	 * its data flushed with the next commit once it is closed. */
	pthread_mutex_lock(&fs->meta);
	pthread_mutex_lock(&in->lock);
	da = in->da_alloc && in->npages > 0 && !fs->strict;
	in->da_alloc = false;
	pthread_mutex_unlock(&in->lock);
	if (da)
		ff_journal_add(fs, FF_J_FLUSH, NULL, NULL, NULL, NULL, in);
	pthread_mutex_unlock(&fs->meta);
	detach(fs, fi);
	fuse_reply_err(req, 0);
}

void ff_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* close(2) makes nothing durable. */
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void ff_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	char *buf;
	size_t got;
	int rc;

	(void)fi;
	if ((rc = ff_fault(fs, FF_OP_READ, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	buf = malloc(size ? size : 1);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = ff_cache_read(fs, in, buf, size, off, &got);
	if (rc != 0) {
		fuse_reply_err(req, -rc);
	} else {
		atomic_fetch_add(&fs->stats.bytes_read, got);
		fuse_reply_buf(req, buf, got);
	}
	free(buf);
}

/* The durability event of an fsync, fdatasync or synchronous write. */
static int make_durable(ff_fs *fs, ff_inode *in, bool datasync)
{
	int rc = ff_cache_flush(fs, in, false);

	if (rc == 0)
		ff_journal_fsync(fs, in, datasync);
	return rc;
}

void ff_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		 off_t off, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	ff_file *f = file_of(fi);
	size_t done;
	int rc;

	if ((rc = ff_fault(fs, FF_OP_WRITE, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	rc = ff_cache_write(fs, in, buf, size, off, &done);
	/* O_SYNC, O_DSYNC: durable before write(2) returns (the kernel
	 * also sends an fsync after it; doing it here keeps the rule
	 * whatever the kernel does). */
	if (rc == 0 && f != NULL && (f->flags & (O_SYNC | O_DSYNC))) {
		atomic_fetch_add(&fs->stats.sync_writes, 1);
		rc = make_durable(fs, in, (f->flags & O_SYNC) != O_SYNC);
	}
	if (rc != 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	atomic_fetch_add(&fs->stats.bytes_written, done);
	fuse_reply_write(req, done);
}

void ff_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	bool lose;
	int rc;

	(void)fi;
	atomic_fetch_add(datasync ? &fs->stats.fdatasyncs : &fs->stats.fsyncs, 1);
	if ((rc = ff_fault(fs, FF_OP_FSYNC, in, NULL, NULL, &lose)) != 0) {
		if (lose)
			ff_cache_lose(fs, in);
		fuse_reply_err(req, rc);
		return;
	}
	rc = make_durable(fs, in, datasync != 0);
	fuse_reply_err(req, -rc);
}

void ff_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
		     off_t len, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	off_t size;
	int rc;

	(void)fi;
	if ((rc = ff_fault(fs, FF_OP_SETATTR, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	if (off < 0 || len <= 0 || off > INT64_MAX - len) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		/* Punching holes and zeroing ranges: not modelled. */
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	size = ff_cache_size(in);
	if (size < 0) {
		struct stat st;

		if (ff_inode_stat(fs, in, &st) != 0) {
			fuse_reply_err(req, errno);
			return;
		}
		size = st.st_size;
	}
	/* Reserving space: on a full disk, none is left to reserve. */
	if (off + len > size &&
	    ff_fault_space(fs, in, (uint64_t)(off + len - size)) <
	    (uint64_t)(off + len - size)) {
		atomic_fetch_add(&fs->stats.enospc, 1);
		fuse_reply_err(req, ENOSPC);
		return;
	}
	/* The blocks are not modelled; the size is, unless KEEP_SIZE. */
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > size)
		rc = -ff_set_size(fs, in, off + len);
	fuse_reply_err(req, rc);
}
