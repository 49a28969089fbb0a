/* SPDX-License-Identifier: MIT */
/*
 * client.c: the http client: a system that speaks HTTP tested with no
 * code at all, each operation of the workload a request template and
 * reply rules in the suite (ops.c has the shape of one):
 *
 *   client:
 *     name: http
 *     port: 2379                      # a node's port when the chart has none
 *     headers: {Content-Type: application/json}   # every request
 *     operations:
 *       read:  {method: POST, path: /v3/kv/range, body: ..., replies: [...]}
 *       write: {...}
 *     replies:                        # after each op's own
 *       - {status: 4xx, type: fail}
 *
 * Variables: {key} and {value} (the workload's argument; a cas's value
 * is [FROM, TO], also {from} and {to}), {node} (the node's name).
 * Outcomes: the first rule that takes the reply; none is unknown (info,
 * fail for read-only operations); a request that never reached the
 * server fails, one whose answer was lost is info (fail when read-only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"

typedef struct http_worker {
	http_client *c;
	size_t ep;
	http_conn *conn;
} http_worker;

static const char *const http_schemes[] = { "http", "https", NULL };
static const char *const rule_types[] = { "ok", "fail", "info", NULL };

static const dt_option if_fields[] = {
	{ .name = "pointer", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "a JSON pointer into the reply's body (/succeeded)" },
	{ .name = "equals", .type = DT_OPT_ANY,
	  .doc = "the value it must have (default: any, as long as it is there)" },
	{ .name = NULL }
};

static const dt_option rule_fields[] = {
	{ .name = "status", .type = DT_OPT_ANY,
	  .doc = "200, \"4xx\", \"200-204\" or a list of them (default: any)" },
	{ .name = "if", .type = DT_OPT_OBJECT, .fields = if_fields,
	  .doc = "and the JSON body has this at pointer" },
	{ .name = "type", .type = DT_OPT_ENUM, .values = rule_types,
	  .flags = DT_OPT_REQUIRED, .doc = "what such a reply means" },
	{ .name = "value", .type = DT_OPT_STRING,
	  .doc = "ok: a JSON pointer to the value read (missing: null), or body" },
	{ .name = "decode", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "steps from the value found to the value read: base64, json" },
	{ .name = "error", .type = DT_OPT_STRING,
	  .doc = "fail, info: the reason recorded (default: HTTP STATUS: body)" },
	{ .name = NULL }
};

static const dt_option op_fields[] = {
	{ .name = "method", .type = DT_OPT_STRING, .def = "GET",
	  .doc = "GET, PUT, POST, DELETE, ..." },
	{ .name = "path", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the URL's path and query, a template" },
	{ .name = "headers", .type = DT_OPT_MAP, .item = DT_OPT_STRING,
	  .doc = "more headers, values are templates" },
	{ .name = "body", .type = DT_OPT_STRING, .doc = "the body, a template" },
	{ .name = "read-only", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "it changes nothing: an unknown outcome is a fail" },
	{ .name = "replies", .type = DT_OPT_LIST, .item = DT_OPT_OBJECT,
	  .fields = rule_fields, .doc = "rules, the first that takes a reply decides" },
	{ .name = NULL }
};

static const dt_option http_options[] = {
	{ .name = "operations", .type = DT_OPT_MAP, .item = DT_OPT_OBJECT,
	  .fields = op_fields, .flags = DT_OPT_REQUIRED,
	  .doc = "each operation of the workload: its request and reply rules" },
	{ .name = "replies", .type = DT_OPT_LIST, .item = DT_OPT_OBJECT,
	  .fields = rule_fields, .doc = "rules tried after each operation's own" },
	{ .name = "headers", .type = DT_OPT_MAP, .item = DT_OPT_STRING,
	  .doc = "headers of every request, values are templates" },
	{ .name = "scheme", .type = DT_OPT_ENUM, .def = "http", .values = http_schemes,
	  .doc = "http or https" },
	{ .name = "insecure", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "https: do not check the server's certificate" },
	{ .name = "port", .type = DT_OPT_INT, .def = "80", .min = 1, .max = 65535,
	  .doc = "a node's port when the chart gives it none" },
	{ .name = "node", .type = DT_OPT_STRING,
	  .doc = "every worker on this node (default: workers spread over the nodes)" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: HOST:PORT of the servers" },
	{ .name = NULL }
};

static void free_headers(char **names, http_template *values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		http_template_free(&values[i]);
	}
	free(names);
	free(values);
}

static void http_destroy(void *data)
{
	http_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nops; i++)
		http_op_free(&c->ops[i]);
	free(c->ops);
	for (size_t i = 0; i < c->nrules; i++)
		http_rule_free(&c->rules[i]);
	free(c->rules);
	free_headers(c->hnames, c->hvalues, c->nheaders);
	free(c->scheme);
	free(c->eps);
	free(c);
}

/* The client's sections (operations, replies, headers) into c: what
 * create keeps and validate throws away.  0, or -1 with err. */
