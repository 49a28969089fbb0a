/* SPDX-License-Identifier: MIT */
/*
 * test_lin: the linearizability checker's verdicts.
 *  - every porcupine history gets the verdict of EXPECTED.tsv;
 *  - generated linearizable histories (random sequential executions
 *    stretched with overlapping delays, unknown outcomes) are found
 *    linearizable, for every model;
 *  - one read altered: the checker agrees with the brute-force checker;
 *  - thousands of small random histories per model: the checker agrees
 *    with the brute-force checker.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "gen.h"
#include "history.h"
#include "history_import.h"

static const char *model_name(gen_model m)
{
	static const char *const n[] = { "cas-register", "kv", "bank", "set", "queue" };

	return n[m];
}

static json_t *bank_wl(void)
{
	return json_pack("{sisi}", "accounts", 3, "balance", 100);
}

Test(porcupine, every_file_gets_its_expected_verdict, .timeout = 60)
{
	const char *data = getenv("DT_TESTDATA");
	char path[4096], line[1024], err[DT_ERRBUF_SIZE];
	FILE *tsv;
	int files = 0;

	if (data == NULL)
		data = TEST_SRCDIR "/../shared/testdata";
	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv", data);
	tsv = fopen(path, "r");
	if (tsv == NULL)
		cr_skip_test("no test data: %s is absent", path);
	while (fgets(line, sizeof(line), tsv) != NULL) {
		char file[512], expected[64];
		long ops;
		double secs;
		dt_history *h;
		int v;

		if (sscanf(line, "%511s %ld %63s %lf", file, &ops, expected, &secs) != 4 ||
		    strcmp(file, "file") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/porcupine/%s", data, file);
		h = dt_history_import(path, DT_HFMT_AUTO, err);
		cr_assert_not_null(h, "%s", err);
		v = tc_check(h, strncmp(file, "kv/", 3) == 0 ? "kv" : "cas-register",
			     NULL, err);
		cr_assert(v >= 0, "%s: %s", file, err);
		cr_expect_str_eq(v ? "linearizable" : "not-linearizable", expected,
				 "%s", file);
		dt_history_free(h);
		files++;
	}
	fclose(tsv);
	cr_assert_geq(files, 60);
}

Test(property, stretched_sequential_executions_are_linearizable, .timeout = 60)
{
	char err[DT_ERRBUF_SIZE];

	for (int m = GEN_CAS_REGISTER; m <= GEN_QUEUE; m++)
		for (uint64_t seed = 1; seed <= 12; seed++) {
			gen_opts o = { .model = (gen_model)m, .ops = 400,
				       .processes = 6, .keys = 3, .values = 4,
				       .unknown = 0.05, .accounts = 3,
				       .spread = 1 + (int)(seed % 6), .seed = seed };
			json_t *wl = bank_wl();
			dt_history *h;
			int v;

			/* A queue with unknown enqueues and dequeues is where
			 * the search is exponential (a misplaced unknown
			 * enqueue shows only when its place reaches the
			 * front): the small histories below cover those. */
			if (m == GEN_QUEUE)
				o.unknown = 0;
			if (m == GEN_SET || m == GEN_QUEUE)
				o.ops = 150;
			h = gen_history(&o);
			cr_assert_not_null(h);
			v = tc_check(h, model_name((gen_model)m), wl, err);
			cr_expect_eq(v, 1, "%s seed %llu: %d %s", model_name((gen_model)m),
				     (unsigned long long)seed, v, err);
			dt_history_free(h);
			json_decref(wl);
		}
}

/* Alter the value of one completed read-like op at random; false when
 * the history has none. */
static bool alter_read(dt_history *h, dt_rng *rng, gen_model m)
{
	size_t cand[64], n = 0;
	dt_op *op;
	json_t *v;

	for (size_t i = 0; i < h->count && n < 64; i++) {
		dt_op *o = &h->ops[i];

		if (o->type == DT_OP_OK && (!strcmp(o->f, "read") || !strcmp(o->f, "get") ||
					    !strcmp(o->f, "dequeue")))
			cand[n++] = i;
	}
	if (n == 0)
		return false;
	op = &h->ops[cand[dt_rng_below(rng, n)]];
	switch (m) {
	case GEN_CAS_REGISTER: {
		uint64_t r = dt_rng_below(rng, 5);

		v = json_pack("{sO}", "key", json_object_get(op->value, "key"));
		json_object_set_new(v, "value", r == 4 ? json_null() : json_integer((json_int_t)r));
		break;
	}
	case GEN_KV: {
		/* some other op's value, or a mix of two */
		const char *a = "", *b = "";
		char buf[256];

		for (int k = 0; k < 2; k++) {
			dt_op *o = &h->ops[dt_rng_below(rng, h->count)];
			const char *s = json_string_value(o->value);

			if (s != NULL && strlen(s) < 100)
				*(k ? &b : &a) = s;
		}
		snprintf(buf, sizeof(buf), "%s%s", a, dt_rng_below(rng, 2) ? b : "");
		v = json_string(buf);
		break;
	}
	case GEN_BANK: {
		size_t f = dt_rng_below(rng, 3), t = dt_rng_below(rng, 3);
		json_int_t d = 1 + (json_int_t)dt_rng_below(rng, 40);

		v = json_deep_copy(op->value);
		json_array_set_new(v, f, json_integer(json_integer_value(json_array_get(v, f)) - d));
		json_array_set_new(v, t, json_integer(json_integer_value(json_array_get(v, t)) + d));
		break;
	}
	case GEN_SET:
		v = json_deep_copy(op->value);
		if (json_array_size(v) > 0 && dt_rng_below(rng, 2))
			json_array_remove(v, dt_rng_below(rng, json_array_size(v)));
		else
			json_array_append_new(v, json_integer((json_int_t)dt_rng_below(rng, 12)));
		break;
	default: {
		uint64_t r = dt_rng_below(rng, 12);

		v = r == 11 ? json_null() : json_integer((json_int_t)r);
		break;
	}
	}
	json_decref(op->value);
	op->value = v;
	return true;
}

