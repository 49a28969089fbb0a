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
	/* kv: the share of ops on key k0 (0: keys alike): a hot key has
	 * many overlapping ops, a hard one for a search */
	double hot;
	/* kv: keys made not linearizable: one get of each returns a value
	 * the key never held (k0: its last get, the hardest place; the
	 * others: their first get past the middle).  The history is then
	 * not linearizable by construction. */
	int bad;
} gen_opts;

/* A linearizable history; NULL when out of memory. */
dt_history *gen_history(const gen_opts *o);

/* Write h in the format porcupine's tools read: kv as porcupine's kv
 * logs (one EDN map a line), cas-register (one key) as a Knossos EDN
 * vector.  0, or -1 (errno) when the file cannot be written. */
int gen_write_porcupine(const dt_history *h, gen_model m, const char *path);

#endif
