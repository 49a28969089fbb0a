/*
 * setup.c: the database and tables a run on mariadb starts from, made
 * on the first node before any worker connects (Galera replicates the
 * DDL to the others, total order isolation), then waited for on every
 * other node, so that no worker meets a missing table.
 *
 *   dt.dt_register (k varchar(64) primary key, v text)  register, rw-register
 *   dt.dt_append   (k varchar(64) primary key, v text)  list-append "1,2,3"
 *   dt.dt_bank     (id int primary key, balance bigint)
 *   dt.dt_set      (e bigint primary key)                set
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my.h"

static const char *const SCHEMA[] = {
	"DROP TABLE IF EXISTS dt_register, dt_append, dt_bank, dt_set",
	"CREATE TABLE dt_register (k varchar(64) PRIMARY KEY, v text NOT NULL) "
	"ENGINE=InnoDB",
	"CREATE TABLE dt_append (k varchar(64) PRIMARY KEY, v text NOT NULL) "
	"ENGINE=InnoDB",
	"CREATE TABLE dt_bank (id int PRIMARY KEY, balance bigint NOT NULL) "
	"ENGINE=InnoDB",
	"CREATE TABLE dt_set (e bigint PRIMARY KEY) ENGINE=InnoDB",
	NULL
};

static int run(my_client *c, MYSQL **m, size_t ep, const dt_deadline *d,
	       const char *sql, char **error)
{
	MYSQL_RES *r;
	unsigned int errnum;
	my_status st = my_exec_on(c, m, ep, NULL, d, sql, &r, NULL, &errnum, error);

	mysql_free_result(r);
	return st == MY_DONE ? 0 : -1;
}

static int prepare(my_client *c, MYSQL **m, const dt_deadline *d, char **error)
{
	const char *db = c->s.dbname;
	char sql[512];

	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", db);
	if (run(c, m, 0, d, sql, error) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "USE %s", db);
	if (run(c, m, 0, d, sql, error) != 0)
		return -1;
	for (size_t i = 0; SCHEMA[i] != NULL; i++)
		if (run(c, m, 0, d, SCHEMA[i], error) != 0)
			return -1;
	if (c->s.workload != SQL_WL_BANK)
		return 0;
	for (long long a = 0; a < c->s.accounts; a++) {
		snprintf(sql, sizeof(sql), "INSERT INTO dt_bank (id, balance) "
			 "VALUES (%lld, %lld)", a, c->s.balance);
		if (run(c, m, 0, d, sql, error) != 0)
			return -1;
	}
	return 0;
}

/* Wait (10 s at most) until node i has every table and account. */
static void wait_node(my_client *c, size_t i)
{
	char sql[256], *error = NULL;
	MYSQL *m = NULL;
	dt_deadline until;
	bool done = false;

	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM %s.dt_bank), "
		 "(SELECT count(*) FROM %s.dt_register)", c->s.dbname, c->s.dbname);
	dt_deadline_set(&until, 10);
	while (!done && !dt_deadline_expired(&until)) {
		MYSQL_RES *r;
		unsigned int errnum;
		dt_deadline d;

		dt_deadline_set(&d, 1);
		if (my_exec_on(c, &m, i, NULL, &d, sql, &r, NULL, &errnum, &error) ==
		    MY_DONE && r != NULL) {
			MYSQL_ROW row = mysql_fetch_row(r);

			done = row != NULL && row[0] != NULL &&
			       strtoll(row[0], NULL, 10) ==
			       (c->s.workload == SQL_WL_BANK ? c->s.accounts : 0);
		}
		mysql_free_result(r);
		if (!done)
			dt_sleep(0.05);
	}
	if (!done)
		dt_log(DT_LOG_WARN, "mariadb: %s lacks the set-up after 10 s: %s",
		       c->s.eps[i].name, error ? error : "not there yet");
	free(error);
	if (m != NULL)
		mysql_close(m);
}

int my_setup(void *data, char *err)
{
	my_client *c = data;
	char *error = NULL;
	MYSQL *m = NULL;
	dt_deadline d;
	int rc = -1;

	dt_deadline_set(&d, c->s.timeout * 4 < 10 ? 10 : c->s.timeout * 4);
	while (prepare(c, &m, &d, &error) != 0) {
		if (dt_deadline_expired(&d)) {
			dt_fail(err, "cannot prepare the tables on %s: %s",
				c->s.eps[0].name, error);
			goto out;
		}
		dt_sleep(0.2);
	}
	for (size_t i = 1; i < c->s.neps; i++)
		wait_node(c, i);
	rc = 0;
out:
	free(error);
	if (m != NULL)
		mysql_close(m);
	return rc;
}
