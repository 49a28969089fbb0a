/* SPDX-License-Identifier: MIT */
/*
 * inode.c: the inode table.  Every file or directory the kernel knows
 * through the mount is one ff_inode, keyed by the backing file's device
 * and inode number and holding an O_PATH descriptor on it (as libfuse's
 * passthrough_ll does), so that renames in the backing folder never
 * leave a stale path behind.  The FUSE node id is the inode's address.
 *
 * An inode stays in memory while the kernel references it, a journal
 * record or a call holds it, a file on it is open, or it has unsynced
 * data: forgetting a file must not forget what was written to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultfs.h"

static size_t slot(const ff_fs *fs, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h >> 7) % fs->hsize;
}

int ff_itab_init(ff_fs *fs)
{
	fs->hsize = 1024;
	fs->hash = calloc(fs->hsize, sizeof(*fs->hash));
	if (fs->hash == NULL)
		return -1;
	pthread_mutex_init(&fs->itab, NULL);
	return 0;
}

static void inode_free(ff_fs *fs, ff_inode *in)
{
	ff_cache_free(fs, in);
	if (in->fd >= 0)
		close(in->fd);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

void ff_itab_free(ff_fs *fs)
{
	for (size_t i = 0; fs->hash != NULL && i < fs->hsize; i++) {
		ff_inode *in = fs->hash[i];

		while (in != NULL) {
			ff_inode *next = in->hnext;

			inode_free(fs, in);
			in = next;
		}
	}
	free(fs->hash);
	fs->hash = NULL;
	pthread_mutex_destroy(&fs->itab);
}

ff_inode *ff_inode_of(ff_fs *fs, fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? &fs->root : (ff_inode *)(uintptr_t)ino;
}

fuse_ino_t ff_node_id(ff_fs *fs, ff_inode *in)
{
	return in == &fs->root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)in;
}

static void unhash_locked(ff_fs *fs, ff_inode *in)
{
	ff_inode **pp;

	if (!in->hashed)
		return;
	for (pp = &fs->hash[slot(fs, in->dev, in->ino)]; *pp != NULL;
	     pp = &(*pp)->hnext) {
		if (*pp == in) {
			*pp = in->hnext;
			break;
		}
	}
	in->hashed = false;
	in->hnext = NULL;
	fs->count--;
}

/* Free it when nothing needs it any more (fs->itab held).  An unhashed
 * inode is kept on no list: it is freed here or never looked up again. */
static bool maybe_free_locked(ff_fs *fs, ff_inode *in)
{
	if (in == &fs->root || in->nlookup > 0 || in->refs > 0 || in->opens > 0)
		return false;
	/* No call can reach its cache now (every path to it holds one of
	 * the counts above), so reading it unlocked is safe. */
	if (ff_cache_dirty(in))
		return false;
	unhash_locked(fs, in);
	return true;
}

static void grow_locked(ff_fs *fs)
{
	size_t nsize = fs->hsize * 2;
	ff_inode **nh = calloc(nsize, sizeof(*nh));
	size_t old = fs->hsize;
	ff_inode **oh = fs->hash;

	if (nh == NULL)
		return; /* longer chains, still correct */
	fs->hash = nh;
	fs->hsize = nsize;
	for (size_t i = 0; i < old; i++) {
		ff_inode *in = oh[i];

		while (in != NULL) {
			ff_inode *next = in->hnext;
			size_t s = slot(fs, in->dev, in->ino);

			in->hnext = nh[s];
			nh[s] = in;
			in = next;
		}
	}
	free(oh);
}

static ff_inode *get(ff_fs *fs, ff_inode *dir, const char *name,
		     struct stat *st, bool kernel)
{
	int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ff_inode *in, *fresh;

	if (fd < 0)
		return NULL;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* Made before taking the lock; freed if another call won. */
	fresh = calloc(1, sizeof(*fresh));
	if (fresh == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&fs->itab);
	for (in = fs->hash[slot(fs, st->st_dev, st->st_ino)]; in != NULL;
	     in = in->hnext)
		if (in->dev == st->st_dev && in->ino == st->st_ino)
			break;
	if (in != NULL) {
		if (kernel)
			in->nlookup++;
		else
			in->refs++;
		pthread_mutex_unlock(&fs->itab);
		close(fd);
		free(fresh);
		return in;
	}
	in = fresh;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->fd = fd;
	in->data_fd = -1;
	in->is_dir = S_ISDIR(st->st_mode);
	in->is_reg = S_ISREG(st->st_mode);
	in->nlookup = kernel ? 1 : 0;
	in->refs = kernel ? 0 : 1;
	in->hashed = true;
	atomic_init(&in->meta_tid, 0);
	atomic_init(&in->dsync_tid, 0);
	pthread_mutex_init(&in->lock, NULL);
	if (fs->count + 1 > fs->hsize * 2)
		grow_locked(fs);
	{
		size_t s = slot(fs, in->dev, in->ino);

		in->hnext = fs->hash[s];
		fs->hash[s] = in;
	}
	fs->count++;
	pthread_mutex_unlock(&fs->itab);
	return in;
}

