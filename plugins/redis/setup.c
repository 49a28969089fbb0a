/* SPDX-License-Identifier: MIT */
/*
 * setup.c: the data a run on redis starts from: the bank's accounts, or
 * an empty database for register and kv (flush: true), written to the
 * primary and waited for on the replicas.
 */
#include <stdlib.h>

#include "redis.h"

/* Write the initial data once.  NULL with no *error when done; else the
 * error reply or NULL with *error. */
static redisReply *prepare(redis_conn *k, char **error)
{
	redis_client *c = k->c;
	redis_sent sent;
	redisReply *r = NULL;

	if (c->workload == REDIS_WL_BANK) {
		r = redis_commandf(k, false, &sent, error, "DEL %s", REDIS_BANK_KEY);
		for (long long i = 0; i < c->accounts; i++) {
			if (r == NULL || r->type == REDIS_REPLY_ERROR)
				return r;
			freeReplyObject(r);
			r = redis_commandf(k, false, &sent, error, "HSET %s %lld %lld",
					   REDIS_BANK_KEY, i, c->balance);
		}
	} else if (c->flush) {
		r = redis_commandf(k, false, &sent, error, "FLUSHALL");
	}
	if (r != NULL && r->type != REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

int redis_setup(void *data, char *err)
{
	redis_client *c = data;
	redis_conn k = { .c = c, .primary_ep = c->primary };
	char *error = NULL;
	redis_sent sent;
	redisReply *r;
	int rc = -1;

	/* The cluster is up; allow it a few op timeouts to accept writes
	 * (a replica may still be syncing, a primary loading). */
	dt_deadline_set(&k.deadline, c->timeout * 4 < 10 ? 10 : c->timeout * 4);
	for (;;) {
		free(error);
		error = NULL;
		r = prepare(&k, &error);
		if (r == NULL && error == NULL)
			break;
		if (r != NULL) {
			dt_op_error(&error, DT_OP_FAIL, "%s", r->str ? r->str : "error reply");
			freeReplyObject(r);
		}
		if (dt_deadline_expired(&k.deadline)) {
			dt_fail(err, "cannot prepare the data on %s: %s",
				c->eps[k.primary_ep].name, error);
			goto out;
		}
		dt_sleep(0.2);
	}
	/* Let the replicas hold the data before anyone reads them. */
	if (c->neps > 1) {
		dt_deadline_set(&k.deadline, c->timeout + 1);
		r = redis_commandf(&k, false, &sent, &error, "WAIT %d %d", (int)c->neps - 1,
				   (int)(c->timeout * 1000));
		if (r != NULL && r->type == REDIS_REPLY_INTEGER &&
		    r->integer < (long long)c->neps - 1)
			dt_log(DT_LOG_WARN, "redis: only %lld of %zu replicas "
			       "acknowledged the initial data", r->integer, c->neps - 1);
		if (r != NULL)
			freeReplyObject(r);
	}
	rc = 0;
out:
	free(error);
	if (k.primary != NULL)
		redisFree(k.primary);
	return rc;
}
