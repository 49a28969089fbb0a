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
 * Workloads: register and kv (ops.c), bank (bank.c); setup.c writes the
 * data they start from.
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

static void redis_close(void *data)
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
	if (strcmp(w, "register") == 0) {
		c->workload = REDIS_WL_REGISTER;
		return 0;
	}
	return dt_fail(err, "redis implements the bank, register and kv "
		       "workloads, not '%s'", w);
}

static void *redis_open(const dt_client_env *env, char *err)
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
	if (dt_conf_string(env->config, "read-from", "primary", &read_from, err) ||
	    dt_conf_string(env->config, "primary", c->eps[0].name, &primary, err) ||
	    dt_conf_bool(env->config, "flush", true, &c->flush, err) ||
	    dt_conf_bool(env->config, "sentinel", false, &c->sentinel, err) ||
	    dt_conf_int(env->config, "sentinel-port", 26379, 1, 65535,
			&c->sentinel_port, err) ||
	    dt_conf_string(env->config, "master-name", "dt", &c->master_name, err))
		goto fail;
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
	redis_close(c);
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

static dt_op_type redis_invoke(void *data, const char *f, const json_t *value,
			       json_t **result, char **error)
{
	redis_conn *k = data;

	dt_deadline_set(&k->deadline, k->c->timeout);
	if (k->c->workload != REDIS_WL_BANK)
		return redis_keyed_invoke(k, f, value, result, error);
	if (strcmp(f, "read") == 0)
		return redis_bank_read(k, result, error);
	if (strcmp(f, "transfer") == 0)
		return redis_bank_transfer(k, value, error);
	return dt_op_error(error, DT_OP_FAIL, "the bank has no operation '%s'", f);
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
	.info = { "redis", "1.0",
		  "redis-server through hiredis: bank, register, kv; INFO metrics" },
	.open = redis_open,
	.setup = redis_setup,
	.connect = redis_connect,
	.invoke = redis_invoke,
	.disconnect = redis_disconnect,
	.close = redis_close,
	.metrics = redis_metrics,
};

static int redis_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &redis_client_type);
}

DT_PLUGIN_DEFINE(redis_plugin)
