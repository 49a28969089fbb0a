/* SPDX-License-Identifier: MIT */
/*
 * client.c: the exec client: a program in any language, one process per
 * worker, speaking JSON lines on its stdin and stdout (dt-exec-client(7)):
 *
 *   client:
 *     name: exec
 *     command: [python3, examples/exec-client/register.py, "{nodes}"]
 *     env: {REDIS_DB: "0"}       # added to DT's environment
 *     cwd: /path                 # default: dt-run's
 *     operations: [read, write, cas]  # what it implements (checked)
 *     setup: false               # it answers a setup request
 *     metrics: false             # it answers metrics requests
 *     roles: false               # it answers roles requests (target: primary)
 *
 * Why a process per worker rather than one multiplexed by op id: a
 * worker's connection is then the program's whole state, so the client
 * program needs no threads or locks of its own, a worker whose op timed
 * out (info) gets a fresh process exactly as Jepsen retires a process,
 * and a program that crashes or writes garbage takes one worker's op
 * with it, never another's.  It costs a process a worker, which is what
 * a client library's connection costs anyway.
 *
 * Outcomes: the program's ok, fail or info; a reply that does not come
 * in time, a program that exits or writes what is not the reply is
 * info (with the exact reason), and the worker's next connection starts
 * a new process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

extern char **environ;

/* A worker's connection: its program (NULL after it failed). */
typedef struct exec_conn {
	exec_client *c;
	int worker;
	exec_proc *proc;
} exec_conn;

/* Seconds a program gets to exit after close. */
#define EXEC_GRACE 1.0

static void free_strv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void exec_destroy(void *data)
{
	exec_client *c = data;

	if (c == NULL)
		return;
	exec_proc_stop(c->metrics_proc, EXEC_GRACE);
	exec_proc_stop(c->roles_proc, EXEC_GRACE);
	pthread_mutex_destroy(&c->roles_lock);
	free_strv(c->argv);
	free(c->envp);
	free_strv(c->env_own);
	free(c->eps);
	free(c->workload);
	free(c->cwd);
	free(c);
}

/* "{nodes}" (host:port of every node, comma-separated) and "{store}"
 * replaced in one argument; a new string. */
static char *expand(const exec_client *c, const char *arg, const char *store)
{
	dt_buf b = { 0 };

	while (*arg != '\0') {
		if (strncmp(arg, "{nodes}", 7) == 0) {
			for (size_t i = 0; i < c->neps; i++)
				dt_buf_printf(&b, i ? ",%s:%d" : "%s:%d",
					      c->eps[i].host, c->eps[i].port);
			arg += 7;
		} else if (strncmp(arg, "{store}", 7) == 0) {
			dt_buf_puts(&b, store != NULL ? store : ".");
			arg += 7;
		} else {
			char one[2] = { *arg++, '\0' };

			dt_buf_puts(&b, one);
		}
	}
	return dt_buf_take(&b);
}

