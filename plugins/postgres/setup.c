/*
 * setup.c: the schema and the data a run on postgres starts from, made
 * on the primary before any worker connects, then waited for on every
 * replica (its replay position past the primary's after the set-up), so
 * that reads from a replica never meet a missing table.
 *
 *   dt_register (k text primary key, v text)   register, rw-register
 *   dt_append   (k text primary key, v text)   list-append: "1,2,3"
 *   dt_bank     (id int primary key, balance bigint)
 *   dt_set      (e bigint primary key)                  set
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static const char *const SCHEMA[] = {
	"DROP TABLE IF EXISTS dt_register, dt_append, dt_bank, dt_set",
	"CREATE TABLE dt_register (k text PRIMARY KEY, v text NOT NULL)",
	"CREATE TABLE dt_append (k text PRIMARY KEY, v text NOT NULL)",
	"CREATE TABLE dt_bank (id integer PRIMARY KEY, balance bigint NOT NULL)",
	"CREATE TABLE dt_set (e bigint PRIMARY KEY)",
	NULL
};

/* One statement on the primary: 0, or -1 with *error. */
static int run(pg_conn *k, const char *sql, int n, const char *const *params,
	       char **error)
{
	PGresult *r;
	pg_status st = pg_exec(k, false, sql, n, params, &r, error);

	PQclear(r);
	return st == PG_DONE ? 0 : -1;
}

static int prepare(pg_conn *k, char **error)
{
	pg_client *c = k->c;
	char id[24], bal[24];
	const char *params[2] = { id, bal };

	for (size_t i = 0; SCHEMA[i] != NULL; i++)
		if (run(k, SCHEMA[i], 0, NULL, error) != 0)
			return -1;
	if (c->s.workload != SQL_WL_BANK)
		return 0;
	snprintf(bal, sizeof(bal), "%lld", c->s.balance);
	for (long long a = 0; a < c->s.accounts; a++) {
		snprintf(id, sizeof(id), "%lld", a);
		if (run(k, "INSERT INTO dt_bank (id, balance) VALUES ($1, $2)", 2,
			params, error) != 0)
			return -1;
	}
	return 0;
}

/* The primary's WAL position after the set-up, into lsn. */
static int primary_lsn(pg_conn *k, char *lsn, size_t size, char **error)
{
	PGresult *r;

	if (pg_exec(k, false, "SELECT pg_current_wal_lsn()::text", 0, NULL, &r,
		    error) != PG_DONE)
		return -1;
	snprintf(lsn, size, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "0/0");
	PQclear(r);
	return 0;
}

/* Wait (10 s at most) until every other node has replayed up to lsn. */
static void wait_replicas(pg_conn *k, const char *lsn)
{
	pg_client *c = k->c;
	const char *params[1] = { lsn };

	for (size_t i = 0; i < c->s.neps; i++) {
		PGconn *conn = NULL;
		dt_deadline until;
		char *error = NULL;
		bool done = false;

		if (i == c->primary)
			continue;
		dt_deadline_set(&until, 10);
		while (!done && !dt_deadline_expired(&until)) {
			PGresult *res;

			dt_deadline_set(&k->deadline, 1);
			if (pg_exec_ep(k, &conn, i, "SELECT coalesce("
				       "pg_last_wal_replay_lsn() >= $1::pg_lsn, true)",
				       1, params, &res, &error) == PG_DONE)
				done = PQntuples(res) == 1 &&
				       strcmp(PQgetvalue(res, 0, 0), "t") == 0;
			PQclear(res);
			if (!done)
				dt_sleep(0.05);
		}
		if (!done)
			dt_log(DT_LOG_WARN, "postgres: %s has not replayed the "
			       "set-up (up to %s) after 10 s: %s", c->s.eps[i].name,
			       lsn, error ? error : "behind");
		free(error);
		PQfinish(conn);
	}
}

int pg_setup(void *data, char *err)
{
	pg_client *c = data;
	pg_conn k = { .c = c, .reader_ep = c->primary, .served_ep = -1 };
	char *error = NULL, lsn[64];
	int rc = -1;

	/* The cluster is up; allow it a few op timeouts to take the DDL. */
	dt_deadline_set(&k.deadline, c->s.timeout * 4 < 10 ? 10 : c->s.timeout * 4);
	while (prepare(&k, &error) != 0) {
		if (dt_deadline_expired(&k.deadline)) {
			dt_fail(err, "cannot prepare the tables on %s: %s",
				c->s.eps[c->primary].name, error);
			goto out;
		}
		dt_sleep(0.2);
	}
	if (c->s.neps > 1 && primary_lsn(&k, lsn, sizeof(lsn), &error) == 0)
		wait_replicas(&k, lsn);
	rc = 0;
out:
	free(error);
	PQfinish(k.primary);
	return rc;
}
