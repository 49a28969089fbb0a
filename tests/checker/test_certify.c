/*
 * test_certify: every "not linearizable" verdict is checked by an
 * independent brute force on a small part of the history that fails
 * alone (certify.h): the shared porcupine files that are not
 * linearizable, small random histories with one altered read, and the
 * easy keys of 50-client kv histories with a hard key.  A brute-force
 * verdict of "linearizable" on such a part means DT was wrong.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "common.h"
#include "gen.h"
#include "history_import.h"

Test(brute, the_memo_brute_force_agrees_with_the_plain_one, .timeout = 60)
{
	int agreed = 0, invalid = 0;

	for (uint64_t seed = 1; seed <= 400; seed++) {
		gen_opts o = { .model = GEN_CAS_REGISTER, .ops = 3 + seed % 10,
			       .processes = 2 + (int)(seed % 4), .keys = 1,
			       .values = 3, .unknown = (seed % 3) * 0.2,
			       .seed = seed };
		dt_history *h = gen_history(&o);
		dt_rng rng;
		int a, b;

		cr_assert_not_null(h);
		dt_rng_seed(&rng, seed);
		/* alter one ok read in two of three */
		for (size_t i = 0; seed % 3 && i < h->count; i++)
			if (h->ops[i].type == DT_OP_OK && strcmp(h->ops[i].f, "read") == 0 &&
			    dt_rng_below(&rng, 2) == 0) {
				json_object_set_new(h->ops[i].value, "value",
						    json_integer((json_int_t)dt_rng_below(&rng, 3)));
				break;
			}
		a = tc_brute(h, "cas-register", NULL);
		b = tc_brute_memo(h, "cas-register");
		cr_expect_eq(a, b, "seed %llu: plain %d, memo %d",
			     (unsigned long long)seed, a, b);
		agreed += a == b;
		invalid += b == 0;
		dt_history_free(h);
	}
	cr_expect_gt(invalid, 20, "only %d invalid histories tried", invalid);
}

/* certify one history DT says is not linearizable */
static void certify(const dt_history *h, const char *model, const char *key,
		    const char *what, int *certified, int *too_big)
{
	tc_cert c;
	int r = tc_certify(h, model, key, &c);

	cr_expect_neq(r, 0, "%s: the brute force finds the %zu-op cut of %zu ops "
		      "linearizable: DT's verdict is wrong", what, c.ops_after,
		      c.ops_before);
	if (r == 1)
		(*certified)++;
	else if (r < 0) {
		(*too_big)++;
		cr_log_info("%s: not certified: %s (%zu ops of %zu left)", what,
			    c.why, c.ops_after, c.ops_before);
	}
}

Test(certify, shared_invalid_files, .timeout = 120)
{
	const char *data = getenv("DT_TESTDATA");
	char path[4096], line[1024], err[DT_ERRBUF_SIZE];
	int certified = 0, too_big = 0, files = 0;
	FILE *tsv;

	if (data == NULL)
		data = TEST_SRCDIR "/../shared/testdata";
	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv", data);
	tsv = fopen(path, "r");
	if (tsv == NULL)
		cr_skip_test("no test data: %s is absent", path);
	while (fgets(line, sizeof(line), tsv) != NULL) {
		char file[512], expected[64];
		bool kv;
		json_t *res = NULL, *conf;
		const char *key = NULL;
		dt_history *h;

		if (sscanf(line, "%511s %*d %63s", file, expected) != 2 ||
		    strcmp(expected, "not-linearizable") != 0)
			continue;
		kv = strncmp(file, "kv/", 3) == 0;
		snprintf(path, sizeof(path), "%s/porcupine/%s", data, file);
		h = dt_history_import(path, DT_HFMT_AUTO, err);
		cr_assert_not_null(h, "%s", err);
		conf = json_pack("{ss}", "model", kv ? "kv" : "cas-register");
		cr_assert_eq(tc_check_conf(h, conf, NULL, &res, err), 0, "%s", file);
		if (kv)
			key = json_string_value(json_object_get(json_array_get(
				json_object_get(res, "failures"), 0), "key"));
		certify(h, kv ? "kv" : "cas-register", key, file, &certified, &too_big);
		json_decref(res);
		json_decref(conf);
		dt_history_free(h);
		files++;
	}
	fclose(tsv);
	cr_log_info("%d of %d invalid files certified, %d too big", certified,
		    files, too_big);
	cr_expect_geq(certified * 10, files * 9, "only %d of %d certified",
		      certified, files);
}

Test(certify, easy_keys_of_a_50_client_kv_history, .timeout = 120)
{
	int certified = 0, too_big = 0;

	for (uint64_t seed = 1; seed <= 3; seed++) {
		gen_opts o = { .model = GEN_KV, .ops = 600, .processes = 50,
			       .keys = 10, .values = 4, .spread = 50, .seed = seed,
			       .bad = 9 };
		dt_history *h = gen_history(&o);
		char err[DT_ERRBUF_SIZE], what[64];

		cr_assert_not_null(h);
		for (int k = 1; k < 9; k++) {
			char key[16];

			snprintf(key, sizeof(key), "k%d", k);
			snprintf(what, sizeof(what), "seed %llu key %s",
				 (unsigned long long)seed, key);
			certify(h, "kv", key, what, &certified, &too_big);
		}
		cr_expect_eq(tc_check(h, "kv", NULL, err), 0, "%s", err);
		dt_history_free(h);
	}
	cr_expect_geq(certified, 20, "only %d of 24 keys certified", certified);
}
