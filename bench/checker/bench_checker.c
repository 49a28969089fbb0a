/* SPDX-License-Identifier: MIT */
/*
 * dt-bench-checker: the linearizability checker against porcupine.
 *
 * Checks every history of TESTDATA/porcupine (EXPECTED.tsv) with the
 * `linearizable` plugin, parsing excluded, keeping the best of several
 * runs as porcupine's figures do, and prints per-file seconds beside
 * porcupine's with the ratio, then the totals for etcd and kv.  Then the
 * scaling figures: generated cas-register and kv histories.
 *
 * Then, when porcupine's porc-check is there (--porcupine, PORC_CHECK),
 * every class of classes.h beside it, one row of a Markdown table each
 * (sidebyside.h): in-process and whole-process times and their ratios.
 *
 *   dt-bench-checker [--testdata DIR] [--plugin-path DIRS] [--runs N]
 *                    [--scale-ops N] [--kv-ops N] [--porcupine PORC-CHECK]
 *                    [--dt-check PATH] [--rounds N] [--edn-files N]
 *                    [--hard] [--hard-timeout S]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classes.h"
#include "gen.h"
#include "sidebyside.h"
#include "history.h"
#include "history_import.h"
#include "log.h"
#include "registry.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const dt_checker_type *checker;
static dt_registry *reg;

/* One check; returns the verdict string ("linearizable", ...) and the
 * seconds and memory it took. */
static const char *check_t(const dt_history *h, const char *model,
			   double timeout, double *secs, json_int_t *mem)
{
	json_t *conf = json_pack("{ss}", "model", model), *res = NULL;
	dt_checker_env env = { .config = conf, .registry = reg, .timeout = timeout };
	char err[DT_ERRBUF_SIZE];
	const char *v = "error";
	double t0;
	int rc;

	if (getenv("BENCH_DUMP")) {
		FILE *f = fopen(getenv("BENCH_DUMP"), "w");

		for (size_t i = 0; f && i < h->count; i++) {
			char *l = dt_op_to_json(&h->ops[i]);

			fprintf(f, "%s\n", l);
			free(l);
		}
		if (f)
			fclose(f);
	}
	t0 = now();

	rc = checker->check(&env, h, &res, err);
	/* the check only: reading its result is the harness's work */
	*secs = now() - t0;
	if (rc != 0) {
		fprintf(stderr, "check: %s\n", err);
	} else {
		json_t *j = json_object_get(res, "valid");

		v = json_is_true(j) ? "linearizable" : json_is_false(j) ?
		    "not-linearizable" : "unknown";
		if (mem)
			*mem = json_integer_value(json_object_get(res, "memory-peak-bytes"));
		if (getenv("BENCH_VERBOSE")) {
			char *d = json_dumps(res, JSON_INDENT(1));

			fprintf(stderr, "%s\n", d);
			free(d);
		}
	}
	json_decref(res);
	json_decref(conf);
	return v;
}

static const char *check(const dt_history *h, const char *model, double *secs,
			 json_int_t *mem)
{
	return check_t(h, model, 0, secs, mem);
}

static const char *sbs_check(const dt_history *h, const char *model,
			     double timeout, double *secs)
{
	return check_t(h, model, timeout, secs, NULL);
}

