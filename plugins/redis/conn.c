/* SPDX-License-Identifier: MIT */
/*
 * conn.c: a worker's connections to redis: connecting within the
 * operation's deadline, asking the sentinels where the primary is after
 * a failover, dropping a connection after an I/O error or a demotion,
 * and sending one command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

struct timeval redis_timeval(double s)
{
	struct timeval tv;

	if (s < 0.001)
		s = 0.001;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

redisContext *redis_connect_ep(const dt_endpoint *ep, double seconds, char **error)
{
	redisContext *ctx = redisConnectWithTimeout(ep->host, ep->port,
						    redis_timeval(seconds));

	if (ctx == NULL) {
		*error = dt_strdupf("connect to %s (%s:%d): out of memory",
				    ep->name, ep->host, ep->port);
		return NULL;
	}
	if (ctx->err) {
		*error = dt_strdupf("connect to %s (%s:%d): %s", ep->name,
				    ep->host, ep->port, ctx->errstr);
		redisFree(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * After a failed connect it waits a little (bounded by the deadline) so
 * that a worker facing a dead server does not spin.
 */
int redis_ensure(redis_conn *k, redisContext **ctxp, size_t ep, char **error)
{
	double left = dt_deadline_left(&k->deadline);
	double *set = ctxp == &k->reader ? &k->reader_to : &k->primary_to;

	k->served_ep = (long)ep;
	if (left <= 0) {
		*error = strdup("timed out");
		return -1;
	}
	if (*ctxp == NULL) {
		*ctxp = redis_connect_ep(&k->c->eps[ep], left, error);
		if (*ctxp == NULL) {
			dt_deadline_nap(&k->deadline, 0.1);
			return -1;
		}
		*set = -1;
		left = dt_deadline_left(&k->deadline);
	}
	/* Two setsockopt calls a command add up: keep the timeout already
	 * set when it is at most 5ms shorter than what is left (never
	 * longer: the deadline holds). */
	if (*set > 0 && *set <= left && left - *set < 0.005)
		return 0;
	*set = left;
	if (redisSetTimeout(*ctxp, redis_timeval(left)) != REDIS_OK) {
		*error = strdup("cannot set the socket timeout");
		redisFree(*ctxp);
		*ctxp = NULL;
		return -1;
	}
	return 0;
}

void redis_lost(redisContext **ctxp, const dt_endpoint *ep, char **error)
{
	redisContext *ctx = *ctxp;
	bool timeout = ctx->err == REDIS_ERR_IO &&
		       (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT);

	free(*error);
	if (ctx->err == REDIS_ERR_PROTOCOL)
		*error = dt_strdupf("%s: malformed reply: %s", ep->name, ctx->errstr);
	else if (timeout || strstr(ctx->errstr, "Resource temporarily") != NULL ||
		 strstr(ctx->errstr, "timed out") != NULL)
		*error = dt_strdupf("%s: timed out", ep->name);
	else
		*error = dt_strdupf("%s: connection lost: %s", ep->name,
				    ctx->errstr[0] ? ctx->errstr : "closed");
	redisFree(ctx);
	*ctxp = NULL;
}

/*
 * Ask the sentinels where the primary is now (SENTINEL
 * get-master-addr-by-name) and point the connection at that node.  Best
 * effort within a short part of the deadline: without an answer the
 * primary stays as last known.
 */
