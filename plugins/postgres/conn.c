/*
 * conn.c: connections of the postgres client and statements on them,
 * each within the operation's deadline (libpq's asynchronous calls and
 * poll(2), never a blocking PQexec), and what each error means for the
 * operation's outcome.
 *
 * A statement whose answer does not come before the deadline, or whose
 * connection breaks, closes the connection (the next operation opens a
 * new one): the server rolls back a transaction that was not committed,
 * so only a COMMIT (or a statement that commits on its own) without an
 * answer leaves the outcome unknown.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

/* Milliseconds left before d, at least 1 while any is left, 0 after. */
static int left_ms(const dt_deadline *d)
{
	double s = dt_deadline_left(d);

	if (s <= 0)
		return 0;
	return s * 1000 < 1 ? 1 : s * 1000 > 1e9 ? 1000000000 : (int)(s * 1000);
}

/* Wait until fd is ready for events or d passes: 1 ready, 0 timed out,
 * -1 on a poll error. */
static int wait_fd(int fd, short events, const dt_deadline *d)
{
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = events };
		int ms = left_ms(d), n;

		if (ms == 0)
			return 0;
		n = poll(&pf, 1, ms);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* libpq's message without its trailing newline, as a new string. */
static char *conn_message(const char *prefix, PGconn *conn)
{
	const char *m = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	size_t n = strlen(m);

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	return dt_strdupf("%s%.*s", prefix, (int)n, m);
}

static void set_error(char **error, char *text)
{
	free(*error);
	*error = text;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *pg_connect_ep(const pg_client *c, const dt_endpoint *ep,
		      const dt_deadline *d, char **error)
{
	char port[16], timeout[16];
	const char *keys[] = { "host", "port", "user", "dbname",
			       "application_name", "connect_timeout", "password",
			       NULL };
	const char *vals[] = { ep->host, port, c->s.user, c->s.dbname, "dt",
			       timeout, c->s.password, NULL };
	PGconn *conn;

	snprintf(port, sizeof(port), "%d", ep->port);
	/* libpq's own bound too, in case poll is never reached */
	snprintf(timeout, sizeof(timeout), "%d",
		 (int)(dt_deadline_left(d) + 1.999));
	conn = PQconnectStartParams(keys, vals, 0);
	if (conn == NULL || PQstatus(conn) == CONNECTION_BAD)
		goto fail;
	for (;;) {
		PostgresPollingStatusType st = PQconnectPoll(conn);
		int rc;

		if (st == PGRES_POLLING_OK) {
			/* NOTICEs (DROP ... IF EXISTS) are no one's business */
			PQsetNoticeProcessor(conn, quiet, NULL);
			return conn;
		}
		if (st == PGRES_POLLING_FAILED)
			goto fail;
		rc = wait_fd(PQsocket(conn), st == PGRES_POLLING_READING ?
			     POLLIN : POLLOUT, d);
		if (rc == 0) {
			set_error(error, dt_strdupf("%s: connect: timed out",
						    ep->name));
			PQfinish(conn);
			return NULL;
		}
		if (rc < 0)
			goto fail;
	}
fail:
	{
		char prefix[96];

		snprintf(prefix, sizeof(prefix), "%s: connect: ", ep->name);
		set_error(error, conn_message(prefix, conn));
	}
	PQfinish(conn);
	return NULL;
}

bool pg_reads_elsewhere(const pg_conn *k)
{
	return k->c->read_mode != PG_READ_PRIMARY && k->reader_ep != k->c->primary;
}

/* Drop a connection after it failed; *error says why. */
static pg_status lost(PGconn **cp, const char *name, const char *what,
		      char **error)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s: %s: ", name, what);
	set_error(error, conn_message(prefix, *cp));
	PQfinish(*cp);
	*cp = NULL;
	return PG_LOST;
}

/* An error reply: "SQLSTATE XXXXX: message" into *error, the code into
 * k->sqlstate. */
static void error_reply(pg_conn *k, const PGresult *r, const char *name,
			char **error)
{
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	snprintf(k->sqlstate, sizeof(k->sqlstate), "%s", code ? code : "");
	set_error(error, dt_strdupf("%s: SQLSTATE %s: %s", name, code ? code : "?",
				    msg ? msg : PQresultErrorMessage(r)));
}

pg_status pg_exec(pg_conn *k, bool reader, const char *sql, int nparams,
		  const char *const *params, PGresult **res, char **error)
{
	bool other = reader && pg_reads_elsewhere(k);

	return pg_exec_ep(k, other ? &k->reader : &k->primary,
			  other ? k->reader_ep : k->c->primary, sql, nparams,
			  params, res, error);
}

