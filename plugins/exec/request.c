/* SPDX-License-Identifier: MIT */
/*
 * request.c: the JSON of the exec protocol's requests (see
 * dt-exec-client(7)), and the shape of the value an ok reply records.
 */
#include <stdio.h>
#include <string.h>

#include "exec.h"

/* "host:port" of an endpoint (port 0: the host alone). */
static json_t *address(const dt_endpoint *ep)
{
	char a[96];

	if (ep->port > 0)
		snprintf(a, sizeof(a), "%s:%d", ep->host, ep->port);
	else
		snprintf(a, sizeof(a), "%s", ep->host);
	return json_string(a);
}

static int add_node(json_t *req, const exec_client *c, long node)
{
	if (node < 0 || (size_t)node >= c->neps)
		return 0;
	return json_object_set_new(req, "node", json_string(c->eps[node].name)) |
	       json_object_set_new(req, "address", address(&c->eps[node]));
}

json_t *exec_request_open(const exec_client *c, int worker, long node)
{
	json_t *req, *nodes = json_array();

	for (size_t i = 0; nodes != NULL && i < c->neps; i++)
		json_array_append_new(nodes, json_pack("{ssso sssi}",
			"name", c->eps[i].name, "address", address(&c->eps[i]),
			"host", c->eps[i].host, "port", c->eps[i].port));
	req = json_pack("{sssisiss sfso}", "type", "open",
			"protocol", EXEC_PROTOCOL, "worker", worker,
			"workload", c->workload, "timeout", c->timeout,
			"nodes", nodes);
	if (req != NULL && add_node(req, c, node) != 0) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *exec_request_invoke(const exec_client *c, const char *f,
			    const json_t *value, long node)
{
	json_t *req = json_pack("{ssss}", "type", "invoke", "f", f);
	const json_t *key = json_object_get(value, "key");
	int rc = 0;

	if (req == NULL)
		return NULL;
	if (json_is_object(value) && key != NULL) {
		const json_t *v = json_object_get(value, "value");

		rc |= json_object_set(req, "key", (json_t *)key);
		rc |= json_object_set_new(req, "value", v != NULL ?
					  json_deep_copy(v) : json_null());
	} else {
		rc |= json_object_set_new(req, "value", value != NULL ?
					  json_deep_copy(value) : json_null());
	}
	rc |= add_node(req, c, node);
	if (rc != 0) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *exec_request_plain(const char *type)
{
	return json_pack("{ss}", "type", type);
}

json_t *exec_result(const json_t *arg, json_t *value)
{
	const json_t *key = json_object_get(arg, "key");

	if (value == NULL)
		return NULL; /* the invoke's value is recorded */
	if (!json_is_object(arg) || key == NULL)
		return value;
	return json_pack("{sOso}", "key", key, "value", value);
}
