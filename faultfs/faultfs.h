/* SPDX-License-Identifier: MIT */
/*
 * faultfs.h: internals of dt-faultfs, DT's fault filesystem: a FUSE
 * passthrough over a backing folder that keeps what was written but not
 * made durable in memory, so that a power loss can drop exactly that.
 *
 *   main.c     command line, mount, the FUSE loop, the timer thread
 *   inode.c    the inode table (backing dev/ino -> ff_inode), paths
 *   cache.c    the unsynced data of a file: pages over the backing file
 *   journal.c  directory entries not yet durable: an undo journal, a
 *              trash folder, commit and power loss
 *   ops_dir.c  FUSE operations on names (lookup, create, rename, ...)
 *   ops_file.c FUSE operations on data (open, read, write, fsync, ...)
 *   fault.c    the run-time fault rules (error, delay, full)
 *   corrupt.c  corruption of files at rest (bit flips, zeroes, cuts)
 *   ctl.c      the control socket: requests in, JSON replies out
 *   proto.c    parsing of the control requests (no FUSE: fuzzed alone)
 *   (and libdt's core/lib/units.c and rng.c, compiled in: durations,
 *   sizes, xoshiro256**)
 *
 * The durable state is the backing folder: every file's content there
 * is what survives a power loss, and so is every name, once the
 * journal's records for it are committed.  What is not durable yet is
 * in memory: pages written since the file's last fsync (cache.c), and
 * for directory entries, records of how to undo what was done to the
 * backing folder (journal.c).  README.md states the model.
 *
 * Locks, in the order they nest: fs->meta (the journal, every change of
 * a name), then one inode's lock (its cache), then fs->itab (the table).
 * fs->rules (fault rules) and the stats (atomics) nest inside anything.
 * No lock is held while a FUSE notification is sent (the kernel may
 * call back into us to write dirty pages while it invalidates).
 *
 * Ownership: the ff_fs owns the table, every inode in it, the journal
 * and the rules.  An inode is freed when the kernel has forgotten it, no
 * journal record holds it and it has no unsynced data.
 */
#ifndef DT_FAULTFS_H
#define DT_FAULTFS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <dt/types.h>

#include "proto.h"

#define FF_PAGE 4096
/* The hidden folder at the root of the backing folder (never shown in
 * the mount): trash/ holds what was removed but not committed. */
#define FF_HIDDEN ".dt-faultfs"
/* A journal this long is committed whatever the mode (a real journal
 * has a size too). */
#define FF_JOURNAL_MAX 65536

/* ---- inode.c ----------------------------------------------------------- */

typedef struct ff_page {
	uint64_t index;       /* offset / FF_PAGE */
	bool lost;            /* an fsync of it failed (rule with lose):
				 visible, never written, dropped at power
				 loss, as Linux does after a writeback error */
	uint8_t data[FF_PAGE];
} ff_page;

typedef struct ff_inode {
	struct ff_inode *hnext;   /* hash chain (fs->itab) */
	dev_t dev;
	ino_t ino;
	int fd;                   /* O_PATH on the backing file */
	bool is_dir, is_reg;
	bool hashed;              /* in the table (false once its last
				     backing link is gone) */
	uint64_t nlookup;         /* the kernel's references (fs->itab) */
	uint64_t refs;            /* journal records and calls in flight
				     holding it (fs->itab) */
	unsigned opens;           /* open files (fs->itab) */
	unsigned trash_links;     /* its names in the trash (fs->meta):
				     not counted in st_nlink */

	pthread_mutex_t lock;     /* everything below */
	int data_fd;              /* O_RDWR on the backing file, or -1 */
	bool cached;              /* size, dsize, base are known */
	off_t size;               /* as readers see it */
	off_t dsize;              /* of the backing file (durable) */
	off_t base;               /* backing bytes past base read as zeros
				     (a truncate not yet durable) */
	ff_page **pages;          /* unsynced pages, sorted by index */
	size_t npages, cap;
	uint64_t wbytes;          /* bytes written since the last flush */
	int64_t dirty_since;      /* monotonic ns of the oldest unsynced
				     change, 0 when none */
	bool da_alloc;            /* truncated to 0 since its last flush:
				     flushed with the next commit after a
				     close (ext4's auto_da_alloc) */
	_Atomic uint64_t meta_tid;  /* transaction of its last change */
	_Atomic uint64_t dsync_tid; /* ... of its last size change */
} ff_inode;

