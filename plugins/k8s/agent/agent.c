/* SPDX-License-Identifier: MIT */
/*
 * agent.c: dt-agent's orders and its ledger.  Every order that adds a
 * fault (iptables -A/-I, tc qdisc add/replace, SIGSTOP) records how to
 * undo it under its owner (the run id); the order that undoes it (the
 * nemesis's heal) strikes the record out.  An owner's lease is renewed
 * by every order and by /v1/renew; when it runs out, or on /v1/heal, the
 * records still open are undone, newest first.
 *
 *   POST /v1/exec    {owner, lease, target: {pid | container}, argv}
 *                    -> {status, output}
 *   POST /v1/signal  {owner, lease, target, signal} -> {signalled: [pids]}
 *   POST /v1/renew   {owner, lease} -> {owner, pending}
 *   POST /v1/heal    {owner} -> {healed}
 *   GET  /v1/status  -> {owners: {OWNER: {expires_in, undo: [...]}}}
 *   GET  /healthz    -> {ok: true}
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"

#define MAX_PIDS 256
#define RUN_TIMEOUT 30.0

struct agent {
	agent_opts opts;
	pthread_mutex_t lock;
	json_t *owners;   /* owner -> {expires: monotonic s, undo: [...]} */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

agent *agent_new(const agent_opts *opts)
{
	agent *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->opts = *opts;
	if (a->opts.proc_root == NULL)
		a->opts.proc_root = "/proc";
	if (a->opts.max_lease <= 0)
		a->opts.max_lease = 300;
	pthread_mutex_init(&a->lock, NULL);
	a->owners = json_object();
	return a;
}

void agent_free(agent *a)
{
	if (a == NULL)
		return;
	json_decref(a->owners);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/*
 * The agent is root in every pod's network namespace: it runs only the
 * fault tools, found along its own PATH (never a path from the order),
 * so an order cannot become a shell on the node.
 */
bool agent_allowed(const char *prog)
{
	static const char *const ok[] = {
		"iptables", "ip6tables", "iptables-save", "ip6tables-save",
		"iptables-nft", "ip6tables-nft", "iptables-legacy",
		"ip6tables-legacy", "tc", "true", NULL
	};

	if (prog == NULL || strchr(prog, '/') != NULL)
		return false;
	for (size_t i = 0; ok[i] != NULL; i++)
		if (strcmp(prog, ok[i]) == 0)
			return true;
	return false;
}

static bool is(const char *s, const char *a, const char *b)
{
	return s != NULL && (strcmp(s, a) == 0 || (b && strcmp(s, b) == 0));
}

json_t *agent_undo_of(const json_t *argv)
{
	const char *prog = json_string_value(json_array_get(argv, 0));
	const char *base;
	json_t *undo;
	size_t i, n = json_array_size(argv);

	if (prog == NULL)
		return NULL;
	base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	if (strncmp(base, "iptables", 8) == 0 || strncmp(base, "ip6tables", 9) == 0) {
		bool found = false;

		undo = json_array();
		for (i = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(argv, i));

			if (!found && is(s, "-A", "--append")) {
				json_array_append_new(undo, json_string("-D"));
				found = true;
			} else if (!found && is(s, "-I", "--insert")) {
				const char *pos;

				json_array_append_new(undo, json_string("-D"));
				found = true;
				/* chain, then maybe a rule number to drop */
				if (i + 1 < n) {
					json_array_append(undo, json_array_get(argv, ++i));
					pos = json_string_value(json_array_get(argv, i + 1));
					if (pos != NULL && pos[0] >= '0' && pos[0] <= '9')
						i++;
				}
			} else {
				json_array_append(undo, json_array_get(argv, i));
			}
		}
		if (!found) {
			json_decref(undo);
			return NULL;
		}
		return undo;
	}
	if (strcmp(base, "tc") == 0 && n >= 3 &&
	    is(json_string_value(json_array_get(argv, 1)), "qdisc", NULL) &&
	    is(json_string_value(json_array_get(argv, 2)), "add", "replace")) {
		/* tc qdisc add dev D (root | parent P) [handle H] KIND ...
		 * -> tc qdisc del dev D (root | parent P) */
		undo = json_pack("[s, s, s]", prog, "qdisc", "del");
		for (i = 3; i < n; i++) {
			const char *s = json_string_value(json_array_get(argv, i));

			if (is(s, "dev", "parent") && i + 1 < n) {
				json_array_append(undo, json_array_get(argv, i));
				json_array_append(undo, json_array_get(argv, ++i));
			} else if (is(s, "root", "ingress")) {
				json_array_append(undo, json_array_get(argv, i));
			} else if (is(s, "handle", NULL) && i + 1 < n) {
				i++;
			} else {
				break;
			}
		}
		return undo;
	}
	return NULL;
}

