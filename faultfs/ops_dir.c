/* SPDX-License-Identifier: MIT */
/*
 * ops_dir.c: the FUSE operations on names and attributes: lookup,
 * forget, getattr, setattr, readlink, mknod, mkdir, symlink, link,
 * unlink, rmdir, rename, opendir, readdir, releasedir, fsyncdir, statfs.
 *
 * Every change of a name takes fs->meta, is made in the backing folder
 * and journalled (journal.c) in the same critical section, so the
 * journal's order is the backing folder's order.  Removals are renames
 * into the trash, so that a power loss can bring the name back with the
 * data that was durable; a rename over a file first hard-links the file
 * it replaces into the trash, so the target name never disappears for
 * a concurrent reader.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "faultfs.h"
#include "ops.h"

static void fill_entry(ff_fs *fs, struct fuse_entry_param *e, ff_inode *in,
		       const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->ino = ff_node_id(fs, in);
	e->attr = *st;
	ff_inode_stat(fs, in, &e->attr);
	e->attr_timeout = fs->timeout;
	e->entry_timeout = fs->timeout;
}

void ff_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *in;
	struct fuse_entry_param e;
	struct stat st;
	int f;

	if (ff_is_hidden(fs, dir, name)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if ((f = ff_fault(fs, FF_OP_STAT, NULL, dir, name, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	in = ff_lookup(fs, dir, name, &st);
	if (in == NULL) {
		fuse_reply_err(req, errno);
		return;
	}
	fill_entry(fs, &e, in, &st);
	if (fuse_reply_entry(req, &e) != 0)
		ff_forget(fs, in, 1);
}

void ff_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	ff_fs *fs = ff_req_fs(req);

	ff_forget(fs, ff_inode_of(fs, ino), nlookup);
	fuse_reply_none(req);
}

void ff_op_forget_multi(fuse_req_t req, size_t count,
			struct fuse_forget_data *forgets)
{
	ff_fs *fs = ff_req_fs(req);

	for (size_t i = 0; i < count; i++)
		ff_forget(fs, ff_inode_of(fs, forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

void ff_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	struct stat st;
	int f;

	(void)fi;
	if ((f = ff_fault(fs, FF_OP_STAT, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	if (ff_inode_stat(fs, in, &st) != 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, fs->timeout);
}

/* A truncate: in the cache, and journalled when it cuts into what is
 * durable (a commit makes the cut durable, as ext4 journals it). */
int ff_set_size(ff_fs *fs, ff_inode *in, off_t size)
{
	int rc;
	bool shrinks;

	if (in->is_dir)
		return -EISDIR;
	if (!in->is_reg)
		return -EINVAL;
	pthread_mutex_lock(&fs->meta);
	rc = ff_cache_truncate(fs, in, size);
	pthread_mutex_lock(&in->lock);
	shrinks = in->cached && in->base < in->dsize;
	pthread_mutex_unlock(&in->lock);
	/* ext4 journals the cut; strict keeps it for the file's fsync. */
	if (rc == 0 && shrinks && !fs->strict &&
	    ff_journal_add(fs, FF_J_TRUNC, NULL, NULL, NULL, NULL, in) == NULL)
		rc = -ENOMEM;
	pthread_mutex_unlock(&fs->meta);
	return rc;
}

