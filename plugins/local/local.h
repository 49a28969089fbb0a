/* SPDX-License-Identifier: MIT */
/*
 * local.h: internals of the `local` platform, which brings a chart's
 * `local:` recipe up as N nodes on this machine, each in its own network
 * namespace, joined by veth pairs to a bridge owned by the run.
 *
 *   sys.c     running commands (ip, tc, iptables) and processes inside a
 *             namespace, without a shell; small file-system helpers
 *   recipe.c  the chart's recipe: processes, placeholders, readiness
 *   state.c   the state file that records what a run made, and the undo
 *             of it (teardown, the next start, `dt-run cleanup`)
 *   disk.c    `disk: faulty`: each node's data folder on dt-faultfs
 *   clock.c   `clock: fake`: each node's processes under DT's clock shim
 *   local.c   the platform callbacks
 *
 * Ownership: an lc_platform owns its nodes, their expanded argvs and the
 * state file path; the chart and suite documents are borrowed from the
 * core for the whole run.
 */
#ifndef DT_LOCAL_H
#define DT_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <dt/plugin.h>

#define LC_MAX_PROCS DT_NODE_MAX_PIDS

/* ---- sys.c ------------------------------------------------------------- */

/* Run argv with dt_command_run (dt/command.h: argv[0] searched in PATH,
 * then the sbin directories) and wait at most timeout seconds (<= 0: 30).
 * When netns is not NULL the command runs in that named namespace
 * (/run/netns/NAME).  stdout and stderr go to out
 * (NUL-terminated, truncated to outlen) when out is not NULL, else to
 * /dev/null.  Returns the exit status (128+signal when killed), or -1
 * with err when it could not run. */
int lc_run(const char *netns, const char *const *argv, double timeout,
	   char *out, size_t outlen, char *err);

/* lc_run of the words given, with the 30 s timeout:
 *   LC_RUN(netns, out, outlen, err, "ip", "link", "set", name, "up")
 * Each argument is one argv element as it is (no formatting, no
 * splitting).  Returns the exit status or -1. */
#define LC_RUN(netns, out, outlen, err, ...) \
	lc_run((netns), (const char *const[]){ __VA_ARGS__, NULL }, 30, \
	       (out), (outlen), (err))

/* Start argv in the background in netns: its own session (so a terminal's
 * ^C reaches only dt-run), working directory cwd, stdin /dev/null,
 * stdout and stderr appended to logpath, killed when the thread that
 * started it ends (dt_command_spawn); envp NULL: ours.  Returns the pid, or -1 with err. */
pid_t lc_spawn(const char *netns, char *const *argv, char *const *envp,
	       const char *cwd, const char *logpath, char *err);

/* The start time of a process (field 22 of /proc/PID/stat), 0 when it
 * does not exist.  Used to tell a process from a later one with the same
 * pid. */
unsigned long long lc_proc_start(pid_t pid);

/* Whether a process runs as this user (its real and effective uid are
 * this process's effective uid).  A pid a state file names is signalled
 * only when it is the same process (start time) and this user's. */
bool lc_proc_mine(pid_t pid);

/* The state letter of a process in /proc (R, S, D, T, Z, X, ...), or
 * '\0' when it does not exist. */
char lc_proc_state(pid_t pid);

/* Whether this process has CAP_NET_ADMIN in its effective set. */
bool lc_has_net_admin(void);

/* Without root: enter a new user namespace (mapping this user to root
 * in it), network namespace and mount namespace, with a private
 * /run/netns, so that everything after works unprivileged.  The driver's
 * clients then reach the nodes from that network namespace.  Only while
 * the process has one thread.  0, or -1 with err. */
int lc_enter_userns(char *err);

/* mkdir -p, mode 0755 (0700 for the last component when private). */
int lc_mkdirs(const char *path, bool private_dir, char *err);

/* Write text to path as a new file (mode 0644), whole or not at all:
 * written beside it, then renamed.  0, or -1 with err naming the path. */
int lc_write_file(const char *path, const char *text, char *err);

/* rm -rf; 0, or -1 with err. */
int lc_rmtree(const char *path, char *err);

/* The last up to max bytes of a file, with newlines kept, into buf. */
void lc_tail(const char *path, char *buf, size_t size);

bool lc_exists(const char *path);

/* ---- state.c ----------------------------------------------------------- */

