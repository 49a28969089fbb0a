/*
 * classes.c: the benchmark's classes of histories (see classes.h).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classes.h"
#include "gen.h"

typedef struct flist {
	char **v;
	size_t n;
} flist;

static int flist_add(flist *l, const char *path)
{
	char **q = realloc(l->v, (l->n + 2) * sizeof(*q));

	if (q == NULL)
		return -1;
	l->v = q;
	l->v[l->n] = strdup(path);
	return l->v[l->n] != NULL ? (l->n++, 0) : -1;
}

static void flist_free(flist *l, bool unlink_them)
{
	for (size_t i = 0; i < l->n; i++) {
		if (unlink_them)
			unlink(l->v[i]);
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Shared files of EXPECTED.tsv whose name starts with prefix. */
static int shared(const char *data, const char *prefix, flist *l)
{
	char path[4096], line[1024];
	FILE *tsv;

	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv", data);
	tsv = fopen(path, "r");
	if (tsv == NULL)
		return -1;
	while (fgets(line, sizeof(line), tsv) != NULL) {
		char file[512];

		if (sscanf(line, "%511s", file) == 1 &&
		    strncmp(file, prefix, strlen(prefix)) == 0) {
			snprintf(path, sizeof(path), "%s/porcupine/%s", data, file);
			if (flist_add(l, path) != 0)
				break;
		}
	}
	fclose(tsv);
	return 0;
}