void ff_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		   int valid, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	char proc[64];
	int rc = 0, f;

	(void)fi;
	if ((f = ff_fault(fs, FF_OP_SETATTR, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in->fd);
	if ((valid & FUSE_SET_ATTR_MODE) && chmod(proc, attr->st_mode) != 0)
		rc = -errno;
	if (rc == 0 && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(in->fd, "", (valid & FUSE_SET_ATTR_UID) ? attr->st_uid :
		     (uid_t)-1, (valid & FUSE_SET_ATTR_GID) ? attr->st_gid :
		     (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
		rc = -errno;
	if (rc == 0 && (valid & FUSE_SET_ATTR_SIZE))
		rc = ff_set_size(fs, in, attr->st_size);
	if (rc == 0 && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec tv[2] = {
			{ 0, UTIME_OMIT }, { 0, UTIME_OMIT },
		};

		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		/* A symlink's times can not be set through /proc. */
		if (!S_ISLNK(attr->st_mode) && utimensat(AT_FDCWD, proc, tv, 0) != 0 &&
		    errno != ELOOP)
			rc = -errno;
	}
	if (rc != 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	ff_tid_touch(fs, in, false);
	ff_op_getattr(req, ino, NULL);
}

void ff_op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	ff_fs *fs = ff_req_fs(req);
	char buf[PATH_MAX + 1];
	ssize_t n = readlinkat(ff_inode_of(fs, ino)->fd, "", buf, sizeof(buf));

	if (n < 0)
		fuse_reply_err(req, errno);
	else if (n == (ssize_t)sizeof(buf))
		fuse_reply_err(req, ENAMETOOLONG);
	else {
		buf[n] = '\0';
		fuse_reply_readlink(req, buf);
	}
}

/* The caller's owner for a new name (the daemon runs as root). */
static void own(fuse_req_t req, int dirfd, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	if (geteuid() == 0 && (ctx->uid != 0 || ctx->gid != 0) &&
	    fchownat(dirfd, name, ctx->uid, ctx->gid, AT_SYMLINK_NOFOLLOW) != 0)
		ff_log("chown of a new entry to %u:%u failed: %s",
		       (unsigned)ctx->uid, (unsigned)ctx->gid, strerror(errno));
}

int ff_new_name_check(fuse_req_t req, ff_fs *fs, ff_inode *dir, const char *name)
{
	int f;

	(void)req;
	if (ff_is_hidden(fs, dir, name))
		return EACCES;
	if ((f = ff_fault(fs, FF_OP_CREATE, NULL, dir, name, NULL)) != 0)
		return f;
	if (ff_fault_full_create(fs, dir, name))
		return ENOSPC;
	return 0;
}

/* After a name was made in the backing folder (fs->meta held): look it
 * up for the kernel, journal it.  0 and *e, or an errno. */
int ff_new_name_done(fuse_req_t req, ff_fs *fs, ff_inode *dir,
		     const char *name, bool is_dir, ff_inode **out,
		     struct fuse_entry_param *e)
{
	struct stat st;
	ff_inode *in;
	ff_jrec *r;

	own(req, dir->fd, name);
	in = ff_lookup(fs, dir, name, &st);
	if (in == NULL)
		return errno;
	r = ff_journal_add(fs, FF_J_CREATE, dir, name, NULL, NULL, in);
	if (r == NULL) {
		ff_forget(fs, in, 1);
		return ENOMEM;
	}
	r->is_dir = is_dir;
	ff_tid_touch(fs, dir, true);
	ff_tid_touch(fs, in, true);
	fill_entry(fs, e, in, &st);
	if (out != NULL)
		*out = in;
	return 0;
}

static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev, const char *link)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *in = NULL;
	struct fuse_entry_param e;
	int rc = ff_new_name_check(req, fs, dir, name);

	if (rc != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	pthread_mutex_lock(&fs->meta);
	if (link != NULL)
		rc = symlinkat(link, dir->fd, name);
	else if (S_ISDIR(mode))
		rc = mkdirat(dir->fd, name, mode & 07777);
	else
		rc = mknodat(dir->fd, name, mode, rdev);
	rc = rc == 0 ? ff_new_name_done(req, fs, dir, name, S_ISDIR(mode), &in, &e) :
	     errno;
	pthread_mutex_unlock(&fs->meta);
	if (rc != 0)
		fuse_reply_err(req, rc);
	else if (fuse_reply_entry(req, &e) != 0)
		ff_forget(fs, in, 1);
}

void ff_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode, dev_t rdev)
{
	make_node(req, parent, name, mode, rdev, NULL);
}

void ff_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode)
{
	make_node(req, parent, name, S_IFDIR | mode, 0, NULL);
}

void ff_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		   const char *name)
{
	make_node(req, parent, name, S_IFLNK, 0, link);
}

void ff_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
		const char *name)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *in = ff_inode_of(fs, ino);
	ff_inode *same = NULL;
	struct fuse_entry_param e;
	char proc[64];
	int rc = ff_new_name_check(req, fs, dir, name);

	if (rc != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in->fd);
	pthread_mutex_lock(&fs->meta);
	rc = linkat(AT_FDCWD, proc, dir->fd, name, AT_SYMLINK_FOLLOW) == 0 ?
	     ff_new_name_done(req, fs, dir, name, false, &same, &e) : errno;
	pthread_mutex_unlock(&fs->meta);
	if (rc != 0)
		fuse_reply_err(req, rc);
	else if (fuse_reply_entry(req, &e) != 0)
		ff_forget(fs, same, 1);
}