/* Small histories: the checker and the brute force must agree.  Returns
 * how many came out invalid. */
static int agree(gen_model m, int rounds, int alter, uint64_t seed0)
{
	char err[DT_ERRBUF_SIZE];
	dt_rng rng;
	int invalid = 0;

	dt_rng_seed(&rng, seed0);
	for (int i = 0; i < rounds; i++) {
		gen_opts o = { .model = m, .ops = 3 + dt_rng_below(&rng, 7),
			       .processes = 2 + (int)dt_rng_below(&rng, 3), .keys = 1,
			       .values = 3, .unknown = dt_rng_below(&rng, 3) * 0.15,
			       .accounts = 3, .spread = 1 + (int)dt_rng_below(&rng, 4),
			       .seed = seed0 * 100000 + (uint64_t)i };
		json_t *wl = bank_wl();
		dt_history *h = gen_history(&o);
		int v, b;

		cr_assert_not_null(h);
		for (int k = 0; k < alter; k++)
			alter_read(h, &rng, m);
		v = tc_check(h, model_name(m), wl, err);
		b = tc_brute(h, model_name(m), wl);
		cr_assert(b >= 0, "brute force failed");
		if (v != b) {
			for (size_t j = 0; j < h->count; j++) {
				char *s = dt_op_to_json(&h->ops[j]);

				fprintf(stderr, "%s\n", s);
				free(s);
			}
		}
		cr_assert_eq(v, b, "%s round %d: checker %d, brute force %d (%s)",
			     model_name(m), i, v, b, err);
		if (alter == 0)
			cr_assert_eq(v, 1, "%s round %d: a stretched execution "
				     "must be linearizable", model_name(m), i);
		invalid += v == 0;
		dt_history_free(h);
		json_decref(wl);
	}
	return invalid;
}

Test(property, one_altered_read_is_caught_unless_explainable, .timeout = 60)
{
	for (int m = GEN_CAS_REGISTER; m <= GEN_QUEUE; m++) {
		int invalid;

		agree((gen_model)m, 200, 0, 7 + (uint64_t)m);
		invalid = agree((gen_model)m, 400, 1, 11 + (uint64_t)m);
		cr_expect_gt(invalid, 40, "%s: only %d of 400 altered histories "
			     "invalid", model_name((gen_model)m), invalid);
	}
}

Test(brute_force, agrees_on_thousands_of_small_histories, .timeout = 90)
{
	for (int m = GEN_CAS_REGISTER; m <= GEN_QUEUE; m++) {
		int invalid = agree((gen_model)m, 1500, 2, 1000 + (uint64_t)m);

		cr_expect_gt(invalid, 100, "%s: too few invalid histories (%d) to "
			     "mean anything", model_name((gen_model)m), invalid);
	}
}

