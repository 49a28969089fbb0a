/*
 * fuzz_isolation.c: Jepsen EDN transaction histories, from text through
 * the EDN import (dt_history_parse) into the isolation checker (plugin
 * dt_isolation, loaded from the build tree), as list-append and as
 * rw-register: no crash, no leak; a history it refuses says why, one it
 * checks has a verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_import.h"
#include "log.h"
#include "registry.h"
#include "fuzz.h"

static dt_registry *reg;
static const dt_checker_type *checker;

static void init(void)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c;

	dt_log_set_level(DT_LOG_ERROR);
	reg = dt_registry_new(DT_BUILD_DIR "/plugins/isolation/.libs");
	c = dt_registry_get(reg, DT_KIND_CHECKER, "isolation", err);
	if (c == NULL) {
		fprintf(stderr, "fuzz_isolation: %s\n", err);
		abort();
	}
	checker = c->type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const models[] = { "list-append", "rw-register" };
	static const char *const cons[] = { "strict-serializable", "read-committed",
					    "snapshot-isolation" };
	char err[DT_ERRBUF_SIZE] = "";
	dt_history *h;

	if (reg == NULL)
		init();
	if (size < 1)
		return 0;
	h = dt_history_parse((const char *)data + 1, size - 1, DT_HFMT_EDN, "fuzz", err);
	if (h == NULL) {
		FUZZ_ASSERT(err[0] != '\0');
		return 0;
	}
	for (size_t m = 0; m < 2; m++) {
		json_t *conf = json_pack("{ssss}", "model", models[m], "consistency",
					 cons[data[0] % 3]);
		dt_checker_env env = { .config = conf };
		json_t *res = NULL;

		err[0] = '\0';
		if (checker->check(&env, h, &res, err) == 0) {
			json_t *v = json_object_get(res, "valid");

			FUZZ_ASSERT(json_is_boolean(v) || json_is_string(v));
			FUZZ_ASSERT(json_is_array(json_object_get(res, "anomaly-types")));
		} else {
			FUZZ_ASSERT(err[0] != '\0');
		}
		json_decref(res);
		json_decref(conf);
	}
	dt_history_free(h);
	return 0;
}
