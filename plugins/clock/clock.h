/*
 * clock.h: the clock nemeses (clock-bump, clock-strobe, clock-rate),
 * which change a node's clock through its clock page (clock/page.h):
 * the local platform's `clock: fake` runs every process of a node under
 * DT's clock shim, which reads that page on every clock call.
 *
 *   common.c  the nemesis state, mapping each node's page, setting a
 *             node's clock and describing it for the history
 *   plugin.c  the three nemeses' callbacks, options and validation
 *   strobe.c  the strobe's thread
 *
 * Ownership: a clk_nemesis owns its mappings, the list of nodes it
 * changed and the strobe's thread; nodes are borrowed from the platform.
 */
#ifndef DT_CLOCK_NEMESIS_H
#define DT_CLOCK_NEMESIS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <dt/plugin.h>

#include "page.h"

typedef enum { CLK_BUMP, CLK_STROBE, CLK_RATE } clk_kind;

typedef struct clk_nemesis {
	clk_kind kind;
	dt_node *nodes;
	size_t nnodes;
	dt_clock_page **pages;    /* one mapping per node, owned */
	size_t *changed;          /* node indexes start changed, owned */
	size_t nchanged;
	/* options */
	double delta;             /* bump, strobe: seconds */
	int direction;            /* bump: 1 forward, -1 back, 0 random */
	double period;            /* strobe: seconds between flips */
	double rate;              /* rate: fake seconds a real second */
	/* the strobe's thread */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	uint64_t flips;
	int64_t strobe_offset;    /* ns, with its sign */
} clk_nemesis;

/* Map every node's page (node info "clock": {"page"}); NULL with err
 * naming a node without one. */
clk_nemesis *clk_create(const dt_nemesis_env *env, clk_kind kind, char *err);
void clk_destroy(clk_nemesis *n);

/* Set node i's wall clock to real + offset_ns from now on, both clocks
 * at rate (the monotonic one continues from where it is, never back). */
void clk_set(clk_nemesis *n, size_t i, int64_t offset_ns, double rate);
/* Node i's wall clock minus the real one now, ns; its rate. */
int64_t clk_offset(const clk_nemesis *n, size_t i, double *rate);
/* {"node": NAME, "offset_ms": ..., "rate": ...} of node i now. */
json_t *clk_describe(const clk_nemesis *n, size_t i);

/* strobe.c: flip the changed nodes between +strobe_offset and true time
 * every period until clk_strobe_stop. */
int clk_strobe_start(clk_nemesis *n, char *err);
void clk_strobe_stop(clk_nemesis *n);

#endif /* DT_CLOCK_NEMESIS_H */
