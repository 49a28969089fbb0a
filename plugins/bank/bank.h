/* SPDX-License-Identifier: MIT */
/*
 * bank.h: the bank workload's parameters, shared by its workload and
 * its invariant checker (and read by clients through the workload's
 * config: accounts, balance).
 */
#ifndef DT_BANK_H
#define DT_BANK_H

#include <dt/plugin.h>

typedef struct bank_params {
	long long accounts;     /* 5 */
	long long balance;      /* 10000 each at the start */
	long long max_transfer; /* 1000 */
} bank_params;

int bank_params_read(const json_t *config, bank_params *p, char *err);

#endif