Test(models, register_refuses_cas_and_checks_reads)
{
	const char *lines =
		"{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":{\"key\":\"a\",\"value\":1}}\n"
		"{\"index\":1,\"time\":1,\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":{\"key\":\"a\",\"value\":1}}\n"
		"{\"index\":2,\"time\":2,\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":{\"key\":\"a\"}}\n"
		"{\"index\":3,\"time\":3,\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":{\"key\":\"a\",\"value\":null}}\n";
	char err[DT_ERRBUF_SIZE];
	dt_history *h = dt_history_parse(lines, strlen(lines), DT_HFMT_JSONL, "t", err);

	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(tc_check(h, "register", NULL, err), 0);
	json_decref(h->ops[3].value);
	h->ops[3].value = json_pack("{sssi}", "key", "a", "value", 1);
	cr_expect_eq(tc_check(h, "register", NULL, err), 1);
	free(h->ops[0].f);
	free(h->ops[1].f);
	h->ops[0].f = strdup("cas");
	h->ops[1].f = strdup("cas");
	cr_expect_eq(tc_check(h, "register", NULL, err), -2);
	cr_expect(strstr(err, "no operation 'cas'") != NULL, "%s", err);
	dt_history_free(h);
}

Test(models, nemesis_ignored_fail_dropped_info_may_happen)
{
	/* w1 ok; w2 info; nemesis; w3 fail; read sees 2 (only w2 can explain) */
	const char *edn =
		"[{:process 0, :type :invoke, :f :write, :value 1}\n"
		" {:process 0, :type :ok, :f :write, :value 1}\n"
		" {:process 1, :type :invoke, :f :write, :value 2}\n"
		" {:process 1, :type :info, :f :write, :value 2}\n"
		" {:process :nemesis, :type :info, :f :start, :value nil}\n"
		" {:process 2, :type :invoke, :f :write, :value 3}\n"
		" {:process 2, :type :fail, :f :write, :value 3}\n"
		" {:process 0, :type :invoke, :f :read, :value nil}\n"
		" {:process 0, :type :ok, :f :read, :value 2}]\n";
	char err[DT_ERRBUF_SIZE];
	dt_history *h = dt_history_parse(edn, strlen(edn), DT_HFMT_EDN, "t", err);

	cr_assert_not_null(h, "%s", err);
	cr_assert_eq(h->count, 9);
	cr_expect_eq(h->ops[4].process, DT_PROCESS_NEMESIS);
	cr_expect_eq(tc_check(h, "cas-register", NULL, err), 1, "%s", err);
	json_decref(h->ops[8].value);
	h->ops[8].value = json_integer(3);   /* only the failed write */
	cr_expect_eq(tc_check(h, "cas-register", NULL, err), 0, "%s", err);
	dt_history_free(h);
}

Test(edn, errors_name_line_and_column)
{
	char err[DT_ERRBUF_SIZE];
	const char *bad = "[{:process 0, :type :invoke,\n :f #inst \"2020\"}]";
	dt_history *h = dt_history_parse(bad, strlen(bad), DT_HFMT_EDN, "h.edn", err);

	cr_assert_null(h);
	cr_expect(strstr(err, "h.edn: line 2, column 5") != NULL, "%s", err);
	cr_expect(strstr(err, "tagged literal") != NULL, "%s", err);
	h = dt_history_parse("{:process 0 :type", 17, DT_HFMT_EDN, "h.edn", err);
	cr_assert_null(h);
	cr_expect(strstr(err, "missing '}'") != NULL, "%s", err);
	h = dt_history_parse("{:process 0, :type :wat, :f :read}", 34,
			     DT_HFMT_EDN, "h.edn", err);
	cr_assert_null(h);
	cr_expect(strstr(err, ":type must be") != NULL, "%s", err);
}

Test(bounds, memory_bound_gives_unknown_never_a_guess, .timeout = 60)
{
	gen_opts o = { .model = GEN_CAS_REGISTER, .ops = 20000, .processes = 20,
		       .keys = 1, .values = 5, .unknown = 0.01, .seed = 5 };
	dt_history *h = gen_history(&o);
	json_t *conf = json_pack("{sssi}", "model", "cas-register", "memory-limit", 1);
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE];

	cr_assert_not_null(h);
	cr_expect_eq(tc_check_conf(h, conf, NULL, &res, err), -1, "%s", err);
	cr_expect_str_eq(json_string_value(json_object_get(res, "reason")),
			 "memory bound reached");
	cr_expect(strstr(json_string_value(json_object_get(res, "summary")),
			 "unknown") != NULL);
	json_decref(res);
	json_decref(conf);
	/* with room, the same history is linearizable */
	cr_expect_eq(tc_check(h, "cas-register", NULL, err), 1, "%s", err);
	dt_history_free(h);
}

Test(bounds, partitions_in_parallel_agree_with_one_thread, .timeout = 60)
{
	gen_opts o = { .model = GEN_KV, .ops = 20000, .processes = 10,
		       .keys = 50, .values = 20, .unknown = 0.02, .seed = 9 };
	dt_history *h = gen_history(&o);
	char err[DT_ERRBUF_SIZE];
	json_t *conf = json_pack("{sssi}", "model", "kv", "threads", 2);

	cr_assert_not_null(h);
	cr_expect_eq(tc_check_conf(h, conf, NULL, NULL, err), 1, "%s", err);
	/* one altered read in one partition: found, whatever thread has it */
	for (size_t i = h->count / 2; i < h->count; i++)
		if (h->ops[i].type == DT_OP_OK && strcmp(h->ops[i].f, "get") == 0) {
			json_decref(h->ops[i].value);
			h->ops[i].value = json_string("never written");
			break;
		}
	cr_expect_eq(tc_check_conf(h, conf, NULL, NULL, err), 0, "%s", err);
	json_decref(conf);
	dt_history_free(h);
}