/* The owner's record, made when missing; lease renewed. */
static json_t *owner_get(agent *a, const char *owner, double lease)
{
	json_t *o = json_object_get(a->owners, owner);

	if (lease <= 0)
		lease = 30;
	if (lease > a->opts.max_lease)
		lease = a->opts.max_lease;
	if (o == NULL) {
		o = json_pack("{s:f, s:[]}", "expires", 0.0, "undo");
		json_object_set_new(a->owners, owner, o);
	}
	json_object_set_new(o, "expires", json_real(now_s() + lease));
	return o;
}

static void undo_one(agent *a, const char *owner, const json_t *u)
{
	const char *kind = json_string_value(json_object_get(u, "kind"));
	char err[DT_ERRBUF_SIZE], out[1024];

	if (kind != NULL && strcmp(kind, "exec") == 0) {
		const json_t *argv = json_object_get(u, "argv");
		const char *v[64];
		size_t i, n = json_array_size(argv);
		int st;

		if (n == 0 || n >= 64)
			return;
		for (i = 0; i < n; i++)
			v[i] = json_string_value(json_array_get(argv, i));
		v[n] = NULL;
		st = agent_run_in_netns(a->opts.proc_root,
					(pid_t)json_integer_value(json_object_get(u, "pid")),
					v, RUN_TIMEOUT, out, sizeof(out), err);
		fprintf(stderr, "dt-agent: %s: undo %s ... in pid %lld: %s%d %s\n",
			owner, v[0], json_integer_value(json_object_get(u, "pid")),
			st < 0 ? err : "exit ", st < 0 ? 0 : st, st > 0 ? out : "");
	} else if (kind != NULL && strcmp(kind, "signal") == 0) {
		size_t i;
		json_t *pid;

		json_array_foreach(json_object_get(u, "pids"), i, pid)
			kill((pid_t)json_integer_value(pid),
			     (int)json_integer_value(json_object_get(u, "signal")));
		fprintf(stderr, "dt-agent: %s: undo: signal %lld to %zu pids\n",
			owner, json_integer_value(json_object_get(u, "signal")),
			json_array_size(json_object_get(u, "pids")));
	}
}

/* Undo an owner's open records, newest first, and forget the owner. */
static int heal_owner(agent *a, const char *owner)
{
	json_t *o = json_object_get(a->owners, owner);
	json_t *undo = json_object_get(o, "undo");
	int n = (int)json_array_size(undo);

	for (size_t i = json_array_size(undo); i-- > 0;)
		undo_one(a, owner, json_array_get(undo, i));
	json_object_del(a->owners, owner);
	return n;
}

int agent_expire(agent *a)
{
	double now = now_s();
	json_t *expired = json_array();
	const char *owner;
	json_t *o;
	size_t i;
	int n = 0;

	pthread_mutex_lock(&a->lock);
	json_object_foreach(a->owners, owner, o)
		if (json_real_value(json_object_get(o, "expires")) < now)
			json_array_append_new(expired, json_string(owner));
	json_array_foreach(expired, i, o) {
		fprintf(stderr, "dt-agent: lease of %s ran out: healing\n",
			json_string_value(o));
		heal_owner(a, json_string_value(o));
		n++;
	}
	pthread_mutex_unlock(&a->lock);
	json_decref(expired);
	return n;
}

void agent_heal_all(agent *a)
{
	pthread_mutex_lock(&a->lock);
	while (json_object_size(a->owners) > 0) {
		void *it = json_object_iter(a->owners);
		char *owner = strdup(json_object_iter_key(it));

		heal_owner(a, owner);
		free(owner);
	}
	pthread_mutex_unlock(&a->lock);
}

