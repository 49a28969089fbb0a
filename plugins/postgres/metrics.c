/*
 * metrics.c: the postgres client's metrics, once a second, on the
 * metrics thread's own connections (kept between samples, dropped on an
 * error): per node its role, transactions committed and rolled back
 * (pg_stat_database; the graphs take the rate), connections, and for
 * each replica its lag as the primary sees it (pg_stat_replication:
 * bytes of WAL not yet replayed, seconds of replay lag, state and sync
 * state), under the replica's own name (its cluster_name, the node's).
 */
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static const char NODE_SQL[] =
	"SELECT pg_is_in_recovery(), xact_commit, xact_rollback, numbackends "
	"FROM pg_stat_database WHERE datname = current_database()";
static const char REPL_SQL[] =
	"SELECT application_name, "
	"coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), -1)::bigint, "
	"coalesce(extract(epoch FROM replay_lag), 0)::float8, state, sync_state "
	"FROM pg_stat_replication";

static json_int_t int_at(const PGresult *r, int row, int col)
{
	return (json_int_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Node i's figures, or {"up": false, "error": ...}; a primary's
 * replication rows go to repl (name -> figures). */
static json_t *node_metrics(pg_client *c, size_t i, json_t *repl)
{
	pg_conn k = { .c = c, .served_ep = -1 };
	char *error = NULL;
	PGresult *r;
	json_t *out;
	bool primary;

	dt_deadline_set(&k.deadline, c->s.timeout < 1 ? c->s.timeout : 1);
	if (pg_exec_ep(&k, &c->metrics_conn[i], i, NODE_SQL, 0, NULL, &r,
		       &error) != PG_DONE || PQntuples(r) != 1) {
		PQclear(r);
		out = json_pack("{sbss}", "up", 0, "error", error ? error : "no row");
		free(error);
		return out;
	}
	primary = strcmp(PQgetvalue(r, 0, 0), "f") == 0;
	out = json_pack("{sbsssIsIsI}", "up", 1, "role", primary ? "primary" : "replica",
			"xact_commit", int_at(r, 0, 1), "xact_rollback", int_at(r, 0, 2),
			"connections", int_at(r, 0, 3));
	PQclear(r);
	if (primary && pg_exec_ep(&k, &c->metrics_conn[i], i, REPL_SQL, 0, NULL,
				  &r, &error) == PG_DONE) {
		json_object_set_new(out, "replicas", json_integer(PQntuples(r)));
		for (int row = 0; row < PQntuples(r); row++)
			json_object_set_new(repl, PQgetvalue(r, row, 0), json_pack(
				"{sIsfssss}", "replay_lag_bytes", int_at(r, row, 1),
				"replay_lag_seconds", strtod(PQgetvalue(r, row, 2), NULL),
				"replication_state", PQgetvalue(r, row, 3),
				"sync_state", PQgetvalue(r, row, 4)));
		PQclear(r);
	}
	free(error);
	return out;
}

json_t *pg_metrics(void *data)
{
	pg_client *c = data;
	json_t *all = json_object(), *repl = json_object();
	const char *name;
	json_t *v;

	for (size_t i = 0; i < c->s.neps; i++)
		json_object_set_new(all, c->s.eps[i].name, node_metrics(c, i, repl));
	/* each replica's lag beside its own figures */
	json_object_foreach(repl, name, v) {
		json_t *node = json_object_get(all, name);

		if (node != NULL)
			json_object_update(node, v);
	}
	json_decref(repl);
	return all;
}
