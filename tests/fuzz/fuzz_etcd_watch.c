/*
 * fuzz_etcd_watch.c: the watch checker and the etcd model (dt_etcdrev,
 * with dt_linearizable, loaded from the build tree) on fuzzed histories:
 * no crash, no hang, a verdict or an error.
 *
 * Input: history lines (DT's history.jsonl); lines that are not events
 * are dropped, at most 48 are kept, and each gets its index and a
 * time, so that any text is a history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "registry.h"
#include "fuzz.h"

#define MAX_OPS 48

static dt_registry *reg;
static const dt_checker_type *watch, *lin;

static const dt_checker_type *checker(const char *name)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, name, err);

	if (c == NULL) {
		fprintf(stderr, "fuzz_etcd_watch: %s\n", err);
		abort();
	}
	return c->type;
}

static void init(void)
{
	dt_log_set_level(DT_LOG_ERROR);
	reg = dt_registry_new(DT_BUILD_DIR "/plugins/linearizable/.libs:"
			      DT_BUILD_DIR "/plugins/etcdrev/.libs");
	watch = checker("watch");
	lin = checker("linearizable");
}

static void verdict(const dt_checker_type *c, const json_t *config,
		    const dt_history *h)
{
	char err[DT_ERRBUF_SIZE] = "";
	json_t *result = NULL;
	dt_checker_env env = { .config = config, .registry = reg, .timeout = 2,
			       .store_dir = fuzz_scratch_dir() };

	if (c->check(&env, h, &result, err) == 0) {
		json_t *v = json_object_get(result, "valid");

		FUZZ_ASSERT(json_is_true(v) || json_is_false(v) ||
			    (json_is_string(v) && strcmp(json_string_value(v), "unknown") == 0));
	} else {
		FUZZ_ASSERT(err[0] != '\0' && result == NULL);
	}
	json_decref(result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dt_op ops[MAX_OPS];
	dt_history h = { .ops = ops };
	const char *p = (const char *)data, *end = p + size;
	json_t *lconf;

	if (reg == NULL)
		init();
	memset(ops, 0, sizeof(ops));
	while (p < end && h.count < MAX_OPS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char err[DT_ERRBUF_SIZE];

		if (dt_op_from_json(p, len, &ops[h.count], err) == 0) {
			ops[h.count].index = (int64_t)h.count;
			ops[h.count].time = (int64_t)h.count * 1000;
			h.count++;
		}
		p += len + 1;
	}
	verdict(watch, NULL, &h);
	lconf = json_pack("{sssisisf}", "model", "etcd", "threads", 1,
			  "memory-limit", 256, "timeout", 2.0);
	verdict(lin, lconf, &h);
	json_decref(lconf);
	for (size_t i = 0; i < h.count; i++)
		dt_op_clear(&ops[i]);
	return 0;
}
