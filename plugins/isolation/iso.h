/*
 * iso.h: the isolation checker's shared structures: transactions read
 * from a history, the dependency graph inferred from them, the anomalies
 * found, and the consistency models they rule out.
 *
 * Ownership: an iso_history owns its arrays and key names; an iso_graph
 * its edge arrays; an iso_report its JSON (moved into the result).
 */
#ifndef ISO_H
#define ISO_H

#include <stdint.h>

#include <dt/plugin.h>

/* Edge types, as bits so that one edge may carry several. */
enum {
	E_WW = 1u, E_WR = 2u, E_RW = 4u, E_PROC = 8u, E_RT = 16u,
	E_DATA = E_WW | E_WR | E_RW
};

typedef enum { MOP_APPEND = 0, MOP_READ, MOP_WRITE } iso_mop_f;
typedef enum { TXN_OK = 0, TXN_INFO, TXN_FAIL } iso_status;
typedef enum { MODEL_LIST_APPEND = 0, MODEL_RW_REGISTER } iso_model;

typedef struct iso_mop {
	uint8_t f;        /* iso_mop_f */
	uint8_t null;     /* a read of null (nothing there, or invoke) */
	uint32_t key;     /* interned key */
	int64_t value;    /* append/write value; register read: value read */
	uint32_t off, len;/* list read: its elements in h->pool */
} iso_mop;

typedef struct iso_txn {
	int64_t invoke;   /* index of the invoke op, or -1 */
	int64_t complete; /* index of the completion, or -1 */
	int64_t process;
	uint8_t status;   /* iso_status */
	uint8_t no_process; /* a standalone completion */
	uint32_t mop, nmops; /* its micro-ops in h->mops */
	const json_t *value; /* borrowed from the history: what it did */
} iso_txn;

typedef struct iso_history {
	iso_model model;
	iso_txn *txns;
	size_t ntxns, cap_txns;
	iso_mop *mops;
	size_t nmops, cap_mops;
	int64_t *pool;
	size_t npool, cap_pool;
	char **keys;      /* key id -> its text */
	size_t nkeys, cap_keys;
	dt_map *key_ids;  /* text -> id + 1 */
	size_t skipped;   /* operations that are not transactions */
} iso_history;

int iso_history_read(const dt_history *h, iso_model model, iso_history *out,
		     char *err);
void iso_history_free(iso_history *h);
/* "T<index>": the history index a person finds the transaction by. */
int64_t iso_txn_name(const iso_history *h, uint32_t t);

/* ---- (key, value) -> writer table --------------------------------------- */

typedef struct iso_writer {
	uint64_t hkey;    /* 0: empty slot */
	uint32_t key;
	int64_t value;
	uint32_t txn;
	int32_t pos;      /* position in the key's version order, or -1 */
	uint8_t final;    /* the txn's last write to key */
	uint8_t dup;      /* written by more than one micro-op */
} iso_writer;

typedef struct iso_writers {
	iso_writer *slots;
	size_t cap, count;
} iso_writers;

iso_writer *iso_writers_get(const iso_writers *w, uint32_t key, int64_t value);
/* The slot for (key, value), made when absent (*made); NULL: no memory. */
iso_writer *iso_writers_put(iso_writers *w, uint32_t key, int64_t value, bool *made);
void iso_writers_free(iso_writers *w);

/* ---- the dependency graph ------------------------------------------------- */

typedef struct iso_edge {
	uint32_t from, to;
	uint8_t type;
} iso_edge;

typedef struct iso_graph {
	size_t n;          /* nodes: one per transaction */
	iso_edge *list;    /* edges as they are found */
	size_t nlist, cap_list;
	uint64_t *start;   /* CSR: node v's edges are start[v] .. start[v+1] */
	uint32_t *dst;
	uint8_t *type;
	size_t nedges;
	uint8_t present;   /* OR of every edge's type */
} iso_graph;

int iso_graph_add(iso_graph *g, uint32_t from, uint32_t to, uint8_t type);
/* Turn the list into CSR, merging duplicate edges; 0 or -1 (memory). */
int iso_graph_build(iso_graph *g);
/* The types of the edge from -> to, 0 when none. */
uint8_t iso_graph_edge(const iso_graph *g, uint32_t from, uint32_t to);
void iso_graph_free(iso_graph *g);

/* ---- anomalies found ----------------------------------------------------- */

#define ISO_EXAMPLES 3

/* One anomaly type's findings: how many, and a few examples (JSON). */
typedef struct iso_found {
	const char *name;
	size_t count;
	json_t *examples;  /* array, at most ISO_EXAMPLES */
} iso_found;

typedef struct iso_report {
	iso_found *found;
	size_t nfound, cap;
	json_t *notes;     /* array of strings: what a bounded step proved */
	const iso_history *h;
} iso_report;

/* Count one more of name; ex (stolen; may be NULL) kept while there is
 * room.  0 or -1. */
int iso_report_add(iso_report *r, const char *name, json_t *ex);
iso_found *iso_report_get(iso_report *r, const char *name);
void iso_report_free(iso_report *r);
/* The transaction t as an example shows it: index, process, status and
 * its micro-ops. */
json_t *iso_txn_json(const iso_history *h, uint32_t t);

/* ---- inference: per workload ------------------------------------------- */

/* Non-cycle anomalies into r, the ww/wr/rw edges into g.  The state
 * kept for explanations is in *ctx (freed by iso_*_free). */
typedef struct iso_append iso_append;
typedef struct iso_register iso_register;

iso_append *iso_append_infer(const iso_history *h, iso_graph *g, iso_report *r,
			     char *err);
/* Words for why from -> to has the data edge type (one bit). */
char *iso_append_explain(const iso_append *a, uint32_t from, uint32_t to,
			 uint8_t type);
void iso_append_free(iso_append *a);

iso_register *iso_register_infer(const iso_history *h, iso_graph *g,
				 iso_report *r, char *err);
char *iso_register_explain(const iso_register *a, uint32_t from, uint32_t to,
			   uint8_t type);
void iso_register_free(iso_register *a);

/* Process and real-time edges between committed (and indeterminate)
 * transactions; 0 or -1. */
int iso_order_edges(const iso_history *h, iso_graph *g);

/* ---- cycle search --------------------------------------------------------- */

typedef char *(*iso_explain_fn)(const void *ctx, uint32_t from, uint32_t to,
				uint8_t type);

/* Every cycle anomaly type in the graph, into r (deadline: NULL for
 * none); 0, or -1 on no memory,
 * or 1 when the deadline passed first (r then holds what was found, and
 * a note says what was not searched). */
int iso_search(const iso_history *h, const iso_graph *g, iso_explain_fn explain,
	       const void *ctx, const dt_deadline *deadline, iso_report *r);

/* ---- consistency models -------------------------------------------------- */

/* Is name a model known here? */
bool iso_model_known(const char *name);
extern const char *const iso_model_names[];
/* The models the anomalies in r rule out: "not" (the weakest of them)
 * and "also-not" (the rest), as arrays of names; whether model is one. */
bool iso_models_ruled_out(const iso_report *r, const char *model, json_t **not_,
			  json_t **also_not);

#endif /* ISO_H */
