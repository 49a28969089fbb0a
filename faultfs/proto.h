/* SPDX-License-Identifier: MIT */
/*
 * proto.h: dt-faultfs's control protocol, the parsing half.
 *
 * A client connects to the control socket (SOCK_STREAM, unix) and sends
 * one JSON object a line; the daemon answers each with one JSON object
 * a line: {"ok": true, ...} or {"ok": false, "error": "..."}.  The
 * requests (dt-faultfs(8) lists every key):
 *
 *   {"cmd": "ping"}                      who and where
 *   {"cmd": "stats"}                     counters and what is unsynced
 *   {"cmd": "power-loss"}                drop everything not durable
 *   {"cmd": "sync"}                      make everything durable
 *   {"cmd": "fault", "kind": "error"|"delay"|"full", ...}   add a rule
 *   {"cmd": "clear"[, "id": N]}          remove one rule, or all
 *   {"cmd": "corrupt", "path": GLOB, "mode": "bitflip"|"zero"|"truncate", ...}
 *   {"cmd": "unmount"[, "lazy": true]}
 *
 * ff_request_parse turns one line into a checked, fixed-size request (no
 * allocation survives it), so that every check of outside input is here
 * and nowhere else, and a fuzz target can drive it alone
 * (tests/fuzz/fuzz_faultfs_proto.c).  No FUSE here.
 */
#ifndef DT_FAULTFS_PROTO_H
#define DT_FAULTFS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest request line the daemon reads, and longest path pattern. */
#define FF_LINE_MAX 8192
#define FF_PATTERN_MAX 1024

typedef enum ff_cmd {
	FF_CMD_PING = 0,
	FF_CMD_STATS,
	FF_CMD_POWER_LOSS,
	FF_CMD_SYNC,
	FF_CMD_FAULT,
	FF_CMD_CLEAR,
	FF_CMD_CORRUPT,
	FF_CMD_UNMOUNT
} ff_cmd;

/* Classes of operations a rule applies to (a bit each). */
enum {
	FF_OP_READ = 1u << 0,    /* read (and mmap page-ins) */
	FF_OP_WRITE = 1u << 1,   /* write (and mmap write-backs) */
	FF_OP_FSYNC = 1u << 2,   /* fsync, fdatasync, fsync of a directory */
	FF_OP_OPEN = 1u << 3,    /* open, opendir */
	FF_OP_CREATE = 1u << 4,  /* create, mknod, mkdir, symlink, link */
	FF_OP_REMOVE = 1u << 5,  /* unlink, rmdir */
	FF_OP_RENAME = 1u << 6,
	FF_OP_STAT = 1u << 7,    /* lookup, getattr, statfs */
	FF_OP_READDIR = 1u << 8,
	FF_OP_SETATTR = 1u << 9, /* truncate, chmod, chown, utimes, fallocate */
	FF_OP_ALL = (1u << 10) - 1
};

/* "read", ... for one bit; NULL for another value. */
const char *ff_op_name(unsigned op);

typedef enum ff_rule_kind {
	FF_RULE_ERROR = 0, /* the operation fails with errnum */
	FF_RULE_DELAY,     /* the operation waits delay (+- jitter) first */
	FF_RULE_FULL       /* no space: writes past the end, creates fail
			      with ENOSPC once budget bytes are used */
} ff_rule_kind;

const char *ff_rule_kind_name(ff_rule_kind k);

typedef struct ff_rule_spec {
	ff_rule_kind kind;
	unsigned ops;                   /* FF_OP_* bits */
	char pattern[FF_PATTERN_MAX];   /* fnmatch(3) on the path in the
					   mount ("" : every file) */
	double probability;             /* of striking an operation */
	int errnum;                     /* error: EIO by default */
	bool lose;                      /* error on fsync: the unsynced
					   pages are lost (Linux) */
	int64_t delay_ns, jitter_ns;    /* delay */
	int64_t budget;                 /* full: bytes still allowed */
	bool has_seed;
	uint64_t seed;
} ff_rule_spec;

typedef enum ff_corrupt_mode {
	FF_CORRUPT_BITFLIP = 0, /* flip `bits` single bits */
	FF_CORRUPT_ZERO,        /* zero `length` bytes at `offset` */
	FF_CORRUPT_TRUNCATE     /* cut the file to `size`, or `length` less */
} ff_corrupt_mode;

const char *ff_corrupt_mode_name(ff_corrupt_mode m);

typedef struct ff_corrupt_spec {
	char pattern[FF_PATTERN_MAX];   /* which files (required) */
	ff_corrupt_mode mode;
	bool all;                       /* every matching file, not one */
	uint64_t bits;                  /* bitflip: how many (1) */
	bool has_offset, has_length, has_size;
	int64_t offset, length, size;   /* where; random when absent */
	bool has_seed;
	uint64_t seed;
} ff_corrupt_spec;

typedef struct ff_request {
	ff_cmd cmd;
	ff_rule_spec rule;       /* FF_CMD_FAULT */
	bool has_id;             /* FF_CMD_CLEAR */
	uint64_t id;
	ff_corrupt_spec corrupt; /* FF_CMD_CORRUPT */
	bool lazy;               /* FF_CMD_UNMOUNT */
} ff_request;

/*
 * Parse one request (len bytes of JSON text, no newline needed).  0 and
 * *req filled, or -1 with err (errlen bytes) naming the key and what was
 * expected ("probability: expected a number from 0 to 1").
 */
int ff_request_parse(const char *text, size_t len, ff_request *req,
		     char *err, size_t errlen);

/* An errno's name ("EIO"), or NULL when it is not one the protocol
 * knows. */
const char *ff_errno_name(int errnum);

#endif
