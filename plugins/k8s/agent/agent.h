/* SPDX-License-Identifier: MIT */
/*
 * agent.h: dt-agent, the small privileged program the k8s platform runs
 * as a DaemonSet (hostPID, NET_ADMIN).  It takes orders from the driver
 * over HTTP: run an argv (iptables, tc) inside a target pod's network
 * namespace, or signal a target container's processes; it remembers how
 * to undo each order and undoes everything an owner did when the owner's
 * lease runs out, so faults heal even when the driver dies.
 *
 *   netns.c  finding a container's processes; running argv in a netns
 *   agent.c  the ledger of undo actions, leases, and the HTTP orders
 *   main.c   the command line
 */
#ifndef DT_AGENT_H
#define DT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include <dt/command.h> /* DT_ERRBUF_SIZE, dt_command_run */

/* ---- netns.c ------------------------------------------------------------ */

/*
 * The pids (at most max) whose cgroup names the container id (the hex
 * part of "containerd://abc..."), scanning proc_root ("/proc").  Returns
 * how many, or -1 with err.
 */
int agent_container_pids(const char *proc_root, const char *container_id,
			 pid_t *pids, size_t max, char *err);

/*
 * Run argv (no shell, dt/command.h) in the network namespace of pid (0:
 * ours), collecting stdout and stderr into out (NUL-terminated,
 * truncated).  Returns the exit status, or -1 with err when it could not
 * run, gave no answer in timeout_s seconds or was killed by a signal.
 */
int agent_run_in_netns(const char *proc_root, pid_t pid,
		       const char *const *argv, double timeout_s,
		       char *out, size_t outlen, char *err);

/* ---- agent.c ------------------------------------------------------------ */

typedef struct agent agent;

typedef struct agent_opts {
	const char *proc_root;   /* "/proc" */
	double max_lease;        /* seconds; longer leases are cut to this */
	const char *token;       /* required X-DT-Agent-Token, or NULL */
} agent_opts;

agent *agent_new(const agent_opts *opts);
/* Handle one order: method, url ("/v1/exec"), body (may be NULL).
 * Returns the HTTP status and sets *resp (a new object). */
int agent_handle(agent *a, const char *method, const char *url,
		 const char *token, const char *body, size_t len,
		 json_t **resp);
/* Undo what expired leases did; call often (the HTTP server's thread
 * does, every 200 ms).  Returns how many owners were healed. */
int agent_expire(agent *a);
/* Undo everything of every owner (at shutdown). */
void agent_heal_all(agent *a);
void agent_free(agent *a);

/* Whether an exec order may run prog: a bare name among AGENT_PROGRAMS. */
#define AGENT_PROGRAMS "iptables, ip6tables, iptables-save, ip6tables-save, " \
	"their -nft and -legacy forms, tc, true"
bool agent_allowed(const char *prog);

/*
 * The undo of an argv that adds a fault, or NULL when it adds none we
 * know: iptables/ip6tables -A/-I -> -D; tc qdisc add/replace -> del.
 * A new array.
 */
json_t *agent_undo_of(const json_t *argv);

#endif
