/* SPDX-License-Identifier: MIT */
/*
 * client.c: the client of redis-server, on hiredis: its configuration,
 * its callbacks, and the plugin's entry point.
 *
 *   client:
 *     name: redis
 *     read-from: primary      # primary (default), replica (any replica,
 *                             # spread over workers), or a node name
 *     primary: n1             # the primary's node name (default: the first)
 *     endpoints: [127.0.0.1:6379]  # when the chart has no nodes: an
 *                             # external server (first = primary)
 *     flush: true             # setup empties the database (register, kv)
 *     sentinel: false         # ask the sentinels (sentinel-port: 26379,
 *                             # master-name: dt) where the primary is,
 *                             # on every reconnect: follows failovers
 *
 * One connection per worker (two when reads go to another node), opened
 * lazily and dropped after any I/O error so the next operation
 * reconnects (conn.c).  Every operation runs against a deadline of
 * env->timeout: each socket wait gets what is left of it.
 *
 * Workloads: register and kv (ops.c), bank (bank.c), set (set.c), lock
 * (lock.c: SET NX PX, compare-and-delete); setup.c writes the data they
 * start from.
 *
 * Roles (roles.c): which node is the primary now, for faults aimed at
 * it (`target: primary`): the sentinels' majority when sentinel is on,
 * else what each node's INFO replication says.
 *
 * Outcomes: an error reply is a fail (redis executed nothing); a lost
 * connection or timeout after a write was sent is info; a read that
 * could not complete is a fail (a read changes nothing).
 *
 * Metrics: INFO from every node (metrics.c, parsed by info.c).
 */
#include <stdlib.h>
#include <string.h>

#include "redis.h"

static void redis_destroy(void *data)
{
	redis_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_ctx != NULL && i < c->neps; i++)
		if (c->metrics_ctx[i] != NULL)
			redisFree(c->metrics_ctx[i]);
	free(c->metrics_ctx);
	free(c->eps);
	free(c);
}

/* read-from: primary, replica or a node's name. */
static int read_mode_conf(redis_client *c, const json_t *config,
			  const char *read_from, char *err)
{
	long i = dt_endpoints_find(c->eps, c->neps, read_from);

	if (strcmp(read_from, "primary") == 0) {
		c->read_mode = REDIS_READ_PRIMARY;
	} else if (strcmp(read_from, "replica") == 0) {
		if (c->neps < 2)
			return dt_conf_fail(config, "read-from", err,
					    "replica reads need at least 2 nodes");
		c->read_mode = REDIS_READ_REPLICA;
	} else if (i >= 0) {
		c->read_node = (size_t)i;
		c->read_mode = c->read_node == c->primary ? REDIS_READ_PRIMARY :
			       REDIS_READ_NODE;
	} else {
		return dt_conf_fail(config, "read-from", err, "expected primary, "
				    "replica or a node name, not '%s'", read_from);
	}
	return 0;
}

/* The workload and, for the bank, its accounts. */
static int workload_conf(redis_client *c, const dt_client_env *env, char *err)
{
	const char *w = env->workload != NULL ? env->workload : "register";

	if (strcmp(w, "bank") == 0) {
		c->workload = REDIS_WL_BANK;
		return dt_conf_int(env->workload_config, "accounts", 5, 2,
				   REDIS_MAX_ACCOUNTS, &c->accounts, err) ||
		       dt_conf_int(env->workload_config, "balance", 10000, 0,
				   1000000000000LL, &c->balance, err) ? -1 : 0;
	}
	if (strcmp(w, "kv") == 0) {
		c->workload = REDIS_WL_KV;
		return 0;
	}
	if (strcmp(w, "set") == 0) {
		c->workload = REDIS_WL_SET;
		return 0;
	}
	if (strcmp(w, "register") == 0) {
		c->workload = REDIS_WL_REGISTER;
		return 0;
	}
	if (strcmp(w, "lock") == 0) {
		c->workload = REDIS_WL_LOCK;
		return 0;
	}
	return dt_fail(err, "redis implements the bank, register, kv, set and lock "
		       "workloads, not '%s'", w);
}

