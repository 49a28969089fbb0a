/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text parser of the etcd client (plugins/etcd/prom.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"

typedef struct seen {
	int n;
	char names[16][64];
	double values[16];
	char labels[16][128];
} seen;

static int collect(const etcd_prom_sample *s, void *arg)
{
	seen *x = arg;

	if (x->n < 16) {
		snprintf(x->names[x->n], 64, "%s", s->name);
		x->values[x->n] = s->value;
		x->labels[x->n][0] = '\0';
		for (size_t i = 0; i < s->nlabels; i++) {
			size_t u = strlen(x->labels[x->n]);

			snprintf(x->labels[x->n] + u, 128 - u, "%s%s=%s", i ? "," : "",
				 s->label_name[i], s->label_value[i]);
		}
	}
	x->n++;
	return 0;
}

Test(prom, samples)
{
	const char *t =
		"# HELP etcd_server_has_leader Whether or not a leader exists.\n"
		"# TYPE etcd_server_has_leader gauge\n"
		"etcd_server_has_leader 1\n"
		"etcd_server_proposals_committed_total 1.2e3\r\n"
		"grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\"} 42 1700000000000\n"
		"  spaced{ a = \"x\" , } -3.5  \n"
		"esc{v=\"q\\\"uote\\\\back\\nnl\"} +Inf\n"
		"\n"
		"nan NaN\n"
		"neg -Inf";
	seen x = { 0 };

	cr_assert_eq(etcd_prom_parse(t, strlen(t), collect, &x), 0);
	cr_assert_eq(x.n, 7);
	cr_assert_str_eq(x.names[0], "etcd_server_has_leader");
	cr_assert_float_eq(x.values[0], 1, 0);
	cr_assert_float_eq(x.values[1], 1200, 0);
	cr_assert_str_eq(x.labels[2], "grpc_code=OK,grpc_method=Range");
	cr_assert_float_eq(x.values[2], 42, 0);
	cr_assert_str_eq(x.names[3], "spaced");
	cr_assert_str_eq(x.labels[3], "a=x");
	cr_assert_float_eq(x.values[3], -3.5, 0);
	cr_assert_str_eq(x.labels[4], "v=q\"uote\\back\nnl");
	cr_assert(isinf(x.values[4]) && x.values[4] > 0);
	cr_assert(isnan(x.values[5]));
	cr_assert(isinf(x.values[6]) && x.values[6] < 0);
}

Test(prom, malformed_lines_are_counted_and_skipped)
{
	const char *t =
		"1bad 1\n"             /* name starts with a digit */
		"a{b=\"unterminated} 1\n"
		"a{b=x} 1\n"           /* unquoted */
		"a{b=\"\\q\"} 1\n"      /* unknown escape */
		"a 1 2 3\n"            /* trailing junk */
		"a\n"                  /* no value */
		"a inf\n"              /* lower-case inf is not the format */
		"a 0x10\n"
		"a{=\"x\"} 1\n"
		"a{b=\"x\" c=\"y\"} 1\n"
		"good 5\n";
	seen x = { 0 };

	cr_assert_eq(etcd_prom_parse(t, strlen(t), collect, &x), 10);
	cr_assert_eq(x.n, 1);
	cr_assert_str_eq(x.names[0], "good");
}

Test(prom, too_many_labels_and_long_lines)
{
	char line[8192];
	size_t u = 0;
	seen x = { 0 };

	u += (size_t)snprintf(line + u, sizeof(line) - u, "m{");
	for (int i = 0; i < 20; i++)
		u += (size_t)snprintf(line + u, sizeof(line) - u, "l%d=\"v\",", i);
	u += (size_t)snprintf(line + u, sizeof(line) - u, "} 1\n");
	cr_assert_eq(etcd_prom_parse(line, u, collect, &x), 1, "more than 16 labels");
	memset(line, 'a', 6000);
	memcpy(line + 6000, " 1", 2);
	cr_assert_eq(etcd_prom_parse(line, 6002, collect, &x), 1, "a name too long");
	cr_assert_eq(x.n, 0);
}

static int hist_add(const etcd_prom_sample *s, void *arg)
{
	etcd_prom_hist_add(arg, s);
	return 0;
}

Test(prom, histogram_quantiles)
{
	const char *t =
		"lat_bucket{op=\"get\",le=\"0.1\"} 50\n"
		"lat_bucket{op=\"put\",le=\"0.1\"} 0\n"
		"lat_bucket{op=\"get\",le=\"0.2\"} 90\n"
		"lat_bucket{op=\"get\",le=\"0.4\"} 100\n"
		"lat_bucket{op=\"get\",le=\"+Inf\"} 100\n"
		"lat_sum{op=\"get\"} 12.5\n"
		"lat_count{op=\"get\"} 100\n"
		"latency_other 3\n";
	etcd_prom_hist h = { .name = "lat" };

	etcd_prom_parse(t, strlen(t), hist_add, &h);
	cr_assert(h.seen);
	cr_assert_eq(h.nbuckets, 4);
	cr_assert_float_eq(h.total, 100, 0);
	cr_assert_float_eq(h.sum, 12.5, 1e-12);
	cr_assert_float_eq(etcd_prom_hist_quantile(&h, 0.5), 0.1, 1e-9);
	cr_assert_float_eq(etcd_prom_hist_quantile(&h, 0.7), 0.15, 1e-9);
	cr_assert_float_eq(etcd_prom_hist_quantile(&h, 0.95), 0.3, 1e-9);
	cr_assert_float_eq(etcd_prom_hist_quantile(&h, 0.25), 0.05, 1e-9);
}

Test(prom, empty_histogram)
{
	etcd_prom_hist h = { .name = "x" };

	cr_assert(isnan(etcd_prom_hist_quantile(&h, 0.5)));
}
