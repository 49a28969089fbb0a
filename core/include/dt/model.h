/*
 * dt/model.h: a model is the sequential specification a linearizability
 * checker checks a history against (a register, a bank, a queue...).
 *
 * The checker turns each completed operation into the model's compact
 * form once (prepare), then explores orders calling step on states.
 * States are immutable values owned by the checker once returned.
 *
 * Threads: partitions are checked in parallel; every callback but
 * create and destroy must be safe to call from several threads.
 */
#ifndef DT_MODEL_H
#define DT_MODEL_H

#include <dt/types.h>

typedef struct dt_model_type {
	dt_component_info info;

	void *(*create)(const json_t *config, char *err);
	void (*destroy)(void *model);

	/* P-compositionality: the key of the partition an op belongs to
	 * (borrowed from the op), or NULL when the model does not split. */
	const char *(*partition)(void *model, const dt_op *call);

	/* Compact an operation: the call and its return (ret is NULL when
	 * the outcome is unknown).  *out is freed with op_free.  Returns -1
	 * with err for an operation the model does not know. */
	int (*prepare)(void *model, const dt_op *call, const dt_op *ret,
		       void **out, char *err);
	void (*op_free)(void *model, void *op);

	void *(*init)(void *model);
	/* Apply op to state: false when op cannot have happened in state;
	 * else true with *next a new state (freed with state_free). */
	bool (*step)(void *model, const void *state, const void *op,
		     void **next);
	bool (*equal)(void *model, const void *a, const void *b);
	uint64_t (*hash)(void *model, const void *state);
	void (*state_free)(void *model, void *state);

	/* malloc'd text for messages and the visualization. */
	char *(*describe_op)(void *model, const void *op);
	char *(*describe_state)(void *model, const void *state);
} dt_model_type;

#endif /* DT_MODEL_H */
