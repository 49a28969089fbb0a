/* SPDX-License-Identifier: MIT */
/*
 * fuzz_redis_info.c: the parser of redis' INFO reply
 * (plugins/redis/info.c, compiled in).  The result is an object of
 * integers, reals and strings that serialises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = redis_info_parse((const char *)data, size);
	const char *k;
	json_t *v;
	char *text;

	FUZZ_ASSERT(json_is_object(o));
	json_object_foreach(o, k, v)
		FUZZ_ASSERT(json_is_integer(v) || json_is_real(v) || json_is_string(v));
	text = json_dumps(o, 0);
	FUZZ_ASSERT(text != NULL);
	free(text);
	json_decref(o);
	v = redis_info_value((const char *)data, size);
	json_decref(v);
	return 0;
}
