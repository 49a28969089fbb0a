/*
 * dt/types.h: what every kind of plugin shares: errors, logging, random
 * numbers, operations, histories and nodes.  Included by dt/plugin.h.
 */
#ifndef DT_TYPES_H
#define DT_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Name, version and one-line description of a component; the first member
 * of every component descriptor.  Static strings. */
typedef struct dt_component_info {
	const char *name;
	const char *version;
	const char *description;
} dt_component_info;

/* Size of every `char *err` buffer handed to a callback. */
#define DT_ERRBUF_SIZE 512

/* Exit status of dt-run and dt-check, also the verdict codes. */
enum {
	DT_EXIT_VALID = 0,   /* no anomaly found */
	DT_EXIT_INVALID = 1, /* an anomaly was found */
	DT_EXIT_UNKNOWN = 2, /* could not decide (time budget, ...) */
	DT_EXIT_USAGE = 3,   /* bad command line */
	DT_EXIT_CONFIG = 4,  /* bad suite, chart or plugin */
	DT_EXIT_INFRA = 5    /* the platform, a node or the store failed */
};

/* Fill err (DT_ERRBUF_SIZE bytes) with a formatted message; returns -1 so
 * callbacks can `return dt_fail(err, "...")`. */
int dt_fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- logging ---------------------------------------------------------- */

typedef enum dt_log_level {
	DT_LOG_ERROR = 0,
	DT_LOG_WARN,
	DT_LOG_INFO,
	DT_LOG_DEBUG
} dt_log_level;

/* Thread-safe; goes to the run's dt.log and, by level, to stderr. */
void dt_log(dt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- random numbers ---------------------------------------------------- */

/* xoshiro256**: seeded per worker from the run's seed, so that a run with
 * the same --seed makes the same choices.  Not thread-safe: one a thread. */
typedef struct dt_rng {
	uint64_t s[4];
} dt_rng;

void dt_rng_seed(dt_rng *rng, uint64_t seed);
uint64_t dt_rng_next(dt_rng *rng);
/* Uniform in [0, n); n > 0. */
uint64_t dt_rng_below(dt_rng *rng, uint64_t n);
/* Uniform in [0, 1). */
double dt_rng_double(dt_rng *rng);

/* ---- operations and histories ------------------------------------------- */

typedef enum dt_op_type {
	DT_OP_INVOKE = 0,
	DT_OP_OK,   /* completed, took effect */
	DT_OP_FAIL, /* completed, certainly did not take effect */
	DT_OP_INFO  /* outcome unknown: may take effect at any later time */
} dt_op_type;

const char *dt_op_type_name(dt_op_type type);
/* Returns 0 and sets *type, or -1 for a name that is not one. */
int dt_op_type_parse(const char *name, dt_op_type *type);

/* Process number of nemesis events in a history. */
#define DT_PROCESS_NEMESIS (-1)

/*
 * One event of a history.  f, key and error are owned by the op (freed by
 * dt_op_clear); value is a reference owned by the op.
 */
typedef struct dt_op {
	int64_t index;   /* position in the history, from 0 */
	int64_t time;    /* nanoseconds since the run started */
	int64_t process; /* logical process, or DT_PROCESS_NEMESIS */
	dt_op_type type;
	char *f;         /* operation name: "read", "write", ... */
	char *key;       /* partition key when the format has one, or NULL */
	json_t *value;   /* argument (invoke) or result (ok); may be NULL */
	char *error;     /* why it failed, or NULL */
} dt_op;

void dt_op_clear(dt_op *op);

/* A history loaded in memory; ops in index order. */
typedef struct dt_history {
	dt_op *ops;
	size_t count;
	size_t torn;    /* trailing lines skipped as torn (crash mid-write) */
} dt_history;

void dt_history_free(dt_history *h);

/* ---- nodes ------------------------------------------------------------- */

#define DT_NODE_MAX_PIDS 8

/* A node of the system under test, as a platform exposes it. */
typedef struct dt_node {
	int index;              /* 0 .. n-1 */
	char name[64];          /* "n1", or a pod name */
	char address[64];       /* IPv4 address the driver reaches it at */
	char netns[64];         /* network namespace name, or "" */
	char ifname[32];        /* its interface inside the namespace */
	pid_t pids[DT_NODE_MAX_PIDS]; /* its processes, 0 when not running */
	size_t npids;
	json_t *info;           /* platform-specific extras (ports, ...) */
} dt_node;

/* ---- JSON helpers for plugin configuration ------------------------------ */

/* Fill err with "file:line:col: path.key: message" for a member of a
 * config object that came from a YAML file ("key: message" otherwise;
 * key may be NULL for the object itself).  Returns -1. */
int dt_conf_fail(const json_t *conf, const char *key, char *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Read an optional member of a config object with a default; on a value
 * of the wrong type or out of [min, max], fill err naming the key and
 * return -1. */
int dt_conf_int(const json_t *conf, const char *key, long long def,
		long long min, long long max, long long *out, char *err);
int dt_conf_double(const json_t *conf, const char *key, double def,
		   double min, double max, double *out, char *err);
int dt_conf_bool(const json_t *conf, const char *key, bool def, bool *out,
		 char *err);
/* *out is borrowed from conf (or def). */
int dt_conf_string(const json_t *conf, const char *key, const char *def,
		   const char **out, char *err);

#ifdef __cplusplus
}
#endif
#endif /* DT_TYPES_H */
