/*
 * models.c: the consistency models, which weaker ones each implies, and
 * which anomalies each proscribes; the anomalies that imply others.  The
 * lattice is the one of Adya's thesis, Bailis et al.'s Highly Available
 * Transactions, Cerone and Gotsman's SI characterization, and Daudjee
 * and Salem's strong session models, as Elle arranges them
 * (elle.consistency-model).  A history with anomaly A violates every
 * model that proscribes A or an anomaly A implies, and every model that
 * implies one of those.
 */
#include <string.h>

#include "iso.h"

typedef struct model_def {
	const char *name;
	const char *implies[4];    /* weaker models */
	const char *proscribes[5]; /* anomalies */
} model_def;

static const model_def models[] = {
	{ "strict-serializable",
	  { "serializable", "strong-snapshot-isolation", "strong-session-serializable" },
	  { "G1", "G1c-realtime", "G2-realtime" } },
	{ "strong-session-serializable",
	  { "serializable", "strong-session-snapshot-isolation" },
	  { "G1-process", "G2-process" } },
	{ "serializable", { "repeatable-read", "snapshot-isolation" },
	  { "internal", "G1", "G2" } },
	{ "strong-snapshot-isolation",
	  { "strong-session-snapshot-isolation", "strong-read-committed" },
	  { "internal", "G1-realtime", "G-nonadjacent-realtime" } },
	{ "strong-session-snapshot-isolation",
	  { "snapshot-isolation", "strong-session-read-committed" },
	  { "internal", "G1-process", "G-nonadjacent-process" } },
	{ "snapshot-isolation", { "consistent-view", "read-atomic" },
	  { "internal", "G1", "G-nonadjacent", "lost-update" } },
	{ "repeatable-read", { "cursor-stability", "monotonic-atomic-view" },
	  { "G1", "G2-item", "lost-update" } },
	{ "consistent-view", { "cursor-stability" }, { "G1", "G-single" } },
	{ "cursor-stability", { "read-committed" }, { "G1", "lost-update" } },
	{ "read-atomic", { "monotonic-atomic-view" },
	  { "internal", "G1a", "future-read" } },
	{ "monotonic-atomic-view", { "read-committed" }, { NULL } },
	{ "strong-read-committed",
	  { "strong-session-read-committed", "strong-read-uncommitted" },
	  { "G1c-realtime" } },
	{ "strong-session-read-committed",
	  { "read-committed", "strong-session-read-uncommitted" },
	  { "G1c-process" } },
	{ "read-committed", { "read-uncommitted" }, { "G1" } },
	{ "strong-read-uncommitted", { "strong-session-read-uncommitted" },
	  { "G0-realtime" } },
	{ "strong-session-read-uncommitted", { "read-uncommitted" },
	  { "G0-process" } },
	{ "read-uncommitted", { NULL },
	  { "G0", "duplicate-appends", "cyclic-versions", "garbage-read" } },
};

#define NMODELS (sizeof(models) / sizeof(models[0]))

const char *const iso_model_names[] = {
	"strict-serializable", "strong-session-serializable", "serializable",
	"strong-snapshot-isolation", "strong-session-snapshot-isolation",
	"snapshot-isolation", "repeatable-read", "consistent-view",
	"cursor-stability", "read-atomic", "monotonic-atomic-view",
	"strong-read-committed", "strong-session-read-committed", "read-committed",
	"strong-read-uncommitted", "strong-session-read-uncommitted",
	"read-uncommitted", NULL
};