/* A generated history, written in porcupine's format to dir/name. */
static int gen_file(const char *dir, const char *name, const gen_opts *o,
		    flist *l)
{
	char path[4096];
	dt_history *h = gen_history(o);
	int rc;

	if (h == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = gen_write_porcupine(h, o->model, path);
	dt_history_free(h);
	return rc == 0 ? flist_add(l, path) : -1;
}

/* The first n etcd files rewritten with runs of spaces between fields. */
static int blanks(const char *dir, const flist *etcd, size_t n, flist *l)
{
	for (size_t i = 0; i < n && i < etcd->n; i++) {
		char path[4096];
		FILE *in = fopen(etcd->v[i], "r"), *out;
		int c;

		snprintf(path, sizeof(path), "%s/blanks_%zu.log", dir, i);
		out = fopen(path, "w");
		if (in == NULL || out == NULL) {
			if (in)
				fclose(in);
			if (out)
				fclose(out);
			return -1;
		}
		while ((c = fgetc(in)) != EOF)
			fputs(c == '\t' ? "   " : (char[]){ (char)c, 0 }, out);
		fclose(in);
		if (fclose(out) != 0 || flist_add(l, path) != 0)
			return -1;
	}
	return 0;
}

static int run_class(sbs_env *env, const char *title, const char *pf,
		     const char *model, dt_history_format fmt, double timeout,
		     int runs, int rounds, flist *l, bool temp)
{
	sbs_class c = { .title = title, .porc_fmt = pf, .model = model,
			.fmt = fmt, .timeout = timeout, .runs = runs,
			.rounds = rounds, .files = l->v, .nfiles = l->n };
	int rc = l->n > 0 ? sbs_run(env, &c) : 0;

	flist_free(l, temp);
	return rc;
}

int bench_classes(sbs_env *env, const char *data, const bench_sizes *sz)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[512];
	flist l = { 0 }, etcd = { 0 };
	int rc = 0;
	char name[64];

	/* the generated histories, in a folder of our own under $TMPDIR */
	snprintf(dir, sizeof(dir), "%s/dt-bench-checker.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	sbs_header(env);
	if (shared(data, "etcd/", &etcd) == 0) {
		flist copy = { 0 };

		for (size_t i = 0; i < etcd.n; i++)
			flist_add(&copy, etcd.v[i]);
		rc |= run_class(env, "etcd cas-register, shared", "etcd",
				"cas-register", DT_HFMT_ETCD, 60, 0, 0, &copy, false);
		rc |= blanks(dir, &etcd, 3, &l);
		rc |= run_class(env, "etcd, fields separated by runs of spaces",
				"etcd", "cas-register", DT_HFMT_ETCD, 60, 0, 0, &l, true);
		flist_free(&etcd, false);
		if (shared(data, "kv/", &l) == 0)
			rc |= run_class(env, "kv c01 + c10, shared", "kv", "kv",
					DT_HFMT_KV, 60, 0, 0, &l, false);
	} else {
		printf("(shared histories absent: %s/porcupine)\n", data);
	}
	/* 50 clients, 10 keys: linearizable; then k0 hot (90% of the ops,
	 * its last get impossible: no search decides it) and keys 1-8 each
	 * with one impossible get */
	for (int s = 1; s <= 3; s++) {
		gen_opts o = { .model = GEN_KV, .ops = 1700, .processes = 50,
			       .keys = 10, .values = 4, .spread = 50,
			       .seed = (uint64_t)s };

		snprintf(name, sizeof(name), "c50-ok-%d.txt", s);
		rc |= gen_file(dir, name, &o, &l);
	}
	rc |= run_class(env, "kv, 50 clients, 10 keys, linearizable", "kv", "kv",
			DT_HFMT_KV, 60, 0, 0, &l, true);
	for (int s = 1; s <= 3; s++) {
		gen_opts o = { .model = GEN_KV, .ops = 2000, .processes = 50,
			       .keys = 10, .values = 4, .spread = 50,
			       .seed = (uint64_t)s + 6, .hot = 0.9, .bad = 9 };

		snprintf(name, sizeof(name), "c50-bad-%d.txt", s);
		rc |= gen_file(dir, name, &o, &l);
	}
	rc |= run_class(env, "kv, 50 clients, 10 keys, **not** linearizable "
			"(a hard key)", "kv", "kv", DT_HFMT_KV, 60, 0, 0, &l, true);
	/* Knossos EDN, one register, 100 to ~740 ops */
	for (int i = 0; i < sz->edn_files; i++) {
		gen_opts o = { .model = GEN_CAS_REGISTER,
			       .ops = 100 + (size_t)(640 * i / (sz->edn_files > 1 ?
							       sz->edn_files - 1 : 1)),
			       .processes = 5 + i % 6, .keys = 1, .values = 5,
			       .unknown = 0.05, .seed = 100 + (uint64_t)i };

		snprintf(name, sizeof(name), "knossos-%d.edn", i);
		rc |= gen_file(dir, name, &o, &l);
	}
	rc |= run_class(env, "Knossos cas-register EDN", "edn", "cas-register",
			DT_HFMT_EDN, 60, 0, 0, &l, true);
	if (sz->hard) {
		static const struct { int p; size_t ops; double unk; } hard[] = {
			{ 16, 1500, 0.05 }, { 24, 2500, 0.10 },
			{ 32, 3500, 0.15 }, { 42, 4900, 0.19 },
		};

		for (size_t i = 0; i < sizeof(hard) / sizeof(hard[0]); i++) {
			gen_opts o = { .model = GEN_CAS_REGISTER, .ops = hard[i].ops,
				       .processes = hard[i].p, .keys = 1, .values = 3,
				       .unknown = hard[i].unk, .seed = 200 + i };

			snprintf(name, sizeof(name), "hard-%zu.edn", i);
			rc |= gen_file(dir, name, &o, &l);
		}
		rc |= run_class(env, "hard single-key cas-register, 16-42 processes",
				"edn", "cas-register", DT_HFMT_EDN, sz->hard_timeout,
				1, 1, &l, true);
		/* 50 clients on two keys, k0's last get impossible: a search
		 * must go through every order of k0 to prove it */
		for (int i = 0; i < 2; i++) {
			gen_opts o = { .model = GEN_KV, .ops = i ? 6000 : 4000,
				       .processes = 50, .keys = 2, .values = 4,
				       .spread = 50, .seed = i ? 12 : 11, .hot = 0.5,
				       .bad = i ? 1 : 2 };

			snprintf(name, sizeof(name), "hard-kv-%d.txt", i);
			rc |= gen_file(dir, name, &o, &l);
		}
		rc |= run_class(env, "hard kv, 50 clients, 2 keys, a late violation",
				"kv", "kv", DT_HFMT_KV, sz->hard_timeout, 1, 1, &l, true);
	}
	{
		gen_opts o = { .model = GEN_CAS_REGISTER, .ops = (size_t)sz->scale_ops,
			       .processes = 10, .keys = 1, .values = 5,
			       .unknown = 0.012, .seed = 42 };

		snprintf(name, sizeof(name), "cas-%ld.edn", sz->scale_ops);
		rc |= gen_file(dir, name, &o, &l);
		rc |= run_class(env, "cas-register at scale, 10 processes, 1.2% unknown",
				"edn", "cas-register", DT_HFMT_EDN, 120, 10, 3, &l, true);
	}
	{
		gen_opts o = { .model = GEN_KV, .ops = (size_t)sz->kv_ops,
			       .processes = 20, .keys = 1000, .values = 100,
			       .seed = 43 };

		snprintf(name, sizeof(name), "kv-%ld.txt", sz->kv_ops);
		rc |= gen_file(dir, name, &o, &l);
		rc |= run_class(env, "kv at scale, 1,000 keys", "kv", "kv",
				DT_HFMT_KV, 120, 5, 3, &l, true);
	}
	rmdir(dir);
	return rc;
}
