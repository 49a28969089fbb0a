/*
 * set.c: the set workload on redis: add is SADD of the element's
 * decimal text to one set (dt:set) on the primary, read is SMEMBERS on
 * the reader, answered as a sorted list of integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

static dt_op_type set_add(redis_conn *k, const json_t *value, char **error)
{
	char text[32];
	const char *argv[3] = { "SADD", REDIS_SET_KEY, text };
	redis_sent sent;
	redisReply *r;

	if (!json_is_integer(value))
		return dt_op_error(error, DT_OP_FAIL, "add takes an integer");
	snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
	r = redis_command(k, false, &sent, error, 3, argv, NULL);
	if (r == NULL)
		return redis_no_reply(true, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type != REDIS_REPLY_INTEGER)
		return redis_unexpected(r, error, "SADD");
	freeReplyObject(r);
	return DT_OP_OK;
}

static int cmp_int(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

static dt_op_type set_read(redis_conn *k, json_t **result, char **error)
{
	const char *argv[2] = { "SMEMBERS", REDIS_SET_KEY };
	redis_sent sent;
	redisReply *r = redis_command(k, true, &sent, error, 2, argv, NULL);
	json_int_t *v;
	size_t n = 0;

	if (r == NULL)
		return redis_no_reply(false, sent);
	if (r->type == REDIS_REPLY_ERROR)
		return redis_error_reply(r, error);
	if (r->type != REDIS_REPLY_ARRAY) {
		dt_op_error(error, DT_OP_FAIL, "unexpected reply to SMEMBERS (type %d)",
			    r->type);
		freeReplyObject(r);
		return DT_OP_FAIL;
	}
	v = malloc((r->elements + 1) * sizeof(*v));
	if (v == NULL) {
		freeReplyObject(r);
		return dt_op_error(error, DT_OP_FAIL, "out of memory");
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		char *end;
		long long x;

		if (e->type != REDIS_REPLY_STRING)
			continue;
		x = strtoll(e->str, &end, 10);
		if (end == e->str || *end != '\0') {
			free(v);
			freeReplyObject(r);
			return dt_op_error(error, DT_OP_FAIL, "a member of %s that is "
					   "not an integer", REDIS_SET_KEY);
		}
		v[n++] = (json_int_t)x;
	}
	freeReplyObject(r);
	qsort(v, n, sizeof(*v), cmp_int);
	*result = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*result, json_integer(v[i]));
	free(v);
	return DT_OP_OK;
}

dt_op_type redis_set_invoke(redis_conn *k, const char *f, const json_t *value,
			    json_t **result, char **error)
{
	if (strcmp(f, "add") == 0)
		return set_add(k, value, error);
	if (strcmp(f, "read") == 0)
		return set_read(k, result, error);
	return dt_op_error(error, DT_OP_FAIL, "the set has no operation '%s'", f);
}
