/* SPDX-License-Identifier: MIT */
/*
 * fuzz_etcd_reply.c: the parsers of the etcd client's JSON gateway
 * replies (plugins/etcd/reply.c, compiled in).  The first
 * byte picks the HTTP status; the rest is the body.  Every reply goes
 * through the parsers the way the client (ops.c, http.c, revops.c) uses
 * them, and through the watch event parser (watch.c) as a watch
 * response's "result" would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long codes[] = { 200, 200, 200, 200, 400, 404, 500, 503 };
	long code = size > 0 ? codes[data[0] % 8] : 200;
	const char *body = size > 1 ? (const char *)data + 1 : NULL;
	char *error = NULL, *value = NULL, *rev = NULL;
	size_t vlen = 0;
	dt_op_type outcome = DT_OP_INVOKE;
	json_t *r;

	r = etcd_reply_parse(code, body, size > 1 ? size - 1 : 0, &error, &outcome);
	if (r == NULL) {
		FUZZ_ASSERT(error != NULL);
		FUZZ_ASSERT(outcome == DT_OP_FAIL || outcome == DT_OP_INFO);
		FUZZ_ASSERT(outcome == DT_OP_INFO || (code >= 400 && code < 500));
		free(error);
		return 0;
	}
	FUZZ_ASSERT(code == 200 && json_is_object(r) && error == NULL);
	FUZZ_ASSERT(outcome == DT_OP_OK);
	if (etcd_reply_range(r, &value, &vlen, &rev, &error) == 0) {
		FUZZ_ASSERT((value == NULL) == (rev == NULL));
		if (value != NULL)
			FUZZ_ASSERT(value[vlen] == '\0');
	} else {
		FUZZ_ASSERT(error != NULL && value == NULL && rev == NULL);
		free(error);
	}
	free(value);
	free(rev);
	(void)etcd_reply_succeeded(r);
	(void)etcd_reply_revision(r);
	(void)etcd_reply_int(r, "count", 0);
	{
		json_t *kvs = etcd_reply_kvs(r, &error);
		const json_t *res = json_object_get(r, "result"), *ev;
		size_t i;

		if (kvs == NULL) {
			FUZZ_ASSERT(error != NULL);
			free(error);
			error = NULL;
		}
		FUZZ_ASSERT(kvs == NULL || json_is_array(kvs));
		json_decref(kvs);
		json_array_foreach(json_object_get(res, "events"), i, ev) {
			json_t *e = etcd_reply_event(ev, &error);

			if (e == NULL) {
				FUZZ_ASSERT(error != NULL);
				free(error);
				error = NULL;
				continue;
			}
			FUZZ_ASSERT(json_is_string(json_object_get(e, "type")));
			FUZZ_ASSERT(json_is_integer(json_object_get(e, "rev")));
			json_decref(e);
		}
	}
	json_decref(r);
	return 0;
}
