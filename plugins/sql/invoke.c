/* SPDX-License-Identifier: MIT */
/*
 * invoke.c: the route of an operation to the SQL client's code of its
 * workload (a sql_driver): the same for every SQL client.
 */
#include <string.h>

#include "sql.h"

dt_op_type sql_invoke(const sql_driver *d, void *k, sql_workload w, const char *f,
		      const json_t *value, dt_reply *r)
{
	if (strcmp(f, "txn") == 0)
		return sql_txn_invoke(d->txn, k, value, &r->value, &r->error);
	if (w == SQL_WL_SET && (strcmp(f, "add") == 0 || strcmp(f, "read") == 0))
		return d->set(k, f, value, &r->value, &r->error);
	if (w == SQL_WL_BANK) {
		if (strcmp(f, "read") == 0)
			return d->bank_read(k, &r->value, &r->error);
		if (strcmp(f, "transfer") == 0)
			return d->bank_transfer(k, value, &r->error);
		return dt_op_error(&r->error, DT_OP_FAIL,
				   "the bank has no operation '%s'", f);
	}
	return d->reg(k, f, value, &r->value, &r->error);
}
