/* SPDX-License-Identifier: MIT */
/*
 * journal.c: directory entries that are not durable yet.
 *
 * Every change of a name is made in the backing folder at once (so that
 * lookups, readdir and open see it as they must), and a record of how
 * to undo it is appended here: a created name is removed again, a
 * removed one was moved to the trash (BACKING/.dt-faultfs/trash) and is
 * moved back, a rename is reversed and what it replaced comes back from
 * the trash.  A commit makes a prefix of the records durable: the trash
 * entries they kept are deleted.  A power loss undoes every record left,
 * newest first, so the folder is again as it was at the last commit.
 *
 * When a commit happens is the model (README.md):
 *   ext4 (default): as ext4's one journal with data=ordered: an fsync or
 *     fdatasync of any file or directory that changed in the running
 *     transaction commits every record (fdatasync: only when its size
 *     changed); the periodic commit (--commit, ext4's commit=5) too.
 *   strict: only an fsync of a directory commits, and it commits every
 *     record up to the last one that touched that directory (POSIX's
 *     letter: a name is durable once its directory is fsync'd).
 * Commits are always of a prefix, so an undo never meets a record whose
 * predecessor was kept.  Two further records follow ext4's
 * auto_da_alloc and its journalled truncate: FF_J_FLUSH writes a file's
 * data at the commit (a file renamed over another, or truncated to zero
 * and closed), FF_J_TRUNC makes a shrink durable at the commit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

/* rm -rf of dirfd/name (no symlink followed). */
static int remove_tree(int at, const char *name)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if (unlinkat(at, name, AT_REMOVEDIR) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_tree(dirfd(d), de->d_name) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return unlinkat(at, name, AT_REMOVEDIR);
}

