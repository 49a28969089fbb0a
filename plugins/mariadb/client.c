/* SPDX-License-Identifier: MIT */
/*
 * client.c: the client of MariaDB (alone or with Galera), on
 * libmariadb: its configuration, its callbacks, and the plugin's entry
 * point.
 *
 *   client:
 *     name: mariadb
 *     isolation: repeatable-read  # the server's default; read-committed,
 *                                 # serializable: the session's level
 *     connect-to: spread          # spread (worker i on node i % n: every
 *                                 # Galera node takes writes), first, or
 *                                 # a node's name
 *     transfer: update            # bank: update (balance = balance - N)
 *                                 # or read-write (SELECT, then SET the
 *                                 # balance computed: lost updates show)
 *     user: root
 *     database: dt
 *     endpoints: [HOST:PORT]      # when the chart has no nodes
 *
 * One connection per worker, opened lazily within an operation's
 * deadline and dropped after any error of the connection (conn.c).
 * Workloads: register (ops.c), bank (bank.c), set (set.c), list-append and
 * rw-register (txn.c); setup.c makes the database and tables.
 * Outcomes: an error reply is a fail (rolled back), with its SQLSTATE
 * and error number in the history; a COMMIT without an answer is info.
 * The workload's settings, the route of an op and the shared option
 * values are plugins/sql's (conf.c).
 */
#include <stdlib.h>
#include <string.h>

#include "my.h"

static void my_destroy(void *data)
{
	my_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_conn != NULL && i < c->s.neps; i++)
		if (c->metrics_conn[i] != NULL)
			mysql_close(c->metrics_conn[i]);
	free(c->metrics_conn);
	sql_config_free(&c->s);
	free(c);
	/* libmariadb's globals (mysql_library_init in create): the plugin
	 * may be unloaded next, and with it the only pointers to them.  One
	 * client exists at a time, and nothing else here uses libmariadb. */
	mysql_library_end();
}

static void *my_create(const dt_client_env *env, char *err)
{
	my_client *c = calloc(1, sizeof(*c));
	const char *to;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	/* once, on the main thread, before any worker's mysql_init */
	if (mysql_library_init(0, NULL, NULL) != 0) {
		dt_fail(err, "libmariadb could not initialise");
		goto fail;
	}
	if (sql_config_read(env, 3306, &c->s, err) != 0)
		goto fail;
	to = dt_opt_string(env->config, "connect-to");
	if (strcmp(to, "spread") == 0) {
		c->spread = true;
	} else if (strcmp(to, "first") == 0) {
		c->node = 0;
	} else {
		long i = dt_endpoints_find(c->s.eps, c->s.neps, to);

		if (i < 0) {
			dt_conf_fail(env->config, "connect-to", err, "expected spread, "
				     "first or a node name, not '%s'", to);
			goto fail;
		}
		c->node = (size_t)i;
	}
	if (sql_workload_conf(env, MY_MAX_ACCOUNTS, &c->s, err) != 0)
		goto fail;
	c->metrics_conn = calloc(c->s.neps, sizeof(*c->metrics_conn));
	if (c->metrics_conn == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	my_destroy(c);
	return NULL;
}

static void *my_connect(void *data, int worker, char *err)
{
	my_client *c = data;
	my_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->worker = worker;
	k->ep = c->spread ? (size_t)worker % c->s.neps : c->node;
	return k;
}

/* the workloads' code (ops.c, bank.c, set.c, txn.c), for sql_invoke */
static const sql_driver my_driver = {
	.txn = &my_txn_driver,
	.set = my_set_invoke,
	.bank_read = my_bank_read,
	.bank_transfer = my_bank_transfer,
	.reg = my_register_invoke,
};

static dt_op_type my_invoke(void *data, const char *f, const json_t *value,
			    dt_reply *r)
{
	my_conn *k = data;
	dt_op_type t;

	dt_deadline_set(&k->deadline, k->c->s.timeout);
	k->served = false;
	t = sql_invoke(&my_driver, k, k->c->s.workload, f, value, r);
	if (k->served)
		r->node = k->c->s.eps[k->ep].name;
	return t;
}

static void my_disconnect(void *data)
{
	my_conn *k = data;

	if (k == NULL)
		return;
	if (k->m != NULL)
		mysql_close(k->m);
	free(k);
}

static const dt_option my_options[] = {
	{ .name = "isolation", .type = DT_OPT_ENUM, .def = "repeatable-read",
	  .values = sql_isolation_names,
	  .doc = "the sessions' isolation level (SET SESSION TRANSACTION "
		 "ISOLATION LEVEL; the default is the server's own)" },
	{ .name = "connect-to", .type = DT_OPT_STRING, .def = "spread",
	  .doc = "spread (worker i on node i mod n), first, or a node's name" },
	SQL_OPTION_TRANSFER,
	{ .name = "user", .type = DT_OPT_STRING, .def = "root",
	  .doc = "the user to connect as (the charts skip the grant tables)" },
	{ .name = "password", .type = DT_OPT_STRING,
	  .doc = "the user's password (none locally: the charts skip the grant "
		 "tables; the k8s chart's values set one)" },
	{ .name = "database", .type = DT_OPT_STRING, .def = "dt",
	  .doc = "the database holding DT's tables (made by the set-up)" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: HOST:PORT of external servers" },
	{ .name = NULL }
};

static const dt_client_type my_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "mariadb", .version = "1.0",
		  .description = "MariaDB and Galera through libmariadb: register, set, "
				 "bank, transactions (list-append, rw-register) at "
				 "a chosen isolation level; wsrep metrics",
		  .options = my_options },
	.operations = sql_operations,
	.create = my_create,
	.prepare = my_setup,
	.connect = my_connect,
	.invoke = my_invoke,
	.disconnect = my_disconnect,
	.destroy = my_destroy,
	.metrics = my_metrics,
};

static int my_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &my_client_type);
}

DT_PLUGIN_DEFINE(my_plugin)