pg_status pg_exec_ep(pg_conn *k, PGconn **cp, size_t ep, const char *sql,
		     int nparams, const char *const *params, PGresult **res,
		     char **error)
{
	const char *name = k->c->s.eps[ep].name;
	PGresult *last = NULL, *r;
	pg_status st;

	*res = NULL;
	k->sqlstate[0] = '\0';
	if (*cp == NULL) {
		*cp = pg_connect_ep(k->c, &k->c->s.eps[ep], &k->deadline, error);
		if (*cp == NULL)
			return PG_UNSENT;
	}
	k->served_ep = (long)ep;
	if (!PQsendQueryParams(*cp, sql, nparams, NULL, params, NULL, NULL, 0))
		return lost(cp, name, "send", error);
	for (;;) {
		while (PQisBusy(*cp)) {
			int rc = wait_fd(PQsocket(*cp), POLLIN, &k->deadline);

			if (rc == 0) {
				PQclear(last);
				set_error(error, dt_strdupf("%s: no answer within "
							    "the timeout", name));
				PQfinish(*cp);
				*cp = NULL;
				return PG_LOST;
			}
			if (rc < 0 || !PQconsumeInput(*cp)) {
				PQclear(last);
				return lost(cp, name, "read", error);
			}
		}
		r = PQgetResult(*cp);
		if (r == NULL)
			break;
		PQclear(last);
		last = r;
	}
	if (last == NULL)
		return lost(cp, name, "no result", error);
	switch (PQresultStatus(last)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		*res = last;
		return PG_DONE;
	case PGRES_FATAL_ERROR:
		if (PQresultErrorField(last, PG_DIAG_SQLSTATE) == NULL) {
			/* libpq's own: the connection broke */
			PQclear(last);
			return lost(cp, name, "lost", error);
		}
		error_reply(k, last, name, error);
		st = PG_ERROR;
		break;
	default:
		set_error(error, dt_strdupf("%s: unexpected result %s", name,
					    PQresStatus(PQresultStatus(last))));
		st = PG_ERROR;
		break;
	}
	PQclear(last);
	/* The server ends a connection it terminates (57P01, 57P02, 08...)
	 * with an error: the reply came but the connection is gone. */
	if (PQstatus(*cp) == CONNECTION_BAD) {
		PQfinish(*cp);
		*cp = NULL;
		return PG_LOST;
	}
	return st;
}

dt_op_type pg_commit_outcome(pg_status st, const char *sqlstate)
{
	if (st == PG_DONE)
		return DT_OP_OK;
	if (st == PG_UNSENT)
		return DT_OP_FAIL;
	if (st == PG_LOST)
		return DT_OP_INFO;
	/* An error reply on a live connection: the transaction was rolled
	 * back (serialization failure 40001, deadlock 40P01, a constraint
	 * 23xxx, read-only 25006, a bad statement 42xxx...), except where
	 * the server itself says it cannot tell. */
	if (strcmp(sqlstate, "40003") == 0 || strncmp(sqlstate, "08", 2) == 0 ||
	    strncmp(sqlstate, "57P", 3) == 0 || strncmp(sqlstate, "58", 2) == 0 ||
	    strncmp(sqlstate, "XX", 2) == 0 || sqlstate[0] == '\0')
		return DT_OP_INFO;
	return DT_OP_FAIL;
}

static const char *const ISOLATION_SQL[] = {
	[SQL_ISO_READ_COMMITTED] = "READ COMMITTED",
	[SQL_ISO_REPEATABLE_READ] = "REPEATABLE READ",
	[SQL_ISO_SERIALIZABLE] = "SERIALIZABLE",
};

pg_status pg_begin(pg_conn *k, bool reader, bool read_only, char **error)
{
	sql_isolation iso = k->c->s.isolation;
	char sql[96];
	PGresult *r;
	pg_status st;

	/* A hot standby has no SERIALIZABLE: "cannot use serializable mode
	 * in a hot standby". */
	if (reader && pg_reads_elsewhere(k) && iso == SQL_ISO_SERIALIZABLE)
		iso = SQL_ISO_REPEATABLE_READ;
	snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL %s%s", ISOLATION_SQL[iso],
		 read_only ? " READ ONLY" : "");
	st = pg_exec(k, reader, sql, 0, NULL, &r, error);
	PQclear(r);
	return st;
}

void pg_rollback(pg_conn *k, bool reader)
{
	char *error = NULL;
	PGresult *r;
	bool other = reader && pg_reads_elsewhere(k);
	PGconn **cp = other ? &k->reader : &k->primary;

	if (*cp == NULL)
		return;
	/* A little time even past the deadline: a ROLLBACK is cheap, and a
	 * connection left inside a transaction is useless. */
	if (dt_deadline_left(&k->deadline) < 0.2)
		dt_deadline_set(&k->deadline, 0.2);
	if (pg_exec(k, reader, "ROLLBACK", 0, NULL, &r, &error) != PG_DONE &&
	    *cp != NULL) {
		PQfinish(*cp);
		*cp = NULL;
	}
	PQclear(r);
	free(error);
}

dt_op_type pg_commit(pg_conn *k, bool reader, char **error)
{
	PGresult *r;
	pg_status st = pg_exec(k, reader, "COMMIT", 0, NULL, &r, error);
	dt_op_type t;

	if (st == PG_DONE) {
		/* COMMIT of a transaction already failed answers ROLLBACK */
		t = strcmp(PQcmdStatus(r), "COMMIT") == 0 ? DT_OP_OK :
		    dt_op_error(error, DT_OP_FAIL, "COMMIT answered %s",
				PQcmdStatus(r));
		PQclear(r);
		return t;
	}
	/* A failed COMMIT sent nothing more: the connection is clean. */
	return pg_commit_outcome(st, k->sqlstate);
}
