/* SPDX-License-Identifier: MIT */
/*
 * orders.c: the k8s platform's side of the dt-agent.  Finds the agent
 * pod on a node, sends it orders (exec an argv in the pod's network
 * namespace, signal the container) through the API server's pod proxy,
 * renews the run's lease from a thread, and asks for a heal of all at
 * teardown.  In --dry-run it says what the suite's nemeses would send.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s.h"

/* ---- the dt-agent ------------------------------------------------------- */

static void *lease_main(void *arg);

/* POST an order to the agent on the node of `n`, through the API
 * server's pod proxy. */
static int agent_order_once(k8s_platform *p, dt_node *n, const char *what,
			    json_t *body, json_t **resp, int *status,
			    char *err);

/* An order; when the agent pod we knew is gone (404, 503: restarted or
 * rescheduled), find the node's agent again and retry once. */
int k8s_agent_order(k8s_platform *p, dt_node *n, const char *what, json_t *body,
		    json_t **resp, char *err)
{
	int status = 0;

	if (agent_order_once(p, n, what, body, resp, &status, err) == 0)
		return 0;
	if (status != 404 && status != 502 && status != 503)
		return -1;
	dt_log(DT_LOG_INFO, "k8s: %s; looking for the node's dt-agent again", err);
	json_object_del(n->info, "agent");
	return agent_order_once(p, n, what, body, resp, &status, err);
}

static int agent_order_once(k8s_platform *p, dt_node *n, const char *what,
			    json_t *body, json_t **resp, int *status,
			    char *err)
{
	const char *agent = json_string_value(json_object_get(n->info, "agent"));
	const char *node = json_string_value(json_object_get(n->info, "nodeName"));
	char path[2048], sel[512], fs[256];
	json_t *r;
	int st;

	*resp = NULL;
	if (agent == NULL && p->dry_run) {
		agent = "AGENT-POD";
	} else if (agent == NULL) {
		snprintf(fs, sizeof(fs), "spec.nodeName=%s", node ? node : "");
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?labelSelector=%s",
			 p->agent_ns, k8s_escape(p->agent_sel, sel, sizeof(sel)));
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "&fieldSelector=%s", k8s_escape(fs, sel, sizeof(sel)));
		st = k8s_request(&p->api, "GET", path, NULL, NULL, &r, err);
		if (st != 200) {
			json_decref(r);
			return -1;
		}
		{
			size_t i;
			json_t *e;

			json_array_foreach(json_object_get(r, "items"), i, e)
				if (k8s_pod_ready(e)) {
					json_object_set_new(n->info, "agent",
							    json_string(k8s_pod_str(e, "metadata", "name")));
					break;
				}
		}
		json_decref(r);
		agent = json_string_value(json_object_get(n->info, "agent"));
		if (agent == NULL)
			return dt_fail(err, "no ready dt-agent pod (%s in namespace "
				       "%s) on node %s: install "
				       "plugins/k8s/manifests/dt-agent.yaml",
				       p->agent_sel, p->agent_ns, node ? node : "?");
	}
	json_object_set_new(body, "owner", json_string(p->run_id));
	json_object_set_new(body, "lease", json_real(p->lease));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s:%lld/proxy/v1/%s",
		 p->agent_ns, agent, p->agent_port, what);
	st = k8s_request(&p->api, "POST", path, body, NULL, resp, err);
	*status = st;
	if (st < 200 || st >= 300) {
		if (st > 0 && *resp != NULL &&
		    json_is_string(json_object_get(*resp, "error")))
			dt_fail(err, "dt-agent %s: %s", agent,
				json_string_value(json_object_get(*resp, "error")));
		json_decref(*resp);
		*resp = NULL;
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	json_object_set_new(p->agents, agent, json_true());
	if (!p->lease_running && !p->dry_run &&
	    pthread_create(&p->lease_thread, NULL, lease_main, p) == 0)
		p->lease_running = true;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void k8s_agent_all(k8s_platform *p, const char *what)
{
	json_t *agents;
	const char *name;
	json_t *v;

	pthread_mutex_lock(&p->lock);
	agents = json_deep_copy(p->agents);
	pthread_mutex_unlock(&p->lock);
	json_object_foreach(agents, name, v) {
		char path[1024], e[DT_ERRBUF_SIZE];
		json_t *body = json_pack("{s:s, s:f}", "owner", p->run_id,
					 "lease", p->lease);
		json_t *resp;
		int st;

		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/%s/pods/%s:%lld/proxy/v1/%s",
			 p->agent_ns, name, p->agent_port, what);
		st = k8s_request(&p->api, "POST", path, body, NULL, &resp, e);
		if (st < 200 || st >= 300)
			dt_log(DT_LOG_WARN, "k8s: dt-agent %s %s: %s", name, what, e);
		json_decref(body);
		json_decref(resp);
	}
	json_decref(agents);
}

