/* SPDX-License-Identifier: MIT */
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
 * txn (http.c); revisions and watch (revops.c, watch.c): the kv store's
 * and the leases' operations reporting etcd's revisions, compaction, and
 * watch sessions on the gateway's stream.
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

static const char *const etcd_reads[] = { "linearizable", "serializable", NULL };

static void etcd_destroy(void *data)
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

static void *etcd_create(const dt_client_env *env, char *err)
{
	etcd_client *c = calloc(1, sizeof(*c));
	const char *node;

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
	c->serializable = dt_opt_enum(env->config, "reads", etcd_reads) == 1;
	node = dt_opt_string(env->config, "node");
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
	} else if (strcmp(env->workload, "set") == 0) {
		c->workload = ETCD_WL_SET;
	} else if (strcmp(env->workload, "revisions") == 0 ||
		   strcmp(env->workload, "watch") == 0) {
		c->workload = ETCD_WL_REV;
	} else {
		dt_fail(err, "etcd implements the register, kv, set, revisions and "
			"watch workloads, not '%s'", env->workload);
		goto fail;
	}
	c->metrics_h = calloc(c->neps, sizeof(*c->metrics_h));
	if (c->metrics_h == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	etcd_destroy(c);
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
	json_decref(k->seen);
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
			      dt_reply *r)
{
	etcd_conn *k = data;

	dt_deadline_set(&k->deadline, k->c->timeout);
	r->node = k->c->eps[k->ep].name;
	if (k->c->workload == ETCD_WL_SET)
		return etcd_set_invoke(k, f, value, &r->value, &r->error);
	if (k->c->workload == ETCD_WL_REV)
		return etcd_rev_invoke(k, f, value, &r->value, &r->error);
	return etcd_keyed_invoke(k, f, value, &r->value, &r->error);
}

static const char *const etcd_ops[] = {
	"read", "write", "cas", "get", "put", "append", "add",
	"range", "delete", "txn", "grant", "revoke", "compact", "watch", NULL
};

static const dt_option etcd_options[] = {
	{ .name = "reads", .type = DT_OPT_ENUM, .def = "linearizable",
	  .values = etcd_reads,
	  .doc = "linearizable, or serializable (answered by the local member, "
		 "possibly stale)" },
	{ .name = "node", .type = DT_OPT_STRING,
	  .doc = "every worker on this node (default: workers spread over the nodes)" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: http://HOST:PORT of the members" },
	{ .name = NULL }
};

static int etcd_validate(const dt_validate_env *env, char *err)
{
	const char *w = env->workload;

	if (w != NULL && strcmp(w, "register") != 0 && strcmp(w, "kv") != 0 &&
	    strcmp(w, "set") != 0 &&
	    strcmp(w, "revisions") != 0 && strcmp(w, "watch") != 0)
		return dt_conf_fail(env->config, "name", err, "etcd implements the "
				    "register, kv, set, revisions and watch workloads, "
				    "not %s", w);
	return 0;
}

static const dt_client_type etcd_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "etcd", .version = "1.0",
		  .description = "etcd v3 through its JSON gateway: register, kv, revisions, watch; Prometheus metrics",
		  .options = etcd_options, .validate = etcd_validate },
	.operations = etcd_ops,
	.create = etcd_create,
	.connect = etcd_connect,
	.invoke = etcd_invoke,
	.disconnect = etcd_disconnect,
	.destroy = etcd_destroy,
	.metrics = etcd_metrics,
	.version = etcd_version,
	.roles = etcd_roles,
};

static int etcd_plugin(dt_registry *reg)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return dt_register_client(reg, &etcd_client_type);
}

DT_PLUGIN_DEFINE(etcd_plugin)