ff_inode *ff_lookup(ff_fs *fs, ff_inode *dir, const char *name,
		    struct stat *st)
{
	return get(fs, dir, name, st, true);
}

ff_inode *ff_get(ff_fs *fs, ff_inode *dir, const char *name, struct stat *st)
{
	return get(fs, dir, name, st, false);
}

ff_inode *ff_find(ff_fs *fs, dev_t dev, ino_t ino)
{
	ff_inode *in;

	pthread_mutex_lock(&fs->itab);
	for (in = fs->hash[slot(fs, dev, ino)]; in != NULL; in = in->hnext)
		if (in->dev == dev && in->ino == ino)
			break;
	if (in != NULL)
		in->refs++;
	pthread_mutex_unlock(&fs->itab);
	return in;
}

void ff_forget(ff_fs *fs, ff_inode *in, uint64_t n)
{
	bool gone;

	if (in == &fs->root)
		return;
	pthread_mutex_lock(&fs->itab);
	in->nlookup = in->nlookup > n ? in->nlookup - n : 0;
	gone = maybe_free_locked(fs, in);
	pthread_mutex_unlock(&fs->itab);
	if (gone)
		inode_free(fs, in);
}

void ff_inode_hold(ff_fs *fs, ff_inode *in)
{
	if (in == NULL || in == &fs->root)
		return;
	pthread_mutex_lock(&fs->itab);
	in->refs++;
	pthread_mutex_unlock(&fs->itab);
}

void ff_inode_put(ff_fs *fs, ff_inode *in)
{
	bool gone;

	if (in == NULL || in == &fs->root)
		return;
	pthread_mutex_lock(&fs->itab);
	if (in->refs > 0)
		in->refs--;
	gone = maybe_free_locked(fs, in);
	pthread_mutex_unlock(&fs->itab);
	if (gone)
		inode_free(fs, in);
}

void ff_inode_opened(ff_fs *fs, ff_inode *in, int delta)
{
	bool gone = false;

	if (in == &fs->root)
		return;
	pthread_mutex_lock(&fs->itab);
	if (delta > 0)
		in->opens++;
	else if (in->opens > 0)
		in->opens--;
	if (delta < 0)
		gone = maybe_free_locked(fs, in);
	pthread_mutex_unlock(&fs->itab);
	if (gone)
		inode_free(fs, in);
}

void ff_inode_check_gone(ff_fs *fs, ff_inode *in)
{
	struct stat st;

	if (in == NULL || in == &fs->root)
		return;
	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 ||
	    st.st_nlink > 0)
		return;
	pthread_mutex_lock(&fs->itab);
	unhash_locked(fs, in);
	pthread_mutex_unlock(&fs->itab);
}

ff_inode **ff_inodes_all(ff_fs *fs, size_t *n)
{
	ff_inode **all;
	size_t k = 0;

	pthread_mutex_lock(&fs->itab);
	all = malloc((fs->count + 1) * sizeof(*all));
	for (size_t i = 0; all != NULL && i < fs->hsize; i++) {
		for (ff_inode *in = fs->hash[i]; in != NULL; in = in->hnext) {
			in->refs++;
			all[k++] = in;
		}
	}
	pthread_mutex_unlock(&fs->itab);
	*n = k;
	return all;
}

int ff_inode_path(ff_fs *fs, ff_inode *in, char *buf, size_t size)
{
	char proc[64], target[PATH_MAX];
	size_t blen = strlen(fs->backing);
	ssize_t n;

	if (in == &fs->root) {
		snprintf(buf, size, "%s", "");
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in->fd);
	n = readlink(proc, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	if ((size_t)n <= blen || strncmp(target, fs->backing, blen) != 0 ||
	    target[blen] != '/')
		return -1;
	/* In the trash, or unlinked: no name in the mount. */
	if (strncmp(target + blen + 1, FF_HIDDEN "/", sizeof(FF_HIDDEN)) == 0 ||
	    ((size_t)n > 10 && strcmp(target + n - 10, " (deleted)") == 0))
		return -1;
	snprintf(buf, size, "%s", target + blen + 1);
	return 0;
}

void ff_child_path(ff_fs *fs, ff_inode *dir, const char *name, char *buf,
		   size_t size)
{
	char d[PATH_MAX];

	if (ff_inode_path(fs, dir, d, sizeof(d)) != 0)
		snprintf(d, sizeof(d), "?");
	if (d[0] == '\0')
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s/%s", d, name);
}

int ff_inode_stat(ff_fs *fs, ff_inode *in, struct stat *st)
{
	off_t size;

	if (fstatat(in->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	size = in->is_reg ? ff_cache_size(in) : -1;
	if (size >= 0 && size != st->st_size) {
		st->st_size = size;
		st->st_blocks = (size + 511) / 512;
	}
	if (in != &fs->root) {
		unsigned t = __atomic_load_n(&in->trash_links, __ATOMIC_RELAXED);

		st->st_nlink = st->st_nlink > t ? st->st_nlink - t : 0;
	}
	return 0;
}

bool ff_is_hidden(ff_fs *fs, ff_inode *dir, const char *name)
{
	return dir == &fs->root && strcmp(name, FF_HIDDEN) == 0;
}
