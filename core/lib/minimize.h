/* SPDX-License-Identifier: MIT */
/*
 * minimize.h: the shortest part of an invalid history that its checker
 * still finds invalid, for checkers that do not make their own (a
 * checker that knows which operations may be left out, as
 * linearizable's certificate does, writes minimal.jsonl itself and says
 * so with "minimal-file" in its result).
 */
#ifndef DT_CORE_MINIMIZE_H
#define DT_CORE_MINIMIZE_H

#include <dt/plugin.h>

/*
 * Reduce history h, which checker ct (with env) found invalid with
 * result, within budget seconds, by steps that keep a valid history
 * valid (so that the part failing proves the whole fails):
 *   - operations that failed go (they did not happen);
 *   - with DT_MINIMIZE_PER_KEY, only one key's operations stay, the
 *     first key with which it fails (the one the result names first);
 *   - the history is cut after the earliest event with which it fails
 *     (a prefix of a valid history is valid: operations still running
 *     at the cut are of unknown outcome), found by bisection;
 *   - with DT_MINIMIZE_READS, the reads it does not need go, by delta
 *     debugging (chunks of reads halved down to single reads).
 * Leaving out any other operation that succeeded or whose outcome is
 * unknown is not one of them: a write that is gone may be what made a
 * read legal.  "Still invalid" is the verdict false and, when the result
 * names anomaly types ("anomaly-types": [...]), the first of them among
 * the candidate's; a candidate the checker cannot decide does not fail.
 *
 * Returns the report (a new object: "operations" kept of "from",
 * "events", "until" (seconds: the last event kept), "last-index" (its
 * index in h), "checks", "seconds", "complete": false when the budget
 * ran out first, "key" when one key's operations stayed); *out (when out is not NULL) gets the history, its
 * events renumbered from 0, their times kept, sharing h's strings and
 * values (free it with dt_minimal_free, before h).  NULL with err when
 * the checker finds h valid when it checks it again.
 */
json_t *dt_minimize(const dt_checker_type *ct, const dt_checker_env *env,
		    const json_t *result, const dt_history *h, double budget,
		    dt_history **out, char *err);

void dt_minimal_free(dt_history *m);

/* Write a minimal history as history.jsonl lines to dir/name. */
int dt_minimal_write(const char *dir, const char *name, const dt_history *m,
		     char *err);

#endif
