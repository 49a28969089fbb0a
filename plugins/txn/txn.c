/*
 * txn: the transactional workloads, list-append and rw-register, as
 * Elle's checkers want them.  Every operation is one transaction, f
 * "txn", whose value is a list of micro-ops (dt-history(5)):
 *
 *   list-append  invoke [["append",K,V],["r",K,null],...]
 *                ok     [["append",K,V],["r",K,[V1,V2,...]],...]
 *   rw-register  invoke [["w",K,V],["r",K,null],...]
 *                ok     [["w",K,V],["r",K,V|null],...]
 *
 * Keys are integers.  The values written to a key are 1, 2, 3, ... in
 * the order the workload hands them out, so each is unique per key (the
 * checker infers version orders from that).  Only `active-keys` keys are
 * in use at a time; a key that has had `max-writes-per-key` writes is
 * retired and the next fresh key takes its place, so lists stay short
 * and reads cheap, as Elle recommends.
 */
#include <pthread.h>
#include <stdlib.h>

#include <dt/plugin.h>

typedef struct txn_slot {
	json_int_t key;
	json_int_t next;   /* the next value to write to key, from 1 */
} txn_slot;

typedef struct txn_workload {
	bool append;       /* list-append, else rw-register */
	long long min_len, max_len, max_writes;
	double read_p;
	pthread_mutex_t lock; /* slots and next_key, shared by the workers */
	txn_slot *slots;
	long long nslots;
	json_int_t next_key;
} txn_workload;

static void txn_destroy(void *data)
{
	txn_workload *w = data;

	if (w == NULL)
		return;
	pthread_mutex_destroy(&w->lock);
	free(w->slots);
	free(w);
}

static void *txn_create_kind(const json_t *config, bool append, char *err)
{
	txn_workload *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	w->append = append;
	w->nslots = dt_opt_int(config, "active-keys");
	w->min_len = dt_opt_int(config, "min-txn-length");
	w->max_len = dt_opt_int(config, "max-txn-length");
	w->max_writes = dt_opt_int(config, "max-writes-per-key");
	w->read_p = dt_opt_number(config, "read-fraction");
	if (w->min_len > w->max_len) {
		dt_conf_fail(config, "min-txn-length", err,
			     "is %lld, more than max-txn-length (%lld)",
			     w->min_len, w->max_len);
		txn_destroy(w);
		return NULL;
	}
	w->slots = calloc((size_t)w->nslots, sizeof(*w->slots));
	if (w->slots == NULL) {
		dt_fail(err, "out of memory");
		txn_destroy(w);
		return NULL;
	}
	for (long long i = 0; i < w->nslots; i++) {
		w->slots[i].key = (json_int_t)i;
		w->slots[i].next = 1;
	}
	w->next_key = (json_int_t)w->nslots;
	return w;
}

static void *append_create(const json_t *config, char *err)
{
	return txn_create_kind(config, true, err);
}

static void *register_create(const json_t *config, char *err)
{
	return txn_create_kind(config, false, err);
}

/* The next value for the key in slot s; retires the key after its last
 * write.  Called with the lock held. */
static json_int_t take_value(txn_workload *w, txn_slot *s, json_int_t *key)
{
	json_int_t v = s->next++;

	*key = s->key;
	if (s->next > w->max_writes) {
		s->key = w->next_key++;
		s->next = 1;
	}
	return v;
}

static json_t *txn_generate(void *data, const char *f, dt_rng *rng)
{
	txn_workload *w = data;
	long long n = w->min_len +
		(long long)dt_rng_below(rng, (uint64_t)(w->max_len - w->min_len + 1));
	json_t *txn = json_array();

	(void)f;
	pthread_mutex_lock(&w->lock);
	for (long long i = 0; i < n; i++) {
		txn_slot *s = &w->slots[dt_rng_below(rng, (uint64_t)w->nslots)];
		json_t *mop;

		if (dt_rng_double(rng) < w->read_p) {
			mop = json_pack("[sIn]", "r", (json_int_t)s->key);
		} else {
			json_int_t key, v = take_value(w, s, &key);

			mop = json_pack("[sII]", w->append ? "append" : "w", key, v);
		}
		json_array_append_new(txn, mop);
	}
	pthread_mutex_unlock(&w->lock);
	return txn;
}

static const dt_workload_op txn_ops[] = { { "txn", 1 }, { NULL, 0 } };

static const dt_option txn_options[] = {
	{ .name = "active-keys", .type = DT_OPT_INT, .def = "10", .min = 1,
	  .max = 1000000, .doc = "keys in use at a time (0 .. N-1 first; a retired "
				 "key is replaced by the next fresh one)" },
	{ .name = "min-txn-length", .type = DT_OPT_INT, .def = "1", .min = 1,
	  .max = 1000, .doc = "fewest micro-ops in a transaction" },
	{ .name = "max-txn-length", .type = DT_OPT_INT, .def = "4", .min = 1,
	  .max = 1000, .doc = "most micro-ops in a transaction" },
	{ .name = "max-writes-per-key", .type = DT_OPT_INT, .def = "32", .min = 1,
	  .max = 1000000000, .doc = "writes a key gets before it is retired" },
	{ .name = "read-fraction", .type = DT_OPT_NUMBER, .def = "0.5", .min = 0,
	  .max = 1, .doc = "share of micro-ops that are reads" },
	{ .name = NULL }
};

static const dt_workload_type list_append_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "list-append", .version = "1.0",
		  .description = "transactions of appends to and reads of lists "
				 "(Elle's list-append)",
		  .options = txn_options },
	.ops = txn_ops,
	.model = "list-append",
	.create = append_create,
	.generate = txn_generate,
	.destroy = txn_destroy,
};

static const dt_workload_type rw_register_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "rw-register", .version = "1.0",
		  .description = "transactions of writes (unique values) and reads "
				 "of registers (Elle's rw-register)",
		  .options = txn_options },
	.ops = txn_ops,
	.model = "rw-register",
	.create = register_create,
	.generate = txn_generate,
	.destroy = txn_destroy,
};

static int txn_plugin(dt_registry *reg)
{
	if (dt_register_workload(reg, &list_append_workload) != 0)
		return -1;
	return dt_register_workload(reg, &rw_register_workload);
}

DT_PLUGIN_DEFINE(txn_plugin)
