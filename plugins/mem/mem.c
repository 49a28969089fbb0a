/*
 * mem: an in-process reference system.  A linearizable store of
 * registers and bank accounts behind one lock, to test DT's own pipeline
 * without a server, and, with `bug:`, a broken one that proves the
 * checkers catch what they must:
 *
 *   client: {name: mem, bug: stale-reads, bug-probability: 0.2}
 *
 * stale-reads: a read sometimes returns the value before the last write
 * (bank: the balances before the last transfer); lost-writes: a write or
 * transfer sometimes answers ok without taking effect.  `latency` (ms)
 * makes each operation take a random time up to it, so that operations
 * overlap as they do against a real system.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

#define MEM_MAX_KEYS 4096
#define MEM_SLOTS (2 * MEM_MAX_KEYS) /* hash slots: a power of 2 */

typedef enum { BUG_NONE, BUG_STALE_READS, BUG_LOST_WRITES } mem_bug;

typedef struct mem_key {
	char name[48];
	bool set, prev_set;
	json_int_t value, prev;
} mem_key;

typedef struct mem_store {
	pthread_mutex_t lock;
	mem_bug bug;
	double bug_p;
	double latency_ms;
	bool bank;
	long long accounts, balance;
	json_int_t *balances, *prev_balances;
	mem_key *keys;
	size_t nkeys;
	int32_t *slots; /* open addressing: index into keys + 1, 0 free */
	uint64_t seed;
} mem_store;

typedef struct mem_conn {
	mem_store *store;
	dt_rng rng;
} mem_conn;

