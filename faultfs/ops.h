/* SPDX-License-Identifier: MIT */
/*
 * ops.h: the FUSE operations of dt-faultfs (ops_dir.c: names and
 * attributes; ops_file.c: data), gathered in main.c's ff_ops, and what
 * the two files share.
 */
#ifndef DT_FAULTFS_OPS_H
#define DT_FAULTFS_OPS_H

#include "faultfs.h"

/* ops_dir.c */
void ff_op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void ff_op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void ff_op_forget_multi(fuse_req_t req, size_t count,
			struct fuse_forget_data *forgets);
void ff_op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		   int valid, struct fuse_file_info *fi);
void ff_op_readlink(fuse_req_t req, fuse_ino_t ino);
void ff_op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode, dev_t rdev);
void ff_op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode);
void ff_op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		   const char *name);
void ff_op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
		const char *name);
void ff_op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void ff_op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void ff_op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		  fuse_ino_t newparent, const char *newname, unsigned int flags);
void ff_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
		   struct fuse_file_info *fi);
void ff_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
		    struct fuse_file_info *fi);
void ff_op_statfs(fuse_req_t req, fuse_ino_t ino);

/* ops_file.c */
void ff_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi);
void ff_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ff_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void ff_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		 off_t off, struct fuse_file_info *fi);
void ff_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		 struct fuse_file_info *fi);
void ff_op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
		     off_t len, struct fuse_file_info *fi);

/* Shared by both (ops_dir.c). */

/* A truncate (fs->meta not held): in the cache, journalled when it cuts
 * into what is durable.  0 or -errno. */
int ff_set_size(ff_fs *fs, ff_inode *in, off_t size);
/* Before making dir/name: the hidden name, faults, a full disk.  0 or an
 * errno. */
int ff_new_name_check(fuse_req_t req, ff_fs *fs, ff_inode *dir, const char *name);
/* After dir/name was made in the backing folder (fs->meta held): own it,
 * look it up for the kernel, journal it.  0 with *out and *e, or an
 * errno. */
int ff_new_name_done(fuse_req_t req, ff_fs *fs, ff_inode *dir,
		     const char *name, bool is_dir, ff_inode **out,
		     struct fuse_entry_param *e);

#endif
