/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_reply.c: the http client's parsers of what a server or a
 * suite gives it (plugins/http/reply.c and template.c, compiled in).
 * The first two bytes pick the status (100-599); the input up to the
 * first newline is also parsed as a template and as a JSON pointer into
 * the body; the rest is the body, mapped through the etcd-http suite's
 * rules for a read (pointer, base64, json) and a cas (if equals).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "fuzz.h"

static http_rule rules[3];

static void make_rules(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rules[0].nstatus = 1;
	rules[0].lo[0] = rules[0].hi[0] = 200;
	rules[0].if_pointer = strdup("/succeeded");
	rules[0].if_equals = json_true();
	rules[0].type = DT_OP_FAIL;
	rules[0].error = strdup("mismatch");
	rules[1].nstatus = 1;
	rules[1].lo[0] = 200;
	rules[1].hi[0] = 299;
	rules[1].type = DT_OP_OK;
	rules[1].value_pointer = strdup("/kvs/0/value");
	rules[1].decode[0] = HTTP_DECODE_BASE64;
	rules[1].decode[1] = HTTP_DECODE_JSON;
	rules[1].ndecode = 2;
	rules[2].nstatus = 1;
	rules[2].lo[0] = 300;
	rules[2].hi[0] = 399;
	rules[2].type = DT_OP_OK;
	rules[2].value_body = true;
	rules[2].decode[0] = HTTP_DECODE_JSON;
	rules[2].ndecode = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long status = size >= 2 ? 100 + (data[0] * 256 + data[1]) % 500 : 200;
	const char *rest = size >= 2 ? (const char *)data + 2 : "";
	size_t len = size >= 2 ? size - 2 : 0;
	const char *nl = memchr(rest, '\n', len);
	char why[DT_ERRBUF_SIZE], *line;
	json_t *value = NULL, *doc;
	char *error = NULL;
	http_template t;
	dt_op_type type;

	make_rules();
	type = http_reply_map(rules, 2, rules + 2, 1, size % 2 == 0, status,
			      rest, len, &value, &error);
	FUZZ_ASSERT(type == DT_OP_OK || type == DT_OP_FAIL || type == DT_OP_INFO);
	FUZZ_ASSERT(type == DT_OP_OK ? error == NULL : value == NULL && error != NULL);
	json_decref(value);
	free(error);

	line = strndup(rest, nl ? (size_t)(nl - rest) : len);
	if (line == NULL)
		return 0;
	if (http_template_parse(line, &t, why) == 0) {
		json_t *v = json_pack("[is]", 3, "x");
		const json_t *vars[HTTP_VAR_COUNT] = { v, v, v, v, v };
		char *out = http_template_render(&t, vars);

		FUZZ_ASSERT(out != NULL);
		free(out);
		http_template_free(&t);
		json_decref(v);
	} else {
		FUZZ_ASSERT(why[0] != '\0');
	}
	doc = nl ? json_loadb(nl + 1, len - (size_t)(nl - rest) - 1,
			      JSON_DECODE_ANY, NULL) : NULL;
	if (http_pointer_check(line, why) == 0)
		(void)http_pointer(doc, line);
	json_decref(doc);
	free(line);
	return 0;
}
