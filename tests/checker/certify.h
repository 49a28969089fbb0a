/*
 * certify.h: an independent check of a "not linearizable" verdict.  The
 * history is cut down, by steps that keep a linearizable history
 * linearizable (so the small one failing proves the whole one fails),
 * with DT as the guide: the failing partition alone, the shortest
 * prefix that still fails (pending ops becoming unknown), then every
 * read that can go.  What is left, when small, is checked by a
 * brute-force search that shares no code with DT's (every order, with
 * a memo of failed (set, state) pairs).
 */
#ifndef DT_TEST_CHECKER_CERTIFY_H
#define DT_TEST_CHECKER_CERTIFY_H

#include <dt/plugin.h>

#define TC_CERT_MAX 40   /* ops the brute force takes */

typedef struct tc_cert {
	size_t ops_before, ops_after;  /* ops of the partition, of the cut */
	const char *why;               /* when not certified */
} tc_cert;

/* For a history DT finds not linearizable (model register, cas-register
 * or kv; key: the failing partition's, or NULL for all): 1 when the cut
 * history is small and the brute force finds it not linearizable too;
 * 0 when the brute force finds it linearizable (DT was wrong); -1 when
 * it could not be cut small enough (c->why). */
int tc_certify(const dt_history *h, const char *model, const char *key,
	       tc_cert *c);

/* The brute force alone on h (one partition, at most TC_CERT_MAX ops):
 * 1 linearizable, 0 not, -1 too big or refused. */
int tc_brute_memo(const dt_history *h, const char *model);

#endif
