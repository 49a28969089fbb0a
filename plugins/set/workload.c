/*
 * workload.c: the set workload (Jepsen's set-full test).  Workers add
 * unique elements to one set and read the whole set back:
 *
 *   add   invoke 17                     ok 17
 *   read  invoke null                   ok [1, 2, 5, 17, ...]
 *
 * Elements are 0, 1, 2, ... in the order workers ask for them, each
 * handed out once (an atomic counter: generate runs on every worker at
 * once).  The final read (dt_workload_type.final_reads) reads the set
 * once the faults are healed, for the set-full checker's verdicts.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <dt/plugin.h>

typedef struct set_workload {
	atomic_llong next;    /* the next element to hand out */
} set_state;

static void *set_create(const json_t *config, char *err)
{
	set_state *w = calloc(1, sizeof(*w));

	(void)config;
	if (w == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	atomic_init(&w->next, 0);
	return w;
}

static json_t *set_generate(void *data, const char *f, dt_rng *rng)
{
	set_state *w = data;

	(void)rng;
	if (f[0] == 'a')
		return json_integer((json_int_t)atomic_fetch_add(&w->next, 1));
	return json_null();
}

static json_t *set_final_reads(void *data)
{
	(void)data;
	return json_pack("[{s:s, s:n}]", "f", "read", "value");
}

static void set_destroy(void *data)
{
	free(data);
}

static const dt_workload_op set_ops[] = {
	{ "add", 4 }, { "read", 1 }, { NULL, 0 }
};

const dt_workload_type set_workload = {
	.size = sizeof(dt_workload_type),
	.info = { .name = "set", .version = "1.0",
		  .description = "add unique elements to a set, read it whole; "
				 "a final read after the faults" },
	.ops = set_ops,
	.model = "set",
	.create = set_create,
	.generate = set_generate,
	.destroy = set_destroy,
	.final_reads = set_final_reads,
};
