/* SPDX-License-Identifier: MIT */
/*
 * client.c: the client of PostgreSQL, on libpq: its configuration, its
 * callbacks, and the plugin's entry point.
 *
 *   client:
 *     name: postgres
 *     isolation: read-committed  # (the server's default), repeatable-read,
 *                                # serializable: every transaction's
 *     read-from: primary         # primary, replica (spread over the
 *                                # workers) or a node name: register
 *                                # reads, bank reads and read-only
 *                                # transactions go there
 *     primary: n1                # the primary's node (default: the first)
 *     transfer: update           # bank: update (balance = balance - N)
 *                                # or read-write (SELECT, then SET the
 *                                # balance computed: lost updates show)
 *     user: postgres
 *     database: postgres
 *     endpoints: [HOST:PORT]     # when the chart has no nodes
 *
 * One connection per worker (two when reads go to another node), opened
 * lazily within an operation's deadline and dropped after any error of
 * the connection, so the next operation reconnects (conn.c).
 *
 * Workloads: register (ops.c), bank (bank.c), set (set.c), list-append and
 * rw-register (txn.c: f "txn", a list of micro-ops); setup.c makes the
 * tables.  Outcomes: an error reply is a fail (the server rolled back),
 * with its SQLSTATE in the history; a COMMIT without an answer is info;
 * conn.c says which SQLSTATEs leave a COMMIT unknown.  The workload's
 * settings, the route of an op and the shared option values are
 * plugins/sql's (conf.c).
 */
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static void pg_destroy(void *data)
{
	pg_client *c = data;

	if (c == NULL)
		return;
	for (size_t i = 0; c->metrics_conn != NULL && i < c->s.neps; i++)
		PQfinish(c->metrics_conn[i]);
	free(c->metrics_conn);
	sql_config_free(&c->s);
	free(c);
}

static int read_mode_conf(pg_client *c, const json_t *config, const char *rf,
			  char *err)
{
	long i = dt_endpoints_find(c->s.eps, c->s.neps, rf);

	if (strcmp(rf, "primary") == 0) {
		c->read_mode = PG_READ_PRIMARY;
	} else if (strcmp(rf, "replica") == 0) {
		if (c->s.neps < 2)
			return dt_conf_fail(config, "read-from", err,
					    "replica reads need at least 2 nodes");
		c->read_mode = PG_READ_REPLICA;
	} else if (i >= 0) {
		c->read_node = (size_t)i;
		c->read_mode = c->read_node == c->primary ? PG_READ_PRIMARY :
			       PG_READ_NODE;
	} else {
		return dt_conf_fail(config, "read-from", err, "expected primary, "
				    "replica or a node name, not '%s'", rf);
	}
	return 0;
}

