/* SPDX-License-Identifier: MIT */
/*
 * fault.c: the fault rules switched on and off at run time through the
 * control socket.  A rule applies to a set of operation classes and to
 * the files whose path in the mount matches its pattern (fnmatch(3)
 * without flags: `*` crosses `/`, so "*.aof" is any .aof at any depth),
 * and strikes each such operation with its probability:
 *
 *   error  the operation fails with errno (EIO by default); an fsync
 *          that fails with `lose` loses the file's unsynced pages
 *   delay  the operation waits delay +- jitter first
 *   full   writes past the end of a file and creates fail with ENOSPC
 *          once `budget` bytes past the ends have been let through; a
 *          write that crosses the budget is cut short (as on a disk
 *          that fills during the write); statfs shows the budget left
 *
 * Each rule has its own xoshiro256** stream (libdt's), seeded from its `seed` (or
 * the daemon's --seed and the rule's id), so that a rule sees the same
 * sequence of draws however the operations interleave with others'.
 * Without rules, ff_fault costs one atomic load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "faultfs.h"

uint64_t ff_rule_add(ff_fs *fs, const ff_rule_spec *spec, char *err,
		     size_t errlen)
{
	ff_rule *grown, *r;
	pthread_rwlock_wrlock(&fs->rules_lock);
	grown = realloc(fs->rules, (fs->nrules + 1) * sizeof(*grown));
	if (grown == NULL) {
		pthread_rwlock_unlock(&fs->rules_lock);
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	fs->rules = grown;
	r = &fs->rules[fs->nrules++];
	memset(r, 0, sizeof(*r));
	r->id = ++fs->next_rule_id;
	r->spec = *spec;
	if (!r->spec.has_seed) {
		r->spec.seed = fs->seed ^ (r->id * 0x2545f4914f6cdd1dull);
		r->spec.has_seed = true;
	}
	dt_rng_seed(&r->rng, r->spec.seed);
	atomic_store(&fs->nrules_hint, fs->nrules);
	pthread_rwlock_unlock(&fs->rules_lock);
	return r->id;
}

static json_t *rule_json(const ff_rule *r)
{
	json_t *ops = json_array();
	json_t *o;

	for (unsigned b = 0; b < 10; b++)
		if (r->spec.ops & (1u << b))
			json_array_append_new(ops, json_string(ff_op_name(1u << b)));
	o = json_pack("{s:I, s:s, s:o, s:s, s:f, s:I, s:I, s:I}",
		      "id", (json_int_t)r->id,
		      "kind", ff_rule_kind_name(r->spec.kind),
		      "ops", ops,
		      "path", r->spec.pattern[0] ? r->spec.pattern : "*",
		      "probability", r->spec.probability,
		      "seed", (json_int_t)r->spec.seed,
		      "matched", (json_int_t)r->seen,
		      "struck", (json_int_t)r->hits);
	if (r->spec.kind == FF_RULE_ERROR) {
		json_object_set_new(o, "errno", json_string(ff_errno_name(r->spec.errnum)));
		json_object_set_new(o, "lose", json_boolean(r->spec.lose));
	} else if (r->spec.kind == FF_RULE_DELAY) {
		json_object_set_new(o, "delay_ns", json_integer(r->spec.delay_ns));
		json_object_set_new(o, "jitter_ns", json_integer(r->spec.jitter_ns));
	} else {
		json_object_set_new(o, "budget", json_integer(r->spec.budget));
		json_object_set_new(o, "used", json_integer(r->used));
	}
	return o;
}

json_t *ff_rule_clear(ff_fs *fs, uint64_t id)
{
	json_t *out = json_array();
	size_t kept = 0;
	bool found = id == 0;

	pthread_rwlock_wrlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++) {
		if (id == 0 || fs->rules[i].id == id) {
			json_array_append_new(out, rule_json(&fs->rules[i]));
			found = true;
		} else {
			fs->rules[kept++] = fs->rules[i];
		}
	}
	fs->nrules = kept;
	atomic_store(&fs->nrules_hint, kept);
	pthread_rwlock_unlock(&fs->rules_lock);
	if (!found) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *ff_rule_report(ff_fs *fs, uint64_t id)
{
	json_t *out = NULL;

	pthread_rwlock_rdlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules && out == NULL; i++)
		if (fs->rules[i].id == id)
			out = rule_json(&fs->rules[i]);
	pthread_rwlock_unlock(&fs->rules_lock);
	return out;
}

json_t *ff_rules_report(ff_fs *fs)
{
	json_t *out = json_array();

	pthread_rwlock_rdlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++)
		json_array_append_new(out, rule_json(&fs->rules[i]));
	pthread_rwlock_unlock(&fs->rules_lock);
	return out;
}

void ff_rules_free(ff_fs *fs)
{
	free(fs->rules);
	fs->rules = NULL;
	fs->nrules = 0;
}

/* The path the rules match, made once per operation and only when a
 * rule has a pattern. */
typedef struct target {
	ff_fs *fs;
	ff_inode *in, *dir;
	const char *name;
	bool made, none;
	char path[PATH_MAX];
} target;

