/* SPDX-License-Identifier: MIT */
/*
 * client.h: the C client of dt-faultfs's control socket, for the local
 * platform (mount, readiness, unmount) and the disk nemeses (power
 * loss, faults, corruption).  Compiled into each program or plugin that
 * calls it (faultfs/client.c); needs jansson and libdt (deadlines).
 *
 * Every call opens a connection, sends one request, reads its one-line
 * reply, and closes.  A reply {"ok": false, "error": E} is a failure
 * with err = E; *reply (when asked for) gets the whole reply object
 * otherwise, a new reference the caller owns.  err is a buffer of
 * DT_ERRBUF_SIZE bytes, as everywhere in DT.  timeout bounds the whole
 * exchange (seconds; <= 0: 30).  Thread-safe: no state is kept between
 * calls.
 */
#ifndef DT_FAULTFS_CLIENT_H
#define DT_FAULTFS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <dt/types.h>

/* One request (an object with "cmd"). 0, or -1 with err. */
int dt_faultfs_call(const char *socket, const json_t *request, double timeout,
		    json_t **reply, char *err);

/* {"cmd": cmd} and nothing else: ping, stats, power-loss, sync. */
int dt_faultfs_simple(const char *socket, const char *cmd, double timeout,
		      json_t **reply, char *err);

/* Drop everything not durable; *report: files, undone, bytes. */
int dt_faultfs_power_loss(const char *socket, json_t **report, char *err);

/* Add a fault rule (rule: the request's keys but "cmd": kind, ops, path,
 * probability, errno, lose, delay, jitter, budget, seed); *reply holds
 * its "id" and the "rule" as the daemon took it. */
int dt_faultfs_fault(const char *socket, const json_t *rule, json_t **reply, char *err);

/* Remove rule id, or every rule (id 0); *reply: "cleared", each rule
 * with how often it matched and struck. */
int dt_faultfs_clear(const char *socket, uint64_t id, json_t **reply, char *err);

/* Corrupt files at rest (spec: path, mode, files, bits, offset, length,
 * size, seed); *report: "corrupted", exactly what changed. */
int dt_faultfs_corrupt(const char *socket, const json_t *spec,
		       json_t **report, char *err);

/* Make everything durable, then unmount (lazily: even with files open);
 * the daemon then exits. */
int dt_faultfs_unmount(const char *socket, bool lazy, char *err);

/* Wait until the daemon answers ping (the mount is then in place), at
 * most timeout seconds; pid > 0: fail at once when that process is gone
 * (its exit status is not reaped here).  0, or -1 with err. */
int dt_faultfs_wait(const char *socket, pid_t pid, double timeout, char *err);

/* How many dt-faultfs mounts (fstype fuse.dt-faultfs) sit on
 * mountpoint, in this mount namespace (/proc/self/mountinfo); -1 when
 * it can not be read. */
int dt_faultfs_mounted(const char *mountpoint);

/* Detach every dt-faultfs mount on mountpoint (a stale one whose daemon
 * was killed included: umount2 with MNT_DETACH, else `fusermount3 -uz`),
 * and only those: a mount of another type there is left alone.  Returns
 * how many were detached, or -1 with err. */
int dt_faultfs_detach(const char *mountpoint, char *err);

#endif
