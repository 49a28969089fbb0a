/*
 * report.c: the anomalies found, by type: a count and a few examples
 * each (ISO_EXAMPLES), not thousands.
 */
#include <stdlib.h>
#include <string.h>

#include <dt/buf.h>

#include "iso.h"

iso_found *iso_report_get(iso_report *r, const char *name)
{
	for (size_t i = 0; i < r->nfound; i++)
		if (strcmp(r->found[i].name, name) == 0)
			return &r->found[i];
	return NULL;
}

int iso_report_add(iso_report *r, const char *name, json_t *ex)
{
	iso_found *f = iso_report_get(r, name);

	if (f == NULL) {
		if (dt_grow(&r->found, &r->cap, r->nfound + 1, sizeof(iso_found)) != 0) {
			json_decref(ex);
			return -1;
		}
		f = &r->found[r->nfound++];
		f->name = name;
		f->count = 0;
		f->examples = json_array();
	}
	f->count++;
	if (ex != NULL && json_array_size(f->examples) < ISO_EXAMPLES)
		json_array_append(f->examples, ex);
	json_decref(ex);
	return 0;
}

void iso_report_free(iso_report *r)
{
	for (size_t i = 0; i < r->nfound; i++)
		json_decref(r->found[i].examples);
	free(r->found);
	json_decref(r->notes);
	memset(r, 0, sizeof(*r));
}
