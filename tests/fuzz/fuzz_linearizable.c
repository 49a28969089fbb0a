/* SPDX-License-Identifier: MIT */
/*
 * fuzz_linearizable.c: the linearizability checker (plugin
 * dt_linearizable with the models of dt_models, loaded from the build
 * tree) on fuzzed histories: no crash, no hang past its time budget.
 *
 * Input: byte 0 picks the model; then 5 bytes an op: process, type,
 * operation, value (from a pool of the shapes workloads produce) and
 * key.  Histories may be malformed (a completion with no invocation,
 * two invocations in a row) as an imported one may be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry.h"
#include "fuzz.h"

#define MAX_OPS 64

static dt_registry *reg;
static const dt_checker_type *checker;
static json_t *pool;

static const char *const models[] = {
	"cas-register", "register", "kv", "bank", "set", "queue"
};
static const char *const fs[] = {
	"read", "write", "cas", "get", "put", "append", "add", "enqueue",
	"dequeue", "transfer"
};

static void init(void)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c;

	dt_log_set_level(DT_LOG_ERROR);
	reg = dt_registry_new(DT_BUILD_DIR "/plugins/linearizable/.libs:"
			      DT_BUILD_DIR "/plugins/models/.libs");
	c = dt_registry_get(reg, DT_KIND_CHECKER, "linearizable", err);
	if (c == NULL) {
		fprintf(stderr, "fuzz_linearizable: %s\n", err);
		abort();
	}
	checker = c->type;
	pool = json_loads("[null, 0, 1, 2, 3, [1, 2], [2, 3], [0, 1], \"a\", \"b\","
			  "{\"key\": \"k1\", \"value\": 1}, {\"key\": \"k1\", \"value\": 2},"
			  "{\"key\": \"k2\", \"value\": [1, 2]}, {\"key\": \"k1\", \"value\": null},"
			  "{\"key\": \"k1\", \"value\": \"x\"}, {\"key\": \"k2\", \"value\": \"xy\"},"
			  "{\"from\": 0, \"to\": 1, \"amount\": 5}, {\"from\": 1, \"to\": 0, \"amount\": 50},"
			  "{\"0\": 10, \"1\": 10}, {\"0\": 5, \"1\": 15}, [1], [1, 2, 3], true, false,"
			  "{\"key\": 3}, -1, 1.5, {}]", 0, NULL);
	if (pool == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_history h = { 0 };
	dt_op ops[MAX_OPS];
	json_t *config, *result = NULL;
	dt_checker_env env;
	const char *model;

	if (reg == NULL)
		init();
	if (size < 1)
		return 0;
	model = models[data[0] % (sizeof(models) / sizeof(models[0]))];
	memset(ops, 0, sizeof(ops));
	for (size_t i = 1; i + 5 <= size && h.count < MAX_OPS; i += 5) {
		dt_op *op = &ops[h.count];
		char key[16];

		op->index = (int64_t)h.count;
		op->time = (int64_t)h.count * 1000;
		op->process = data[i] % 9 == 8 ? DT_PROCESS_NEMESIS : data[i] % 8;
		op->type = (dt_op_type)(data[i + 1] % 4);
		op->f = strdup(fs[data[i + 2] % (sizeof(fs) / sizeof(fs[0]))]);
		op->value = json_incref(json_array_get(pool, data[i + 3] % json_array_size(pool)));
		if (data[i + 4] % 4 != 0) {
			snprintf(key, sizeof(key), "k%d", data[i + 4] % 4);
			op->key = strdup(key);
		}
		h.count++;
	}
	h.ops = ops;
	config = json_pack("{sssisisf}", "model", model, "threads", 1,
			   "memory-limit", 256, "timeout", 2.0);
	memset(&env, 0, sizeof(env));
	env.config = config;
	env.registry = reg;
	env.store_dir = fuzz_scratch_dir();
	env.timeout = 2;
	if (checker->check(&env, &h, &result, err) == 0) {
		json_t *v = json_object_get(result, "valid");

		FUZZ_ASSERT(result != NULL);
		FUZZ_ASSERT(json_is_true(v) || json_is_false(v) ||
			    (json_is_string(v) && strcmp(json_string_value(v), "unknown") == 0));
	} else {
		FUZZ_ASSERT(err[0] != '\0');
	}
	json_decref(result);
	json_decref(config);
	for (size_t i = 0; i < h.count; i++)
		dt_op_clear(&ops[i]);
	return 0;
}
