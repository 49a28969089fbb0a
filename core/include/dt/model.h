/* SPDX-License-Identifier: MIT */
/*
 * dt/model.h: a model is the sequential specification a linearizability
 * checker checks a history against (a register, a bank, a queue...).
 *
 * The checker turns each operation into the model's compact form once
 * (prepare, into one buffer for every op: no allocation per op), then
 * explores orders calling step on states.  A state is a
 * byte string the model writes into a checker-owned buffer; the checker
 * interns states, so two states are the same when their bytes are equal
 * (or when the optional equal callback says so: then hash must agree
 * with it).  Models keep their encoding canonical (a set sorted, ...).
 *
 * Threads: partitions are checked in parallel; every callback but
 * create and destroy must be safe to call from several threads.
 */
#ifndef DT_MODEL_H
#define DT_MODEL_H

#include <dt/types.h>
#include <dt/buf.h>
#include <dt/options.h>

/* The buffer states and ops are written into: a dt_buf (dt/buf.h),
 * owned by the checker; models only write through dt_buf_put and
 * dt_buf_reserve. */
typedef dt_buf dt_model_buf;

/* What step says about an operation in a state. */
typedef enum dt_step {
	DT_STEP_ILLEGAL = 0, /* the op cannot have happened in this state */
	DT_STEP_SAME,        /* legal, and the state does not change */
	DT_STEP_NEW          /* legal, the next state was written to next */
} dt_step;

/* Bytes of the key buffer partition may fill. */
#define DT_MODEL_KEY_SIZE 128

typedef struct dt_model_type {
	size_t size;            /* sizeof(dt_model_type) */
	/* options: keys of the checker entry that names the model. */
	dt_component_info info;

	/* config: the checker's entry in the suite (may be NULL);
	 * workload_config: the workload's options, for models whose initial
	 * state depends on them (bank: accounts, balance), or NULL. */
	void *(*create)(const json_t *config, const json_t *workload_config,
			char *err);
	void (*destroy)(void *model);

	/* P-compositionality: the key of the partition an operation (its
	 * invocation) belongs to, either borrowed from the op or written to
	 * buf (DT_MODEL_KEY_SIZE bytes); NULL when the model does not split.
	 * Optional (NULL: one partition). */
	const char *(*partition)(void *model, const dt_op *call, char *buf);

	/* Compact an operation: the invocation and its completion (ret is
	 * NULL when the outcome is unknown: the op may take effect at any
	 * time after its call, or never, so step must accept it in every
	 * state, as a no-op when it could not apply).  Append the op's bytes
	 * to out: the checker keeps them (8-byte aligned, no pointers
	 * inside, as they move) and hands step and describe_op a pointer to
	 * them.  The same f, key and value must give the same op (the
	 * checker treats such ops of unknown outcome as interchangeable).
	 * -1 with err for an operation the model does not know. */
	int (*prepare)(void *model, const dt_op *call, const dt_op *ret,
		       dt_model_buf *out, char *err);

	/* Write the initial state into state (empty on entry). */
	int (*init)(void *model, dt_model_buf *state, char *err);
	/* Apply op in state (len bytes).  On DT_STEP_NEW the next state was
	 * written into next (empty on entry); out of memory is reported as
	 * DT_STEP_NEW with next->data == NULL. */
	dt_step (*step)(void *model, const void *state, size_t len,
			const void *op, dt_model_buf *next);

	/* Optional: both NULL means byte equality and a byte hash. */
	bool (*equal)(void *model, const void *a, size_t alen,
		      const void *b, size_t blen);
	uint64_t (*hash)(void *model, const void *state, size_t len);

	/* malloc'd text for messages and the visualization. */
	char *(*describe_op)(void *model, const void *op);
	char *(*describe_state)(void *model, const void *state, size_t len);
} dt_model_type;

#endif /* DT_MODEL_H */