/* ---- fault.c ----------------------------------------------------------- */

typedef struct ff_rule {
	uint64_t id;
	ff_rule_spec spec;
	dt_rng rng;               /* its stream (libdt's rng.c) */
	uint64_t hits;            /* operations it struck */
	uint64_t seen;            /* operations it matched */
	int64_t used;             /* full: bytes let through */
} ff_rule;

typedef struct ff_stats {
	_Atomic uint64_t ops[10];          /* per FF_OP_* bit */
	_Atomic uint64_t bytes_read, bytes_written;
	_Atomic uint64_t fsyncs, fdatasyncs, dir_fsyncs, sync_writes;
	_Atomic uint64_t flushes, flushed_bytes;
	_Atomic uint64_t commits, forced_commits;
	_Atomic uint64_t writebacks, writeback_bytes;
	_Atomic uint64_t power_losses, dropped_bytes, dropped_pages, undone;
	_Atomic uint64_t errors, delays, delay_ns, enospc, lost_pages;
	_Atomic uint64_t corruptions;
	_Atomic uint64_t dirty_bytes;      /* now: pages held, x FF_PAGE */
} ff_stats;

/* ---- journal.c --------------------------------------------------------- */

typedef enum ff_jkind {
	FF_J_CREATE = 0,  /* a name made (file, dir, node, symlink, link) */
	FF_J_REMOVE,      /* a name removed: moved to the trash */
	FF_J_RENAME,      /* a rename; what it replaced is in the trash */
	FF_J_FLUSH,       /* data flushed at commit (auto_da_alloc) */
	FF_J_TRUNC        /* a shrink made durable at commit */
} ff_jkind;

typedef struct ff_jrec {
	ff_jkind kind;
	ff_inode *dir, *dir2;     /* referenced; dir2 for a rename's target */
	char *name, *name2;
	char *path, *path2;       /* in the mount, for the report */
	ff_inode *node;           /* referenced: created, removed, renamed
				     or flushed inode (may be NULL) */
	ff_inode *victim;         /* referenced: what a rename replaced */
	char trash[32];           /* the removed/replaced entry, or "" */
	bool trash_dir;           /* that entry is a directory */
	bool is_dir;              /* create: it made a directory */
	unsigned flags;           /* rename: RENAME_EXCHANGE ... */
} ff_jrec;

typedef struct ff_fs {
	char backing[PATH_MAX];
	char mountpoint[PATH_MAX];
	char control[PATH_MAX];
	int root_fd;              /* O_PATH: the backing folder */
	int trash_fd;             /* O_PATH: BACKING/.dt-faultfs/trash */
	dev_t root_dev;
	ino_t hidden_ino;         /* of BACKING/.dt-faultfs */
	ff_inode root;
	struct fuse_session *se;
	double timeout;           /* entry and attribute cache, seconds */

	/* options */
	bool strict;              /* dirs: strict (only a directory's
				     fsync commits) instead of ext4 */
	double commit_s;          /* periodic commit, 0: never */
	double writeback_s;       /* write back data older, 0: never */
	uint64_t max_dirty;       /* bytes of unsynced pages, then the
				     writer's file is written back */

	pthread_mutex_t itab;
	ff_inode **hash;
	size_t hsize, count;

	pthread_mutex_t meta;
	ff_jrec **jrecs;
	size_t njrecs, jcap;
	_Atomic uint64_t tid;     /* the running transaction */
	uint64_t trash_seq;
	int64_t last_commit;      /* monotonic ns */

	pthread_rwlock_t rules_lock;
	ff_rule *rules;
	size_t nrules;
	_Atomic size_t nrules_hint; /* read without the lock: 0 means none */
	uint64_t next_rule_id;
	uint64_t seed;

	ff_stats stats;
	_Atomic bool stopping;
} ff_fs;

/* ---- inode.c ----------------------------------------------------------- */

int ff_itab_init(ff_fs *fs);
void ff_itab_free(ff_fs *fs);
/* The inode of a FUSE node id. */
ff_inode *ff_inode_of(ff_fs *fs, fuse_ino_t ino);
fuse_ino_t ff_node_id(ff_fs *fs, ff_inode *in);
/* Look name up in dir (O_PATH, no symlink followed): the inode with one
 * more lookup (kernel reference) and *st, or NULL with errno. */
ff_inode *ff_lookup(ff_fs *fs, ff_inode *dir, const char *name,
		    struct stat *st);
