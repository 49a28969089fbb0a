/*
 * roles.c: which node is the primary now, for faults aimed at a role
 * (dt_client_type.roles).  Runs on the nemesis thread beside the
 * workers and the metrics thread, so it opens connections of its own
 * and closes them before it returns (within about a second).
 *
 * Each node's INFO replication says what it believes (role:master or
 * role:slave).  With sentinel: true the sentinels decide: the node a
 * majority of them names (SENTINEL get-master-addr-by-name) is the
 * primary, and a node that still believes itself a primary against
 * them is "stale-primary" (a split brain), not a replica.  Without
 * sentinels, or when no majority answers, the node that says master
 * with the most connected replicas is the primary.
 */
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "redis.h"

#define ROLE_TIMEOUT 0.3

/* One command on a connection of its own to ep; the reply or NULL. */
static redisReply *ask(const dt_endpoint *ep, const char *cmd, const char *arg)
{
	char *error = NULL;
	redisContext *ctx = redis_connect_ep(ep, ROLE_TIMEOUT, &error);
	redisReply *r;

	free(error);
	if (ctx == NULL)
		return NULL;
	redisSetTimeout(ctx, redis_timeval(ROLE_TIMEOUT));
	r = arg != NULL ? redisCommand(ctx, "%s %s", cmd, arg) :
			  redisCommand(ctx, "%s", cmd);
	redisFree(ctx);
	return r;
}

/* What node i says it is: 1 master, 2 replica, 0 unreachable; its
 * connected replicas in *slaves. */
static int node_role(const redis_client *c, size_t i, long long *slaves)
{
	redisReply *r = ask(&c->eps[i], "INFO", "replication");
	json_t *info;
	const char *role;
	int kind = 0;

	*slaves = 0;
	if (r == NULL)
		return 0;
	if (r->type == REDIS_REPLY_STRING) {
		info = redis_info_parse(r->str, r->len);
		role = json_string_value(json_object_get(info, "role"));
		kind = role == NULL ? 0 : strcmp(role, "master") == 0 ? 1 : 2;
		*slaves = json_integer_value(json_object_get(info, "connected_slaves"));
		json_decref(info);
	}
	freeReplyObject(r);
	return kind;
}

/* The endpoint a majority of the sentinels names as the primary, or -1. */
static long sentinels_primary(const redis_client *c)
{
	size_t *votes = calloc(c->neps + 1, sizeof(*votes));
	long best = -1;

	if (votes == NULL)
		return -1;
	for (size_t i = 0; i < c->neps; i++) {
		dt_endpoint ep = c->eps[i];
		redisReply *r;

		ep.port = (int)c->sentinel_port;
		r = ask(&ep, "SENTINEL get-master-addr-by-name", c->master_name);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING)
			for (size_t j = 0; j < c->neps; j++)
				if (strcmp(c->eps[j].host, r->element[0]->str) == 0 &&
				    c->eps[j].port == atoi(r->element[1]->str))
					votes[j]++;
		if (r != NULL)
			freeReplyObject(r);
	}
	for (size_t j = 0; j < c->neps; j++)
		if (votes[j] > c->neps / 2)
			best = (long)j;
	free(votes);
	return best;
}

json_t *redis_roles(void *data)
{
	redis_client *c = data;
	int *kind = calloc(c->neps + 1, sizeof(*kind));
	long long *slaves = calloc(c->neps + 1, sizeof(*slaves));
	long primary = -1;
	json_t *out = NULL;

	if (kind == NULL || slaves == NULL)
		goto done;
	for (size_t i = 0; i < c->neps; i++)
		kind[i] = node_role(c, i, &slaves[i]);
	if (c->sentinel)
		primary = sentinels_primary(c);
	if (primary < 0)
		for (size_t i = 0; i < c->neps; i++)
			if (kind[i] == 1 && (primary < 0 || slaves[i] > slaves[primary]))
				primary = (long)i;
	out = json_object();
	for (size_t i = 0; i < c->neps; i++) {
		const char *role = kind[i] == 0 ? "down" :
				   (long)i == primary ? "primary" :
				   kind[i] == 1 ? "stale-primary" : "replica";

		json_object_set_new(out, c->eps[i].name, json_string(role));
	}
done:
	free(kind);
	free(slaves);
	return out;
}