/* anomaly -> the anomalies it implies */
static const struct { const char *a, *implies[3]; } implied[] = {
	{ "G0", { "G1c", "G0-process" } },
	{ "G0-process", { "G1c-process", "G0-realtime" } },
	{ "G0-realtime", { "G1c-realtime" } },
	{ "G1a", { "G1" } },
	{ "G1b", { "G1" } },
	{ "G1c", { "G1", "G1c-process" } },
	{ "G1c-process", { "G1c-realtime", "G1-process" } },
	{ "G1c-realtime", { "G1-realtime" } },
	{ "G1", { "G1-process" } },
	{ "G1-process", { "G1-realtime" } },
	{ "G-single", { "G-nonadjacent", "G-single-process" } },
	{ "G-single-process", { "G-nonadjacent-process", "G-single-realtime" } },
	{ "G-single-realtime", { "G-nonadjacent-realtime" } },
	{ "G-nonadjacent", { "G2", "G-nonadjacent-process" } },
	{ "G-nonadjacent-process", { "G2-process", "G-nonadjacent-realtime" } },
	{ "G-nonadjacent-realtime", { "G2-realtime" } },
	{ "G2-item", { "G2", "G2-item-process" } },
	{ "G2-item-process", { "G2-process", "G2-item-realtime" } },
	{ "G2-item-realtime", { "G2-realtime" } },
	{ "G2", { "G2-process" } },
	{ "G2-process", { "G2-realtime" } },
	{ "incompatible-order", { "G1a" } },
	{ "future-read", { "G1c" } },
	{ "dirty-update", { "G1a" } },
	{ "lost-update", { "G2-item" } },
	/* a duplicate or garbage element is no version any writer made:
	 * no weaker model explains it either */
	{ "duplicate-appends", { "G1a" } },
	{ "garbage-read", { "G1a" } },
};

#define NIMPLIED (sizeof(implied) / sizeof(implied[0]))
#define MAX_ANOMALIES 64

bool iso_model_known(const char *name)
{
	for (size_t i = 0; i < NMODELS; i++)
		if (strcmp(models[i].name, name) == 0)
			return true;
	return false;
}

static int model_index(const char *name)
{
	for (size_t i = 0; i < NMODELS; i++)
		if (strcmp(models[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool has(const char *const *set, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(set[i], s) == 0)
			return true;
	return false;
}

/* Does model m proscribe an anomaly of set (directly or by a weaker model
 * it implies)? */
static bool proscribes(int m, const char *const *set, size_t n)
{
	for (size_t j = 0; j < 5 && models[m].proscribes[j]; j++)
		if (has(set, n, models[m].proscribes[j]))
			return true;
	for (size_t j = 0; j < 4 && models[m].implies[j]; j++) {
		int w = model_index(models[m].implies[j]);

		if (w >= 0 && proscribes(w, set, n))
			return true;
	}
	return false;
}

/* Does model m imply model w (strictly)? */
static bool implies(int m, int w)
{
	for (size_t j = 0; j < 4 && models[m].implies[j]; j++) {
		int x = model_index(models[m].implies[j]);

		if (x == w || (x >= 0 && implies(x, w)))
			return true;
	}
	return false;
}

bool iso_models_ruled_out(const iso_report *r, const char *model, json_t **not_,
			  json_t **also_not)
{
	const char *set[MAX_ANOMALIES];
	size_t n = 0;
	bool out[NMODELS], target = false;

	/* the anomalies found, closed under implication */
	for (size_t i = 0; i < r->nfound && n < MAX_ANOMALIES; i++)
		if (!has(set, n, r->found[i].name))
			set[n++] = r->found[i].name;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < NIMPLIED; j++)
			if (strcmp(implied[j].a, set[i]) == 0)
				for (size_t k = 0; k < 3 && implied[j].implies[k]; k++)
					if (n < MAX_ANOMALIES &&
					    !has(set, n, implied[j].implies[k]))
						set[n++] = implied[j].implies[k];
	for (size_t m = 0; m < NMODELS; m++)
		out[m] = proscribes((int)m, set, n);
	*not_ = json_array();
	*also_not = json_array();
	for (size_t m = 0; m < NMODELS; m++) {
		bool weakest = true;

		if (!out[m])
			continue;
		if (strcmp(models[m].name, model) == 0)
			target = true;
		for (size_t w = 0; w < NMODELS; w++)
			if (w != m && out[w] && implies((int)m, (int)w))
				weakest = false;
		json_array_append_new(weakest ? *not_ : *also_not,
				      json_string(models[m].name));
	}
	return target;
}
