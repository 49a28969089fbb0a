/* SPDX-License-Identifier: MIT */
/*
 * bank.c: the bank workload on redis: a hash "dt:bank" with one field
 * per account.  read: HMGET of every field (one command, atomic);
 * transfer: WATCH, HMGET of the two accounts, then MULTI, HINCRBY,
 * HINCRBY, EXEC pipelined, again on a WATCH conflict while time is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* HMGET of the given fields of the bank; the values into out[].  Returns
 * 0, or -1 with *error (*t the outcome to give). */
static int bank_hmget(redis_conn *k, bool reader, const long long *fields,
		      size_t n, long long *out, char **error, dt_op_type *t)
{
	const char *argv[REDIS_MAX_ACCOUNTS + 2];
	char names[REDIS_MAX_ACCOUNTS][24];
	redis_sent sent;
	redisReply *r;

	argv[0] = "HMGET";
	argv[1] = REDIS_BANK_KEY;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%lld", fields[i]);
		argv[i + 2] = names[i];
	}
	r = redis_command(k, reader, &sent, error, (int)n + 2, argv, NULL);
	if (r == NULL) {
		*t = redis_no_reply(false, sent);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		*t = redis_error_reply(r, error);
		return -1;
	}
	*t = DT_OP_FAIL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		dt_op_error(error, *t, "unexpected reply to HMGET (type %d)", r->type);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		redisReply *e = r->element[i];
		char *end;

		if (e->type != REDIS_REPLY_STRING) {
			dt_op_error(error, *t, "account %lld is missing", fields[i]);
			goto fail;
		}
		out[i] = strtoll(e->str, &end, 10);
		if (*end != '\0') {
			dt_op_error(error, *t, "account %lld holds '%s'", fields[i], e->str);
			goto fail;
		}
	}
	freeReplyObject(r);
	return 0;
fail:
	freeReplyObject(r);
	return -1;
}

dt_op_type redis_bank_read(redis_conn *k, json_t **result, char **error)
{
	long long fields[REDIS_MAX_ACCOUNTS] = { 0 }, out[REDIS_MAX_ACCOUNTS];
	size_t n = (size_t)k->c->accounts;
	dt_op_type t;

	for (size_t i = 0; i < n; i++)
		fields[i] = (long long)i;
	if (bank_hmget(k, true, fields, n, out, error, &t) != 0)
		return t;
	*result = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*result, json_integer((json_int_t)out[i]));
	return DT_OP_OK;
}

/* The transaction, pipelined: MULTI, HINCRBY, HINCRBY, EXEC.  Returns
 * 1 when applied, 0 on a WATCH conflict, -1 with *t on failure. */
static int bank_exec(redis_conn *k, long long from, long long to, long long amount,
		     char **error, dt_op_type *t)
{
	redisContext *ctx = k->primary;
	redisReply *r = NULL;
	int rc = -1;

	redisAppendCommand(ctx, "MULTI");
	redisAppendCommand(ctx, "HINCRBY %s %lld %lld", REDIS_BANK_KEY, from, -amount);
	redisAppendCommand(ctx, "HINCRBY %s %lld %lld", REDIS_BANK_KEY, to, amount);
	redisAppendCommand(ctx, "EXEC");
	for (int i = 0; i < 4; i++) {
		if (redisGetReply(ctx, (void **)&r) != REDIS_OK || r == NULL) {
			/* EXEC was written with the rest: it may run. */
			redis_lost(&k->primary, &k->c->eps[k->primary_ep], error);
			*t = DT_OP_INFO;
			return -1;
		}
		if (i < 3 && r->type == REDIS_REPLY_ERROR && *error == NULL)
			*error = dt_strdupf("%s", r->str);
		if (i == 3) {
			if (r->type == REDIS_REPLY_NIL)
				rc = 0;
			else if (r->type == REDIS_REPLY_ARRAY)
				rc = 1;
			else if (r->type == REDIS_REPLY_ERROR)
				*t = dt_op_error(error, DT_OP_FAIL, "%s", r->str);
			else
				*t = dt_op_error(error, DT_OP_INFO,
						 "unexpected reply to EXEC (type %d)", r->type);
		}
		freeReplyObject(r);
		r = NULL;
	}
	if (rc >= 0) {
		free(*error);
		*error = NULL;
	}
	return rc;
}

dt_op_type redis_bank_transfer(redis_conn *k, const json_t *value, char **error)
{
	long long from = json_integer_value(json_object_get(value, "from"));
	long long to = json_integer_value(json_object_get(value, "to"));
	long long amount = json_integer_value(json_object_get(value, "amount"));
	long long fields[2] = { from, to }, bal[2];

	if (from < 0 || from >= k->c->accounts || to < 0 ||
	    to >= k->c->accounts || from == to || amount <= 0)
		return dt_op_error(error, DT_OP_FAIL, "bad transfer");
	for (;;) {
		redis_sent sent;
		const char *watch[2] = { "WATCH", REDIS_BANK_KEY };
		redisReply *r = redis_command(k, false, &sent, error, 2, watch, NULL);
		dt_op_type t;
		int rc;

		/* Nothing before EXEC can change the data: a failure there
		 * is a fail, and a dropped connection discards the MULTI. */
		if (r == NULL)
			return DT_OP_FAIL;
		if (r->type == REDIS_REPLY_ERROR)
			return redis_error_reply(r, error);
		freeReplyObject(r);
		if (bank_hmget(k, false, fields, 2, bal, error, &t) != 0)
			return DT_OP_FAIL;
		if (bal[0] < amount) {
			r = redis_commandf(k, false, &sent, error, "UNWATCH");
			if (r != NULL)
				freeReplyObject(r);
			return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
		}
		/* The WATCH lives on this connection: never a new one here. */
		if (k->primary == NULL ||
		    redis_ensure(k, &k->primary, k->primary_ep, error) != 0)
			return DT_OP_FAIL;
		rc = bank_exec(k, from, to, amount, error, &t);
		if (rc > 0)
			return DT_OP_OK;
		if (rc < 0)
			return t;
		/* Conflict: another transfer won.  Again, while time is left. */
		if (dt_deadline_expired(&k->deadline))
			return dt_op_error(error, DT_OP_FAIL,
					   "conflict: retried until the timeout");
	}
}
