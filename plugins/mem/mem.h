/*
 * mem.h: the in-process store's transactions (txn.c), for mem.c.
 */
#ifndef MEM_H
#define MEM_H

#include <pthread.h>

#include <dt/plugin.h>

/* How one transaction runs: serializably (under the store's lock from
 * its first micro-op to its commit), or with one of the bugs. */
typedef enum mem_txn_mode {
	MEM_TXN_SERIAL = 0,
	MEM_TXN_READ_COMMITTED,  /* each read sees the latest commit */
	MEM_TXN_SNAPSHOT,        /* reads from its start, first committer wins */
	MEM_TXN_LOST_UPDATE,     /* commits what it read plus its writes */
	MEM_TXN_DIRTY,           /* publishes its writes, then aborts */
	MEM_TXN_STALE,           /* a read-only txn reads an old snapshot */
	MEM_TXN_LOST_WRITE       /* answers ok without committing */
} mem_txn_mode;

typedef struct mem_txns mem_txns;

/* append: list-append (lists), else rw-register (integers). */
mem_txns *mem_txns_new(bool append);
void mem_txns_free(mem_txns *s);

/* Run the txn of value (its micro-ops) in mode; lock guards s.  pause
 * (may be NULL) is called between micro-ops, outside the lock, for the
 * modes that let other transactions in. */
dt_op_type mem_txns_run(mem_txns *s, pthread_mutex_t *lock, mem_txn_mode mode,
			void (*pause)(void *arg), void *arg, dt_rng *rng,
			const json_t *value, dt_reply *r);

#endif
