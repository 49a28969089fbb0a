/* SPDX-License-Identifier: MIT */
/*
 * conf.c: the configuration both SQL clients read the same way: the
 * workload and its settings, the isolation and transfer option values,
 * and the operations they take.
 */
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
		      sql_workload *workload, bool *txn_lists,
		      long long *accounts, long long *balance, char *err)
{
	const char *w = env->workload != NULL ? env->workload : "register";

	if (strcmp(w, "bank") == 0) {
		*workload = SQL_WL_BANK;
		return dt_conf_int(env->workload_config, "accounts", 5, 2,
				   max_accounts, accounts, err) ||
		       dt_conf_int(env->workload_config, "balance", 10000, 0,
				   1000000000000LL, balance, err) ? -1 : 0;
	}
	if (strcmp(w, "register") == 0) {
		*workload = SQL_WL_REGISTER;
		return 0;
	}
	if (strcmp(w, "set") == 0) {
		*workload = SQL_WL_SET;
		return 0;
	}
	/* list-append, rw-register and any other workload of "txn" ops:
	 * reads are of lists but in rw-register */
	*workload = SQL_WL_TXN;
	*txn_lists = strcmp(w, "rw-register") != 0;
	return 0;
}

sql_isolation sql_isolation_parse(const char *iso)
{
	sql_isolation level = SQL_ISO_READ_COMMITTED;

	for (size_t n = 0; sql_isolation_names[n] != NULL; n++)
		if (strcmp(iso, sql_isolation_names[n]) == 0)
			level = (sql_isolation)n;
	return level;
}

bool sql_read_write(const json_t *config)
{
	return strcmp(dt_opt_string(config, "transfer"), "read-write") == 0;
}