/* Whether dirfd/name is an empty directory: 0, or an errno. */
static int empty_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (fd < 0)
		return errno;
	d = fdopendir(fd);
	if (d == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = ENOTEMPTY;
	closedir(d);
	return rc;
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name,
			bool rmdir)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *in;
	struct stat st;
	ff_jrec *r;
	char trash[32];
	int rc;

	if (ff_is_hidden(fs, dir, name)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if ((rc = ff_fault(fs, FF_OP_REMOVE, NULL, dir, name, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	pthread_mutex_lock(&fs->meta);
	in = ff_get(fs, dir, name, &st);
	if (in == NULL) {
		rc = errno;
		goto out;
	}
	if (rmdir && !S_ISDIR(st.st_mode))
		rc = ENOTDIR;
	else if (!rmdir && S_ISDIR(st.st_mode))
		rc = EISDIR;
	else if (rmdir)
		rc = empty_dir(dir->fd, name);
	if (rc == 0)
		rc = -ff_trash_move(fs, dir, name, trash, sizeof(trash));
	if (rc == 0) {
		r = ff_journal_add(fs, FF_J_REMOVE, dir, name, NULL, NULL, in);
		if (r == NULL) {
			/* Not journalled: durable at once, as it can not be
			 * undone. */
			unlinkat(fs->trash_fd, trash, rmdir ? AT_REMOVEDIR : 0);
			ff_inode_check_gone(fs, in);
		} else {
			snprintf(r->trash, sizeof(r->trash), "%s", trash);
			r->trash_dir = rmdir;
			__atomic_add_fetch(&in->trash_links, 1, __ATOMIC_RELAXED);
		}
		ff_tid_touch(fs, dir, true);
		ff_tid_touch(fs, in, false);
	}
	ff_inode_put(fs, in);
out:
	pthread_mutex_unlock(&fs->meta);
	fuse_reply_err(req, rc);
}

void ff_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, false);
}

void ff_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, true);
}

/* A rename over an existing name (fs->meta held): keep what it replaces
 * in the trash, rename, journal.  0 or an errno. */
static int rename_over(ff_fs *fs, ff_inode *dir, const char *name,
		       ff_inode *ndir, const char *nname, ff_inode *moved,
		       const struct stat *sst, const struct stat *dst)
{
	char trash[32];
	ff_inode *victim;
	struct stat vst;
	ff_jrec *r;
	bool vdir = S_ISDIR(dst->st_mode);
	int rc;

	if (S_ISDIR(sst->st_mode) && !vdir)
		return ENOTDIR;
	if (!S_ISDIR(sst->st_mode) && vdir)
		return EISDIR;
	if (vdir && (rc = empty_dir(ndir->fd, nname)) != 0)
		return rc;
	victim = ff_get(fs, ndir, nname, &vst);
	if (victim == NULL)
		return errno;
	/* A file: hard-linked first, so the target name stays in place
	 * for concurrent readers; an (empty) directory can not be. */
	rc = vdir ? ff_trash_move(fs, ndir, nname, trash, sizeof(trash)) :
	     ff_trash_link(fs, ndir, nname, trash, sizeof(trash));
	if (rc != 0) {
		ff_inode_put(fs, victim);
		return -rc;
	}
	if (renameat(dir->fd, name, ndir->fd, nname) != 0) {
		rc = errno;
		if (vdir)
			renameat(fs->trash_fd, trash, ndir->fd, nname);
		else
			unlinkat(fs->trash_fd, trash, 0);
		ff_inode_put(fs, victim);
		return rc;
	}
	r = ff_journal_add(fs, FF_J_RENAME, dir, name, ndir, nname, moved);
	if (r == NULL) {
		unlinkat(fs->trash_fd, trash, vdir ? AT_REMOVEDIR : 0);
		ff_inode_check_gone(fs, victim);
		ff_inode_put(fs, victim);
		return 0;
	}
	snprintf(r->trash, sizeof(r->trash), "%s", trash);
	r->trash_dir = vdir;
	r->victim = victim; /* the record takes our reference */
	__atomic_add_fetch(&victim->trash_links, 1, __ATOMIC_RELAXED);
	ff_tid_touch(fs, victim, false);
	/* ext4's auto_da_alloc: a file renamed over another has its data
	 * written with the commit that makes the rename durable. */
	if (moved->is_reg && !fs->strict)
		ff_journal_add(fs, FF_J_FLUSH, dir, name, NULL, NULL, moved);
	return 0;
}

