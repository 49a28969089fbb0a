/* SPDX-License-Identifier: MIT */
/*
 * ops.c: the register and kv workloads on redis.  read/get: GET (on the
 * reader), write/put: SET, append: APPEND, cas: a Lua script comparing
 * the value.  Register values are stored as JSON text, kv values as raw
 * strings.
 */
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* The cas of the register: compare, then set, atomically. */
static const char CAS_SCRIPT[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 "
	"else return 0 end";

static dt_op_type do_read(redis_conn *k, const char *key, json_t **result, char **error)
{
	redis_sent sent;
	const char *argv[2] = { "GET", key };
	redisReply *r = redis_command(k, true, &sent, error, 2, argv, NULL);
	json_t *v;

	if (r == NULL)
		return redis_no_reply(false, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type == REDIS_REPLY_NIL)
		v = json_null();
	else if (r->type == REDIS_REPLY_STRING)
		v = dt_value_parse(r->str, r->len, k->c->workload == REDIS_WL_KV);
	else {
		dt_op_error(error, DT_OP_FAIL, "unexpected reply to GET (type %d)", r->type);
		freeReplyObject(r);
		return DT_OP_FAIL;
	}
	freeReplyObject(r);
	*result = json_pack("{ssso}", "key", key, "value", v);
	return DT_OP_OK;
}

static dt_op_type do_set(redis_conn *k, const char *cmd, const char *key,
			 const json_t *value, char **error)
{
	redis_sent sent;
	char *text = dt_value_text(value, k->c->workload == REDIS_WL_KV);
	const char *argv[3] = { cmd, key, text };
	redisReply *r;

	if (text == NULL)
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	r = redis_command(k, false, &sent, error, 3, argv, NULL);
	free(text);
	if (r == NULL)
		return redis_no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_INTEGER)
		return redis_unexpected(r, error, cmd);
	freeReplyObject(r);
	return DT_OP_OK;
}

static dt_op_type do_cas(redis_conn *k, const char *key, const json_t *value,
			 char **error)
{
	bool raw = k->c->workload == REDIS_WL_KV;
	redis_sent sent;
	char *from, *to;
	redisReply *r;
	dt_op_type t;

	if (!json_is_array(value) || json_array_size(value) != 2)
		return dt_op_error(error, DT_OP_FAIL, "cas takes [FROM, TO]");
	from = dt_value_text(json_array_get(value, 0), raw);
	to = dt_value_text(json_array_get(value, 1), raw);
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	}
	{
		const char *argv[6] = { "EVAL", CAS_SCRIPT, "1", key, from, to };

		r = redis_command(k, false, &sent, error, 6, argv, NULL);
	}
	free(from);
	free(to);
	if (r == NULL)
		return redis_no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type != REDIS_REPLY_INTEGER)
		return redis_unexpected(r, error, "the cas script");
	t = r->integer == 1 ? DT_OP_OK :
	    dt_op_error(error, DT_OP_FAIL, "cas mismatch");
	freeReplyObject(r);
	return t;
}

dt_op_type redis_keyed_invoke(redis_conn *k, const char *f, const json_t *arg,
			      json_t **result, char **error)
{
	const char *key;
	const json_t *v;

	switch (dt_keyed_parse(f, arg, "redis", &key, &v, error)) {
	case DT_KEYED_READ:
		return do_read(k, key, result, error);
	case DT_KEYED_WRITE:
		return do_set(k, "SET", key, v, error);
	case DT_KEYED_APPEND:
		return do_set(k, "APPEND", key, v, error);
	case DT_KEYED_CAS:
		return do_cas(k, key, v, error);
	case DT_KEYED_NONE:
		break;
	}
	return DT_OP_FAIL;
}
