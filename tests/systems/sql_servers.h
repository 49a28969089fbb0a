/*
 * sql_servers.h: real SQL servers for the systems tests: a PostgreSQL 15
 * (initdb, then postgres, as the `postgres` system user) and a MariaDB
 * (mariadb-install-db, then mariadbd, as the `mysql` user), each on
 * 127.0.0.1 with an ephemeral port in a temporary folder, and a way to
 * run SQL on them with their own command-line clients (psql, mariadb),
 * so that a test checks what the client plugin did by SQL.
 */
#ifndef DT_TESTS_SQL_SERVERS_H
#define DT_TESTS_SQL_SERVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/* Start a server (sys_server's kind "postgres" or "mariadb"); false when
 * it could not (the log is DIR/log). */
bool sql_postgres_start(sys_server *s);
bool sql_mariadb_start(sys_server *s);
/* SIGSTOP / SIGCONT every process of the server (its process group). */
bool sql_server_pause(sys_server *s);
void sql_server_resume(sys_server *s);
/* Kill the server's process group, reap it, remove the folder. */
void sql_server_stop(sys_server *s);
/* Run one SQL statement with psql or mariadb on s (database db, NULL
 * for the default); its output, tuples only, unaligned, into out.
 * Returns the exit status. */
int sql_query(const sys_server *s, const char *db, const char *sql, char *out,
	      size_t size);
/* The same in the background, not waited for (a session that holds a
 * lock while the test acts); the pid, to wait for with sql_wait. */
int sql_query_async(const sys_server *s, const char *db, const char *sql);
int sql_wait(int pid);

#endif
