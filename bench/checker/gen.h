/* SPDX-License-Identifier: MIT */
/*
 * gen.h: histories generated from a random sequential execution, then
 * stretched: every op is invoked a random time before its linearization
 * point and returns a random time after it, so that ops overlap but the
 * history stays linearizable by construction.  Used by the checker
 * benchmark and by the checker's property tests.
 */
#ifndef DT_BENCH_GEN_H
#define DT_BENCH_GEN_H

#include <dt/plugin.h>

typedef enum gen_model {
	GEN_CAS_REGISTER,   /* DT register workload values, keys r0.. */
	GEN_KV,             /* get/put/append, dt_op.key set */
	GEN_BANK,           /* read/transfer over `accounts` accounts */
	GEN_SET,            /* add/read */
	GEN_QUEUE           /* enqueue/dequeue */
} gen_model;

typedef struct gen_opts {
	gen_model model;
	size_t ops;         /* operations */
	int processes;
	int keys;           /* register, kv: keys (partitions) */
	int values;         /* distinct values written */
	double unknown;     /* share of ops with an `info` completion */
	int spread;         /* how many neighbours an op may overlap */
	int accounts;       /* bank: 5; balance 100 each */
	uint64_t seed;
} gen_opts;

/* A linearizable history; NULL when out of memory. */
dt_history *gen_history(const gen_opts *o);

#endif
