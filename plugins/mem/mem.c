/* SPDX-License-Identifier: MIT */
/*
 * mem: an in-process reference system.  A linearizable store of
 * registers and bank accounts behind one lock, to test DT's own pipeline
 * without a server, and, with `bug:`, a broken one that proves the
 * checkers catch what they must:
 *
 *   client: {name: mem, bug: stale-reads, bug-probability: 0.2}
 *
 * stale-reads: a read sometimes returns the value before the last write
 * (bank: the balances before the last transfer; set: the set without
 * its newest element); lost-writes: a write, transfer or add sometimes
 * answers ok without taking effect.  The set workload's set is a list
 * of the elements added, in order.  `latency` (a
 * duration) makes each operation take a random time up to it, so that
 * operations overlap as they do against a real system.
 *
 * With the list-append and rw-register workloads it runs transactions
 * (txn.c): serializable, or, with a bug, each struck transaction runs
 * read committed, under snapshot isolation, losing updates, publishing
 * its writes and then aborting (dirty-reads), reading an old snapshot
 * (stale-reads, read-only ones) or answering ok without committing
 * (lost-writes).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dt/plugin.h>

#include "mem.h"

#define MEM_MAX_KEYS 100000

/* The order of mem_bugs: the values of the `bug` option. */
typedef enum {
	BUG_NONE, BUG_STALE_READS, BUG_LOST_WRITES, BUG_READ_COMMITTED,
	BUG_SNAPSHOT, BUG_LOST_UPDATES, BUG_DIRTY_READS
} mem_bug;

static const char *const mem_bugs[] = {
	"none", "stale-reads", "lost-writes", "read-committed",
	"snapshot-isolation", "lost-updates", "dirty-reads", NULL
};

static const dt_option mem_options[] = {
	{ .name = "bug", .type = DT_OPT_ENUM, .def = "none", .values = mem_bugs,
	  .doc = "stale-reads: a read may return the value before the last write; "
		 "lost-writes: a write may answer ok without taking effect; for "
		 "transactions also read-committed, snapshot-isolation (write "
		 "skew), lost-updates, dirty-reads (writes seen, then aborted)" },
	{ .name = "bug-probability", .type = DT_OPT_NUMBER, .def = "0.1", .min = 0,
	  .max = 1, .doc = "how often the bug strikes, per operation" },
	{ .name = "latency", .type = DT_OPT_DURATION, .def = "0s", .min = 0, .max = 10,
	  .doc = "each operation takes a random time up to this, before and after" },
	{ .name = "bug-while", .type = DT_OPT_STRING,
	  .doc = "the bug strikes only while this file exists (a fault that makes "
		 "it, for tests of dt-run shrink)" },
	{ .name = "seed", .type = DT_OPT_INT, .def = "1", .min = 0,
	  .max = 4611686018427387904.0, .doc = "seed of the bug's and latency's choices" },
	{ .name = NULL }
};

typedef struct mem_key {
	char name[48];
	bool set, prev_set;
	json_int_t value, prev;
} mem_key;

typedef struct mem_store {
	pthread_mutex_t lock;
	mem_bug bug;
	double bug_p;
	const char *bug_while; /* borrowed from the config, or NULL */
	double latency;  /* seconds */
	bool bank;
	long long accounts, balance;
	json_int_t *balances, *prev_balances;
	bool set;        /* the set workload */
	json_int_t *elems;
	size_t nelems, capelems;
	dt_map *keys;    /* name -> mem_key, owned */
	mem_txns *txns;  /* list-append, rw-register: owned, else NULL */
	uint64_t seed;
} mem_store;

typedef struct mem_conn {
	mem_store *store;
	dt_rng rng;
} mem_conn;

