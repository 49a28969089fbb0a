/* SPDX-License-Identifier: MIT */
/*
 * conf.c: the configuration both SQL clients read the same way: the
 * endpoints and common options, the workload and its settings, the
 * isolation and transfer option values,
 * and the operations they take.
 */
#include <stdlib.h>
#include <string.h>

#include "sql.h"

const char *const sql_isolation_names[] = {
	"read-committed", "repeatable-read", "serializable", NULL
};

const char *const sql_transfer_modes[] = { "update", "read-write", NULL };

const char *const sql_operations[] = {
	"read", "write", "cas", "transfer", "add", "txn", NULL
};

int sql_workload_conf(const dt_client_env *env, long long max_accounts,
		      sql_config *s, char *err)
{
	const char *w = env->workload != NULL ? env->workload : "register";

	if (strcmp(w, "bank") == 0) {
		s->workload = SQL_WL_BANK;
		return dt_conf_int(env->workload_config, "accounts", 5, 2,
				   max_accounts, &s->accounts, err) ||
		       dt_conf_int(env->workload_config, "balance", 10000, 0,
				   1000000000000LL, &s->balance, err) ? -1 : 0;
	}
	if (strcmp(w, "register") == 0) {
		s->workload = SQL_WL_REGISTER;
		return 0;
	}
	if (strcmp(w, "set") == 0) {
		s->workload = SQL_WL_SET;
		return 0;
	}
	/* list-append, rw-register and any other workload of "txn" ops:
	 * reads are of lists but in rw-register */
	s->workload = SQL_WL_TXN;
	s->txn_lists = strcmp(w, "rw-register") != 0;
	return 0;
}

int sql_config_read(const dt_client_env *env, int default_port, sql_config *s,
		    char *err)
{
	const char *iso = dt_opt_string(env->config, "isolation");

	s->timeout = env->timeout > 0 ? env->timeout : 5;
	s->eps = dt_endpoints_get(env->config, env->nodes, env->nnodes, "",
				  default_port, &s->neps, err);
	if (s->eps == NULL)
		return -1;
	s->read_write = strcmp(dt_opt_string(env->config, "transfer"),
			       "read-write") == 0;
	s->user = dt_opt_string(env->config, "user");
	s->dbname = dt_opt_string(env->config, "database");
	s->password = dt_opt_string(env->config, "password");
	for (size_t n = 0; sql_isolation_names[n] != NULL; n++)
		if (strcmp(iso, sql_isolation_names[n]) == 0)
			s->isolation = (sql_isolation)n;
	return 0;
}

void sql_config_free(sql_config *s)
{
	free(s->eps);
	s->eps = NULL;
}