void ff_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		  fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *dir = ff_inode_of(fs, parent), *ndir = ff_inode_of(fs, newparent);
	ff_inode *moved;
	struct stat sst, dst;
	ff_jrec *r;
	bool exists;
	int rc;

	if (ff_is_hidden(fs, dir, name) || ff_is_hidden(fs, ndir, newname)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((rc = ff_fault(fs, FF_OP_RENAME, NULL, dir, name, NULL)) != 0) {
		fuse_reply_err(req, rc);
		return;
	}
	pthread_mutex_lock(&fs->meta);
	moved = ff_get(fs, dir, name, &sst);
	if (moved == NULL) {
		rc = errno;
		goto out;
	}
	exists = fstatat(ndir->fd, newname, &dst, AT_SYMLINK_NOFOLLOW) == 0;
	if (flags & RENAME_EXCHANGE) {
		if (renameat2(dir->fd, name, ndir->fd, newname, RENAME_EXCHANGE) != 0) {
			rc = errno;
			goto put;
		}
		r = ff_journal_add(fs, FF_J_RENAME, dir, name, ndir, newname, moved);
		if (r != NULL)
			r->flags = RENAME_EXCHANGE;
	} else if (exists && (flags & RENAME_NOREPLACE)) {
		rc = EEXIST;
		goto put;
	} else if (exists && dst.st_dev == sst.st_dev && dst.st_ino == sst.st_ino) {
		/* Two links of one file: rename(2) does nothing. */
		goto put;
	} else if (exists) {
		rc = rename_over(fs, dir, name, ndir, newname, moved, &sst, &dst);
		if (rc != 0)
			goto put;
	} else {
		if (renameat(dir->fd, name, ndir->fd, newname) != 0) {
			rc = errno;
			goto put;
		}
		ff_journal_add(fs, FF_J_RENAME, dir, name, ndir, newname, moved);
	}
	ff_tid_touch(fs, dir, true);
	ff_tid_touch(fs, ndir, true);
	ff_tid_touch(fs, moved, false);
put:
	ff_inode_put(fs, moved);
out:
	pthread_mutex_unlock(&fs->meta);
	fuse_reply_err(req, rc);
}

typedef struct ff_dir {
	DIR *dp;
	struct dirent *entry;
	off_t offset;
} ff_dir;

void ff_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	ff_dir *d;
	int fd, f;

	if ((f = ff_fault(fs, FF_OP_OPEN, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = openat(in->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d->dp = fdopendir(fd)) == NULL) {
		f = errno;
		if (fd >= 0)
			close(fd);
		free(d);
		fuse_reply_err(req, f);
		return;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) != 0) {
		closedir(d->dp);
		free(d);
	}
}

void ff_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		   struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	ff_dir *d = (ff_dir *)(uintptr_t)fi->fh;
	char *buf, *p;
	size_t rem = size;
	int f;

	if ((f = ff_fault(fs, FF_OP_READDIR, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	buf = calloc(1, size ? size : 1);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p = buf;
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		struct stat st;
		size_t n;

		if (d->entry == NULL) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (d->entry == NULL) {
				if (errno != 0 && rem == size) {
					free(buf);
					fuse_reply_err(req, errno);
					return;
				}
				break;
			}
		}
		if (ff_is_hidden(fs, in, d->entry->d_name)) {
			d->offset = d->entry->d_off;
			d->entry = NULL;
			continue;
		}
		memset(&st, 0, sizeof(st));
		st.st_ino = d->entry->d_ino;
		st.st_mode = (mode_t)d->entry->d_type << 12;
		n = fuse_add_direntry(req, p, rem, d->entry->d_name, &st,
				      d->entry->d_off);
		if (n > rem)
			break;
		p += n;
		rem -= n;
		d->offset = d->entry->d_off;
		d->entry = NULL;
	}
	fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

void ff_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ff_dir *d = (ff_dir *)(uintptr_t)fi->fh;

	(void)ino;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

void ff_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		    struct fuse_file_info *fi)
{
	ff_fs *fs = ff_req_fs(req);
	ff_inode *in = ff_inode_of(fs, ino);
	int f;

	(void)fi;
	if ((f = ff_fault(fs, FF_OP_FSYNC, in, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	atomic_fetch_add(&fs->stats.dir_fsyncs, 1);
	ff_journal_fsync(fs, in, datasync != 0);
	fuse_reply_err(req, 0);
}

void ff_op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	ff_fs *fs = ff_req_fs(req);
	struct statvfs sv;
	int f;

	(void)ino;
	if ((f = ff_fault(fs, FF_OP_STAT, &fs->root, NULL, NULL, NULL)) != 0) {
		fuse_reply_err(req, f);
		return;
	}
	if (fstatvfs(fs->root_fd, &sv) != 0) {
		fuse_reply_err(req, errno);
		return;
	}
	ff_fault_statfs(fs, &sv);
	fuse_reply_statfs(req, &sv);
}