static int make_argv(exec_client *c, const json_t *command, const char *store,
		     char *err)
{
	size_t n = json_array_size(command), i;
	const json_t *a;

	c->argv = calloc(n + 1, sizeof(*c->argv));
	if (c->argv == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(command, i, a)
		if ((c->argv[i] = expand(c, json_string_value(a), store)) == NULL)
			return dt_fail(err, "out of memory");
	return 0;
}

/* envp: environ less the names env sets, then env's NAME=VALUE (those
 * strings owned by env_own). */
static int make_env(exec_client *c, const json_t *env, char *err)
{
	size_t n = 0, k = 0, o = 0, extra = json_object_size(env);
	const char *name;
	json_t *v;

	if (extra == 0)
		return 0;
	while (environ[n] != NULL)
		n++;
	c->envp = calloc(n + extra + 1, sizeof(*c->envp));
	c->env_own = calloc(extra + 1, sizeof(*c->env_own));
	if (c->envp == NULL || c->env_own == NULL)
		return dt_fail(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool set = false;

		json_object_foreach((json_t *)env, name, v)
			set |= strlen(name) == len &&
			       strncmp(name, environ[i], len) == 0;
		if (!set)
			c->envp[k++] = environ[i];
	}
	json_object_foreach((json_t *)env, name, v) {
		char *kv = dt_strdupf("%s=%s", name, json_string_value(v));

		if (kv == NULL)
			return dt_fail(err, "out of memory");
		c->env_own[o++] = kv;
		c->envp[k++] = kv;
	}
	return 0;
}

static void *exec_create(const dt_client_env *env, char *err)
{
	exec_client *c = calloc(1, sizeof(*c));
	const char *node, *cwd;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->timeout = env->timeout > 0 ? env->timeout : 5;
	c->open_timeout = dt_opt_number(env->config, "open-timeout");
	c->setup_timeout = dt_opt_number(env->config, "setup-timeout");
	c->max_line = (size_t)dt_opt_int(env->config, "max-line");
	c->setup = dt_opt_bool(env->config, "setup");
	c->metrics = dt_opt_bool(env->config, "metrics");
	c->roles = dt_opt_bool(env->config, "roles");
	pthread_mutex_init(&c->roles_lock, NULL);
	c->node = -1;
	c->workload = strdup(env->workload != NULL ? env->workload : "");
	cwd = dt_opt_string(env->config, "cwd");
	if (c->workload == NULL || (cwd != NULL && (c->cwd = strdup(cwd)) == NULL)) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	if (env->nnodes > 0 || dt_opt(env->config, "endpoints") != NULL) {
		c->eps = dt_endpoints_get(env->config, env->nodes, env->nnodes,
					  "", (int)dt_opt_int(env->config, "port"),
					  &c->neps, err);
		if (c->eps == NULL)
			goto fail;
	}
	node = dt_opt_string(env->config, "node");
	if (node != NULL) {
		c->node = dt_endpoints_find(c->eps, c->neps, node);
		if (c->node < 0) {
			dt_conf_fail(env->config, "node", err, "no node named '%s'", node);
			goto fail;
		}
	}
	if (make_argv(c, dt_opt(env->config, "command"), env->store_dir, err) != 0 ||
	    make_env(c, dt_opt(env->config, "env"), err) != 0)
		goto fail;
	return c;
fail:
	exec_destroy(c);
	return NULL;
}

/* setup: a program of its own answers one setup request. */
static int exec_prepare(void *data, char *err)
{
	exec_client *c = data;
	exec_proc *p;
	exec_reply r;
	char *error = NULL;
	int rc = 0;

	if (!c->setup)
		return 0;
	p = exec_proc_start(c, "setup", -1, err);
	if (p == NULL)
		return -1;
	if (exec_proc_call(p, exec_request_plain("setup"), c->setup_timeout,
			   &r, &error) != 0) {
		rc = dt_fail(err, "%s", error ? error : "out of memory");
	} else {
		if (r.type != DT_OP_OK)
			rc = dt_fail(err, "setup: the program answered %s: %s",
				     dt_op_type_name(r.type),
				     r.error ? r.error : "(no error given)");
		exec_reply_clear(&r);
	}
	free(error);
	exec_proc_stop(p, rc == 0 ? EXEC_GRACE : 0);
	return rc;
}

static void exec_disconnect(void *data)
{
	exec_conn *k = data;

	if (k == NULL)
		return;
	exec_proc_stop(k->proc, EXEC_GRACE);
	free(k);
}

static void *exec_connect(void *data, int worker, char *err)
{
	exec_client *c = data;
	exec_conn *k = calloc(1, sizeof(*k));
	char label[32];

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->worker = worker;
	snprintf(label, sizeof(label), "worker %d", worker);
	k->proc = exec_proc_start(c, label, worker, err);
	if (k->proc == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

static dt_op_type exec_invoke(void *data, const char *f, const json_t *value,
			      dt_reply *reply)
{
	exec_conn *k = data;
	exec_client *c = k->c;
	long node = c->neps == 0 ? -1 : c->node >= 0 ? c->node :
		    (long)((size_t)k->worker % c->neps);
	exec_reply r;

	if (node >= 0)
		reply->node = c->eps[node].name;
	if (k->proc == NULL) {
		char err[DT_ERRBUF_SIZE], label[32];

		snprintf(label, sizeof(label), "worker %d", k->worker);
		k->proc = exec_proc_start(c, label, k->worker, err);
		if (k->proc == NULL)
			return dt_op_error(&reply->error, DT_OP_FAIL, "%s", err);
	}
	if (exec_proc_call(k->proc, exec_request_invoke(c, f, value, node),
			   c->timeout, &r, &reply->error) != 0) {
		dt_log(DT_LOG_WARN, "exec %s", reply->error ? reply->error :
		       "out of memory");
		exec_proc_stop(k->proc, 0);
		k->proc = NULL;
		return DT_OP_INFO;
	}
	reply->error = r.error;
	r.error = NULL;
	if (r.type == DT_OP_OK)
		reply->value = exec_result(value, r.value);
	else
		json_decref(r.value);
	return r.type;
}

/* metrics: a program of its own answers a metrics request a second. */
static json_t *exec_metrics(void *data)
{
	exec_client *c = data;
	exec_reply r;
	char err[DT_ERRBUF_SIZE], *error = NULL;

	if (!c->metrics)
		return NULL;
	if (c->metrics_proc == NULL) {
		c->metrics_proc = exec_proc_start(c, "metrics", -1, err);
		if (c->metrics_proc == NULL) {
			dt_log(DT_LOG_WARN, "exec metrics: %s", err);
			return NULL;
		}
	}
	if (exec_proc_call(c->metrics_proc, exec_request_plain("metrics"), 1.0,
			   &r, &error) != 0) {
		dt_log(DT_LOG_WARN, "exec %s", error ? error : "out of memory");
		free(error);
		exec_proc_stop(c->metrics_proc, 0);
		c->metrics_proc = NULL;
		return NULL;
	}
	free(r.error);
	if (r.type == DT_OP_OK && json_is_object(r.value))
		return r.value;
	json_decref(r.value);
	return NULL;
}

/* roles: a program of its own answers a roles request when a fault
 * aimed at a role starts (the nemesis thread; locked, as more than one
 * nemesis may ask at once). */
static json_t *exec_roles(void *data)
{
	exec_client *c = data;
	exec_reply r;
	char err[DT_ERRBUF_SIZE], *error = NULL;
	json_t *roles = NULL;

	if (!c->roles)
		return NULL;
	pthread_mutex_lock(&c->roles_lock);
	if (c->roles_proc == NULL &&
	    (c->roles_proc = exec_proc_start(c, "roles", -1, err)) == NULL)
		dt_log(DT_LOG_WARN, "exec roles: %s", err);
	if (c->roles_proc != NULL &&
	    exec_proc_call(c->roles_proc, exec_request_plain("roles"), 1.0,
			   &r, &error) != 0) {
		dt_log(DT_LOG_WARN, "exec %s", error ? error : "out of memory");
		free(error);
		exec_proc_stop(c->roles_proc, 0);
		c->roles_proc = NULL;
	} else if (c->roles_proc != NULL) {
		free(r.error);
		if (r.type == DT_OP_OK && json_is_object(r.value))
			roles = r.value;
		else
			json_decref(r.value);
	}
	pthread_mutex_unlock(&c->roles_lock);
	return roles;
}

static const dt_option exec_options[] = {
	{ .name = "command", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .min = 1, .max = 4096, .flags = DT_OPT_REQUIRED,
	  .doc = "the program and its arguments, without a shell; {nodes} is "
		 "HOST:PORT of every node, comma-separated, {store} the store" },
	{ .name = "env", .type = DT_OPT_MAP, .item = DT_OPT_STRING,
	  .doc = "variables added to its environment" },
	{ .name = "cwd", .type = DT_OPT_STRING,
	  .doc = "its working directory (default: dt-run's)" },
	{ .name = "operations", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "the operations it implements: a workload issuing another is "
		 "refused before the run (default: any)" },
	{ .name = "node", .type = DT_OPT_STRING,
	  .doc = "every worker on this node (default: workers spread over the nodes)" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: HOST:PORT of the servers" },
	{ .name = "port", .type = DT_OPT_INT, .def = "0", .min = 0, .max = 65535,
	  .doc = "a node's port when the chart gives it none" },
	{ .name = "setup", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "send one setup request (a program of its own) before the workers start" },
	{ .name = "metrics", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "send a metrics request a second (a program of its own): "
		 "an object keyed by node name" },
	{ .name = "roles", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "send a roles request (a program of its own) when a fault aimed "
		 "at a role starts (target: primary): node name to primary, replica "
		 "or down" },
	{ .name = "open-timeout", .type = DT_OPT_DURATION, .def = "10s",
	  .min = 0.001, .max = 3600, .doc = "time a program has to answer open" },
	{ .name = "setup-timeout", .type = DT_OPT_DURATION, .def = "60s",
	  .min = 0.001, .max = 86400, .doc = "time it has to answer setup" },
	{ .name = "max-line", .type = DT_OPT_SIZE, .def = "1MiB", .min = 64,
	  .max = 1073741824.0, .doc = "longest reply line: a longer one is a "
	  "protocol error" },
	{ .name = NULL }
};

/* Whether a nemesis entry of the suite aims at a role (target: primary,
 * or {mode: primary}). */
static bool aims_at_role(const json_t *nemesis)
{
	static const char *const roles[] = {
		"primary", "leader", "replicas", "followers",
		"minority-with-primary", "minority-with-leader",
		"majority-without-primary", "majority-without-leader", NULL
	};
	const json_t *t = json_object_get(nemesis, "target");
	const char *mode = json_is_object(t) ?
		json_string_value(json_object_get(t, "mode")) : json_string_value(t);

	for (size_t i = 0; mode != NULL && roles[i] != NULL; i++)
		if (strcmp(mode, roles[i]) == 0)
			return true;
	return false;
}

static int exec_validate(const dt_validate_env *env, char *err)
{
	const json_t *ops = dt_opt(env->config, "operations");
	const json_t *cmd = dt_opt(env->config, "command");
	const json_t *nem = json_object_get(env->suite, "nemesis"), *n;
	size_t k;

	json_array_foreach(nem, k, n)
		if (!dt_opt_bool(env->config, "roles") && aims_at_role(n))
			return dt_conf_fail(env->config, "roles", err, "nemesis[%zu] "
					    "aims at a role: the program must answer "
					    "roles requests (roles: true)", k);

	if (json_string_value(json_array_get(cmd, 0)) == NULL ||
	    json_string_value(json_array_get(cmd, 0))[0] == '\0')
		return dt_conf_fail(env->config, "command", err,
				    "the program's name is empty");
	for (size_t i = 0; ops != NULL && env->operations != NULL &&
	     env->operations[i] != NULL; i++) {
		bool found = false;
		size_t j;
		const json_t *o;

		json_array_foreach(ops, j, o)
			found |= strcmp(json_string_value(o), env->operations[i]) == 0;
		if (!found)
			return dt_conf_fail(env->config, "operations", err,
					    "the workload %s issues %s, which "
					    "the program does not implement",
					    env->workload, env->operations[i]);
	}
	return 0;
}

static const dt_client_type exec_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "exec", .version = "1.0",
		  .description = "a program in any language, one per worker, "
				 "JSON lines on stdin/stdout (dt-exec-client(7))",
		  .options = exec_options, .validate = exec_validate },
	.create = exec_create,
	.prepare = exec_prepare,
	.connect = exec_connect,
	.invoke = exec_invoke,
	.disconnect = exec_disconnect,
	.destroy = exec_destroy,
	.metrics = exec_metrics,
	.roles = exec_roles,
};

static int exec_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &exec_client_type);
}

DT_PLUGIN_DEFINE(exec_plugin)
