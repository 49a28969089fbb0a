/*
 * conn.c: connections of the mariadb client and statements on them,
 * each within the operation's deadline (libmariadb's non-blocking API,
 * MYSQL_OPT_NONBLOCK, and poll(2): never a blocking call), and what each
 * error means for the operation's outcome.
 *
 * A statement without an answer before the deadline, or on a broken
 * connection, closes the connection: the server rolls back a
 * transaction that was not committed, so only a COMMIT (or a statement
 * that commits on its own) without an answer leaves the outcome unknown.
 *
 * Every connection sets CLIENT_FOUND_ROWS, so that the rows an UPDATE
 * reports are the rows it matched (a cas to the same value matched).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "my.h"

static int left_ms(const dt_deadline *d)
{
	double s = dt_deadline_left(d);

	if (s <= 0)
		return 0;
	return s * 1000 < 1 ? 1 : s * 1000 > 1e9 ? 1000000000 : (int)(s * 1000);
}

/* Wait for what a non-blocking call asks (status: MYSQL_WAIT_*): the
 * status to continue it with, or -1 once the deadline has passed. */
static int wait_for(MYSQL *m, int status, const dt_deadline *d)
{
	for (;;) {
		struct pollfd pf = { .fd = mysql_get_socket(m) };
		int ms = left_ms(d), n, out = 0;
		bool theirs = false;    /* libmariadb's timeout is the nearer */

		if (ms == 0)
			return -1;
		if (status & MYSQL_WAIT_READ)
			pf.events |= POLLIN;
		if (status & MYSQL_WAIT_WRITE)
			pf.events |= POLLOUT;
		if (status & MYSQL_WAIT_EXCEPT)
			pf.events |= POLLPRI;
		if ((status & MYSQL_WAIT_TIMEOUT) &&
		    mysql_get_timeout_value_ms(m) < (unsigned int)ms) {
			ms = (int)mysql_get_timeout_value_ms(m);
			theirs = true;
		}
		n = poll(&pf, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			/* Ours (poll may wake a hair before the deadline:
			 * that is ours too, never libmariadb's), or its own. */
			if (theirs)
				return MYSQL_WAIT_TIMEOUT;
			if (dt_deadline_expired(d) || left_ms(d) <= 1)
				return -1;
			continue;
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR))
			out |= MYSQL_WAIT_READ;
		if (pf.revents & POLLOUT)
			out |= MYSQL_WAIT_WRITE;
		if (pf.revents & POLLPRI)
			out |= MYSQL_WAIT_EXCEPT;
		if (out != 0)
			return out;
	}
}

static void set_error(char **error, char *text)
{
	free(*error);
	*error = text;
}

