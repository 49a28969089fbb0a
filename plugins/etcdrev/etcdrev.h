/*
 * etcdrev.h: what the files of dt_etcdrev share.  The plugin brings the
 * pieces of DT's test of etcd's revisions and watches:
 *
 *   workload.c  the revisions and watch workloads (what they invoke)
 *   state.c     the etcd model's state: revision, leases, key-values
 *   model.c     the etcd model (a linearizability model with revisions)
 *   events.c    the events a history's writes say happened, by revision
 *   watch.c     the watch checker (the six guarantees of etcd's watch)
 *   plugin.c    registers them
 */
#ifndef DT_ETCDREV_H
#define DT_ETCDREV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <dt/plugin.h>

extern const dt_workload_type etcdrev_revisions_workload;
extern const dt_workload_type etcdrev_watch_workload;
extern const dt_model_type etcdrev_model;
extern const dt_checker_type etcdrev_watch_checker;

/* ---- state.c: the model's state --------------------------------------- */

/* Limits of one state (the workload keeps far below). */
#define ER_MAX_KEYS 256
#define ER_MAX_LEASES 64

/* One key-value as etcd reports it. */
typedef struct er_kv {
	const unsigned char *key, *value; /* into the state or op bytes */
	uint32_t klen, vlen;
	int64_t create, mod, version, lease;
} er_kv;

/* A state taken apart (pointers into its bytes).  Encoded: int64 rev,
 * uint32 nleases, uint32 nkvs, int64 leases (ascending), then each kv
 * (uint32 klen, uint32 vlen, int64 create, mod, version, lease, key
 * bytes, value bytes), keys ascending: canonical. */
typedef struct er_state {
	int64_t rev;
	uint32_t nleases, nkvs;
	int64_t leases[ER_MAX_LEASES];
	er_kv kvs[ER_MAX_KEYS];
} er_state;

/* Take apart len bytes at p (len 0: the empty store at revision 1);
 * false when they are not a state. */
bool er_state_parse(const void *p, size_t len, er_state *s);
/* Encode s (kvs sorted by key, leases ascending) into out. 0 or -1. */
int er_state_encode(const er_state *s, dt_buf *out);
/* Encode one kv (as in a state) into out; 0 or -1. */
int er_kv_encode(const er_kv *kv, dt_buf *out);
/* Parse n kvs from len bytes at p into kvs (at most max); false when
 * malformed or more. */
bool er_kvs_parse(const unsigned char *p, size_t len, er_kv *kvs, size_t max,
		  size_t *n);
/* The index of key in s, or -1. */
long er_state_find(const er_state *s, const unsigned char *key, uint32_t klen);
bool er_kv_equal(const er_kv *a, const er_kv *b);
bool er_state_has_lease(const er_state *s, int64_t lease);
/* Readable text of a kv, appended to b. */
void er_kv_print(const er_kv *kv, dt_buf *b);

#endif /* DT_ETCDREV_H */
