/* SPDX-License-Identifier: MIT */
/*
 * models.h: what the models of dt_models share (see dt/model.h for the
 * model ABI).  Each model has its own file:
 *
 *   register.c  register, cas-register   read / write / cas, per key
 *   kv.c        kv                       get / put / append on strings
 *   bank.c      bank                     read all balances / transfer
 *   set.c       set                      add / read every element
 *   queue.c     queue                    enqueue / dequeue (FIFO)
 *
 * common.c holds what they do alike: the value encoding, the packed
 * operation every prepare writes and every step reads, the partition
 * keys, and the pieces of describe; plugin.c registers the models.
 *
 * Values arrive in DT's history form: when the op has no `key` of its
 * own and its value is an object with a "key", the payload is that
 * object's "value" (the register workload's {"key":K,"value":V});
 * otherwise the value itself (imported Jepsen/porcupine histories).
 *
 * States are canonical byte strings: a register holds one encoded value,
 * a kv key its raw string, a bank its int64 balances, a set its sorted
 * elements, a queue its elements front first.  An encoded value is a tag
 * byte and its bytes: 'n' null, 'i' + int64, 's' + the string, 'j' +
 * compact JSON with sorted keys.  An element (of a set or a queue) is a
 * uint32 length and an encoded value.
 *
 * The helpers step calls are inline here: step is the checker's inner
 * loop.
 */
#ifndef DT_MODELS_H
#define DT_MODELS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

extern const dt_model_type register_model;
extern const dt_model_type cas_register_model;
extern const dt_model_type kv_model;
extern const dt_model_type bank_model_type;
extern const dt_model_type set_model;
extern const dt_model_type queue_model;

/* ---- the packed operation ------------------------------------------------ */

/* The kinds of operation of every model, one numbering. */
enum {
	K_READ, K_WRITE, K_CAS, K_CAS_FAILED, /* register */
	K_GET, K_PUT, K_APPEND,               /* kv */
	K_BREAD, K_TRANSFER,                  /* bank */
	K_ADD, K_SREAD,                       /* set */
	K_ENQ, K_DEQ                          /* queue */
};

/* The op the checker keeps (prepare appends it to its buffer, 8-byte
 * aligned): no pointers; alen bytes of a, then blen of b follow. */
typedef struct model_op {
	int32_t kind;
	int32_t unknown;    /* no completion: any result */
	int64_t from, to, amount;
	uint32_t alen, blen;
	unsigned char data[];
} model_op;

static inline const unsigned char *model_op_a(const model_op *o)
{
	return o->data;
}

static inline const unsigned char *model_op_b(const model_op *o)
{
	return o->data + o->alen;
}

/* An op being prepared straight into the checker's buffer: the head's
 * place is taken first, a's and b's bytes are appended after it, and the
 * head is written last, when their lengths are known.  Lives on the
 * caller's stack: no allocation, nothing kept between calls. */
typedef struct model_draft {
	dt_model_buf *out;
	size_t at;          /* where the op starts in out */
	size_t b_at;        /* where b starts; 0 while a is being written */
	bool nomem;         /* the head's place could not be taken */
	model_op head;      /* kind, unknown, from, to, amount */
} model_draft;

/* Begin, at the end of out, an op of this kind with this completion
 * (NULL: unknown outcome). */
void model_op_begin(model_draft *d, int kind, const dt_op *ret,
		    dt_model_buf *out);

/* The buffer a's bytes are appended to. */
static inline dt_model_buf *model_draft_a(model_draft *d)
{
	return d->out;
}

/* The buffer b's bytes are appended to; a is complete once this is
 * called. */
static inline dt_model_buf *model_draft_b(model_draft *d)
{
	d->b_at = d->out->len;
	return d->out;
}

/* rc is what encoding a and b returned: when 0, write the head and keep
 * the op in out; otherwise take it back out.  0, or -1 with err "out of
 * memory".  Every begin has its end. */
int model_op_end(model_draft *d, int rc, char *err);

/* Append head, its alen bytes from a and blen from b (NULL when blen
 * is 0), to out; 0 or -1 when out of memory.  (Inline: kv packs most
 * ops straight from the history's strings.) */
static inline int model_op_pack(dt_model_buf *out, const model_op *head,
				const void *a, const void *b)
{
	size_t n = sizeof(model_op) + head->alen + head->blen;
	unsigned char *w = dt_buf_reserve(out, n);
	model_op *o = (model_op *)w;   /* the checker aligns out to 8 bytes */

	if (w == NULL)
		return -1;
	memcpy(o, head, sizeof(*o));
	if (head->alen)
		memcpy(o->data, a, head->alen);
	if (head->blen && b != NULL)
		memcpy(o->data + head->alen, b, head->blen);
	out->len += n;
	return 0;
}