int ff_journal_init(ff_fs *fs, char *err, size_t errlen)
{
	int hfd;
	struct stat st;

	pthread_mutex_init(&fs->meta, NULL);
	atomic_init(&fs->tid, 1);
	fs->last_commit = ff_now_ns();
	if (mkdirat(fs->root_fd, FF_HIDDEN, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s/%s: %s", fs->backing, FF_HIDDEN,
			 strerror(errno));
		return -1;
	}
	hfd = openat(fs->root_fd, FF_HIDDEN, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (hfd < 0 || fstat(hfd, &st) != 0) {
		snprintf(err, errlen, "%s/%s: %s", fs->backing, FF_HIDDEN,
			 strerror(errno));
		if (hfd >= 0)
			close(hfd);
		return -1;
	}
	fs->hidden_ino = st.st_ino;
	/* A trash left by a dt-faultfs that was killed: what it held was
	 * removed for good then (its undo records died with it). */
	if (remove_tree(hfd, "trash") != 0 ||
	    mkdirat(hfd, "trash", 0700) != 0 ||
	    (fs->trash_fd = openat(hfd, "trash", O_PATH | O_DIRECTORY |
				   O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s/%s/trash: %s", fs->backing, FF_HIDDEN,
			 strerror(errno));
		close(hfd);
		return -1;
	}
	close(hfd);
	return 0;
}

static void rec_free(ff_fs *fs, ff_jrec *r)
{
	ff_inode_put(fs, r->dir);
	ff_inode_put(fs, r->dir2);
	ff_inode_put(fs, r->node);
	ff_inode_put(fs, r->victim);
	free(r->name);
	free(r->name2);
	free(r->path);
	free(r->path2);
	free(r);
}

void ff_journal_free(ff_fs *fs)
{
	bool empty = fs->njrecs == 0;

	for (size_t i = 0; i < fs->njrecs; i++)
		rec_free(fs, fs->jrecs[i]);
	free(fs->jrecs);
	fs->jrecs = NULL;
	fs->njrecs = fs->jcap = 0;
	if (fs->trash_fd >= 0) {
		close(fs->trash_fd);
		/* A clean end leaves the backing folder as the mount showed
		 * it: the (empty) trash and the hidden folder go. */
		if (empty && fs->root_fd >= 0 &&
		    unlinkat(fs->root_fd, FF_HIDDEN "/trash", AT_REMOVEDIR) == 0)
			unlinkat(fs->root_fd, FF_HIDDEN, AT_REMOVEDIR);
	}
	fs->trash_fd = -1;
	pthread_mutex_destroy(&fs->meta);
}

void ff_tid_touch(ff_fs *fs, ff_inode *in, bool size_changed)
{
	uint64_t t = atomic_load(&fs->tid);

	if (in == NULL)
		return;
	atomic_store(&in->meta_tid, t);
	if (size_changed)
		atomic_store(&in->dsync_tid, t);
}

ff_jrec *ff_journal_add(ff_fs *fs, ff_jkind kind, ff_inode *dir,
			 const char *name, ff_inode *dir2, const char *name2,
			 ff_inode *node)
{
	ff_jrec *r;
	char path[PATH_MAX];

	if (fs->njrecs >= FF_JOURNAL_MAX)
		ff_journal_commit_locked(fs, fs->njrecs, true);
	if (fs->njrecs == fs->jcap) {
		size_t cap = fs->jcap ? fs->jcap * 2 : 64;
		ff_jrec **grown = realloc(fs->jrecs, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		fs->jrecs = grown;
		fs->jcap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->kind = kind;
	if (name != NULL) {
		ff_child_path(fs, dir, name, path, sizeof(path));
		r->name = strdup(name);
		r->path = strdup(path);
	}
	if (name2 != NULL) {
		ff_child_path(fs, dir2, name2, path, sizeof(path));
		r->name2 = strdup(name2);
		r->path2 = strdup(path);
	}
	if ((name != NULL && (r->name == NULL || r->path == NULL)) ||
	    (name2 != NULL && (r->name2 == NULL || r->path2 == NULL))) {
		rec_free(fs, r);
		return NULL;
	}
	r->dir = dir;
	r->dir2 = dir2;
	r->node = node;
	ff_inode_hold(fs, dir);
	ff_inode_hold(fs, dir2);
	ff_inode_hold(fs, node);
	fs->jrecs[fs->njrecs++] = r;
	return r;
}

static int trash_name(ff_fs *fs, char *trash, size_t size)
{
	return snprintf(trash, size, "t%llu",
			(unsigned long long)++fs->trash_seq) < (int)size ? 0 : -1;
}

int ff_trash_move(ff_fs *fs, ff_inode *dir, const char *name, char *trash,
		  size_t size)
{
	if (trash_name(fs, trash, size) != 0)
		return -ENAMETOOLONG;
	return renameat(dir->fd, name, fs->trash_fd, trash) == 0 ? 0 : -errno;
}

int ff_trash_link(ff_fs *fs, ff_inode *dir, const char *name, char *trash,
		  size_t size)
{
	if (trash_name(fs, trash, size) != 0)
		return -ENAMETOOLONG;
	return linkat(dir->fd, name, fs->trash_fd, trash, 0) == 0 ? 0 : -errno;
}

/* Delete a record's trash entry for good: a removal became durable. */
static void trash_drop(ff_fs *fs, ff_jrec *r, ff_inode *gone)
{
	if (r->trash[0] == '\0')
		return;
	if (remove_tree(fs->trash_fd, r->trash) != 0)
		ff_log("commit: could not delete trash entry %s (%s): %s",
		       r->trash, r->path, strerror(errno));
	if (gone != NULL) {
		__atomic_sub_fetch(&gone->trash_links, 1, __ATOMIC_RELAXED);
		ff_inode_check_gone(fs, gone);
	}
}

void ff_journal_commit_locked(ff_fs *fs, size_t upto, bool forced)
{
	if (upto > fs->njrecs)
		upto = fs->njrecs;
	for (size_t i = 0; i < upto; i++) {
		ff_jrec *r = fs->jrecs[i];

		switch (r->kind) {
		case FF_J_REMOVE:
			trash_drop(fs, r, r->node);
			break;
		case FF_J_RENAME:
			trash_drop(fs, r, r->victim);
			break;
		case FF_J_FLUSH:
			if (r->node != NULL && ff_cache_flush(fs, r->node, true) != 0)
				ff_log("commit: writing %s back failed", r->path);
			break;
		case FF_J_TRUNC:
			if (r->node != NULL)
				ff_cache_commit_shrink(fs, r->node);
			break;
		case FF_J_CREATE:
			break;
		}
		rec_free(fs, r);
	}
	memmove(fs->jrecs, fs->jrecs + upto,
		(fs->njrecs - upto) * sizeof(*fs->jrecs));
	fs->njrecs -= upto;
	/* The running transaction ends once nothing of it is left. */
	if (fs->njrecs == 0)
		atomic_fetch_add(&fs->tid, 1);
	fs->last_commit = ff_now_ns();
	atomic_fetch_add(&fs->stats.commits, 1);
	if (forced)
		atomic_fetch_add(&fs->stats.forced_commits, 1);
}

void ff_journal_commit_all(ff_fs *fs, bool forced)
{
	pthread_mutex_lock(&fs->meta);
	ff_journal_commit_locked(fs, fs->njrecs, forced);
	pthread_mutex_unlock(&fs->meta);
}

void ff_journal_fsync(ff_fs *fs, ff_inode *in, bool datasync)
{
	pthread_mutex_lock(&fs->meta);
	if (fs->strict) {
		size_t upto = 0;

		if (in->is_dir) {
			for (size_t i = 0; i < fs->njrecs; i++)
				if (fs->jrecs[i]->dir == in || fs->jrecs[i]->dir2 == in)
					upto = i + 1;
		}
		if (upto > 0)
			ff_journal_commit_locked(fs, upto, false);
	} else {
		uint64_t t = datasync ? atomic_load(&in->dsync_tid) :
			     atomic_load(&in->meta_tid);

		/* ext4 commits the running transaction when the inode
		 * changed in it (jbd2_complete_transaction on its tid). */
		if (t == atomic_load(&fs->tid))
			ff_journal_commit_locked(fs, fs->njrecs, false);
	}
	pthread_mutex_unlock(&fs->meta);
}

/* Remember that the kernel's entry dir/name is stale. */
static void inval_add(ff_fs *fs, json_t *inval, ff_inode *dir, const char *name)
{
	if (inval == NULL || dir == NULL || name == NULL)
		return;
	ff_inode_hold(fs, dir);
	json_array_append_new(inval, json_pack("[I, s]",
		(json_int_t)(uintptr_t)dir, name));
}

void ff_journal_undo_locked(ff_fs *fs, json_t *report, json_t *inval)
{
	for (size_t i = fs->njrecs; i-- > 0;) {
		ff_jrec *r = fs->jrecs[i];
		const char *what = NULL;
		int rc = 0;

		switch (r->kind) {
		case FF_J_CREATE:
			what = r->is_dir ? "mkdir" : "create";
			if (unlinkat(r->dir->fd, r->name, r->is_dir ? AT_REMOVEDIR : 0) != 0 &&
			    errno != ENOENT)
				rc = remove_tree(r->dir->fd, r->name);
			ff_inode_check_gone(fs, r->node);
			inval_add(fs, inval, r->dir, r->name);
			break;
		case FF_J_REMOVE:
			what = r->trash_dir ? "rmdir" : "unlink";
			rc = renameat(fs->trash_fd, r->trash, r->dir->fd, r->name);
			if (rc == 0 && r->node != NULL)
				__atomic_sub_fetch(&r->node->trash_links, 1,
						   __ATOMIC_RELAXED);
			inval_add(fs, inval, r->dir, r->name);
			break;
		case FF_J_RENAME:
			what = "rename";
			if (r->flags & RENAME_EXCHANGE) {
				rc = renameat2(r->dir2->fd, r->name2, r->dir->fd,
					       r->name, RENAME_EXCHANGE);
			} else {
				rc = renameat(r->dir2->fd, r->name2, r->dir->fd,
					      r->name);
				if (rc == 0 && r->trash[0] != '\0') {
					rc = renameat(fs->trash_fd, r->trash,
						      r->dir2->fd, r->name2);
					if (rc == 0 && r->victim != NULL)
						__atomic_sub_fetch(&r->victim->trash_links,
								   1, __ATOMIC_RELAXED);
				}
			}
			inval_add(fs, inval, r->dir, r->name);
			inval_add(fs, inval, r->dir2, r->name2);
			break;
		case FF_J_FLUSH:
		case FF_J_TRUNC:
			break;
		}
		if (what != NULL) {
			json_t *o = json_pack("{s:s, s:s}", "op", what, "path", r->path);

			if (r->path2 != NULL)
				json_object_set_new(o, "to", json_string(r->path2));
			if (r->trash[0] != '\0' && r->kind == FF_J_RENAME)
				json_object_set_new(o, "replaced", json_true());
			if (rc != 0) {
				json_object_set_new(o, "error", json_string(strerror(errno)));
				ff_log("power loss: undoing %s of %s failed: %s", what,
				       r->path, strerror(errno));
			}
			json_array_append_new(report, o);
			atomic_fetch_add(&fs->stats.undone, 1);
		}
		rec_free(fs, r);
	}
	fs->njrecs = 0;
	atomic_fetch_add(&fs->tid, 1);
}
