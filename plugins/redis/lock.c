/*
 * lock.c: the lock workload on redis, as its documentation describes a
 * lock on one instance: acquire is SET key token NX PX ttl on the
 * primary (the lock is the key's existence, its lease the key's expiry,
 * which the primary's clock times), release a Lua script that deletes the
 * key only while it still holds this holder's token.
 *
 * Each connection remembers the lock it holds (key, token); tokens are
 * unique over the run (worker and a counter of the client's).  An acquire
 * by a connection that holds the lock, or a release by one that does not,
 * fails at once, sending nothing.  A release whose token is no longer
 * the key's fails as "not held": the lease ran out, or another holder
 * has the lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

static const char RELEASE_SCRIPT[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('DEL', KEYS[1]) else return 0 end";

static dt_op_type do_acquire(redis_conn *k, const json_t *value,
			     json_t **result, char **error)
{
	const char *key = json_string_value(json_object_get(value, "key"));
	json_int_t ttl = json_integer_value(json_object_get(value, "ttl_ms"));
	char token[64], px[32];
	const char *argv[6];
	redis_sent sent;
	redisReply *r;

	if (key == NULL || ttl <= 0)
		return dt_op_error(error, DT_OP_FAIL, "acquire needs a key and ttl_ms");
	if (k->lock_held)
		return dt_op_error(error, DT_OP_FAIL, "already holds %s", k->lock_key);
	snprintf(token, sizeof(token), "w%d-%llu", k->worker, (unsigned long long)
		 __atomic_add_fetch(&k->c->lock_tokens, 1, __ATOMIC_RELAXED));
	snprintf(px, sizeof(px), "%lld", (long long)ttl);
	argv[0] = "SET"; argv[1] = key; argv[2] = token;
	argv[3] = "NX"; argv[4] = "PX"; argv[5] = px;
	r = redis_command(k, false, &sent, error, 6, argv, NULL);
	if (r == NULL)
		return redis_no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type == REDIS_REPLY_NIL) {
		freeReplyObject(r);
		return dt_op_error(error, DT_OP_FAIL, "held by another");
	}
	if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0)
		return redis_unexpected(r, error, "SET NX");
	freeReplyObject(r);
	snprintf(k->lock_key, sizeof(k->lock_key), "%s", key);
	snprintf(k->lock_token, sizeof(k->lock_token), "%s", token);
	k->lock_held = true;
	*result = json_pack("{s:s, s:I, s:s}", "key", key, "ttl_ms", ttl,
			    "token", token);
	return DT_OP_OK;
}

static dt_op_type do_release(redis_conn *k, json_t **result, char **error)
{
	const char *argv[5] = { "EVAL", RELEASE_SCRIPT, "1", k->lock_key,
				k->lock_token };
	redis_sent sent;
	redisReply *r;

	if (!k->lock_held)
		return dt_op_error(error, DT_OP_FAIL, "holds no lock");
	/* Whatever the outcome, this holder is done with it. */
	k->lock_held = false;
	r = redis_command(k, false, &sent, error, 5, argv, NULL);
	if (r == NULL)
		return redis_no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type != REDIS_REPLY_INTEGER)
		return redis_unexpected(r, error, "the release script");
	if (r->integer != 1) {
		freeReplyObject(r);
		return dt_op_error(error, DT_OP_FAIL, "not held: %s no longer "
				   "has token %s", k->lock_key, k->lock_token);
	}
	freeReplyObject(r);
	*result = json_pack("{s:s, s:s}", "key", k->lock_key, "token", k->lock_token);
	return DT_OP_OK;
}

dt_op_type redis_lock_invoke(redis_conn *k, const char *f, const json_t *value,
			     json_t **result, char **error)
{
	if (strcmp(f, "acquire") == 0)
		return do_acquire(k, value, result, error);
	if (strcmp(f, "release") == 0)
		return do_release(k, result, error);
	return dt_op_error(error, DT_OP_FAIL, "the lock has no operation '%s'", f);
}
