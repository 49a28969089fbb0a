/* SPDX-License-Identifier: MIT */
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

/* Marks the functions libdt exports: the plugin API and nothing else.
 * libdt is built with -fvisibility=hidden, so whatever is not marked
 * stays private to it. */
#define DT_EXTERN __attribute__((visibility("default")))

struct dt_option;
struct dt_validate_env;

/* The kinds of component a plugin may register. */
typedef enum dt_kind {
	DT_KIND_PLATFORM = 0,
	DT_KIND_CLIENT,
	DT_KIND_WORKLOAD,
	DT_KIND_NEMESIS,
	DT_KIND_CHECKER,
	DT_KIND_MODEL,
	DT_KIND_COUNT
} dt_kind;

/* "platform", "client", ...; "?" for an out-of-range value. */
DT_EXTERN const char *dt_kind_name(dt_kind kind);

/*
 * Name, version and one-line description of a component, the options it
 * takes and an optional check of them; the second member of every
 * component descriptor, after its size.  Static, like the descriptor.
 *
 * options: every key the component reads from its section of the suite
 * (or of the chart), ended by an entry with a NULL name; NULL when it
 * takes none.  The core checks a section against it before anything
 * starts (an unknown key, a wrong type or a value out of range is an
 * error naming file:line:col and the key), fills in the defaults and
 * converts units, so that callbacks read the section with dt_opt_*()
 * (dt/options.h) and never see a value the table does not allow.
 *
 * validate: rules a table cannot state (an operation the client lacks, a
 * mode that needs a kernel feature, a model the checker cannot find).
 * Called before anything starts, also on --dry-run and check-suite, with
 * the section already checked.  Returns 0, or -1 with err (use
 * dt_conf_fail to name the key).  NULL: the table says it all.
 *
 * This struct is frozen at ABI 2: it never changes shape.
 */
typedef struct dt_component_info {
	const char *name;
	const char *version;
	const char *description;
	const struct dt_option *options;
	int (*validate)(const struct dt_validate_env *env, char *err);
} dt_component_info;

/* Size of every `char *err` buffer handed to a callback. */
#ifndef DT_ERRBUF_SIZE
#define DT_ERRBUF_SIZE 512
#endif

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
DT_EXTERN int dt_fail(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- logging ---------------------------------------------------------- */

typedef enum dt_log_level {
	DT_LOG_ERROR = 0,
	DT_LOG_WARN,
	DT_LOG_INFO,
	DT_LOG_DEBUG
} dt_log_level;

/* Thread-safe; goes to the run's dt.log and, by level, to stderr. */
DT_EXTERN void dt_log(dt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- random numbers ---------------------------------------------------- */

/* xoshiro256**: seeded per worker from the run's seed, so that a run with
 * the same --seed makes the same choices.  Not thread-safe: one a thread. */
typedef struct dt_rng {
	uint64_t s[4];
} dt_rng;

DT_EXTERN void dt_rng_seed(dt_rng *rng, uint64_t seed);
DT_EXTERN uint64_t dt_rng_next(dt_rng *rng);
/* Uniform in [0, n); n > 0. */
DT_EXTERN uint64_t dt_rng_below(dt_rng *rng, uint64_t n);
/* Uniform in [0, 1). */
DT_EXTERN double dt_rng_double(dt_rng *rng);

/* ---- operations and histories ------------------------------------------- */

typedef enum dt_op_type {
	DT_OP_INVOKE = 0,
	DT_OP_OK,   /* completed, took effect */
	DT_OP_FAIL, /* completed, certainly did not take effect */
	DT_OP_INFO  /* outcome unknown: may take effect at any later time */
} dt_op_type;

DT_EXTERN const char *dt_op_type_name(dt_op_type type);
/* Returns 0 and sets *type, or -1 for a name that is not one. */
DT_EXTERN int dt_op_type_parse(const char *name, dt_op_type *type);

/* Process number of nemesis events in a history. */
#define DT_PROCESS_NEMESIS (-1)

/* dt_op flags. */
#define DT_OP_FLAG_FINAL 0x1u  /* made by the final phase (final reads) */

/*
 * One event of a history.  f, key, node and error are owned by the op
 * (freed by dt_op_clear); value is a reference owned by the op.
 * Histories are arrays of these: the struct is frozen at ABI 2.
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
	char *node;      /* completions: the node that served it, or NULL */
	uint32_t flags;  /* DT_OP_* */
	uint32_t reserved32;
	void *reserved[2];
} dt_op;

DT_EXTERN void dt_op_clear(dt_op *op);

/* A history loaded in memory; ops in index order. */
typedef struct dt_history {
	dt_op *ops;
	size_t count;
	size_t torn;    /* trailing lines skipped as torn (crash mid-write) */
} dt_history;

DT_EXTERN void dt_history_free(dt_history *h);

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
	void *reserved[4];      /* nodes come in arrays: frozen at ABI 2 */
} dt_node;

/* ---- JSON helpers for plugin configuration ------------------------------ */

/* Fill err with "file:line:col: path.key: message" for a member of a
 * config object that came from a YAML file ("key: message" otherwise;
 * key may be NULL for the object itself).  Returns -1. */