static bool matches(target *t, const ff_rule *r)
{
	if (r->spec.pattern[0] == '\0')
		return true;
	if (!t->made) {
		t->made = true;
		if (t->name != NULL)
			ff_child_path(t->fs, t->dir, t->name, t->path, sizeof(t->path));
		else
			t->none = ff_inode_path(t->fs, t->in, t->path,
						sizeof(t->path)) != 0;
	}
	return !t->none && fnmatch(r->spec.pattern, t->path, 0) == 0;
}

int ff_fault(ff_fs *fs, unsigned op, ff_inode *in, ff_inode *dir,
	     const char *name, bool *lose)
{
	target t = { .fs = fs, .in = in, .dir = dir, .name = name };
	int64_t wait = 0;
	int errnum = 0;

	ff_count(fs, op);
	if (lose != NULL)
		*lose = false;
	if (atomic_load_explicit(&fs->nrules_hint, memory_order_relaxed) == 0)
		return 0;
	/* Write-locked: a strike draws from the rule's stream. */
	pthread_rwlock_wrlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++) {
		ff_rule *r = &fs->rules[i];

		if (r->spec.kind == FF_RULE_FULL || !(r->spec.ops & op) ||
		    !matches(&t, r))
			continue;
		r->seen++;
		if (r->spec.kind == FF_RULE_ERROR && errnum != 0)
			continue;
		if (r->spec.probability < 1 && dt_rng_double(&r->rng) >= r->spec.probability)
			continue;
		r->hits++;
		if (r->spec.kind == FF_RULE_DELAY) {
			int64_t d = r->spec.delay_ns;

			if (r->spec.jitter_ns > 0)
				d += (int64_t)dt_rng_below(&r->rng,
					(uint64_t)(2 * r->spec.jitter_ns + 1)) -
				     r->spec.jitter_ns;
			wait += d;
		} else {
			errnum = r->spec.errnum;
			if (lose != NULL)
				*lose = r->spec.lose;
		}
	}
	pthread_rwlock_unlock(&fs->rules_lock);
	if (wait > 0) {
		struct timespec ts = { wait / 1000000000, wait % 1000000000 };

		atomic_fetch_add(&fs->stats.delays, 1);
		atomic_fetch_add(&fs->stats.delay_ns, (uint64_t)wait);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (errnum != 0)
		atomic_fetch_add(&fs->stats.errors, 1);
	return errnum;
}

uint64_t ff_fault_space(ff_fs *fs, ff_inode *in, uint64_t want)
{
	target t = { .fs = fs, .in = in };
	uint64_t ok = want;

	if (atomic_load_explicit(&fs->nrules_hint, memory_order_relaxed) == 0)
		return want;
	pthread_rwlock_wrlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++) {
		ff_rule *r = &fs->rules[i];
		uint64_t left;

		if (r->spec.kind != FF_RULE_FULL || !(r->spec.ops & FF_OP_WRITE) ||
		    !matches(&t, r))
			continue;
		r->seen++;
		left = r->spec.budget > r->used ? (uint64_t)(r->spec.budget - r->used) : 0;
		if (left < ok)
			ok = left;
	}
	/* Every full rule that applies counts what went through. */
	for (size_t i = 0; i < fs->nrules; i++) {
		ff_rule *r = &fs->rules[i];

		if (r->spec.kind != FF_RULE_FULL || !(r->spec.ops & FF_OP_WRITE) ||
		    !matches(&t, r))
			continue;
		r->used += (int64_t)ok;
		if (ok < want)
			r->hits++;
	}
	pthread_rwlock_unlock(&fs->rules_lock);
	return ok;
}

bool ff_fault_full_create(ff_fs *fs, ff_inode *dir, const char *name)
{
	target t = { .fs = fs, .dir = dir, .name = name };
	bool full = false;

	if (atomic_load_explicit(&fs->nrules_hint, memory_order_relaxed) == 0)
		return false;
	pthread_rwlock_wrlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++) {
		ff_rule *r = &fs->rules[i];

		if (r->spec.kind != FF_RULE_FULL || !(r->spec.ops & FF_OP_CREATE) ||
		    !matches(&t, r))
			continue;
		r->seen++;
		if (r->used >= r->spec.budget) {
			r->hits++;
			full = true;
		}
	}
	pthread_rwlock_unlock(&fs->rules_lock);
	if (full)
		atomic_fetch_add(&fs->stats.enospc, 1);
	return full;
}

void ff_fault_statfs(ff_fs *fs, struct statvfs *sv)
{
	if (atomic_load_explicit(&fs->nrules_hint, memory_order_relaxed) == 0)
		return;
	pthread_rwlock_rdlock(&fs->rules_lock);
	for (size_t i = 0; i < fs->nrules; i++) {
		const ff_rule *r = &fs->rules[i];
		uint64_t left, blocks;

		if (r->spec.kind != FF_RULE_FULL || sv->f_bsize == 0)
			continue;
		left = r->spec.budget > r->used ? (uint64_t)(r->spec.budget - r->used) : 0;
		blocks = left / sv->f_bsize;
		if (blocks < sv->f_bavail)
			sv->f_bavail = blocks;
		if (blocks < sv->f_bfree)
			sv->f_bfree = blocks;
	}
	pthread_rwlock_unlock(&fs->rules_lock);
}