static void *redis_create(const dt_client_env *env, char *err)
{
	redis_client *c = calloc(1, sizeof(*c));
	const char *read_from, *primary;
	long i;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	c->eps = dt_endpoints_get(env->config, env->nodes, env->nnodes, "", 6379,
				  &c->neps, err);
	if (c->eps == NULL)
		goto fail;
	read_from = dt_opt_string(env->config, "read-from");
	primary = dt_opt_string(env->config, "primary");
	if (primary == NULL)
		primary = c->eps[0].name;
	c->flush = dt_opt_bool(env->config, "flush");
	c->sentinel = dt_opt_bool(env->config, "sentinel");
	c->sentinel_port = dt_opt_int(env->config, "sentinel-port");
	c->master_name = dt_opt_string(env->config, "master-name");
	i = dt_endpoints_find(c->eps, c->neps, primary);
	if (i < 0) {
		dt_conf_fail(env->config, "primary", err, "no node named '%s'", primary);
		goto fail;
	}
	c->primary = (size_t)i;
	if (read_mode_conf(c, env->config, read_from, err) != 0 ||
	    workload_conf(c, env, err) != 0)
		goto fail;
	c->metrics_ctx = calloc(c->neps, sizeof(*c->metrics_ctx));
	if (c->metrics_ctx == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	redis_destroy(c);
	return NULL;
}

static void *redis_connect(void *data, int worker, char *err)
{
	redis_client *c = data;
	redis_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->worker = worker;
	k->primary_ep = c->primary;
	k->primary_to = k->reader_to = -1;
	if (c->read_mode == REDIS_READ_NODE) {
		k->reader_ep = c->read_node;
	} else if (c->read_mode == REDIS_READ_REPLICA) {
		/* The replicas are every node but the primary: spread the
		 * workers over them. */
		size_t i = (size_t)worker % (c->neps - 1);

		k->reader_ep = i >= c->primary ? i + 1 : i;
	}
	/* Connections open lazily, in invoke, within the op's deadline. */
	return k;
}

static dt_op_type invoke(redis_conn *k, const char *f, const json_t *value,
			 dt_reply *r)
{
	if (k->c->workload == REDIS_WL_LOCK)
		return redis_lock_invoke(k, f, value, &r->value, &r->error);
	if (k->c->workload == REDIS_WL_SET)
		return redis_set_invoke(k, f, value, &r->value, &r->error);
	if (k->c->workload != REDIS_WL_BANK)
		return redis_keyed_invoke(k, f, value, &r->value, &r->error);
	if (strcmp(f, "read") == 0)
		return redis_bank_read(k, &r->value, &r->error);
	if (strcmp(f, "transfer") == 0)
		return redis_bank_transfer(k, value, &r->error);
	return dt_op_error(&r->error, DT_OP_FAIL, "the bank has no operation '%s'", f);
}

static dt_op_type redis_invoke(void *data, const char *f, const json_t *value,
			       dt_reply *r)
{
	redis_conn *k = data;
	dt_op_type t;

	dt_deadline_set(&k->deadline, k->c->timeout);
	k->served_ep = -1;
	t = invoke(k, f, value, r);
	if (k->served_ep >= 0 && (size_t)k->served_ep < k->c->neps)
		r->node = k->c->eps[k->served_ep].name;
	return t;
}

static const char *const redis_ops[] = {
	"read", "write", "cas", "get", "put", "append", "transfer", "add",
	"acquire", "release", NULL
};

static const dt_option redis_options[] = {
	{ .name = "read-from", .type = DT_OPT_STRING, .def = "primary",
	  .doc = "primary, replica (any replica, spread over workers) or a node's name" },
	{ .name = "primary", .type = DT_OPT_STRING,
	  .doc = "the primary's node name (default: the first node)" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: HOST:PORT of external servers "
		 "(the first is the primary)" },
	{ .name = "flush", .type = DT_OPT_BOOL, .def = "true",
	  .doc = "prepare empties the database first (register, kv)" },
	{ .name = "sentinel", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "ask the sentinels where the primary is on every reconnect "
		 "(follows failovers)" },
	{ .name = "sentinel-port", .type = DT_OPT_INT, .def = "26379", .min = 1,
	  .max = 65535, .doc = "the sentinels' port on each node" },
	{ .name = "master-name", .type = DT_OPT_STRING, .def = "dt",
	  .doc = "the name the sentinels monitor the primary by" },
	{ .name = NULL }
};

static int redis_validate(const dt_validate_env *env, char *err)
{
	const char *w = env->workload;
	const char *rf = dt_opt_string(env->config, "read-from");

	if (w != NULL && strcmp(w, "bank") != 0 && strcmp(w, "kv") != 0 &&
	    strcmp(w, "register") != 0 && strcmp(w, "set") != 0 &&
	    strcmp(w, "lock") != 0)
		return dt_conf_fail(env->config, "name", err, "redis implements "
				    "the bank, register, kv, set and lock workloads, "
				    "not %s", w);
	if (strcmp(rf, "replica") == 0 && env->nnodes == 1)
		return dt_conf_fail(env->config, "read-from", err,
				    "replica reads need at least 2 nodes");
	return 0;
}

static void redis_disconnect(void *data)
{
	redis_conn *k = data;

	if (k == NULL)
		return;
	if (k->primary != NULL)
		redisFree(k->primary);
	if (k->reader != NULL)
		redisFree(k->reader);
	free(k);
}

static const dt_client_type redis_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "redis", .version = "1.0",
		  .description = "redis-server through hiredis: bank, register, kv, set, "
				 "lock; INFO metrics; roles",
		  .options = redis_options, .validate = redis_validate },
	.operations = redis_ops,
	.create = redis_create,
	.prepare = redis_setup,
	.connect = redis_connect,
	.invoke = redis_invoke,
	.disconnect = redis_disconnect,
	.destroy = redis_destroy,
	.metrics = redis_metrics,
	.roles = redis_roles,
	.version = redis_version,
};

static int redis_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &redis_client_type);
}

DT_PLUGIN_DEFINE(redis_plugin)