static void mem_destroy(void *data)
{
	mem_store *s = data;

	free(s->balances);
	free(s->prev_balances);
	free(s->elems);
	dt_map_free(s->keys, free);
	mem_txns_free(s->txns);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void *mem_create(const dt_client_env *env, char *err)
{
	mem_store *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->bug = (mem_bug)dt_opt_enum(env->config, "bug", mem_bugs);
	s->bug_p = dt_opt_number(env->config, "bug-probability");
	s->bug_while = dt_opt_string(env->config, "bug-while");
	s->latency = dt_opt_number(env->config, "latency");
	s->seed = (uint64_t)dt_opt_int(env->config, "seed");
	s->bank = env->workload != NULL && strcmp(env->workload, "bank") == 0;
	s->set = env->workload != NULL && strcmp(env->workload, "set") == 0;
	if (s->bank) {
		if (dt_conf_int(env->workload_config, "accounts", 5, 2, 1000, &s->accounts, err) ||
		    dt_conf_int(env->workload_config, "balance", 10000, 0, 1000000000000LL,
				&s->balance, err))
			goto fail;
		s->balances = calloc((size_t)s->accounts, sizeof(json_int_t));
		s->prev_balances = calloc((size_t)s->accounts, sizeof(json_int_t));
		if (s->balances == NULL || s->prev_balances == NULL) {
			dt_fail(err, "out of memory");
			goto fail;
		}
	}
	if (env->workload != NULL && (strcmp(env->workload, "list-append") == 0 ||
				      strcmp(env->workload, "rw-register") == 0)) {
		s->txns = mem_txns_new(strcmp(env->workload, "list-append") == 0);
		if (s->txns == NULL) {
			dt_fail(err, "out of memory");
			goto fail;
		}
	}
	s->keys = dt_map_new();
	if (s->keys == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return s;
fail:
	mem_destroy(s);
	return NULL;
}

static int mem_prepare(void *data, char *err)
{
	mem_store *s = data;

	(void)err;
	for (long long i = 0; s->bank && i < s->accounts; i++)
		s->balances[i] = s->prev_balances[i] = s->balance;
	return 0;
}

static void *mem_connect(void *data, int worker, char *err)
{
	mem_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	c->store = data;
	dt_rng_seed(&c->rng, c->store->seed * 7919 + (uint64_t)worker);
	return c;
}

/* A key by name, created on first use; NULL past MEM_MAX_KEYS or out
 * of memory. */
static mem_key *key_get(mem_store *s, const char *name, size_t len)
{
	bool made;
	void **slot;

	if (len >= sizeof(((mem_key *)0)->name) ||
	    (dt_map_get(s->keys, name, len) == NULL &&
	     dt_map_count(s->keys) >= MEM_MAX_KEYS))
		return NULL;
	slot = dt_map_slot(s->keys, name, len, &made);
	if (slot == NULL)
		return NULL;
	if (made) {
		mem_key *k = calloc(1, sizeof(*k));

		if (k == NULL) {
			dt_map_del(s->keys, name, len);
			return NULL;
		}
		memcpy(k->name, name, len);
		*slot = k;
	}
	return *slot;
}

static void pause_a_little(mem_conn *c)
{
	if (c->store->latency > 0)
		dt_sleep(dt_rng_double(&c->rng) * c->store->latency);
}

static bool bug_hits(mem_conn *c, mem_bug bug)
{
	return c->store->bug == bug && dt_rng_double(&c->rng) < c->store->bug_p &&
	       (c->store->bug_while == NULL || access(c->store->bug_while, F_OK) == 0);
}

static dt_op_type bank_invoke(mem_conn *c, const char *f, const json_t *value,
			      dt_reply *r)
{
	mem_store *s = c->store;

	if (strcmp(f, "read") == 0) {
		json_int_t *src = bug_hits(c, BUG_STALE_READS) ? s->prev_balances : s->balances;

		r->value = json_array();
		for (long long i = 0; i < s->accounts; i++)
			json_array_append_new(r->value, json_integer(src[i]));
		return DT_OP_OK;
	}
	if (strcmp(f, "transfer") == 0) {
		json_int_t from = json_integer_value(json_object_get(value, "from"));
		json_int_t to = json_integer_value(json_object_get(value, "to"));
		json_int_t amount = json_integer_value(json_object_get(value, "amount"));

		if (from < 0 || from >= s->accounts || to < 0 || to >= s->accounts)
			return dt_op_error(&r->error, DT_OP_FAIL, "no such account");
		if (s->balances[from] < amount)
			return dt_op_error(&r->error, DT_OP_FAIL, "insufficient funds");
		if (bug_hits(c, BUG_LOST_WRITES))
			return DT_OP_OK;
		memcpy(s->prev_balances, s->balances, (size_t)s->accounts * sizeof(json_int_t));
		s->balances[from] -= amount;
		s->balances[to] += amount;
		return DT_OP_OK;
	}
	return dt_op_error(&r->error, DT_OP_FAIL, "unknown operation");
}

static dt_op_type set_invoke(mem_conn *c, const char *f, const json_t *value,
			     dt_reply *r)
{
	mem_store *s = c->store;

	if (strcmp(f, "read") == 0) {
		size_t n = s->nelems;

		if (n > 0 && bug_hits(c, BUG_STALE_READS))
			n--;
		r->value = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(r->value, json_integer(s->elems[i]));
		return DT_OP_OK;
	}
	if (strcmp(f, "add") == 0) {
		if (!json_is_integer(value))
			return dt_op_error(&r->error, DT_OP_FAIL, "add needs an integer");
		if (bug_hits(c, BUG_LOST_WRITES))
			return DT_OP_OK;
		if (dt_grow(&s->elems, &s->capelems, s->nelems + 1, sizeof(*s->elems)) != 0)
			return dt_op_error(&r->error, DT_OP_FAIL, "out of memory");
		s->elems[s->nelems++] = json_integer_value(value);
		return DT_OP_OK;
	}
	return dt_op_error(&r->error, DT_OP_FAIL, "unknown operation");
}

static dt_op_type register_invoke(mem_conn *c, const char *f, const json_t *value,
				  dt_reply *r)
{
	mem_store *s = c->store;
	json_t *key = json_object_get(value, "key");
	const char *name = json_string_value(key);
	mem_key *k = name ? key_get(s, name, strlen(name)) : NULL;

	if (k == NULL)
		return dt_op_error(&r->error, DT_OP_FAIL, name ? "too many keys" : "no key");
	if (strcmp(f, "read") == 0) {
		bool stale = bug_hits(c, BUG_STALE_READS);
		bool set = stale ? k->prev_set : k->set;

		r->value = json_object();
		json_object_set(r->value, "key", key);
		json_object_set_new(r->value, "value",
			set ? json_integer(stale ? k->prev : k->value) : json_null());
		return DT_OP_OK;
	}
	if (strcmp(f, "write") == 0) {
		if (bug_hits(c, BUG_LOST_WRITES))
			return DT_OP_OK;
		k->prev = k->value;
		k->prev_set = k->set;
		k->value = json_integer_value(json_object_get(value, "value"));
		k->set = true;
		return DT_OP_OK;
	}
	if (strcmp(f, "cas") == 0) {
		const json_t *ft = json_object_get(value, "value");
		json_int_t from = json_integer_value(json_array_get(ft, 0));
		json_int_t to = json_integer_value(json_array_get(ft, 1));

		if (!k->set || k->value != from)
			return dt_op_error(&r->error, DT_OP_FAIL, "cas mismatch");
		k->prev = k->value;
		k->prev_set = true;
		k->value = to;
		return DT_OP_OK;
	}
	return dt_op_error(&r->error, DT_OP_FAIL, "unknown operation");
}

static void pause_arg(void *arg)
{
	pause_a_little(arg);
}

/* The mode of the next transaction: its bug when the bug strikes. */
static mem_txn_mode txn_mode(mem_conn *c)
{
	static const mem_txn_mode modes[] = {
		[BUG_NONE] = MEM_TXN_SERIAL, [BUG_STALE_READS] = MEM_TXN_STALE,
		[BUG_LOST_WRITES] = MEM_TXN_LOST_WRITE,
		[BUG_READ_COMMITTED] = MEM_TXN_READ_COMMITTED,
		[BUG_SNAPSHOT] = MEM_TXN_SNAPSHOT,
		[BUG_LOST_UPDATES] = MEM_TXN_LOST_UPDATE,
		[BUG_DIRTY_READS] = MEM_TXN_DIRTY,
	};

	return bug_hits(c, c->store->bug) ? modes[c->store->bug] : MEM_TXN_SERIAL;
}

static dt_op_type mem_invoke(void *data, const char *f, const json_t *value,
			     dt_reply *r)
{
	mem_conn *c = data;
	dt_op_type t;

	pause_a_little(c);
	if (c->store->txns != NULL && strcmp(f, "txn") == 0) {
		t = mem_txns_run(c->store->txns, &c->store->lock, txn_mode(c),
				 pause_arg, c, &c->rng, value, r);
		pause_a_little(c);
		return t;
	}
	pthread_mutex_lock(&c->store->lock);
	if (c->store->bank)
		t = bank_invoke(c, f, value, r);
	else if (c->store->set)
		t = set_invoke(c, f, value, r);
	else
		t = register_invoke(c, f, value, r);
	pthread_mutex_unlock(&c->store->lock);
	pause_a_little(c);
	return t;
}

static void mem_disconnect(void *data)
{
	free(data);
}

/* dt_client_type.version: the in-process store is DT's own. */
static char *mem_version(void *data)
{
	(void)data;
	return dt_strdupf("dt-mem %s", PACKAGE_VERSION);
}

static const char *const mem_ops[] = { "read", "write", "cas", "transfer", "add",
					"txn", NULL };

static const dt_client_type mem_client = {
	.size = sizeof(dt_client_type),
	.info = { .name = "mem", .version = "1.0",
		  .description = "in-process reference store (register, bank, set, "
				 "transactions), with optional bugs",
		  .options = mem_options },
	.operations = mem_ops,
	.create = mem_create,
	.prepare = mem_prepare,
	.connect = mem_connect,
	.invoke = mem_invoke,
	.disconnect = mem_disconnect,
	.destroy = mem_destroy,
	.version = mem_version,
};

static int mem_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &mem_client);
}

DT_PLUGIN_DEFINE(mem_plugin)
