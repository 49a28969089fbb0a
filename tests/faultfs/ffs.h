/* SPDX-License-Identifier: MIT */
/*
 * ffs.h: helpers of the dt-faultfs tests: start the real daemon of the
 * build tree on a fresh backing folder and a real FUSE mount, talk to
 * its control socket through the client API (faultfs/client.c), stop it
 * and check that nothing is left (mount, process, socket), and small
 * file helpers that assert what they do.
 */
#ifndef DT_TEST_FFS_H
#define DT_TEST_FFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct ffs_mnt {
	char dir[64];        /* /tmp/dt-ffs-XXXXXX: everything of the test */
	char backing[96];    /* DIR/backing */
	char mnt[96];        /* DIR/mnt */
	char sock[96];       /* DIR/ctl.sock */
	char log[96];        /* DIR/faultfs.log */
	pid_t pid;           /* the daemon, 0 when not running */
} ffs_mnt;

/* Skip (criterion) without root or /dev/fuse, or when dt-faultfs was not
 * built. */
void ffs_require(void);

/* Make the folders and mount, with extra command-line arguments (NULL
 * terminated, or NULL).  Asserts it answers. */
void ffs_start(ffs_mnt *f, const char *const *args);
/* Mount again on the same backing folder (after ffs_stop). */
void ffs_mount(ffs_mnt *f, const char *const *args);
/* Unmount through the control socket, wait for the daemon to exit 0,
 * assert nothing is left (mount, process, socket). */
void ffs_stop(ffs_mnt *f);
/* Stop when running (a test's fini), remove the folder. */
void ffs_done(ffs_mnt *f);

/* A request given as JSON text; asserts it succeeds; the reply (the
 * caller decrefs). */
json_t *ffs_call(ffs_mnt *f, const char *request);
/* The same, for a request that must fail: its error (static buffer). */
const char *ffs_fail(ffs_mnt *f, const char *request);

/* Send one raw line (no newline in it) on a connection of its own; the
 * reply line without its newline (static buffer). */
const char *ffs_raw(ffs_mnt *f, const char *line);

/* MNT/name, BACKING/name (rotating static buffers). */
const char *ffs_at(ffs_mnt *f, const char *name);
const char *ffs_disk(ffs_mnt *f, const char *name);

/* Write len bytes to path (created 0644, O_TRUNC unless append), and
 * fsync it when asked; asserts. */
void ffs_put(const char *path, const void *data, size_t len, bool append,
	     bool sync);
/* fsync a file or directory; asserts. */
void ffs_sync(const char *path, bool datasync);
/* The whole file (malloc'd, NUL-terminated past *len), or NULL with
 * errno when it can not be read. */
char *ffs_get(const char *path, size_t *len);
/* Whether path exists. */
bool ffs_exists(const char *path);

#endif
