/* SPDX-License-Identifier: MIT */
/*
 * suite.h: a suite and its chart, loaded from YAML, checked, and with
 * the command line's overrides applied.
 */
#ifndef DT_CORE_SUITE_H
#define DT_CORE_SUITE_H

#include <dt/plugin.h>
#include "yamldoc.h"

typedef enum dt_target_mode {
	DT_TARGET_ONE = 0,
	DT_TARGET_ALL,
	DT_TARGET_FIXED,              /* value nodes */
	DT_TARGET_FIXED_PERCENT,      /* value % of the nodes */
	DT_TARGET_RANDOM_MAX_PERCENT, /* a random count up to value % */
	DT_TARGET_NAMED,              /* the nodes listed */
	/* Roles, resolved when the fault starts from what the client says
	 * each node is (dt_client_type.roles): */
	DT_TARGET_PRIMARY,            /* the primary (leader) */
	DT_TARGET_REPLICAS,           /* every replica (follower) */
	DT_TARGET_MINORITY_WITH_PRIMARY,   /* the primary and others, a minority */
	DT_TARGET_MAJORITY_WITHOUT_PRIMARY /* a majority of the others */
} dt_target_mode;

/* Whether a target mode is a role (resolved at the fault's start). */
#define DT_TARGET_IS_ROLE(m) ((m) >= DT_TARGET_PRIMARY)

/* The name of a target mode as a suite spells it ("primary", ...). */
const char *dt_target_mode_name(dt_target_mode m);

typedef struct dt_nemesis_conf {
	const char *name;     /* borrowed from the document */
	double probability;   /* of starting, each interval */
	double interval;      /* seconds between chances */
	double duration;      /* seconds before heal */
	dt_target_mode target;
	double target_value;
	json_t *target_names; /* array of node names, for DT_TARGET_NAMED */
	json_t *config;       /* the whole entry, borrowed */
} dt_nemesis_conf;

/* One fault of an explicit schedule (the suite's `schedule:`). */
typedef struct dt_schedule_entry {
	double at;            /* seconds from the run's start */
	size_t nemesis;       /* index into the suite's nemeses */
	double duration;      /* seconds before its heal */
	size_t targets[64];   /* node indexes (the chart's n1 = 0, ...) */
	size_t ntargets;
} dt_schedule_entry;

typedef struct dt_checker_conf {
	const char *name;
	json_t *config;       /* the entry as an object (owned reference) */
	/* Set by dt_suite_check: */
	const dt_checker_type *type;
	const dt_model_type *model_type; /* the model its entry resolved to */
	const char *model;               /* its name, or NULL */
} dt_checker_conf;

typedef struct dt_suite {
	dt_doc *doc;          /* owns every borrowed pointer below */
	dt_doc *chart_doc;
	const char *name;
	const char *chart;
	const char *platform;      /* "local" unless the suite says */
	json_t *platform_config;   /* the platform's section, or NULL */
	const char *client;
	json_t *client_config;     /* its section (a mapping with its name) */
	const char *workload;
	json_t *workload_config;   /* its section (a mapping with its name) */
	json_t *weights;           /* f -> weight, owned; from the workload
				      section's `operations`, or NULL */
	long long concurrency;
	double rate;               /* ops/s over all workers; 0: unlimited */
	double time_limit;         /* seconds */
	double timeout;            /* seconds per operation */
	uint64_t seed;
	bool has_seed;
	dt_nemesis_conf *nemeses;
	size_t nnemeses;
	dt_checker_conf *checkers;
	size_t ncheckers;
	dt_schedule_entry *schedule; /* the suite's `schedule:` */
	size_t nschedule;
	bool has_schedule;         /* it has one (maybe empty: no fault) */
	/* The phases after the faults (Jepsen's final generator): */
	double recovery;           /* seconds of quiet after the heal */
	bool recovery_workload;    /* the workload keeps running meanwhile */
	bool final_reads;          /* then the workload's final reads */
	double final_timeout;      /* seconds each final read may retry */
	dt_doc **extra_docs;       /* entries --nemesis added, owned */
	size_t nextra_docs;

	/* Set by dt_suite_check, which finds each component: */
	const dt_client_type *client_type;
	const dt_workload_type *workload_type;
	const dt_platform_type *platform_type; /* NULL: the chart has no nodes */
	const dt_nemesis_type **nemesis_types; /* one per nemesis */
	const char **operations;   /* the workload's ops with weight > 0,
				      NULL-ended (names borrowed) */
} dt_suite;

/* Load suites/NAME.yaml and its chart along the paths; NULL with err. */
dt_suite *dt_suite_load(const char *name, const char *suite_path,
			const char *chart_path, char *err);
void dt_suite_free(dt_suite *suite);

/*
 * Find every component the suite names along reg's path, check each
 * section against its component's options (defaults filled, units
 * converted, unknown keys refused), the workload's operations against the
 * client's, and run each component's validate.  Before anything starts;
 * 0, or -1 with err ("file:line:col: key: message").
 */
int dt_suite_check(dt_suite *suite, dt_registry *reg, char *err);

/* Whether the chart has nodes for the suite's platform (mem has none). */
bool dt_suite_has_nodes(const dt_suite *suite);

/* Keep only the nemeses named in a comma list ("" keeps none).  An
 * unknown name is an error naming the ones the suite has.  An item with
 * a colon adds an entry instead (NAME:MODE:ROLE:KEY=VALUE..., each part
 * optional: `partition:isolate-primary:primary`, `kill:target=primary`):
 * a part that is a role sets target, another bare part sets mode. */
int dt_suite_select_nemeses(dt_suite *suite, const char *list, char *err);

/* The suite as resolved (overrides applied, chart inlined) for suite.json. */
json_t *dt_suite_to_json(const dt_suite *suite);

/* The suite's and the chart's own keys; what the core reads of each
 * kind's section besides the component's options (by dt_kind). */
extern const dt_option dt_suite_options[];
extern const dt_option dt_chart_options[];
extern const dt_option *const dt_core_options[DT_KIND_COUNT];

#endif