static void mem_close(void *data)
{
	mem_store *s = data;

	free(s->balances);
	free(s->prev_balances);
	free(s->keys);
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void *mem_open(const dt_client_env *env, char *err)
{
	mem_store *s = calloc(1, sizeof(*s));
	const char *bug;
	long long seed;

	if (s == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	if (dt_conf_string(env->config, "bug", "none", &bug, err) ||
	    dt_conf_double(env->config, "bug-probability", 0.1, 0, 1, &s->bug_p, err) ||
	    dt_conf_double(env->config, "latency", 0, 0, 10000, &s->latency_ms, err) ||
	    dt_conf_int(env->config, "seed", 1, 0, 1LL << 62, &seed, err))
		goto fail;
	s->seed = (uint64_t)seed;
	if (strcmp(bug, "none") == 0)
		s->bug = BUG_NONE;
	else if (strcmp(bug, "stale-reads") == 0)
		s->bug = BUG_STALE_READS;
	else if (strcmp(bug, "lost-writes") == 0)
		s->bug = BUG_LOST_WRITES;
	else {
		dt_conf_fail(env->config, "bug", err, "expected none, stale-reads "
			     "or lost-writes, not '%s'", bug);
		goto fail;
	}
	s->bank = env->workload != NULL && strcmp(env->workload, "bank") == 0;
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
	s->keys = calloc(MEM_MAX_KEYS, sizeof(mem_key));
	s->slots = calloc(MEM_SLOTS, sizeof(int32_t));
	if (s->keys == NULL || s->slots == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	return s;
fail:
	mem_close(s);
	return NULL;
}

static int mem_setup(void *data, char *err)
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

/* A key by name, created on first use: FNV-1a into an open-addressing
 * table (at most half full), so a lookup costs one hash and, mostly, one
 * comparison whatever the number of keys. */
static mem_key *key_get(mem_store *s, const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;
	mem_key *k;

	if (len >= sizeof(s->keys[0].name))
		return NULL; /* never stored */
	for (size_t j = 0; j < len; j++)
		h = (h ^ (unsigned char)name[j]) * 16777619u;
	for (i = h & (MEM_SLOTS - 1); s->slots[i] != 0; i = (i + 1) & (MEM_SLOTS - 1)) {
		k = &s->keys[s->slots[i] - 1];
		if (memcmp(k->name, name, len) == 0 && k->name[len] == '\0')
			return k;
	}
	if (s->nkeys == MEM_MAX_KEYS)
		return NULL;
	k = &s->keys[s->nkeys++];
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	s->slots[i] = (int32_t)s->nkeys;
	return k;
}

static void pause_a_little(mem_conn *c)
{
	if (c->store->latency_ms > 0)
		dt_sleep(dt_rng_double(&c->rng) * c->store->latency_ms / 1000);
}

static bool bug_hits(mem_conn *c, mem_bug bug)
{
	return c->store->bug == bug && dt_rng_double(&c->rng) < c->store->bug_p;
}

static dt_op_type bank_invoke(mem_conn *c, const char *f, const json_t *value,
			      json_t **result, char **error)
{
	mem_store *s = c->store;

	if (strcmp(f, "read") == 0) {
		json_int_t *src = bug_hits(c, BUG_STALE_READS) ? s->prev_balances : s->balances;

		*result = json_array();
		for (long long i = 0; i < s->accounts; i++)
			json_array_append_new(*result, json_integer(src[i]));
		return DT_OP_OK;
	}
	if (strcmp(f, "transfer") == 0) {
		json_int_t from = json_integer_value(json_object_get(value, "from"));
		json_int_t to = json_integer_value(json_object_get(value, "to"));
		json_int_t amount = json_integer_value(json_object_get(value, "amount"));

		if (from < 0 || from >= s->accounts || to < 0 || to >= s->accounts)
			return dt_op_error(error, DT_OP_FAIL, "no such account");
		if (s->balances[from] < amount)
			return dt_op_error(error, DT_OP_FAIL, "insufficient funds");
		if (bug_hits(c, BUG_LOST_WRITES))
			return DT_OP_OK;
		memcpy(s->prev_balances, s->balances, (size_t)s->accounts * sizeof(json_int_t));
		s->balances[from] -= amount;
		s->balances[to] += amount;
		return DT_OP_OK;
	}
	return dt_op_error(error, DT_OP_FAIL, "unknown operation");
}

static dt_op_type register_invoke(mem_conn *c, const char *f, const json_t *value,
				  json_t **result, char **error)
{
	mem_store *s = c->store;
	json_t *key = json_object_get(value, "key");
	const char *name = json_string_value(key);
	mem_key *k = name ? key_get(s, name, strlen(name)) : NULL;

	if (k == NULL)
		return dt_op_error(error, DT_OP_FAIL, name ? "too many keys" : "no key");
	if (strcmp(f, "read") == 0) {
		bool stale = bug_hits(c, BUG_STALE_READS);
		bool set = stale ? k->prev_set : k->set;

		*result = json_object();
		json_object_set(*result, "key", key);
		json_object_set_new(*result, "value",
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
			return dt_op_error(error, DT_OP_FAIL, "cas mismatch");
		k->prev = k->value;
		k->prev_set = true;
		k->value = to;
		return DT_OP_OK;
	}
	return dt_op_error(error, DT_OP_FAIL, "unknown operation");
}

static dt_op_type mem_invoke(void *data, const char *f, const json_t *value,
			     json_t **result, char **error)
{
	mem_conn *c = data;
	dt_op_type t;

	pause_a_little(c);
	pthread_mutex_lock(&c->store->lock);
	if (c->store->bank)
		t = bank_invoke(c, f, value, result, error);
	else
		t = register_invoke(c, f, value, result, error);
	pthread_mutex_unlock(&c->store->lock);
	pause_a_little(c);
	return t;
}

static void mem_disconnect(void *data)
{
	free(data);
}

static const dt_client_type mem_client = {
	.info = { "mem", "1.0",
		  "in-process reference store (register, bank), with optional bugs" },
	.open = mem_open,
	.setup = mem_setup,
	.connect = mem_connect,
	.invoke = mem_invoke,
	.disconnect = mem_disconnect,
	.close = mem_close,
};

static int mem_plugin(dt_registry *reg)
{
	return dt_register_client(reg, &mem_client);
}

DT_PLUGIN_DEFINE(mem_plugin)
