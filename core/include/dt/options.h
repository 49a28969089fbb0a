/* SPDX-License-Identifier: MIT */
/*
 * dt/options.h: the options a component declares, the check the core
 * makes of them before a run starts, and how a component reads them.
 *
 * A component lists every key of its section in a static table (its
 * dt_component_info.options).  Before anything starts (a real run,
 * --dry-run and `dt-run check-suite` alike) the core checks each section
 * of the suite and of the chart against the tables of the components it
 * names: a key no table has is an error ("did you mean `mode`?"), so is
 * a value of the wrong type or out of range.  It then fills in every
 * default and converts units in place, so a duration reads as seconds,
 * a size as bytes, a rate as so many a second, whatever the YAML wrote.
 * The same tables print as documentation (`dt-run describe NAME`,
 * dtd's GET /api/plugins), so an option is documented by being declared.
 *
 * Callbacks then read their section with dt_opt_*(): the value is there
 * (or its default is), of the declared type and in range.
 *
 * One parser for durations, sizes and rates serves the whole project:
 *   duration  "250ms", "1.5s", "2m", "1h30m", "1d"; units ns us ms s m h d,
 *             several in a row add up; a bare number is seconds
 *   size      "512", "64k" or "64KiB" (1024), "4M"/"4MiB", "1G"/"1GiB",
 *             "1T"/"1TiB"; "kB", "MB", "GB", "TB" are powers of 1000;
 *             a bare number is bytes
 *   rate      "200", "200/s", "10/m" (a minute), "5/h"; a bare number is
 *             per second
 */
#ifndef DT_OPTIONS_H
#define DT_OPTIONS_H

#include <dt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dt_option_type {
	DT_OPT_END = 0,   /* ends a table (with a NULL name) */
	DT_OPT_STRING,    /* any string */
	DT_OPT_ENUM,      /* one of .values */
	DT_OPT_INT,       /* a whole number */
	DT_OPT_NUMBER,    /* any number */
	DT_OPT_DURATION,  /* read back in seconds (a number) */
	DT_OPT_SIZE,      /* read back in bytes (an integer) */
	DT_OPT_RATE,      /* read back per second (a number) */
	DT_OPT_BOOL,
	DT_OPT_LIST,      /* a list of .item (any when 0); items that are
			     DT_OPT_OBJECT have the keys .fields */
	DT_OPT_MAP,       /* a mapping of any keys to .item (any when 0) */
	DT_OPT_OBJECT,    /* a mapping with the keys .fields */
	DT_OPT_COMPONENT, /* the name of a component of kind .kind, whose own
			     options join this section (a checker's model) */
	DT_OPT_ANY        /* any value: the component's validate checks it */
} dt_option_type;

/* dt_option.flags */
#define DT_OPT_REQUIRED 0x1u  /* the section must give it */

/*
 * One option.  Tables are arrays of these in the plugin, so the struct
 * is frozen at ABI 2 (its reserved members stay NULL).
 */
typedef struct dt_option {
	const char *name;
	dt_option_type type;
	/* The default, as YAML would write it ("3", "1s", "halves",
	 * "true"); NULL: none, the key stays absent unless given. */
	const char *def;
	/* Inclusive bounds of INT, NUMBER, DURATION (seconds), SIZE
	 * (bytes), RATE (per second), and of a LIST's length; they apply
	 * only when min < max. */
	double min, max;
	const char *doc;                 /* one line */
	const char *const *values;       /* ENUM: allowed values, NULL-ended */
	const struct dt_option *fields;  /* OBJECT (or LIST/MAP of OBJECT) */
	dt_option_type item;             /* LIST, MAP: the items' type */
	dt_kind kind;                    /* COMPONENT: of what kind */
	unsigned flags;                  /* DT_OPT_* */
	const void *reserved[2];
} dt_option;

struct dt_registry;

/*
 * What a component's validate callback is told.  Everything is borrowed
 * for the call.  New members are only ever added at the end.
 */
typedef struct dt_validate_env {
	dt_kind kind;                   /* of the component */
	const char *name;               /* its name */
	const json_t *config;           /* its section, checked, defaults
					   filled; NULL when it has none */
	const json_t *suite;            /* the whole suite, as loaded */
	const json_t *chart;            /* the chart, or NULL */
	const char *workload;           /* the workload's name */
	const json_t *workload_config;  /* its section, or NULL */
	/* The operations the workload will issue (weight > 0), NULL-ended. */
	const char *const *operations;
	const char *model;              /* checkers: the model their
					   section resolved to, or NULL */
	const char *platform;           /* NULL when the chart has no nodes */
	size_t nnodes;                  /* nodes the chart declares; 0 when
					   only the platform knows */
	struct dt_registry *registry;   /* to look up other components */
} dt_validate_env;

/* A validate for components that act on nodes (most nemeses): fails,
 * naming the chart, when the chart has none (mem runs in the process). */
DT_EXTERN int dt_validate_nodes(const dt_validate_env *env, char *err);

/* ---- reading a checked section ----------------------------------------- */

/* The value of an option (borrowed), or NULL when absent. */
DT_EXTERN const json_t *dt_opt(const json_t *conf, const char *name);
/* INT and SIZE; 0 when absent. */
DT_EXTERN long long dt_opt_int(const json_t *conf, const char *name);
/* INT, NUMBER, DURATION (seconds), SIZE (bytes), RATE (per second);
 * 0 when absent. */
DT_EXTERN double dt_opt_number(const json_t *conf, const char *name);
/* false when absent. */
DT_EXTERN bool dt_opt_bool(const json_t *conf, const char *name);
/* STRING, ENUM, COMPONENT (borrowed from conf); NULL when absent. */
DT_EXTERN const char *dt_opt_string(const json_t *conf, const char *name);
/* ENUM: the index of its value in values (NULL-ended), -1 when absent. */
DT_EXTERN int dt_opt_enum(const json_t *conf, const char *name,
			  const char *const *values);

/* ---- checking ------------------------------------------------------------ */

/*
 * Check section (a mapping) against the tables (ntables of them, each
 * ended as above; a key may be in any of them), fill in defaults and
 * convert units in place.  Tables with COMPONENT options are not
 * followed here (the core does that).  Returns 0, or -1 with err:
 * "file:line:col: path.key: message" when the section came from a YAML
 * file, with "did you mean `KEY`?" for a key close to a known one.
 */
DT_EXTERN int dt_options_apply(const dt_option *const *tables, size_t ntables,
			       json_t *section, char *err);

/* ---- durations, sizes and rates ------------------------------------------ */

/* 0, or -1 when text is not one (or is negative). */
DT_EXTERN int dt_parse_duration(const char *text, double *seconds);
DT_EXTERN int dt_parse_size(const char *text, uint64_t *bytes);
DT_EXTERN int dt_parse_rate(const char *text, double *per_second);
/* The same from a YAML value: a string as above, or a number (seconds,
 * bytes, per second). */
DT_EXTERN int dt_json_duration(const json_t *v, double *seconds);
DT_EXTERN int dt_json_size(const json_t *v, uint64_t *bytes);
DT_EXTERN int dt_json_rate(const json_t *v, double *per_second);

#ifdef __cplusplus
}
#endif
#endif /* DT_OPTIONS_H */
