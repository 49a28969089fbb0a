/* SPDX-License-Identifier: MIT */
/*
 * disk.h: the disk nemeses (dt_disk.so), which act on each target
 * node's dt-faultfs through the platform's `disk` callback (one control
 * request, one reply: faultfs/proto.h) and on its processes through
 * signal and restart.
 *
 *   plugin.c      descriptors, option tables, registration (the glue)
 *   common.c      what they share: checks, requests, kill and restart
 *   power_loss.c  power-loss: kill, drop unsynced data, restart on heal
 *   rules.c       disk-error, disk-slow, disk-full: a fault rule on each
 *                 target's dt-faultfs, cleared on heal
 *   corrupt.c     corrupt: kill, damage files at rest, restart on heal
 *
 * Every start records in `what` exactly what dt-faultfs answered (what a
 * power loss dropped, which rule it added, which bits it flipped), and
 * heal undoes exactly that (restarts the nodes it killed, clears the
 * rules it added) and records what it found (how often each rule
 * struck).
 *
 * Ownership: a dk_nemesis owns its arrays; the platform, nodes and
 * config are borrowed from the core until destroy.
 */
#ifndef DT_DISK_H
#define DT_DISK_H

#include <dt/plugin.h>

typedef struct dk_nemesis {
	const char *name;             /* power-loss, disk-error, ... */
	const dt_platform_type *platform;
	void *platform_data;
	dt_node *nodes;
	size_t n;
	const json_t *config;         /* the suite entry, checked */
	size_t *killed;               /* node indexes start killed */
	size_t nkilled;
	uint64_t *rule_ids;           /* per node: the rule start added, 0 */
} dk_nemesis;

/* create: checks that the platform reaches every node's dt-faultfs
 * (a ping each), allocates.  NULL with err. */
dk_nemesis *dk_create(const char *name, const dt_nemesis_env *env, char *err);
void dk_destroy(dk_nemesis *k);
/* validate: the chart has nodes, and the run puts them on dt-faultfs. */
int dk_validate_disk(const dt_validate_env *env, char *err);

/* One request to node i's dt-faultfs; 0 with *reply (the caller's), or
 * -1 with err naming the node. */
int dk_call(dk_nemesis *k, size_t i, json_t *request, json_t **reply,
	    char *err);

/* SIGKILL every process of the targets, recording each in k->killed
 * and appending {node, pids} to killed.  On failure the ones killed
 * are restarted and -1 returned with err. */
int dk_kill(dk_nemesis *k, const size_t *targets, size_t ntargets,
	    json_t *killed, char *err);
/* Restart the nodes k->killed lists; appends {node, pids} (or
 * {node, error}) to restarted.  0, or -1 with err (the last failure). */
int dk_restart(dk_nemesis *k, json_t *restarted, char *err);

/* A seed for dt-faultfs from the run's stream (so --seed repeats it). */
json_int_t dk_seed(dt_rng *rng);

/* power_loss.c */
int dk_power_loss_start(void *n, const size_t *targets, size_t ntargets,
			dt_rng *rng, json_t **what, char *err);
int dk_heal_restart(void *n, json_t **what, char *err);

/* rules.c: the rule a disk-error, disk-slow or disk-full entry asks for
 * (a fault request without its seed), or NULL with err. */
json_t *dk_rule_request(const char *name, const json_t *config, char *err);
int dk_rules_validate(const dt_validate_env *env, char *err);
int dk_rules_start(void *n, const size_t *targets, size_t ntargets,
		   dt_rng *rng, json_t **what, char *err);
int dk_rules_heal(void *n, json_t **what, char *err);

/* corrupt.c */
json_t *dk_corrupt_request(const json_t *config);
int dk_corrupt_validate(const dt_validate_env *env, char *err);
int dk_corrupt_start(void *n, const size_t *targets, size_t ntargets,
		     dt_rng *rng, json_t **what, char *err);

/* The daemon's own parser (faultfs/proto.c, compiled in): 0, or -1 with
 * err, for a request as dt-faultfs would take it. */
int dk_check_request(const json_t *config, const json_t *request, char *err);

#endif