/* -1 with err saying model_name has no operation call->f. */
int model_no_op(char *err, const char *model_name, const dt_op *call);

static inline bool model_streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Is op's f a, or b (which may be NULL)? */
static inline bool model_f_is(const dt_op *op, const char *a, const char *b)
{
	/* the first letters tell most names apart before any loop */
	return op->f != NULL &&
	       ((op->f[0] == a[0] && model_streq(op->f, a)) ||
		(b != NULL && op->f[0] == b[0] && model_streq(op->f, b)));
}

/* The payload of op's value (see above); NULL when op is NULL. */
const json_t *model_payload(const dt_op *op);

/* ---- values and elements ------------------------------------------------- */

/* Append v's compact JSON (keys sorted); 0, or -1 when out of memory. */
int model_json_put(const json_t *v, dt_model_buf *b);
/* Append the encoded value of v (NULL: null). */
int model_value_encode(const json_t *v, dt_model_buf *b);
/* Append v as an element: its length, then its encoded value. */
int model_elem_encode(const json_t *v, dt_model_buf *b);

/* Walk an element list: *p at an element; sets *e, *n; false at the end. */
static inline bool model_elem_next(const unsigned char **p,
				   const unsigned char *end,
				   const unsigned char **e, uint32_t *n)
{
	if (*p + 4 > end)
		return false;
	memcpy(n, *p, 4);
	*e = *p + 4;
	*p += 4 + *n;
	return true;
}

/* ---- partitions, create, init -------------------------------------------- */

/* The op's own key, else the "key" of an object value (as JSON when it
 * is not a string), else one partition. */
const char *model_key_partition(void *model, const dt_op *call, char *buf);
/* The op's own key only. */
const char *model_own_key_partition(void *model, const dt_op *call, char *buf);

/* calloc'd, or NULL with err "out of memory". */
void *model_alloc(size_t size, char *err);
/* For models without parameters. */
void *model_create_plain(const json_t *config, const json_t *workload_config,
			 char *err);
void model_free(void *model);
/* The empty initial state. */
int model_init_empty(void *model, dt_model_buf *state, char *err);

/* ---- step ---------------------------------------------------------------- */

static inline bool model_same(const void *a, size_t alen, const void *b,
			      size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The next state: the bytes of a, b and c in a row (b and c may be NULL
 * with length 0).  Out of memory leaves next->data NULL. */
static inline dt_step model_step_new(dt_model_buf *next, const void *a,
				     size_t an, const void *b, size_t bn,
				     const void *c, size_t cn)
{
	if (dt_buf_put(next, a, an) != 0 ||
	    (bn > 0 && dt_buf_put(next, b, bn) != 0) ||
	    (cn > 0 && dt_buf_put(next, c, cn) != 0)) {
		free(next->data);
		next->data = NULL;
	}
	return DT_STEP_NEW;
}

/* A read of the whole state, expecting o's a. */
static inline dt_step model_step_read(const void *st, size_t len,
				      const model_op *o)
{
	return o->unknown || model_same(st, len, model_op_a(o), o->alen) ?
	       DT_STEP_SAME : DT_STEP_ILLEGAL;
}

/* The state becomes the n bytes at p. */
static inline dt_step model_step_write(const void *st, size_t len,
				       const void *p, size_t n,
				       dt_model_buf *next)
{
	if (model_same(st, len, p, n))
		return DT_STEP_SAME;
	return model_step_new(next, p, n, NULL, 0, NULL, 0);
}

/* ---- describe ------------------------------------------------------------ */

static inline void model_text(dt_model_buf *b, const char *s)
{
	dt_buf_put(b, s, strlen(s));
}

/* Append a readable form of the n bytes at p to b: the printers of
 * states and parts of ops. */
typedef void model_print_fn(const unsigned char *p, size_t n, dt_model_buf *b);

/* "bytes", quoted. */
model_print_fn model_quoted;
/* One encoded value. */
model_print_fn model_value_print;
/* One element (its length, then its encoded value). */
model_print_fn model_elem_print;
/* A list of elements between open and close, comma separated. */
void model_elems_print(const unsigned char *p, size_t len, const char *open,
		       const char *close, dt_model_buf *b);
/* label, then "?" when o's outcome is unknown: true when the caller is
 * to print the result. */
bool model_describe_result(dt_model_buf *b, const char *label,
			   const model_op *o);
/* The end of every describe_op: says when o's outcome is unknown, and
 * returns b's text (malloc'd; NULL when out of memory). */
char *model_describe_end(dt_model_buf *b, const model_op *o);
/* What print makes of the n bytes at p, as a malloc'd string (NULL when
 * out of memory): every describe_state. */
char *model_text_of(model_print_fn *print, const void *p, size_t n);

#endif /* DT_MODELS_H */
