/* SPDX-License-Identifier: MIT */
/*
 * pf.h: helpers of the platform tests: bring a chart up on the real
 * `local` platform, check reachability with real TCP connects from
 * inside a node's namespace, run the nemesis plugins directly, and
 * assert that nothing of a run is left afterwards.
 */
#ifndef DT_TEST_PF_H
#define DT_TEST_PF_H

#include <stdbool.h>
#include <dt/plugin.h>
#include "registry.h"
#include "yamldoc.h"

#define PF_MAX_NODES 8

typedef struct pf {
	dt_registry *reg;
	const dt_platform_type *pt;
	void *plat;
	dt_node *nodes;
	size_t n;
	dt_doc *chart;
	char run_id[8];
	char store[64];
	char state_dir[128];
	pid_t pids[PF_MAX_NODES * DT_NODE_MAX_PIDS]; /* every pid seen */
	size_t npids;
} pf;

/* Handed to setup as env.cancelled when not NULL. */
extern bool (*pf_cancelled)(void *arg);

/* Skip (criterion) when not root or without `ip netns`. */
void pf_require_root(void);

/* Bring up the chart given as YAML text; config is the suite's platform
 * section as YAML ("" for none).  Asserts success. */
void pf_up(pf *f, const char *chart_yaml, const char *config_yaml);
/* As pf_up, but returns NULL platform and err on failure. */
void *pf_try_up(pf *f, const char *chart_yaml, const char *config_yaml,
		bool dry_run, char *err);
/* Tear down and assert nothing is left (namespaces, links, state file,
 * processes, store). */
void pf_down(pf *f);

/* Remember the current pids of every node (for the leftover check). */
void pf_note_pids(pf *f);

/* Assert no namespace, veth, bridge, state file or process of run_id. */
void pf_assert_clean(const char *run_id, const char *state_dir,
		     const pid_t *pids, size_t npids);

/* From inside node a's namespace, a TCP connect to every node's port:
 * ok[b] tells whether it was accepted within 500 ms. */
void pf_reach_from(const pf *f, size_t a, int port, bool *ok);
/* The whole n x n matrix (row a: from a). */
void pf_reach_all(const pf *f, int port, bool *m);

/* A TCP connect from the host to addr:port within timeout_ms. */
bool pf_tcp(const char *addr, int port, int timeout_ms);

/* Run argv in node's netns through the platform's exec; returns status
 * and output. */
int pf_exec(const pf *f, size_t node, const char *const *argv, char *out,
	    size_t outlen);

/* A nemesis of the build tree, created for f with the entry given as
 * YAML.  Returns the instance (NULL with err on failure). */
void *pf_nemesis(pf *f, const char *name, const char *entry_yaml,
		 const dt_nemesis_type **type, dt_doc **doc, char *err);

/* /proc/PID/stat state letter, or 0 when the process is gone. */
char pf_proc_state(pid_t pid);

/* Run argv in this process's network namespace; status and output. */
int pf_cmd(const char *const *argv, char *out, size_t outlen);

/* iptables-save of a node's namespace without comment lines. */
void pf_iptables(const pf *f, size_t node, char *out, size_t size);

#endif
