/*
 * client.c: the client of etcd v3 through its JSON gateway (libcurl and
 * jansson), no gRPC needed: its configuration, its callbacks, and the
 * plugin's entry point.
 *
 *   client:
 *     name: etcd
 *     reads: linearizable     # or serializable (answered by the local
 *                             # member, possibly stale)
 *     node: n2                # every worker on this node (default:
 *                             # workers spread over the nodes)
 *     endpoints: [http://127.0.0.1:2379]  # when the chart has no nodes
 *
 * Workloads: register and kv (ops.c), as POSTs to /v3/kv/range, put and
 * txn (http.c).
 *
 * Outcomes: a request that never reached the server (connection
 * refused) fails; a write whose answer was lost (timeout, reset, an
 * error from the server such as "request timed out" or "leader
 * changed", a malformed reply) is info; a read that did not complete
 * fails.  Every operation ends within env->timeout.
 *
 * Replies are parsed by reply.c.  Metrics: GET /metrics on every node
 * (metrics.c).
 */
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

static void etcd_close(void *data)
{
	etcd_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_h != NULL && i < c->neps; i++)
		if (c->metrics_h[i] != NULL)
			curl_easy_cleanup(c->metrics_h[i]);
	free(c->metrics_h);
	free(c->eps);
	free(c);
}

static void *etcd_open(const dt_client_env *env, char *err)
{
	etcd_client *c = calloc(1, sizeof(*c));
	const char *reads, *node;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	c->node = -1;
	c->eps = dt_endpoints_get(env->config, env->nodes, env->nnodes, "http://",
				  2379, &c->neps, err);
	if (c->eps == NULL)
		goto fail;
	if (dt_conf_string(env->config, "reads", "linearizable", &reads, err) ||
	    dt_conf_string(env->config, "node", NULL, &node, err))
		goto fail;
	if (strcmp(reads, "serializable") == 0) {
		c->serializable = true;
	} else if (strcmp(reads, "linearizable") != 0) {
		dt_conf_fail(env->config, "reads", err, "expected linearizable "
			     "or serializable, not '%s'", reads);
		goto fail;
	}
	if (node != NULL) {
		c->node = dt_endpoints_find(c->eps, c->neps, node);
		if (c->node < 0) {
			dt_conf_fail(env->config, "node", err, "no node named '%s'", node);
			goto fail;
		}
	}
	if (env->workload == NULL || strcmp(env->workload, "register") == 0) {
		c->workload = ETCD_WL_REGISTER;
	} else if (strcmp(env->workload, "kv") == 0) {
		c->workload = ETCD_WL_KV;
	} else {
		dt_fail(err, "etcd implements the register and kv workloads, "
			"not '%s'", env->workload);
		goto fail;
	}
	c->metrics_h = calloc(c->neps, sizeof(*c->metrics_h));
	if (c->metrics_h == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	etcd_close(c);
	return NULL;
}

static void etcd_disconnect(void *data)
{
	etcd_conn *k = data;

	if (k == NULL)
		return;
	if (k->h != NULL)
		curl_easy_cleanup(k->h);
	curl_slist_free_all(k->headers);
	free(k->body.data);
	free(k);
}

static void *etcd_connect(void *data, int worker, char *err)
{
	etcd_client *c = data;
	etcd_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->ep = c->node >= 0 ? (size_t)c->node : (size_t)worker % c->neps;
	k->headers = curl_slist_append(NULL, "Content-Type: application/json");
	k->h = etcd_handle_new(&k->body, k->errbuf, k->headers);
	if (k->h == NULL || k->headers == NULL) {
		etcd_disconnect(k);
		dt_fail(err, "cannot make a curl handle");
		return NULL;
	}
	return k;
}

static dt_op_type etcd_invoke(void *data, const char *f, const json_t *value,
			      json_t **result, char **error)
{
	etcd_conn *k = data;

	dt_deadline_set(&k->deadline, k->c->timeout);
	return etcd_keyed_invoke(k, f, value, result, error);
}

static const dt_client_type etcd_client_type = {
	.info = { "etcd", "1.0",
		  "etcd v3 through its JSON gateway: register, kv; Prometheus metrics" },
	.open = etcd_open,
	.connect = etcd_connect,
	.invoke = etcd_invoke,
	.disconnect = etcd_disconnect,
	.close = etcd_close,
	.metrics = etcd_metrics,
};

static int etcd_plugin(dt_registry *reg)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return dt_register_client(reg, &etcd_client_type);
}

DT_PLUGIN_DEFINE(etcd_plugin)