static void *pg_create(const dt_client_env *env, char *err)
{
	pg_client *c = calloc(1, sizeof(*c));
	const char *primary;
	long i;

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	if (sql_config_read(env, 5432, &c->s, err) != 0)
		goto fail;
	primary = dt_opt_string(env->config, "primary");
	if (primary == NULL)
		primary = c->s.eps[0].name;
	i = dt_endpoints_find(c->s.eps, c->s.neps, primary);
	if (i < 0) {
		dt_conf_fail(env->config, "primary", err, "no node named '%s'", primary);
		goto fail;
	}
	c->primary = (size_t)i;
	if (read_mode_conf(c, env->config, dt_opt_string(env->config, "read-from"),
			   err) != 0 ||
	    sql_workload_conf(env, PG_MAX_ACCOUNTS, &c->s, err) != 0)
		goto fail;
	c->metrics_conn = calloc(c->s.neps, sizeof(*c->metrics_conn));
	if (c->metrics_conn == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return c;
fail:
	pg_destroy(c);
	return NULL;
}

static void *pg_connect(void *data, int worker, char *err)
{
	pg_client *c = data;
	pg_conn *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->c = c;
	k->worker = worker;
	k->reader_ep = c->primary;
	if (c->read_mode == PG_READ_NODE) {
		k->reader_ep = c->read_node;
	} else if (c->read_mode == PG_READ_REPLICA) {
		/* the replicas are every node but the primary */
		size_t i = (size_t)worker % (c->s.neps - 1);

		k->reader_ep = i >= c->primary ? i + 1 : i;
	}
	/* connections open lazily, in invoke, within the op's deadline */
	return k;
}

/* the workloads' code (ops.c, bank.c, set.c, txn.c), for sql_invoke */
static const sql_driver pg_driver = {
	.txn = &pg_txn_driver,
	.set = pg_set_invoke,
	.bank_read = pg_bank_read,
	.bank_transfer = pg_bank_transfer,
	.reg = pg_register_invoke,
};

static dt_op_type pg_invoke(void *data, const char *f, const json_t *value,
			    dt_reply *r)
{
	pg_conn *k = data;
	dt_op_type t;

	dt_deadline_set(&k->deadline, k->c->s.timeout);
	k->served_ep = -1;
	t = sql_invoke(&pg_driver, k, k->c->s.workload, f, value, r);
	if (k->served_ep >= 0 && (size_t)k->served_ep < k->c->s.neps)
		r->node = k->c->s.eps[k->served_ep].name;
	return t;
}

static void pg_disconnect(void *data)
{
	pg_conn *k = data;

	if (k == NULL)
		return;
	PQfinish(k->primary);
	PQfinish(k->reader);
	free(k);
}

static const dt_option pg_options[] = {
	{ .name = "isolation", .type = DT_OPT_ENUM, .def = "read-committed",
	  .values = sql_isolation_names,
	  .doc = "every transaction's isolation level (BEGIN ISOLATION LEVEL; the "
		 "default is the server's own); "
		 "read-only ones on a replica run at repeatable-read at most" },
	{ .name = "read-from", .type = DT_OPT_STRING, .def = "primary",
	  .doc = "where reads and read-only transactions go: primary, replica "
		 "(spread over the workers) or a node's name" },
	{ .name = "primary", .type = DT_OPT_STRING,
	  .doc = "the primary's node name (default: the first node)" },
	SQL_OPTION_TRANSFER,
	{ .name = "user", .type = DT_OPT_STRING, .def = "postgres",
	  .doc = "the role to connect as (the chart trusts the run's subnet)" },
	{ .name = "password", .type = DT_OPT_STRING,
	  .doc = "the role's password (none locally: the chart trusts the "
		 "run's subnet; the k8s chart's values set one)" },
	{ .name = "database", .type = DT_OPT_STRING, .def = "postgres",
	  .doc = "the database holding DT's tables" },
	{ .name = "endpoints", .type = DT_OPT_LIST, .item = DT_OPT_STRING,
	  .doc = "when the chart has no nodes: HOST:PORT of external servers "
		 "(the first is the primary)" },
	{ .name = NULL }
};

static int pg_validate(const dt_validate_env *env, char *err)
{
	const char *rf = dt_opt_string(env->config, "read-from");

	if (strcmp(rf, "replica") == 0 && env->nnodes == 1)
		return dt_conf_fail(env->config, "read-from", err,
				    "replica reads need at least 2 nodes");
	return 0;
}

static const dt_client_type pg_client_type = {
	.size = sizeof(dt_client_type),
	.info = { .name = "postgres", .version = "1.0",
		  .description = "PostgreSQL through libpq: register, bank, set, "
				 "transactions (list-append, rw-register) at a "
				 "chosen isolation level; replication metrics",
		  .options = pg_options, .validate = pg_validate },
	.operations = sql_operations,
	.create = pg_create,
	.prepare = pg_setup,
	.connect = pg_connect,
	.invoke = pg_invoke,
	.disconnect = pg_disconnect,
	.destroy = pg_destroy,
	.metrics = pg_metrics,
};

static int pg_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &pg_client_type);
}

DT_PLUGIN_DEFINE(pg_plugin)