/* The same, but held (ff_inode_put) instead of looked up, for a call
 * that needs the inode of a name without handing it to the kernel. */
ff_inode *ff_get(ff_fs *fs, ff_inode *dir, const char *name, struct stat *st);
/* The inode of a backing file if the table has it, held; or NULL. */
ff_inode *ff_find(ff_fs *fs, dev_t dev, ino_t ino);
/* Forget n kernel references. */
void ff_forget(ff_fs *fs, ff_inode *in, uint64_t n);
/* Hold and release an inode for a journal record or a call. */
void ff_inode_hold(ff_fs *fs, ff_inode *in);
void ff_inode_put(ff_fs *fs, ff_inode *in);
/* The open-file count. */
void ff_inode_opened(ff_fs *fs, ff_inode *in, int delta);
/* After its backing link count may have reached 0: take it out of the
 * table, so that a new file with the same inode number is a new inode. */
void ff_inode_check_gone(ff_fs *fs, ff_inode *in);
/* Every inode in the table, held (ff_inode_put each, free the array). */
ff_inode **ff_inodes_all(ff_fs *fs, size_t *n);
/* The path of an inode in the mount ("dir/file", "" for the root) into
 * buf; -1 when it has none any more. */
int ff_inode_path(ff_fs *fs, ff_inode *in, char *buf, size_t size);
/* dir's path joined with name. */
void ff_child_path(ff_fs *fs, ff_inode *dir, const char *name, char *buf,
		   size_t size);
/* stat of the backing inode, with size and link count as the mount
 * shows them. */
int ff_inode_stat(ff_fs *fs, ff_inode *in, struct stat *st);

/* ---- cache.c ----------------------------------------------------------- */

/* The calls below take in->lock themselves, unless named _locked. */
int ff_cache_read(ff_fs *fs, ff_inode *in, char *buf, size_t size,
		  off_t off, size_t *got);
/* Write; *done gets the bytes taken (a full disk may shorten it). */
int ff_cache_write(ff_fs *fs, ff_inode *in, const char *buf, size_t size,
		   off_t off, size_t *done);
int ff_cache_truncate(ff_fs *fs, ff_inode *in, off_t size);
/* Make the file's unsynced data durable (pages and size to the backing
 * file).  writeback: counted as writeback, not as a flush. */
int ff_cache_flush(ff_fs *fs, ff_inode *in, bool writeback);
int ff_cache_flush_locked(ff_fs *fs, ff_inode *in, bool writeback);
/* The durable size shrunk to the visible one (a truncate committed). */
int ff_cache_commit_shrink(ff_fs *fs, ff_inode *in);
/* Power loss: drop unsynced pages and size; the report gets
 * {path, pages, bytes, size, durable_size} when there was any. */
void ff_cache_drop(ff_fs *fs, ff_inode *in, json_t *report);
/* Mark the unsynced pages lost (a failed fsync). */
void ff_cache_lose(ff_fs *fs, ff_inode *in);
/* Visible size (for getattr), or -1 when the cache does not know it. */
off_t ff_cache_size(ff_inode *in);
bool ff_cache_dirty(ff_inode *in);
/* Release the pages and the data fd (inode being freed). */
void ff_cache_free(ff_fs *fs, ff_inode *in);
/* A report of the unsynced data of an inode for stats, or NULL. */
json_t *ff_cache_report(ff_fs *fs, ff_inode *in);
/* Forget what is known of the backing file (changed under us). */
void ff_cache_reload_locked(ff_fs *fs, ff_inode *in);
int ff_cache_data_fd_locked(ff_fs *fs, ff_inode *in);

/* ---- journal.c --------------------------------------------------------- */

int ff_journal_init(ff_fs *fs, char *err, size_t errlen);
void ff_journal_free(ff_fs *fs);
/* Append a record (fs->meta held) and return it, or NULL when out of
 * memory.  The strings are copied; dir, dir2 and node are held (a
 * victim set by the caller must be held for the record too).  Forces a
 * commit past FF_JOURNAL_MAX. */
ff_jrec *ff_journal_add(ff_fs *fs, ff_jkind kind, ff_inode *dir,
			 const char *name, ff_inode *dir2, const char *name2,
			 ff_inode *node);
/* Move dir/name to the trash (fs->meta held); its trash name in trash. */
int ff_trash_move(ff_fs *fs, ff_inode *dir, const char *name, char *trash,
		  size_t size);