static void discover_primary(redis_conn *k)
{
	redis_client *c = k->c;

	for (size_t n = 0; n < c->neps; n++) {
		size_t i = ((size_t)k->worker + n) % c->neps;
		dt_endpoint ep = c->eps[i];
		double left = dt_deadline_left(&k->deadline);
		char *error = NULL;
		redisContext *ctx;
		redisReply *r;

		if (left <= 0)
			return;
		ep.port = (int)c->sentinel_port;
		ctx = redis_connect_ep(&ep, left < 0.3 ? left : 0.3, &error);
		free(error);
		if (ctx == NULL)
			continue;
		redisSetTimeout(ctx, redis_timeval(left < 0.3 ? left : 0.3));
		r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", c->master_name);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING) {
			for (size_t j = 0; j < c->neps; j++)
				if (strcmp(c->eps[j].host, r->element[0]->str) == 0 &&
				    c->eps[j].port == atoi(r->element[1]->str))
					k->primary_ep = j;
			freeReplyObject(r);
			redisFree(ctx);
			return;
		}
		if (r != NULL)
			freeReplyObject(r);
		redisFree(ctx);
	}
}

/* A primary that became a replica (a failover) answers writes with
 * READONLY: drop the connection so that the next one asks again. */
static void demoted(redis_conn *k, redisContext **ctxp, const redisReply *r)
{
	if (ctxp != &k->primary || r->type != REDIS_REPLY_ERROR || r->str == NULL)
		return;
	if (strncmp(r->str, "READONLY", 8) == 0 || strncmp(r->str, "MASTERDOWN", 10) == 0) {
		redisFree(*ctxp);
		*ctxp = NULL;
	}
}

/* The connection a command goes to, connected, or NULL with *error
 * (and *sent: nothing).  *ep gets its endpoint. */
static redisContext **ready(redis_conn *k, bool reader, redis_sent *sent,
			    char **error, size_t *ep)
{
	redisContext **ctxp = reader && k->c->read_mode != REDIS_READ_PRIMARY ?
			      &k->reader : &k->primary;

	*sent = REDIS_SENT_NOTHING;
	if (ctxp == &k->primary && *ctxp == NULL && k->c->sentinel)
		discover_primary(k);
	*ep = ctxp == &k->reader ? k->reader_ep : k->primary_ep;
	if (redis_ensure(k, ctxp, *ep, error) != 0)
		return NULL;
	*sent = REDIS_SENT_MAYBE;
	return ctxp;
}

/* What the command on *ctxp came back with: r, or NULL with *error when
 * the connection failed (then dropped). */
static redisReply *done(redis_conn *k, redisContext **ctxp, size_t ep,
			redisReply *r, char **error)
{
	if (r == NULL) {
		redis_lost(ctxp, &k->c->eps[ep], error);
		return NULL;
	}
	demoted(k, ctxp, r);
	return r;
}

redisReply *redis_command(redis_conn *k, bool reader, redis_sent *sent,
			  char **error, int argc, const char **argv,
			  const size_t *argvlen)
{
	size_t ep;
	redisContext **ctxp = ready(k, reader, sent, error, &ep);

	if (ctxp == NULL)
		return NULL;
	return done(k, ctxp, ep, redisCommandArgv(*ctxp, argc, argv, argvlen), error);
}

redisReply *redis_commandf(redis_conn *k, bool reader, redis_sent *sent,
			   char **error, const char *fmt, ...)
{
	size_t ep;
	redisContext **ctxp = ready(k, reader, sent, error, &ep);
	redisReply *r;
	va_list ap;

	if (ctxp == NULL)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(*ctxp, fmt, ap);
	va_end(ap);
	return done(k, ctxp, ep, r, error);
}

dt_op_type redis_no_reply(bool write, redis_sent sent)
{
	return write && sent == REDIS_SENT_MAYBE ? DT_OP_INFO : DT_OP_FAIL;
}

dt_op_type redis_error_reply(redisReply *r, char **error)
{
	dt_op_error(error, DT_OP_FAIL, "%s", r->str ? r->str : "error");
	freeReplyObject(r);
	return DT_OP_FAIL;
}

dt_op_type redis_unexpected(redisReply *r, char **error, const char *what)
{
	dt_op_error(error, DT_OP_INFO, "unexpected reply to %s (type %d)", what, r->type);
	freeReplyObject(r);
	return DT_OP_INFO;
}