MYSQL *my_connect_ep(const my_client *c, const dt_endpoint *ep, const char *db,
		     const dt_deadline *d, char **error)
{
	MYSQL *m = mysql_init(NULL), *ret = NULL;
	unsigned int secs = (unsigned int)(dt_deadline_left(d) + 1.999);
	int status;

	if (m == NULL) {
		set_error(error, dt_strdupf("%s: out of memory", ep->name));
		return NULL;
	}
	/* libmariadb's own bounds too, behind the deadline */
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	mysql_options(m, MYSQL_OPT_NONBLOCK, 0);
	status = mysql_real_connect_start(&ret, m, ep->host, c->s.user, c->s.password, db,
					  (unsigned int)ep->port, NULL,
					  CLIENT_FOUND_ROWS);
	while (status != 0) {
		int ready = wait_for(m, status, d);

		if (ready < 0) {
			set_error(error, dt_strdupf("%s: connect: timed out", ep->name));
			mysql_close(m);
			return NULL;
		}
		status = mysql_real_connect_cont(&ret, m, ready);
	}
	if (ret == NULL) {
		set_error(error, dt_strdupf("%s: connect: %s", ep->name, mysql_error(m)));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* Whether errnum is the client's own word for a connection gone. */
static bool conn_gone(unsigned int errnum)
{
	return errnum == CR_SERVER_GONE_ERROR || errnum == CR_SERVER_LOST ||
	       errnum == CR_CONN_HOST_ERROR || errnum == CR_CONNECTION_ERROR ||
	       errnum == ER_CONNECTION_KILLED || errnum == CR_COMMANDS_OUT_OF_SYNC ||
	       errnum == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */ ||
	       errnum == ER_SERVER_SHUTDOWN || errnum == ER_NET_READ_ERROR ||
	       errnum == ER_NET_READ_INTERRUPTED || errnum == ER_NET_ERROR_ON_WRITE;
}

static my_status closed(MYSQL **mp, const char *name, const char *what,
			unsigned int *errnum, char **error)
{
	*errnum = mysql_errno(*mp);
	set_error(error, dt_strdupf("%s: %s: %s", name, what, *errnum ?
				    mysql_error(*mp) : "no answer within the timeout"));
	mysql_close(*mp);
	*mp = NULL;
	return MY_LOST;
}

my_status my_exec_on(const my_client *c, MYSQL **mp, size_t ep, const char *db,
		     const dt_deadline *d, const char *sql, MYSQL_RES **res,
		     long long *rows, unsigned int *errnum, char **error)
{
	const char *name = c->s.eps[ep].name;
	int rc = 0, status;

	*res = NULL;
	*errnum = 0;
	if (*mp == NULL) {
		*mp = my_connect_ep(c, &c->s.eps[ep], db, d, error);
		if (*mp == NULL)
			return MY_UNSENT;
	}
	status = mysql_real_query_start(&rc, *mp, sql, (unsigned long)strlen(sql));
	while (status != 0) {
		int ready = wait_for(*mp, status, d);

		if (ready < 0) {
			mysql_close(*mp);
			*mp = NULL;
			set_error(error, dt_strdupf("%s: no answer within the timeout",
						    name));
			return MY_LOST;
		}
		status = mysql_real_query_cont(&rc, *mp, ready);
	}
	if (rc != 0) {
		*errnum = mysql_errno(*mp);
		if (conn_gone(*errnum))
			return closed(mp, name, "lost", errnum, error);
		set_error(error, dt_strdupf("%s: SQLSTATE %s (%u): %s", name,
					    mysql_sqlstate(*mp), *errnum,
					    mysql_error(*mp)));
		return MY_ERROR;
	}
	if (mysql_field_count(*mp) > 0) {
		status = mysql_store_result_start(res, *mp);
		while (status != 0) {
			int ready = wait_for(*mp, status, d);

			if (ready < 0) {
				mysql_close(*mp);
				*mp = NULL;
				set_error(error, dt_strdupf("%s: no answer within "
							    "the timeout", name));
				return MY_LOST;
			}
			status = mysql_store_result_cont(res, *mp, ready);
		}
		if (*res == NULL)
			return closed(mp, name, "reading the result", errnum, error);
	}
	if (rows != NULL)
		*rows = (long long)mysql_affected_rows(*mp);
	return MY_DONE;
}

static const char *const ISOLATION_SQL[] = {
	[SQL_ISO_READ_COMMITTED] = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
	[SQL_ISO_REPEATABLE_READ] = "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	[SQL_ISO_SERIALIZABLE] = "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
};

my_status my_exec(my_conn *k, const char *sql, MYSQL_RES **res,
		  long long *rows, char **error)
{
	*res = NULL;
	if (k->m == NULL) {
		/* a new connection: the session's isolation level first */
		my_status st = my_exec_on(k->c, &k->m, k->ep, k->c->s.dbname,
					  &k->deadline, ISOLATION_SQL[k->c->s.isolation],
					  res, NULL, &k->errnum, error);

		if (st != MY_DONE) {
			if (k->m != NULL)
				mysql_close(k->m);
			k->m = NULL;
			return MY_UNSENT;
		}
	}
	k->served = true;
	return my_exec_on(k->c, &k->m, k->ep, k->c->s.dbname, &k->deadline, sql, res,
			  rows, &k->errnum, error);
}

dt_op_type my_commit_outcome(my_status st, unsigned int errnum)
{
	if (st == MY_DONE)
		return DT_OP_OK;
	if (st == MY_UNSENT)
		return DT_OP_FAIL;
	if (st == MY_LOST)
		return DT_OP_INFO;
	/* An error reply on a live connection: rolled back (a deadlock or
	 * Galera's certification failure 1213, a lock wait timeout 1205, a
	 * duplicate key, a read-only transaction...), except where the
	 * server cannot say: an error during commit (1180), or a Galera node
	 * that left the primary component (1047: whether the write set
	 * reached the others before is not known to the client). */
	if (errnum == ER_ERROR_DURING_COMMIT || errnum == ER_UNKNOWN_COM_ERROR ||
	    errnum == 0)
		return DT_OP_INFO;
	return DT_OP_FAIL;
}

my_status my_begin(my_conn *k, bool read_only, char **error)
{
	MYSQL_RES *r;
	my_status st = my_exec(k, read_only ? "START TRANSACTION READ ONLY" :
			       "START TRANSACTION", &r, NULL, error);

	mysql_free_result(r);
	return st;
}

void my_rollback(my_conn *k)
{
	MYSQL_RES *r;
	char *error = NULL;

	if (k->m == NULL)
		return;
	if (dt_deadline_left(&k->deadline) < 0.2)
		dt_deadline_set(&k->deadline, 0.2);
	if (my_exec(k, "ROLLBACK", &r, NULL, &error) != MY_DONE && k->m != NULL) {
		mysql_close(k->m);
		k->m = NULL;
	}
	mysql_free_result(r);
	free(error);
}

dt_op_type my_commit(my_conn *k, char **error)
{
	MYSQL_RES *r;
	my_status st = my_exec(k, "COMMIT", &r, NULL, error);

	mysql_free_result(r);
	return my_commit_outcome(st, k->errnum);
}

char *my_quote(MYSQL *m, const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(n * 2 + 3);

	if (q == NULL)
		return NULL;
	q[0] = '\'';
	/* without a connection (never the case here) the plain escaping */
	n = m != NULL ? mysql_real_escape_string(m, q + 1, s, (unsigned long)n) :
		mysql_escape_string(q + 1, s, (unsigned long)n);
	q[n + 1] = '\'';
	q[n + 2] = '\0';
	return q;
}
