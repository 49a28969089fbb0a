/* SPDX-License-Identifier: MIT */
/*
 * The bank workload (as the original DT's): `accounts` accounts holding
 * `balance` each; `read` returns every balance at once, `transfer` moves
 * 1..max-transfer between two distinct accounts and is refused (fail)
 * when funds are short.
 *
 *   read      invoke null                      ok [B0, B1, ...]
 *   transfer  invoke {"from":I,"to":J,"amount":A}
 */
#include <stdlib.h>

#include "bank.h"

int bank_params_read(const json_t *config, bank_params *p, char *err)
{
	return dt_conf_int(config, "accounts", 5, 2, 1000, &p->accounts, err) ||
	       dt_conf_int(config, "balance", 10000, 0, 1000000000000LL,
			   &p->balance, err) ||
	       dt_conf_int(config, "max-transfer", 1000, 1, 1000000000000LL,
			   &p->max_transfer, err) ? -1 : 0;
}

static void *bank_create(const json_t *config, char *err)
{
	bank_params *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	if (bank_params_read(config, p, err) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

static json_t *bank_generate(void *data, const char *f, dt_rng *rng)
{
	bank_params *p = data;
	uint64_t from, to;

	if (f[0] == 'r')
		return json_null();
	from = dt_rng_below(rng, (uint64_t)p->accounts);
	to = dt_rng_below(rng, (uint64_t)p->accounts - 1);
	if (to >= from)
		to++;
	return json_pack("{sIsIsI}", "from", (json_int_t)from, "to", (json_int_t)to,
			 "amount", (json_int_t)(1 + dt_rng_below(rng, (uint64_t)p->max_transfer)));
}

static void bank_destroy(void *data)
{
	free(data);
}

static const dt_workload_op bank_ops[] = {
	{ "read", 1 }, { "transfer", 1 }, { NULL, 0 }
};

/* Also read by the bank checker, the bank model and the clients
 * (through the workload's section). */
static const dt_option bank_options[] = {
	{ .name = "accounts", .type = DT_OPT_INT, .def = "5", .min = 2, .max = 1000,
	  .doc = "accounts, 0 .. N-1" },
	{ .name = "balance", .type = DT_OPT_INT, .def = "10000", .min = 0,
	  .max = 1e12, .doc = "each account's balance at the start" },
	{ .name = "max-transfer", .type = DT_OPT_INT, .def = "1000", .min = 1,
	  .max = 1e12, .doc = "a transfer moves 1 .. this much" },
	{ .name = NULL }
};

const dt_workload_type bank_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "bank", .version = "1.0",
		  .description = "transfers between accounts and reads of every balance",
		  .options = bank_options },
	.ops = bank_ops,
	.model = "bank",
	.create = bank_create,
	.generate = bank_generate,
	.destroy = bank_destroy,
};