/* A state file: one line per thing made, appended before making it:
 *   owner PID START     the dt-run process (a live owner is left alone)
 *   store DIR           the run's store folder: a datadir is removed only
 *                       when it is DIR/data (both the user's, no link)
 *   bridge NAME | netns NAME | veth NAME
 *   hostrule RULE       an iptables rule of the host (FORWARD)
 *   pid PID START       a node process (signalled only when it is still
 *                       that process and this user's)
 *   faultfs MOUNTPOINT  a dt-faultfs mount (disk.c)
 *   faultfspid PID START MOUNTPOINT   the daemon serving it
 *   datadir PATH        removed unless `keep 1` follows
 *   keep 0|1
 */
typedef struct lc_state {
	char path[4096];
	int fd;
} lc_state;

int lc_state_open(lc_state *st, const char *state_dir, const char *run_id,
		  char *err);
int lc_state_add(lc_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lc_state_close(lc_state *st);

/* The one host rule a run may add (when the host drops forwarded
 * packets): its bridge may forward to itself.  As text (a printf format
 * of bridge, bridge, run id), as the state file records it:
 *   hostrule FORWARD -i BR -o BR -m comment --comment dt-ID -j ACCEPT */
#define LC_HOSTRULE "FORWARD -i %s -o %s -m comment --comment dt-%s -j ACCEPT"

/* iptables -w OP (-I, -C or -D) with that rule; the exit status, or -1
 * with err. */
int lc_hostrule(const char *op, const char *bridge, const char *id,
		char *out, size_t outlen, char *err);

/* The bridge and run id of a recorded rule; -1 when the text is not
 * exactly that rule. */
int lc_hostrule_parse(const char *rule, char bridge[16], char id[16]);

/* Undo everything a state file lists (processes, namespaces, veths,
 * bridge, data directories unless kept), then remove the file.  Only a
 * file of this user's that no one else may write is read: another is
 * refused (-1), nothing it names touched.  Runs
 * after a normal end and after a crash alike.  Returns 0, or -1 with err
 * naming what could not be removed (the file is kept then). */
int lc_state_undo(const char *path, char *err);

/* The platform's cleanup callback: undo the state files under state_dir
 * whose owner is gone.  Returns how many were undone, or -1. */
int lc_cleanup(const char *state_dir, char *err);

/* ---- recipe.c ---------------------------------------------------------- */

/* How to know a process is ready: a port that accepts, or a command
 * that exits 0 and prints what expect says (the system's own word: a
 * member with a leader, a replica whose link is up). */
typedef struct lc_ready {
	int port;                   /* tcp, or 0 */
	const json_t *conf;         /* the mapping it came from (borrowed) */
	const json_t *cmd;          /* command, or NULL */
	const json_t *expect;       /* text(s) its output holds, or NULL */
} lc_ready;

typedef struct lc_spec {        /* one process of the recipe */
	const char *name;
	const json_t *conf;         /* the entry (borrowed from the chart) */
	bool enabled;               /* its `when:` option holds */
	lc_ready ready_first;       /* ready, with ready.first over it */
	lc_ready ready_rest;        /* ready, with ready.rest over it */
	double timeout;             /* seconds */
	double stop_timeout;        /* SIGTERM to SIGKILL, seconds */
	const json_t *first_start;  /* its first-start steps, or NULL */
} lc_spec;

typedef struct lc_step {        /* one first-start step, expanded */
	char *path;                 /* file: where (under the data dir) */
	char *content;              /* file: what */
	char **argv;                /* wait: the command, or NULL */
	char *output;               /* wait: text its output must hold, or NULL */
	double timeout;             /* wait: seconds */
} lc_step;

typedef struct lc_proc {        /* one process of one node */
	const lc_spec *spec;
	const lc_ready *ready;      /* its spec's first or rest */
	char **argv;                /* expanded, NULL-terminated, owned */
	char **ready_argv;          /* expanded, or NULL */
	lc_step *steps;             /* before its first start, owned */
	size_t nsteps;
	bool started;               /* it has been started in this run */
	pid_t pid;                  /* 0 when not running */
	unsigned long long start;   /* its start time (lc_proc_start) */
} lc_proc;

typedef struct lc_disk lc_disk;  /* disk.c */

typedef struct lc_node {
	lc_proc procs[LC_MAX_PROCS];
	size_t nprocs;
	char data_dir[4096];
	char log_path[4096];
	char veth[16];
	lc_disk *disk;              /* its dt-faultfs (owned), or NULL */
	char clock_page[4096];      /* clock: fake: its clock page */
	char **envp;                /* clock: fake: its processes' (owned) */
} lc_node;

typedef struct lc_platform {
	char run_id[16];
	char bridge[16];
	char store_dir[4096];
	uint32_t net;               /* network address, host order */
	int prefix;                 /* its length */
	bool keep, dry_run;
	int port;                   /* recipe `port:` */
	const json_t *recipe;       /* the chart's `local:` (borrowed) */
	json_t *options;            /* chart options with the suite's on top */
	lc_spec specs[LC_MAX_PROCS];
	size_t nspecs;
	dt_node *nodes;             /* the array clients and nemeses see */
	lc_node *x;                 /* what only the platform needs */
	size_t n;
	lc_state state;
	bool state_open;
	bool (*cancelled)(void *arg);  /* from the env, may be NULL */
	void *cancelled_arg;
	bool clock_fake;            /* clock: fake (clock.c) */
	char clock_shim[4096];      /* libdtclock.so's path then */
	int subnet_lock;            /* held from choosing the subnet until
				       the bridge has its address, or -1 */
} lc_platform;

/* Read the recipe: node count, port, options, processes, and expand
 * every argv for every node (addresses must be set).  Config errors name
 * the file, line and key. */
int lc_recipe_load(lc_platform *p, const json_t *chart, const json_t *config,
		   char *err);
/* How many nodes the recipe asks for, or -1 with err. */
long long lc_recipe_nodes(const json_t *chart, char *err);
int lc_recipe_expand(lc_platform *p, char *err);
/* Free the expanded argvs (lc_recipe_expand may then run again). */
void lc_recipe_free_argv(lc_platform *p);
void lc_recipe_free(lc_platform *p);

/* The shape of the chart's `local:` section (the platform's
 * chart_options). */
extern const dt_option lc_chart_options[];

/* ---- disk.c ------------------------------------------------------------ */

/* `disk:` (plain, faulty) and the `faultfs:` mapping's keys, in the
 * chart's local: section and the suite's platform: section. */
extern const char *const lc_disk_types[];
extern const dt_option lc_faultfs_options[];
/* Read disk and faultfs (the suite's over the chart's) and plan each
 * node's disk (paths, dt-faultfs's argv); after the nodes are named. */
int lc_disk_plan(lc_platform *p, const json_t *chart, const json_t *config,
		 char *err);
/* Node i's info gets "disk": {type, backing, control, log}. */
void lc_disk_info(lc_platform *p, size_t i);
/* The dry run's line for node i. */
void lc_disk_print(const lc_platform *p, size_t i);
/* Mount every node's disk (recorded in the state file first) and wait
 * until each answers.  After the data folders exist, before any node
 * process starts. */
int lc_disk_mount(lc_platform *p, char *err);
/* The platform's disk callback: one control request to node's
 * dt-faultfs. */
int lc_disk_call(void *platform, dt_node *node, const json_t *request,
		 json_t **reply, char *err);
void lc_disk_free(lc_platform *p);
/* The state file's faultfs lines: unmount (clean when the daemon
 * answers, else detach), end the daemons; with keep, each backing
 * folder replaces its mount point.  After the node processes are gone,
 * before the data folders are removed.  0, or -1 with err. */
int lc_disk_undo(char *const *items, size_t n, bool keep, char *err);

/* ---- clock.c ----------------------------------------------------------- */

/* `clock:` (real, fake) in the chart's local: and the suite's
 * platform: sections. */
extern const char *const lc_clock_types[];
/* Read clock (the suite's over the chart's); with fake, refuse a process
 * the shim cannot reach (naming it and why) and plan each node's page
 * and environment.  After the argvs are expanded. */
int lc_clock_plan(lc_platform *p, const json_t *chart, const json_t *config,
		  char *err);
/* Why the shim cannot reach the program at path (static, Go), or NULL. */
const char *lc_clock_unreachable(const char *path);
/* Node i's info gets "clock": {page}. */
void lc_clock_info(lc_platform *p, size_t i);
/* The dry run's line for node i. */
void lc_clock_print(const lc_platform *p, size_t i);
/* Make every node's clock page, at true time; before any node starts. */
int lc_clock_make(lc_platform *p, char *err);
/* Once process k of node i is ready: it must have the shim mapped. */
int lc_clock_check(lc_platform *p, size_t i, size_t k, char *err);
void lc_clock_free(lc_platform *p);

/* ---- local.c ----------------------------------------------------------- */

/* Start every enabled process of node i that is not running. */
int lc_node_start(lc_platform *p, size_t i, char *err);
/* Wait until process k of node i is ready (its timeout), or fail naming
 * the node and showing the tail of its log. */
int lc_node_wait(lc_platform *p, size_t i, size_t k, char *err);

#endif /* DT_LOCAL_H */
