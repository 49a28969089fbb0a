/* SPDX-License-Identifier: MIT */
/*
 * fuzz_prom.c: the Prometheus text parser of the etcd client
 * (plugins/etcd/prom.c, compiled in) and its histogram arithmetic.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "fuzz.h"

typedef struct seen {
	size_t samples;
	etcd_prom_hist hist;
} seen;

static int on_sample(const etcd_prom_sample *s, void *arg)
{
	seen *st = arg;

	FUZZ_ASSERT(s->name != NULL && s->nlabels <= ETCD_PROM_MAX_LABELS);
	for (size_t i = 0; i < s->nlabels; i++) {
		FUZZ_ASSERT(s->label_name[i] != NULL && s->label_value[i] != NULL);
		FUZZ_ASSERT(etcd_prom_label(s, s->label_name[i]) != NULL);
	}
	/* the first family with buckets is the histogram looked at */
	if (st->hist.name == NULL) {
		size_t n = strlen(s->name);

		if (n > 7 && strcmp(s->name + n - 7, "_bucket") == 0) {
			static char family[256];

			snprintf(family, sizeof(family), "%.*s", (int)(n - 7), s->name);
			st->hist.name = family;
		}
	}
	if (st->hist.name != NULL)
		etcd_prom_hist_add(&st->hist, s);
	st->samples++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seen st;
	size_t bad;

	memset(&st, 0, sizeof(st));
	bad = etcd_prom_parse((const char *)data, size, on_sample, &st);
	FUZZ_ASSERT(bad <= size + 1);
	if (st.hist.name != NULL) {
		double qs[] = { 0.01, 0.5, 0.99, 0.999 };

		FUZZ_ASSERT(st.hist.nbuckets <= ETCD_PROM_MAX_BUCKETS);
		for (size_t i = 0; i < 4; i++)
			(void)etcd_prom_hist_quantile(&st.hist, qs[i]);
	}
	return 0;
}
