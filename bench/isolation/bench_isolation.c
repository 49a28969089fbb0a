/*
 * bench_isolation: the isolation checker on large generated list-append
 * histories, built in memory as dt-run would record them.
 *
 *   dt-bench-isolation [--sizes 10000,100000,1000000] [--scc 10000]
 *
 * For each size: a strict serializable history of that many transactions
 * by 10 processes over 1,000 active keys (each retired after 16 appends),
 * 1 to 4 micro-ops each, every transaction overlapping the 9 others in
 * flight; checked for strict serializability.  Then --scc: a history of
 * that many transactions whose reads see random stale prefixes, which
 * makes them one strongly connected component; the anomaly types found,
 * each with its cycle length.  Prints seconds of the check alone, the
 * checker's transactions per second and the process's peak RSS (which
 * includes the history in memory, as jansson values).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "registry.h"
#include "log.h"

#define PROCS 10
#define MAX_APPENDS 16

typedef struct key {
	int64_t id;
	int64_t *v;
	size_t n;
} key;

typedef struct gen {
	key *keys;
	size_t nkeys;
	int64_t next_id;
	uint64_t rng;
	size_t stale;   /* reads may miss up to this many of the last appends */
} gen;

static uint64_t rnd(gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static void push_op(dt_history *h, size_t *cap, int64_t process, dt_op_type type,
		    json_t *value, int64_t idx)
{
	dt_op *op;

	if (h->count == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		h->ops = realloc(h->ops, *cap * sizeof(dt_op));
		if (h->ops == NULL)
			abort();
	}
	op = &h->ops[h->count++];
	memset(op, 0, sizeof(*op));
	op->index = idx;
	op->time = idx * 1000;
	op->process = process;
	op->type = type;
	op->f = strdup("txn");
	op->value = value;
}

/* Run txn i against the state: its invoke and ok values. */
static void one_txn(gen *g, json_t **inv, json_t **ok)
{
	size_t n = 1 + rnd(g) % 4;

	*inv = json_array();
	*ok = json_array();
	for (size_t j = 0; j < n; j++) {
		key *k = &g->keys[rnd(g) % g->nkeys];
		bool read = rnd(g) % 2;

		if (read) {
			size_t len = k->n;
			json_t *l = json_array();

			if (g->stale && len > 0)
				len -= rnd(g) % (len < g->stale ? len + 1 : g->stale + 1);
			for (size_t q = 0; q < len; q++)
				json_array_append_new(l, json_integer(k->v[q]));
			json_array_append_new(*inv, json_pack("[sIn]", "r", (json_int_t)k->id));
			json_array_append_new(*ok, json_pack("[sIo]", "r", (json_int_t)k->id, l));
		} else {
			json_t *m;

			if (k->n == MAX_APPENDS) {
				k->id = g->next_id++;
				k->n = 0;
			}
			k->v[k->n] = (int64_t)k->n + 1;
			m = json_pack("[sII]", "append", (json_int_t)k->id,
				      (json_int_t)k->v[k->n]);
			k->n++;
			json_array_append(*inv, m);
			json_array_append_new(*ok, m);
			/* a later read of the same key in this txn must see it:
			 * reads see the state, which now has it */
		}
	}
}

/* Transactions take effect at their completion: invokes and completions
 * interleave so that PROCS are in flight at once. */
static dt_history *generate(size_t n, size_t nkeys, size_t stale, uint64_t seed)
{
	gen g = { .nkeys = nkeys, .next_id = (int64_t)nkeys, .rng = seed | 1,
		  .stale = stale };
	dt_history *h = calloc(1, sizeof(*h));
	json_t **inv = calloc(n, sizeof(json_t *));
	size_t cap = 0;
	int64_t idx = 0;

	g.keys = calloc(nkeys, sizeof(key));
	for (size_t k = 0; k < nkeys; k++) {
		g.keys[k].id = (int64_t)k;
		g.keys[k].v = calloc(MAX_APPENDS, sizeof(int64_t));
	}
	for (size_t i = 0; i < n + PROCS - 1; i++) {
		if (i < n) {
			json_t *ok;

			/* the invoke now; what it does is decided at its end */
			inv[i] = NULL;
			push_op(h, &cap, (int64_t)(i % PROCS), DT_OP_INVOKE, json_null(), idx++);
			(void)ok;
		}
		if (i >= PROCS - 1) {
			size_t t = i - (PROCS - 1);
			json_t *iv, *ok;

			one_txn(&g, &iv, &ok);
			/* fill in the invoke's value, made now */
			for (size_t q = h->count; q-- > 0;)
				if (h->ops[q].process == (int64_t)(t % PROCS) &&
				    h->ops[q].type == DT_OP_INVOKE) {
					json_decref(h->ops[q].value);
					h->ops[q].value = iv;
					break;
				}
			push_op(h, &cap, (int64_t)(t % PROCS), DT_OP_OK, ok, idx++);
		}
	}
	for (size_t k = 0; k < nkeys; k++)
		free(g.keys[k].v);
	free(g.keys);
	free(inv);
	return h;
}

static long rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

/* CPU seconds of this process so far (user + system): on a shared
 * machine, steadier than the wall clock. */
static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static json_t *check(const dt_checker_type *ct, dt_history *h, double *secs,
		     double *cpu)
{
	double c0 = cpu_now();
	json_t *conf = json_pack("{ssss}", "model", "list-append", "consistency",
				 "strict-serializable");
	dt_checker_env env = { .config = conf };
	json_t *res = NULL;
	char err[DT_ERRBUF_SIZE];
	double t0 = dt_now();

	if (ct->check(&env, h, &res, err) != 0) {
		fprintf(stderr, "check: %s\n", err);
		exit(1);
	}
	*secs = dt_now() - t0;
	*cpu = cpu_now() - c0;
	json_decref(conf);
	return res;
}

int main(int argc, char **argv)
{
	const char *sizes = "10000,100000,1000000";
	size_t scc = 10000;
	char err[DT_ERRBUF_SIZE], *list, *tok, *save;
	dt_registry *reg;
	const dt_component *c;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
			sizes = argv[++i];
		else if (strcmp(argv[i], "--scc") == 0 && i + 1 < argc)
			scc = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--sizes N,N,...] [--scc N]\n", argv[0]);
			return 3;
		}
	}
	dt_log_set_level(DT_LOG_WARN);
	reg = dt_registry_new(DT_BUILD_DIR "/plugins/isolation/.libs");
	c = reg ? dt_registry_get(reg, DT_KIND_CHECKER, "isolation", err) : NULL;
	if (c == NULL) {
		fprintf(stderr, "%s\n", err);
		return 4;
	}
	printf("RSS: peak of the process, history included; +check: what the check "
	       "added to the peak\n");
	printf("%-9s %-7s %8s %8s %11s %9s %8s %7s  %s\n", "txns", "kind", "wall s",
	       "cpu s", "txns/cpu-s", "edges", "RSS MiB", "+check", "verdict");
	list = strdup(sizes);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t n = strtoul(tok, NULL, 10);
		dt_history *h = generate(n, 1000, 0, 42);
		double secs, cpu;
		long before = rss_mib();
		json_t *r = check(c->type, h, &secs, &cpu);

		printf("%-9zu %-7s %8.3f %8.3f %11.0f %9lld %8ld %7ld  %s\n", n, "serial", secs,
		       cpu, (double)n / cpu,
		       (long long)json_integer_value(json_object_get(json_object_get(r,
				"stats"), "edges")), rss_mib(), rss_mib() - before,
		       json_string_value(json_object_get(r, "summary")));
		json_decref(r);
		dt_history_free(h);
	}
	free(list);
	if (scc > 0) {
		dt_history *h = generate(scc, 20, 6, 7);
		double secs, cpu;
		long before = rss_mib();
		json_t *r = check(c->type, h, &secs, &cpu);
		const char *k;
		json_t *v;

		printf("%-9zu %-7s %8.3f %8.3f %11.0f %9lld %8ld %7ld  %s\n", scc, "stale", secs,
		       cpu, (double)scc / cpu,
		       (long long)json_integer_value(json_object_get(json_object_get(r,
				"stats"), "edges")), rss_mib(), rss_mib() - before,
		       json_string_value(json_object_get(r, "summary")));
		printf("  %s\n", json_string_value(json_array_get(json_object_get(r, "notes"), 0)));
		json_object_foreach(json_object_get(r, "anomalies"), k, v) {
			json_t *ex = json_array_get(json_object_get(v, "examples"), 0);

			printf("  %-24s count %-8lld cycle of %zu\n", k,
			       (long long)json_integer_value(json_object_get(v, "count")),
			       json_array_size(json_object_get(ex, "cycle")));
		}
		json_decref(r);
		dt_history_free(h);
	}
	dt_registry_free(reg);
	return 0;
}