/* Renew every agent's lease at a quarter of its length. */
static void *lease_main(void *arg)
{
	k8s_platform *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		struct timespec until;
		double period = p->lease / 4;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)period;
		until.tv_nsec += (long)((period - (double)(time_t)period) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
		if (p->stopping)
			break;
		pthread_mutex_unlock(&p->lock);
		k8s_agent_all(p, "renew");
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

json_t *k8s_agent_target(const dt_node *n)
{
	return json_pack("{s:O?, s:O?, s:O?}",
			 "container", json_object_get(n->info, "containerID"),
			 "pod", json_object_get(n->info, "pod"),
			 "pid", json_object_get(n->info, "pid"));
}

/* In --dry-run there are no pods, so no nemesis runs: say what each of
 * the suite's nemeses would call. */
void k8s_dry_run_nemeses(k8s_platform *p, const json_t *suite)
{
	char agent[512], pods[1024], sel[512];
	size_t i;
	json_t *n;

	snprintf(agent, sizeof(agent), "/api/v1/namespaces/%s/pods/AGENT:%lld/proxy/v1",
		 p->agent_ns, p->agent_port);
	k8s_pods_path(p, pods, sizeof(pods), "&watch=1");
	json_array_foreach(json_object_get(suite, "nemesis"), i, n) {
		const char *name = json_is_string(n) ? json_string_value(n) :
			json_string_value(json_object_get(n, "name"));

		if (name == NULL)
			continue;
		if (strcmp(name, "kill") == 0) {
			printf("# nemesis kill: API DELETE /api/v1/namespaces/%s/pods/POD"
			       "?gracePeriodSeconds=0, then API GET %s until its "
			       "replacement is ready\n", p->ns, pods);
		} else {
			printf("# nemesis %s: API GET /api/v1/namespaces/%s/pods"
			       "?labelSelector=%s&fieldSelector=spec.nodeName%%3DNODE, "
			       "then API POST %s/%s {owner, lease, target: {container}, "
			       "%s}, API POST %s/renew every %g s, API POST %s/heal at "
			       "the end\n", name, p->agent_ns,
			       k8s_escape(p->agent_sel, sel, sizeof(sel)), agent,
			       strcmp(name, "pause") == 0 ? "signal" : "exec",
			       strcmp(name, "pause") == 0 ? "signal" : "argv", agent,
			       p->lease / 4, agent);
		}
	}
}

/*
 * With port-forwards a node's address is a loopback one (127.0.1.N) that
 * means nothing inside the pods: an argument naming one ("127.0.1.2" or
 * "127.0.1.2/32", as partition's iptables rules do) is rewritten to the
 * pod IP it stands for.  Returns arg or buf, where it was written.
 */
const char *k8s_forwarded_ip(k8s_platform *p, const char *arg,
			     char buf[K8S_IP_ARG_SIZE])
{
	if (!p->forward)
		return arg;
	for (size_t i = 0; i < p->nnodes; i++) {
		const char *a = p->nodes[i].address;
		const char *ip = json_string_value(json_object_get(p->nodes[i].info,
								   "podIP"));
		size_t n = strlen(a);

		if (ip == NULL || strncmp(arg, a, n) != 0 ||
		    (arg[n] != '\0' && arg[n] != '/'))
			continue;
		snprintf(buf, K8S_IP_ARG_SIZE, "%s%s", ip, arg + n);
		return buf;
	}
	return arg;
}
