/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: the redis client's metrics: INFO from every node, on
 * connections of the metrics thread (kept between samples, dropped on an
 * error), parsed by info.c and cut down to the figures worth a graph.
 */
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "redis.h"

/* The figures kept from INFO. */
static const char *const INFO_FIELDS[] = {
	"role", "connected_slaves", "master_repl_offset", "slave_repl_offset",
	"master_link_status", "master_last_io_seconds_ago",
	"instantaneous_ops_per_sec", "total_commands_processed",
	"connected_clients", "used_memory", "rejected_connections",
	"sync_full", "sync_partial_ok", NULL
};

/* The figures of node i: {"up": true, FIELD: value, ...}, or {"up":
 * false, "error": why}. */
static json_t *node_metrics(void *data, size_t i)
{
	redis_client *c = data;
	double t = c->timeout < 1 ? c->timeout : 1;
	redisReply *r;
	json_t *info, *out;
	char *error = NULL;

	if (c->metrics_ctx[i] == NULL) {
		c->metrics_ctx[i] = redis_connect_ep(&c->eps[i], t, &error);
		if (c->metrics_ctx[i] == NULL)
			goto down;
	}
	redisSetTimeout(c->metrics_ctx[i], redis_timeval(t));
	r = redisCommand(c->metrics_ctx[i], "INFO");
	if (r == NULL) {
		redis_lost(&c->metrics_ctx[i], &c->eps[i], &error);
		goto down;
	}
	if (r->type != REDIS_REPLY_STRING) {
		error = dt_strdupf("INFO: %s", r->type == REDIS_REPLY_ERROR ?
				   r->str : "unexpected reply");
		freeReplyObject(r);
		goto down;
	}
	info = redis_info_parse(r->str, r->len);
	freeReplyObject(r);
	out = json_pack("{sb}", "up", 1);
	for (size_t f = 0; info != NULL && INFO_FIELDS[f] != NULL; f++) {
		json_t *v = json_object_get(info, INFO_FIELDS[f]);

		if (v != NULL)
			json_object_set(out, INFO_FIELDS[f], v);
	}
	json_decref(info);
	return out;
down:
	out = json_pack("{sbss}", "up", 0, "error", error ? error : "unreachable");
	free(error);
	return out;
}

json_t *redis_metrics(void *data)
{
	redis_client *c = data;

	return dt_endpoints_metrics(c->eps, c->neps, node_metrics, c);
}

/* The servers' version: redis_version of INFO server on every node
 * answering ("7.0.15", or "7.0.15,7.2.4" when they differ), or NULL. */
char *redis_version(void *data)
{
	redis_client *c = data;
	char *out = NULL;

	for (size_t i = 0; i < c->neps; i++) {
		char *error = NULL;
		redisContext *ctx = redis_connect_ep(&c->eps[i], c->timeout < 1 ?
						     c->timeout : 1, &error);
		redisReply *r;
		json_t *info;
		const char *v;

		free(error);
		if (ctx == NULL)
			continue;
		r = redisCommand(ctx, "INFO server");
		if (r != NULL && r->type == REDIS_REPLY_STRING) {
			info = redis_info_parse(r->str, r->len);
			v = json_string_value(json_object_get(info, "redis_version"));
			if (v != NULL && (out == NULL || strstr(out, v) == NULL)) {
				char *n = out ? dt_strdupf("%s,%s", out, v) : dt_strdupf("%s", v);

				free(out);
				out = n;
			}
			json_decref(info);
		}
		if (r != NULL)
			freeReplyObject(r);
		redisFree(ctx);
	}
	return out;
}