static int fail(json_t **resp, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(json_t **resp, int code, const char *fmt, ...)
{
	char msg[DT_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*resp = json_pack("{s:s}", "error", msg);
	return code;
}

/* The pids of an order's target ({pid: N} or {container: "cri://id"}),
 * at least one, into pids (MAX_PIDS of them) and *np: 0, or the HTTP
 * status of the failure with *resp (400 a bad target, 404 no process). */
static int target_pids(agent *a, const json_t *req, pid_t *pids, int *np,
		       json_t **resp)
{
	const json_t *target = json_object_get(req, "target");
	const json_t *pid = json_object_get(target, "pid");
	const char *cid = json_string_value(json_object_get(target, "container"));
	char err[DT_ERRBUF_SIZE];

	if (json_is_integer(pid) && json_integer_value(pid) > 0) {
		pids[0] = (pid_t)json_integer_value(pid);
		*np = 1;
		return 0;
	}
	if (cid == NULL)
		return fail(resp, 400, "target: expected pid or container");
	*np = agent_container_pids(a->opts.proc_root, cid, pids, MAX_PIDS, err);
	if (*np < 0)
		return fail(resp, 400, "%s", err);
	if (*np == 0)
		return fail(resp, 404, "no process of the target container");
	return 0;
}

static int do_exec(agent *a, const char *owner, double lease,
		   const json_t *req, json_t **resp)
{
	const json_t *argv = json_object_get(req, "argv");
	const char *v[64];
	char err[DT_ERRBUF_SIZE], out[4096];
	pid_t pids[MAX_PIDS];
	json_t *o, *undo, *u;
	size_t i, n = json_array_size(argv);
	int np, st;

	if (!json_is_array(argv) || n == 0 || n >= 64)
		return fail(resp, 400, "argv: expected a list of 1 to 63 strings");
	for (i = 0; i < n; i++)
		if ((v[i] = json_string_value(json_array_get(argv, i))) == NULL)
			return fail(resp, 400, "argv[%zu]: expected a string", i);
	v[n] = NULL;
	if (!agent_allowed(v[0]))
		return fail(resp, 403, "%s: not a program dt-agent runs (%s)", v[0],
			    AGENT_PROGRAMS);
	st = target_pids(a, req, pids, &np, resp);
	if (st != 0)
		return st;
	st = agent_run_in_netns(a->opts.proc_root, pids[0], v, RUN_TIMEOUT, out,
				sizeof(out), err);
	if (st < 0)
		return fail(resp, 500, "%s", err);
	o = owner_get(a, owner, lease);
	if (st == 0) {
		/* An order that undoes an open record closes it (deleting a
		 * root qdisc closes every qdisc record of that device)... */
		bool root = n == 6 && strcmp(v[0], "tc") == 0 &&
			strcmp(v[2], "del") == 0 && strcmp(v[5], "root") == 0;

		bool closed = false;

		undo = json_object_get(o, "undo");
		for (i = json_array_size(undo); i-- > 0;) {
			const json_t *ua;

			u = json_array_get(undo, i);
			ua = json_object_get(u, "argv");
			if (json_integer_value(json_object_get(u, "pid")) != pids[0])
				continue;
			/* one record per order: a rule added twice takes two
			 * deletes */
			if (!closed && json_equal(ua, (json_t *)argv)) {
				json_array_remove(undo, i);
				closed = true;
			} else if (root && json_array_size(ua) >= 5 &&
				   json_equal(json_array_get(ua, 0), json_array_get(argv, 0)) &&
				   json_equal(json_array_get(ua, 2), json_array_get(argv, 2)) &&
				   json_equal(json_array_get(ua, 4), json_array_get(argv, 4))) {
				json_array_remove(undo, i);
			}
		}
		/* ...and one that adds a fault opens one. */
		u = agent_undo_of(argv);
		if (u != NULL)
			json_array_append_new(undo, json_pack("{s:s, s:i, s:o}",
				"kind", "exec", "pid", (int)pids[0], "argv", u));
	}
	*resp = json_pack("{s:i, s:s, s:i}", "status", st, "output", out,
			  "pid", (int)pids[0]);
	return 200;
}

static int do_signal(agent *a, const char *owner, double lease,
		     const json_t *req, json_t **resp)
{
	const json_t *sj = json_object_get(req, "signal");
	pid_t pids[MAX_PIDS];
	json_t *o, *done, *undo, *u;
	size_t i;
	int np, sig, st;

	if (!json_is_integer(sj) || json_integer_value(sj) < 1 ||
	    json_integer_value(sj) > 64)
		return fail(resp, 400, "signal: expected a signal number");
	sig = (int)json_integer_value(sj);
	st = target_pids(a, req, pids, &np, resp);
	if (st != 0)
		return st;
	done = json_array();
	for (int k = 0; k < np; k++)
		if (kill(pids[k], sig) == 0)
			json_array_append_new(done, json_integer(pids[k]));
	o = owner_get(a, owner, lease);
	undo = json_object_get(o, "undo");
	if (sig == SIGCONT) {
		for (i = json_array_size(undo); i-- > 0;) {
			u = json_array_get(undo, i);
			if (json_integer_value(json_object_get(u, "signal")) == SIGCONT &&
			    json_equal(json_object_get(u, "pids"), done))
				json_array_remove(undo, i);
		}
	} else if (sig == SIGSTOP || sig == SIGTSTP) {
		json_array_append_new(undo, json_pack("{s:s, s:O, s:i}",
			"kind", "signal", "pids", done, "signal", SIGCONT));
	}
	*resp = json_pack("{s:o}", "signalled", done);
	return 200;
}

int agent_handle(agent *a, const char *method, const char *url,
		 const char *token, const char *body, size_t len,
		 json_t **resp)
{
	json_t *req = NULL;
	const char *owner;
	double lease;
	int code;

	*resp = NULL;
	if (strcmp(url, "/healthz") == 0) {
		*resp = json_pack("{s:b}", "ok", 1);
		return 200;
	}
	if (a->opts.token != NULL &&
	    (token == NULL || strcmp(token, a->opts.token) != 0))
		return fail(resp, 403, "missing or wrong X-DT-Agent-Token");
	pthread_mutex_lock(&a->lock);
	if (strcmp(method, "GET") == 0 && strcmp(url, "/v1/status") == 0) {
		json_t *out = json_object();
		const char *k;
		json_t *o;

		json_object_foreach(a->owners, k, o)
			json_object_set_new(out, k, json_pack("{s:f, s:O}",
				"expires_in", json_real_value(json_object_get(o, "expires")) - now_s(),
				"undo", json_object_get(o, "undo")));
		*resp = json_pack("{s:o}", "owners", out);
		code = 200;
		goto out;
	}
	if (strcmp(method, "POST") != 0) {
		code = fail(resp, 405, "%s %s: no such order", method, url);
		goto out;
	}
	req = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
	owner = json_string_value(json_object_get(req, "owner"));
	lease = json_number_value(json_object_get(req, "lease"));
	if (owner == NULL || owner[0] == '\0') {
		code = fail(resp, 400, "expected a JSON object with an owner");
		goto out;
	}
	if (strcmp(url, "/v1/exec") == 0) {
		code = do_exec(a, owner, lease, req, resp);
	} else if (strcmp(url, "/v1/signal") == 0) {
		code = do_signal(a, owner, lease, req, resp);
	} else if (strcmp(url, "/v1/renew") == 0) {
		json_t *o = json_object_get(a->owners, owner);

		if (o != NULL)
			owner_get(a, owner, lease);
		*resp = json_pack("{s:s, s:i}", "owner", owner, "pending",
				  (int)json_array_size(json_object_get(o, "undo")));
		code = 200;
	} else if (strcmp(url, "/v1/heal") == 0) {
		*resp = json_pack("{s:i}", "healed", heal_owner(a, owner));
		code = 200;
	} else {
		code = fail(resp, 404, "%s %s: no such order", method, url);
	}
out:
	pthread_mutex_unlock(&a->lock);
	json_decref(req);
	return code;
}
