/* SPDX-License-Identifier: MIT */
/*
 * fuzz_yaml.c: YAML loading (dt_doc_parse), the parser every suite and
 * chart goes through.  Besides not crashing, a document that loads must
 * serialise, and every key path recorded must resolve to a location.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "yamldoc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DT_ERRBUF_SIZE] = "";
	dt_doc *doc;
	const char *path;
	json_t *mark;

	dt_log_set_level(DT_LOG_ERROR);
	doc = dt_doc_parse("fuzz.yaml", (const char *)data, size, err);
	if (doc == NULL) {
		/* every failure says why, prefixed by the file name */
		FUZZ_ASSERT(strncmp(err, "fuzz.yaml:", 10) == 0);
		return 0;
	}
	if (doc->root != NULL) {
		char *text = json_dumps(doc->root, JSON_ENCODE_ANY);

		FUZZ_ASSERT(text != NULL);
		free(text);
	}
	json_object_foreach(doc->marks, path, mark) {
		FUZZ_ASSERT(json_is_array(mark) && json_array_size(mark) == 2);
		dt_doc_fail(doc, path, err, "probe");
		FUZZ_ASSERT(strncmp(err, "fuzz.yaml:", 10) == 0);
	}
	dt_doc_free(doc);
	return 0;
}
