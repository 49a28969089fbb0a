/* SPDX-License-Identifier: MIT */
/*
 * common.h: what the checker tests share: the linearizable checker and
 * the models loaded from the build tree, a one-call check, and a
 * brute-force reference checker that tries every order.
 */
#ifndef DT_TEST_CHECKER_COMMON_H
#define DT_TEST_CHECKER_COMMON_H

#include <dt/plugin.h>

#include "registry.h"

/* The registry, with the build tree's plugins; loaded once. */
dt_registry *tc_registry(void);

/* Check h against model: 1 linearizable, 0 not, -1 unknown, -2 error
 * (err says why).  wl may be NULL. */
int tc_check(const dt_history *h, const char *model, const json_t *wl,
	     char *err);
/* The same with extra checker options; *res (if res) gets the result. */
int tc_check_conf(const dt_history *h, json_t *conf, const json_t *wl,
		  json_t **res, char *err);

/* Every order of every op (unknown ops optionally left out): 1 or 0,
 * -1 when the model refuses an op.  One partition only, n <= 16. */
int tc_brute(const dt_history *h, const char *model, const json_t *wl);

#endif