static int parse_all(http_client *c, const json_t *config, char *err)
{
	const json_t *ops = dt_opt(config, "operations"), *headers, *v;
	const char *name;

	c->ops = calloc(json_object_size(ops) + 1, sizeof(*c->ops));
	if (c->ops == NULL)
		return dt_fail(err, "out of memory");
	json_object_foreach((json_t *)ops, name, v) {
		int rc = http_op_parse(name, v, &c->ops[c->nops], err);

		c->nops++;
		if (rc != 0)
			return -1;
	}
	if (http_rules_parse(dt_opt(config, "replies"), &c->rules, &c->nrules, err) != 0)
		return -1;
	headers = dt_opt(config, "headers");
	c->hnames = calloc(json_object_size(headers) + 1, sizeof(*c->hnames));
	c->hvalues = calloc(json_object_size(headers) + 1, sizeof(*c->hvalues));
	if (c->hnames == NULL || c->hvalues == NULL)
		return dt_fail(err, "out of memory");
	json_object_foreach((json_t *)headers, name, v) {
		char why[DT_ERRBUF_SIZE];

		c->hnames[c->nheaders] = strdup(name);
		if (c->hnames[c->nheaders++] == NULL)
			return dt_fail(err, "out of memory");
		if (http_template_parse(json_string_value(v),
					&c->hvalues[c->nheaders - 1], why) != 0)
			return dt_conf_fail(headers, name, err, "%s", why);
	}
	return 0;
}

static void *http_create(const dt_client_env *env, char *err)
{
	http_client *c = calloc(1, sizeof(*c));
	const char *node;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	c->node = -1;
	c->insecure = dt_opt_bool(env->config, "insecure");
	c->scheme = strdup(dt_opt_string(env->config, "scheme"));
	if (c->scheme == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	c->eps = dt_endpoints_get(env->config, env->nodes, env->nnodes, "",
				  (int)dt_opt_int(env->config, "port"), &c->neps, err);
	if (c->eps == NULL)
		goto fail;
	node = dt_opt_string(env->config, "node");
	if (node != NULL) {
		c->node = dt_endpoints_find(c->eps, c->neps, node);
		if (c->node < 0) {
			dt_conf_fail(env->config, "node", err, "no node named '%s'", node);
			goto fail;
		}
	}
	if (parse_all(c, env->config, err) != 0)
		goto fail;
	return c;
fail:
	http_destroy(c);
	return NULL;
}

static void http_disconnect(void *data)
{
	http_worker *w = data;

	if (w == NULL)
		return;
	http_conn_free(w->conn);
	free(w);
}

static void *http_connect(void *data, int worker, char *err)
{
	http_client *c = data;
	http_worker *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	w->c = c;
	w->ep = c->node >= 0 ? (size_t)c->node : (size_t)worker % c->neps;
	w->conn = http_conn_new(c, w->ep);
	if (w->conn == NULL) {
		free(w);
		dt_fail(err, "cannot make a curl handle");
		return NULL;
	}
	return w;
}

static const http_op *find_op(const http_client *c, const char *f)
{
	for (size_t i = 0; i < c->nops; i++)
		if (strcmp(c->ops[i].name, f) == 0)
			return &c->ops[i];
	return NULL;
}

static dt_op_type http_invoke(void *data, const char *f, const json_t *value,
			      dt_reply *reply)
{
	http_worker *w = data;
	const http_op *op = find_op(w->c, f);
	const json_t *vars[HTTP_VAR_COUNT] = { NULL };
	const json_t *key = json_object_get(value, "key");
	json_t *node, *read = NULL;
	dt_op_type t;

	reply->node = w->c->eps[w->ep].name;
	if (op == NULL)
		return dt_op_error(&reply->error, DT_OP_FAIL, "http: no operation '%s'", f);
	if (json_is_object(value) && key != NULL) {
		vars[HTTP_VAR_KEY] = key;
		vars[HTTP_VAR_VALUE] = json_object_get(value, "value");
	} else {
		vars[HTTP_VAR_VALUE] = value;
	}
	vars[HTTP_VAR_FROM] = json_array_get(vars[HTTP_VAR_VALUE], 0);
	vars[HTTP_VAR_TO] = json_array_get(vars[HTTP_VAR_VALUE], 1);
	node = json_string(reply->node);
	vars[HTTP_VAR_NODE] = node;
	t = http_conn_do(w->conn, op, vars, &read, &reply->error);
	json_decref(node);
	if (t == DT_OP_OK && read != NULL)
		reply->value = key != NULL ? json_pack("{sOso}", "key", key,
						       "value", read) : read;
	else
		json_decref(read);
	return t;
}

/* Everything create would refuse, before anything starts; and every
 * operation the workload issues has its request. */
static int http_validate(const dt_validate_env *env, char *err)
{
	http_client c = { 0 };
	int rc = parse_all(&c, env->config, err);

	for (size_t i = 0; rc == 0 && env->operations != NULL &&
	     env->operations[i] != NULL; i++)
		if (find_op(&c, env->operations[i]) == NULL)
			rc = dt_conf_fail(env->config, "operations", err,
					  "the workload %s issues %s, which has "
					  "no request here", env->workload,
					  env->operations[i]);
	c.eps = NULL;
	c.scheme = NULL;
	for (size_t i = 0; i < c.nops; i++)
		http_op_free(&c.ops[i]);
	free(c.ops);
	for (size_t i = 0; i < c.nrules; i++)
		http_rule_free(&c.rules[i]);
	free(c.rules);
	free_headers(c.hnames, c.hvalues, c.nheaders);
	return rc;
}

static const dt_client_type http_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "http", .version = "1.0",
		  .description = "any HTTP API, declared in the suite: a request "
				 "template and reply rules per operation",
		  .options = http_options, .validate = http_validate },
	.create = http_create,
	.connect = http_connect,
	.invoke = http_invoke,
	.disconnect = http_disconnect,
	.destroy = http_destroy,
};

static int http_plugin(dt_registry *reg)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return dt_register_client(reg, &http_client_type);
}

DT_PLUGIN_DEFINE(http_plugin)