DT_EXTERN int dt_conf_fail(const json_t *conf, const char *key, char *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Read an optional member of a config object with a default; on a value
 * of the wrong type or out of [min, max], fill err naming the key and
 * return -1. */
DT_EXTERN int dt_conf_int(const json_t *conf, const char *key, long long def,
		long long min, long long max, long long *out, char *err);
DT_EXTERN int dt_conf_double(const json_t *conf, const char *key, double def,
		   double min, double max, double *out, char *err);
DT_EXTERN int dt_conf_bool(const json_t *conf, const char *key, bool def, bool *out,
		 char *err);
/* *out is borrowed from conf (or def). */
DT_EXTERN int dt_conf_string(const json_t *conf, const char *key, const char *def,
		   const char **out, char *err);

/* ---- helpers for plugins: strings, reasons, deadlines, values, ops ------
 *
 * Small pieces that several plugins need alike.  All are thread-safe
 * (they keep no state) unless a comment says otherwise. */

/* printf into a new string; the caller owns it (free).  NULL when out of
 * memory. */
DT_EXTERN char *dt_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Give a client's invoke its reason and outcome in one line:
 * `return dt_op_error(error, DT_OP_FAIL, "no key");` sets *error to a new
 * malloc'd text (which the caller owns; a reason already in *error is
 * freed first, so *error must be NULL or malloc'd) and returns type.  Out
 * of memory leaves *error NULL. */
DT_EXTERN dt_op_type dt_op_error(char **error, dt_op_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A point on the monotonic clock (nanoseconds) that an operation must end
 * by.  A plain value: copy it freely; one thread uses it at a time. */
typedef struct dt_deadline {
	int64_t ns;
} dt_deadline;

/* Seconds on the monotonic clock (for durations, never dates). */
DT_EXTERN double dt_now(void);

/* The deadline `seconds` from now (>= 0). */
DT_EXTERN void dt_deadline_set(dt_deadline *d, double seconds);
/* Seconds left before the deadline; <= 0 once it has passed. */
DT_EXTERN double dt_deadline_left(const dt_deadline *d);
DT_EXTERN bool dt_deadline_expired(const dt_deadline *d);
/* Sleep `most` seconds, or what is left of the deadline when that is
 * less (no sleep once it has passed): a pause that keeps a caller from
 * spinning on a dead server without overrunning its timeout. */
DT_EXTERN void dt_deadline_nap(const dt_deadline *d, double most);

/* mkdir -p with mode 0755; 0, or -1 with errno. */
DT_EXTERN int dt_mkdirs(const char *path);

/* The file of the chart NAME (charts/NAME.yaml along the chart path:
 * --chart-path, $DT_CHART_PATH, the source tree when uninstalled, the
 * installed charts), as a platform finds sub charts; 0, or -1 with err. */
DT_EXTERN int dt_chart_find(const char *name, char *path, size_t size,
			    char *err);

/* Sleep that many seconds (nothing when <= 0), resuming after signals. */
DT_EXTERN void dt_sleep(double seconds);

/*
 * A workload's value as a store keeps it: its compact JSON text ("null"
 * for NULL), or, with raw_strings, a JSON string as its bare characters
 * (the kv workload, whose values APPEND concatenates).  A new string the
 * caller frees; NULL when out of memory.
 */
DT_EXTERN char *dt_value_text(const json_t *v, bool raw_strings);
/* The reverse, for len bytes at s: the JSON value the text holds, or
 * (raw_strings, or text that is not JSON) the text as a JSON string;
 * "(not UTF-8)" for bytes that are neither.  A new reference. */
DT_EXTERN json_t *dt_value_parse(const char *s, size_t len, bool raw_strings);

/* The operations of the keyed workloads (register: read, write, cas; kv:
 * get, put, append), as a client's invoke sorts them. */
typedef enum dt_keyed_op {
	DT_KEYED_NONE = 0, /* not one of them: *error says why */
	DT_KEYED_READ,     /* "read" or "get" */
	DT_KEYED_WRITE,    /* "write" or "put" */
	DT_KEYED_CAS,      /* "cas", value [FROM, TO] */
	DT_KEYED_APPEND    /* "append" */
} dt_keyed_op;

/* Sort the invoke of f with its argument {"key": K, "value": V}: *key and
 * *value (NULL when absent) are borrowed from arg.  DT_KEYED_NONE with
 * *error set (as dt_op_error does) when arg has no key, or f is none of
 * them ("SYSTEM has no operation 'F'"). */
DT_EXTERN dt_keyed_op dt_keyed_parse(const char *f, const json_t *arg, const char *system,
			   const char **key, const json_t **value, char **error);

/* ---- endpoints: the servers a client talks to ---------------------------- */

typedef struct dt_endpoint {
	char name[64];  /* the node's name, or n1, n2, ... for configured ones */
	char host[64];  /* address or host name */
	int port;
} dt_endpoint;

/*
 * The endpoints of a client: one per node when the platform has nodes
 * (nnodes > 0; the port is the node info's "port", else the first of its
 * "ports", else default_port), otherwise the list `endpoints:
 * [SCHEME HOST:PORT, ...]` of the client's config.  scheme ("" or
 * "http://", say) must begin each entry and is dropped.  Returns a
 * calloc'd array the caller frees, with *count entries; NULL with err
 * filled (naming the config key) on a missing or bad list.
 */
DT_EXTERN dt_endpoint *dt_endpoints_get(const json_t *config, const dt_node *nodes,
			      size_t nnodes, const char *scheme, int default_port,
			      size_t *count, char *err);
/* Index of the endpoint named name, or -1. */
DT_EXTERN long dt_endpoints_find(const dt_endpoint *eps, size_t count, const char *name);
/* A client's metrics sample: an object with, for each endpoint, its name
 * mapped to one(arg, i) (a new reference, or NULL to leave it out).  Runs
 * on the caller's thread, in order; returns a new reference. */
DT_EXTERN json_t *dt_endpoints_metrics(const dt_endpoint *eps, size_t count,
			     json_t *(*one)(void *arg, size_t i), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* DT_TYPES_H */