/* Hard-link dir/name into the trash (kept while a rename replaces it). */
int ff_trash_link(ff_fs *fs, ff_inode *dir, const char *name, char *trash,
		  size_t size);
/* Commit: make the records [0, upto) durable (fs->meta held). */
void ff_journal_commit_locked(ff_fs *fs, size_t upto, bool forced);
/* The durability event of an fsync of in (any mode): commit when it
 * must.  Takes fs->meta. */
void ff_journal_fsync(ff_fs *fs, ff_inode *in, bool datasync);
/* Commit everything (sync, clean unmount, the timer). */
void ff_journal_commit_all(ff_fs *fs, bool forced);
/* Power loss: undo every record, newest first (fs->meta held); the
 * report gets what was undone; names whose kernel entries must be
 * invalidated go to inval (an array of [parent node id, name]). */
void ff_journal_undo_locked(ff_fs *fs, json_t *report, json_t *inval);
/* Mark a change of in in the running transaction. */
void ff_tid_touch(ff_fs *fs, ff_inode *in, bool size_changed);

/* ---- fault.c ----------------------------------------------------------- */

/* Add a rule; its id, or 0 with err. */
uint64_t ff_rule_add(ff_fs *fs, const ff_rule_spec *spec, char *err,
		     size_t errlen);
/* Remove a rule (id) or all (id 0); a report of what was removed
 * (id, kind, hits), NULL when id is not a rule. */
json_t *ff_rule_clear(ff_fs *fs, uint64_t id);
/* One rule as JSON (NULL when there is no such rule), or all. */
json_t *ff_rule_report(ff_fs *fs, uint64_t id);
json_t *ff_rules_report(ff_fs *fs);
void ff_rules_free(ff_fs *fs);
/* Before an operation of class op on in (or on dir/name, for a create):
 * sleeps for delay rules, returns the errno of an error rule that
 * strikes, else 0.  *lose is set when that error should lose the
 * unsynced pages (fsync).  Cheap when there is no rule. */
int ff_fault(ff_fs *fs, unsigned op, ff_inode *in, ff_inode *dir,
	     const char *name, bool *lose);
/* How many of `want` bytes past the end of a file a full disk lets
 * through (want when no full rule applies). */
uint64_t ff_fault_space(ff_fs *fs, ff_inode *in, uint64_t want);
/* Whether a full rule applies to creating names (ENOSPC). */
bool ff_fault_full_create(ff_fs *fs, ff_inode *dir, const char *name);
/* statfs adjusted to the full disk's budget. */
void ff_fault_statfs(ff_fs *fs, struct statvfs *sv);

/* ---- corrupt.c --------------------------------------------------------- */

/* Corrupt the files that match (see proto.h); the report lists exactly
 * what was changed.  NULL with err when nothing matched. */
json_t *ff_corrupt(ff_fs *fs, const ff_corrupt_spec *spec, char *err,
		   size_t errlen);

/* ---- ctl.c ------------------------------------------------------------- */

/* Bind the control socket (before the mount is announced) and start
 * the thread that serves it.  0, or -1 with err. */
int ff_ctl_start(ff_fs *fs, char *err, size_t errlen);
void ff_ctl_stop(ff_fs *fs);
/* The handlers (ctl.c dispatches to them; main.c's exit uses sync). */
json_t *ff_power_loss(ff_fs *fs);
void ff_sync_all(ff_fs *fs);
json_t *ff_stats_report(ff_fs *fs);
/* Ask the kernel to drop what it caches of in (data and attributes). */
void ff_inval_inode(ff_fs *fs, ff_inode *in);

/* ---- main.c / ops ------------------------------------------------------ */

extern const struct fuse_lowlevel_ops ff_ops;
void ff_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t ff_now_ns(void);
/* The fs of a request. */
static inline ff_fs *ff_req_fs(fuse_req_t req)
{
	return (ff_fs *)fuse_req_userdata(req);
}
/* Count an operation of class op. */
static inline void ff_count(ff_fs *fs, unsigned op)
{
	for (unsigned b = 0; b < 10; b++)
		if (op == 1u << b)
			atomic_fetch_add_explicit(&fs->stats.ops[b], 1,
						  memory_order_relaxed);
}
/* Whether name is the hidden folder at the root (never shown). */
bool ff_is_hidden(ff_fs *fs, ff_inode *dir, const char *name);

#endif /* DT_FAULTFS_H */