int main(int argc, char **argv)
{
	const char *data = getenv("DT_TESTDATA"), *ppath = NULL;
	char path[4096], line[1024], err[DT_ERRBUF_SIZE];
	long runs = 20;
	bench_sizes sz = { .scale_ops = 10000, .kv_ops = 100000, .edn_files = 20,
			   .hard_timeout = 20 };
	const char *porc = getenv("PORC_CHECK"), *dtcheck = DT_BUILD_DIR "/core/dt-check";
	int rounds = 5;
	double tot[2] = { 0, 0 }, ptot[2] = { 0, 0 };
	int mismatch = 0, slower = 0, files = 0;
	const dt_component *c;
	FILE *tsv;
	int opt;
	static const struct option lo[] = {
		{ "testdata", required_argument, NULL, 'd' },
		{ "plugin-path", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "scale-ops", required_argument, NULL, 's' },
		{ "kv-ops", required_argument, NULL, 'k' },
		{ "porcupine", required_argument, NULL, 'P' },
		{ "dt-check", required_argument, NULL, 'D' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "edn-files", required_argument, NULL, 'E' },
		{ "hard", no_argument, NULL, 'H' },
		{ "hard-timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': data = optarg; break;
		case 'p': ppath = optarg; break;
		case 'r': runs = atol(optarg); break;
		case 's': sz.scale_ops = atol(optarg); break;
		case 'k': sz.kv_ops = atol(optarg); break;
		case 'P': porc = optarg; break;
		case 'D': dtcheck = optarg; break;
		case 'R': rounds = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'E': sz.edn_files = atoi(optarg); break;
		case 'H': sz.hard = true; break;
		case 'T': sz.hard_timeout = atof(optarg); break;
		default:
			fprintf(stderr, "usage: %s [--testdata DIR] [--plugin-path DIRS] "
				"[--runs N] [--scale-ops N] [--kv-ops N] [--porcupine "
				"PORC-CHECK] [--dt-check PATH] [--rounds N] [--edn-files N] "
				"[--hard] [--hard-timeout S]\n", argv[0]);
			return 3;
		}
	}
	if (data == NULL)
		data = DT_SOURCE_DIR "/../shared/testdata";
	dt_log_set_level(DT_LOG_ERROR);
	reg = dt_registry_new(ppath);
	c = dt_registry_get(reg, DT_KIND_CHECKER, "linearizable", err);
	if (c == NULL) {
		fprintf(stderr, "%s\n", err);
		return 4;
	}
	checker = c->type;
	if (getenv("BENCH_FILE")) {
		/* one file, best of --runs: BENCH_FILE=PATH BENCH_MODEL=M */
		dt_history *h = dt_history_import(getenv("BENCH_FILE"), DT_HFMT_AUTO, err);
		const char *m = getenv("BENCH_MODEL") ? getenv("BENCH_MODEL") : "cas-register";
		const char *v = "error";
		double best = 1e18;

		if (h == NULL) {
			fprintf(stderr, "%s\n", err);
			return 4;
		}
		for (long r = 0; r <= runs; r++) {
			double s;

			v = check(h, m, &s, NULL);
			if (r > 0 && s < best)
				best = s;
		}
		printf("%s: %s, best of %ld: %.6f s\n", getenv("BENCH_FILE"), v, runs, best);
		dt_history_free(h);
		dt_registry_free(reg);
		return 0;
	}
	if (getenv("BENCH_GEN")) {
		/* one generated history: model,ops,processes,keys,unknown,spread,seed */
		static const char *const names[] = { "cas-register", "kv", "bank", "set", "queue" };
		gen_opts go = { .values = 4, .accounts = 3 };
		int m = 0, sp = 0, pr = 0, k = 0;
		unsigned long long seed = 1;
		double s = 0;
		json_int_t mem = 0;
		const char *v;
		dt_history *h;

		sscanf(getenv("BENCH_GEN"), "%d,%zu,%d,%d,%lf,%d,%llu,%lf,%d", &m, &go.ops,
		       &pr, &k, &go.unknown, &sp, &seed, &go.hot, &go.bad);
		go.model = (gen_model)m;
		go.processes = pr;
		go.keys = k;
		go.spread = sp;
		go.seed = seed;
		h = gen_history(&go);
		if (getenv("BENCH_WRITE") &&
		    gen_write_porcupine(h, go.model, getenv("BENCH_WRITE")) != 0)
			perror(getenv("BENCH_WRITE"));
		v = check(h, names[m], &s, &mem);
		printf("%s: %s in %.3f s, memory %.1f MiB\n", names[m], v, s,
		       (double)mem / 1048576);
		dt_history_free(h);
		return 0;
	}

	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv", data);
	tsv = fopen(path, "r");
	if (tsv == NULL) {
		printf("SKIP porcupine files: %s not found\n", path);
	} else {
		printf("%-22s %6s %-17s %-17s %11s %11s %8s\n", "file", "ops",
		       "expected", "dt", "dt_s", "porcupine_s", "speedup");
		while (fgets(line, sizeof(line), tsv) != NULL) {
			char file[512], expected[64];
			long nops;
			double ps, best = 1e9;
			const char *got = NULL;
			dt_history *h;
			int kv;

			if (sscanf(line, "%511s %ld %63s %lf", file, &nops, expected, &ps) != 4)
				continue;   /* the header */
			kv = strncmp(file, "kv/", 3) == 0;
			snprintf(path, sizeof(path), "%s/porcupine/%s", data, file);
			h = dt_history_import(path, DT_HFMT_AUTO, err);
			if (h == NULL) {
				fprintf(stderr, "%s\n", err);
				return 4;
			}
			for (long r = 0; r <= runs; r++) {
				double s;

				got = check(h, kv ? "kv" : "cas-register", &s, NULL);
				if (r > 0 && s < best)   /* run 0 warms up */
					best = s;
			}
			dt_history_free(h);
			files++;
			tot[kv] += best;
			ptot[kv] += ps;
			if (strcmp(got, expected) != 0)
				mismatch++;
			if (best > ps)
				slower++;
			printf("%-22s %6ld %-17s %-17s %11.6f %11.6f %7.1fx%s%s\n", file,
			       nops, expected, got, best, ps, ps / best,
			       strcmp(got, expected) ? "  WRONG VERDICT" : "",
			       best > ps ? "  SLOWER" : "");
		}
		fclose(tsv);
		for (int kv = 0; kv < 2; kv++)
			printf("total %-4s dt %.6f s  porcupine %.6f s  speedup %.1fx "
			       "(target >= 5x)\n", kv ? "kv" : "etcd", tot[kv],
			       ptot[kv], ptot[kv] / tot[kv]);
		printf("files %d, wrong verdicts %d, slower than porcupine %d\n",
		       files, mismatch, slower);
	}

	/* Beside porcupine, class by class. */
	{
		sbs_env env = { .porc = porc, .dt_check = dtcheck, .check = sbs_check,
				.runs = (int)runs, .rounds = rounds };

		if (porc != NULL && access(porc, X_OK) != 0) {
			printf("\nporcupine: %s is not there (build it with "
			       "../shared/bench/porcupine/build.sh): DT alone\n", porc);
			env.porc = NULL;
		}
		if (bench_classes(&env, data, &sz) != 0)
			mismatch++;
		if (env.porc != NULL)
			printf("\nverdicts: %d differ, DT unknown where porcupine "
			       "decides: %d, porcupine unknown where DT decides: %d\n",
			       env.disagree, env.dt_unknown, env.porc_unknown);
		mismatch += env.disagree + env.dt_unknown;
	}
	dt_registry_free(reg);
	return mismatch ? 1 : 0;
}
