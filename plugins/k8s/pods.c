/* SPDX-License-Identifier: MIT */
/*
 * pods.c: the release's pods as the k8s platform's nodes.  Lists and
 * watches pods by the release's labels until they are ready, turns a pod
 * into a node (name, pod IP or forwarded address, the chosen container),
 * waits for a deleted pod's replacement or a restarted container, and
 * runs the kubectl port-forwards that let DT reach pods from outside the
 * cluster (one loopback address 127.0.1.N per pod, same ports).
 */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "k8s.h"

/* ---- pods as nodes ------------------------------------------------------ */

const char *k8s_pod_str(const json_t *pod, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(pod, a), b));
}

/* The container of the pod the nodes stand for, and its status. */
static const json_t *pod_container(k8s_platform *p, const json_t *pod,
				   const json_t **status)
{
	const json_t *cs = json_object_get(json_object_get(pod, "spec"), "containers");
	size_t i;
	json_t *c, *chosen = NULL;

	json_array_foreach(cs, i, c) {
		const char *n = json_string_value(json_object_get(c, "name"));

		if (p->container == NULL || (n && strcmp(n, p->container) == 0)) {
			chosen = c;
			break;
		}
	}
	*status = NULL;
	if (chosen != NULL) {
		const char *n = json_string_value(json_object_get(chosen, "name"));

		json_array_foreach(json_object_get(json_object_get(pod, "status"),
						   "containerStatuses"), i, c) {
			const char *sn = json_string_value(json_object_get(c, "name"));

			if (n != NULL && sn != NULL && strcmp(n, sn) == 0)
				*status = c;
		}
	}
	return chosen;
}

void k8s_node_from_pod(k8s_platform *p, dt_node *n, const json_t *pod)
{
	const json_t *cstatus, *c = pod_container(p, pod, &cstatus);
	const char *name = k8s_pod_str(pod, "metadata", "name");
	const char *ip = k8s_pod_str(pod, "status", "podIP");
	json_t *ports = json_array();
	size_t i;
	json_t *e;

	if (strlen(name) >= sizeof(n->name))
		dt_log(DT_LOG_WARN, "k8s: pod name %s is cut to %zu characters "
		       "in the node name (info.pod has it whole)", name,
		       sizeof(n->name) - 1);
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (p->forward)
		snprintf(n->address, sizeof(n->address), "127.0.1.%d", n->index + 1);
	else
		snprintf(n->address, sizeof(n->address), "%s", ip ? ip : "");
	n->netns[0] = '\0';
	snprintf(n->ifname, sizeof(n->ifname), "eth0");
	n->npids = 0;
	json_array_foreach(json_object_get(c, "ports"), i, e)
		if (json_is_integer(json_object_get(e, "containerPort")))
			json_array_append(ports, json_object_get(e, "containerPort"));
	json_decref(n->info);
	n->info = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:b}",
			    "pod", name, "namespace", p->ns,
			    "uid", k8s_pod_str(pod, "metadata", "uid"),
			    "container", json_string_value(json_object_get(c, "name")),
			    "containerID", json_string_value(json_object_get(cstatus,
									     "containerID")),
			    "nodeName", k8s_pod_str(pod, "spec", "nodeName"),
			    "podIP", ip, "ports", ports, "forwarded", p->forward);
}

void k8s_pods_path(k8s_platform *p, char *buf, size_t size, const char *extra)
{
	char sel[1024];

	snprintf(buf, size, "/api/v1/namespaces/%s/pods?labelSelector=%s%s",
		 p->ns, k8s_escape(p->selector, sel, sizeof(sel)),
		 extra ? extra : "");
}

int k8s_pods_cmp(const void *a, const void *b)
{
	return strcmp(k8s_pod_str(*(json_t *const *)a, "metadata", "name"),
		      k8s_pod_str(*(json_t *const *)b, "metadata", "name"));
}

typedef struct ready_wait {
	json_t *pods;     /* name -> pod */
	long long want;
} ready_wait;

static size_t count_ready(const json_t *pods)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)pods, k, v)
		n += k8s_pod_ready(v);
	return n;
}

static bool all_ready(const ready_wait *w)
{
	size_t ready = count_ready(w->pods);

	if (w->want > 0)
		return ready >= (size_t)w->want;
	return ready > 0 && ready == json_object_size(w->pods);
}

static int on_ready_event(const char *type, const json_t *obj, void *arg,
			  char *err)
{
	ready_wait *w = arg;
	const char *name = k8s_pod_str(obj, "metadata", "name");

	(void)err;
	if (name == NULL)
		return 0;
	if (strcmp(type, "DELETED") == 0)
		json_object_del(w->pods, name);
	else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
		json_object_set(w->pods, name, (json_t *)obj);
	return all_ready(w) ? 1 : 0;
}

/* Watch the release's pods from the resourceVersion of *list (a pod
 * list, dropped here) for what is left of the wait: k8s_watch's 1,
 * 0 (the stream ended first) or -1. */
static int pods_watch(k8s_platform *p, json_t **list, double left,
		      k8s_watch_fn fn, void *arg, char *err)
{
	const char *rv = k8s_pod_str(*list, "metadata", "resourceVersion");
	char path[2048], extra[160];

	snprintf(extra, sizeof(extra), "&watch=1&resourceVersion=%s"
		 "&timeoutSeconds=%.0f", rv ? rv : "0", left + 1);
	k8s_pods_path(p, path, sizeof(path), extra);
	json_decref(*list);
	*list = NULL;
	return k8s_watch(&p->api, path, (long)(left * 1000) + 2000, fn, arg,
			 err);
}

/* List the release's pods, then watch until they are all ready. */
int k8s_pods_wait(k8s_platform *p, json_t **pods_out, char *err)
{
	ready_wait w = { .pods = json_object(), .want = p->replicas };
	dt_deadline deadline;
	char path[2048], extra[128];
	json_t *resp = NULL;
	int st, rc = -1;

	*pods_out = NULL;
	dt_deadline_set(&deadline, p->ready_timeout);
	for (;;) {
		size_t i;
		json_t *e;
		double left = dt_deadline_left(&deadline);

		k8s_pods_path(p, path, sizeof(path), NULL);
		st = k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err);
		if (st != 200)
			goto out;
		if (p->dry_run) {
			snprintf(extra, sizeof(extra), "&watch=1&resourceVersion=RV"
				 "&timeoutSeconds=%.0f", p->ready_timeout);
			k8s_pods_path(p, path, sizeof(path), extra);
			k8s_watch(&p->api, path, 0, on_ready_event, &w, err);
			rc = 0;
			goto out;
		}
		json_object_clear(w.pods);
		json_array_foreach(json_object_get(resp, "items"), i, e)
			json_object_set(w.pods, k8s_pod_str(e, "metadata", "name"), e);
		if (all_ready(&w))
			break;
		if (left <= 0) {
			dt_fail(err, "pods of %s in %s: %zu of %zu ready after %g s",
				p->selector, p->ns, count_ready(w.pods),
				json_object_size(w.pods), p->ready_timeout);
			goto out;
		}
		st = pods_watch(p, &resp, left, on_ready_event, &w, err);
		if (st < 0)
			goto out;
		if (st == 1)
			break;
		/* the stream ended: list again (resourceVersion may be gone) */
		if (dt_deadline_left(&deadline) > 0.5)
			dt_sleep(0.2);
	}
	{
		json_t *arr = json_array();
		const char *k;
		json_t *v;

		json_object_foreach(w.pods, k, v)
			if (k8s_pod_ready(v))
				json_array_append(arr, v);
		*pods_out = arr;
	}
	rc = 0;
out:
	json_decref(resp);
	json_decref(w.pods);
	return rc;
}

/* ---- port-forwards ------------------------------------------------------ */

static bool can_connect(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, addr, &sa.sin_addr);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

void k8s_forward_stop(k8s_platform *p, size_t i)
{
	if (p->forwards == NULL || p->forwards[i] <= 0)
		return;
	kill(p->forwards[i], SIGTERM);
	waitpid(p->forwards[i], NULL, 0);
	p->forwards[i] = 0;
}

int k8s_forward_start(k8s_platform *p, size_t i, char *err)
{
	dt_node *n = &p->nodes[i];
	const json_t *ports = json_array_size(p->ports) > 0 ? p->ports :
		json_object_get(n->info, "ports");
	k8s_argv a = { 0 };
	dt_command cmd = { 0 };
	char log[4096], e[DT_ERRBUF_SIZE];
	size_t j;
	json_t *port;
	dt_deadline deadline;
	char **envp;
	pid_t pid;

	if (json_array_size(ports) == 0)
		return dt_fail(err, "pod %s: no ports to forward (set "
			       "platform.ports, or declare containerPort)", n->name);
	k8s_argv_add(&a, p->kubectl);
	k8s_argv_add(&a, "port-forward");
	k8s_argv_addf(&a, "--address=%s", n->address);
	k8s_argv_addf(&a, "--namespace=%s", p->ns);
	k8s_argv_kubeconfig(&a, p->conn.kubeconfig);
	if (p->conn.context != NULL)
		k8s_argv_addf(&a, "--context=%s", p->conn.context);
	k8s_argv_addf(&a, "pod/%s", json_string_value(json_object_get(n->info, "pod")));
	json_array_foreach(ports, j, port)
		k8s_argv_addf(&a, "%lld", (long long)json_integer_value(port));
	k8s_say(p, &a);
	if (p->dry_run) {
		k8s_argv_free(&a);
		return 0;
	}
	snprintf(log, sizeof(log), "%s/port-forward-%s.log", p->store_dir, n->name);
	envp = k8s_argv_envp(&a);
	/* In its own session, so that a terminal's ^C stops only DT, which
	 * then stops the forwards itself. */
	cmd.argv = (const char *const *)a.v;
	cmd.envp = envp;
	cmd.log_path = log;
	pid = dt_command_spawn(&cmd, e);
	free(envp);
	k8s_argv_free(&a);
	if (pid < 0)
		return dt_fail(err, "port-forward to %s: %s", n->name, e);
	p->forwards[i] = pid;
	dt_deadline_set(&deadline, 30);
	while (!can_connect(n->address, (int)json_integer_value(json_array_get(ports, 0)))) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			p->forwards[i] = 0;
			return dt_fail(err, "kubectl port-forward to %s ended (see %s)",
				       n->name, log);
		}
		if (dt_deadline_expired(&deadline)) {
			k8s_forward_stop(p, i);
			return dt_fail(err, "kubectl port-forward to %s: nothing "
				       "listens on %s after 30 s (see %s)", n->name,
				       n->address, log);
		}
		dt_sleep(0.1);
	}
	return 0;
}

/* The restart count of the node's container, from its pod now; *pod
 * gets the pod when not NULL.  In --dry-run: 0. */
int k8s_pod_restarts(k8s_platform *p, const dt_node *n, long long *count,
		     json_t **pod, char *err)
{
	const char *name = json_string_value(json_object_get(n->info, "pod"));
	const json_t *cstatus;
	char path[1024];
	json_t *resp;
	int st;

	*count = 0;
	if (pod != NULL)
		*pod = NULL;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", p->ns,
		 name ? name : n->name);
	st = k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err);
	if (st != 200)
		return -1;
	if (resp != NULL) {
		pod_container(p, resp, &cstatus);
		*count = json_integer_value(json_object_get(cstatus, "restartCount"));
	}
	if (pod != NULL)
		*pod = resp;
	else
		json_decref(resp);
	return 0;
}

/* After a signal that ended the container: wait until the kubelet has
 * started it again (a higher restart count) and the pod is ready. */
int k8s_wait_container_restart(k8s_platform *p, dt_node *n, char *err)
{
	long long before = json_integer_value(json_object_get(n->info,
							      "restarts-before"));
	dt_deadline deadline;

	dt_deadline_set(&deadline, p->ready_timeout);
	for (;;) {
		long long count;
		json_t *pod;

		if (k8s_pod_restarts(p, n, &count, &pod, err) != 0)
			return -1;
		if (p->dry_run)
			return 0;
		if (count > before && k8s_pod_ready(pod)) {
			size_t idx = (size_t)(n - p->nodes);

			k8s_forward_stop(p, idx);
			k8s_node_from_pod(p, n, pod);
			json_decref(pod);
			dt_log(DT_LOG_INFO, "k8s: %s: container restarted (%lld "
			       "restarts), ready", n->name, count);
			return p->forward ? k8s_forward_start(p, idx, err) : 0;
		}
		json_decref(pod);
		if (dt_deadline_expired(&deadline))
			return dt_fail(err, "%s: container not restarted and ready "
				       "after %g s (restarts %lld, was %lld)", n->name,
				       p->ready_timeout, count, before);
		dt_sleep(0.25);
	}
}

typedef struct replace_wait {
	k8s_platform *p;
	const dt_node *node;
	const char *old_uid;
	json_t *found;    /* the replacement pod */
} replace_wait;

static bool uid_taken(k8s_platform *p, const dt_node *self, const char *uid)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		const char *u = json_string_value(json_object_get(p->nodes[i].info, "uid"));

		if (&p->nodes[i] != self && u != NULL && strcmp(u, uid) == 0)
			return true;
	}
	return false;
}

/* A ready pod that is none of the nodes: the replacement.  A pod of the
 * same name (a StatefulSet) is preferred. */
static bool replacement(replace_wait *w, const json_t *pod)
{
	const char *uid = k8s_pod_str(pod, "metadata", "uid");

	if (uid == NULL || strcmp(uid, w->old_uid) == 0 ||
	    uid_taken(w->p, w->node, uid) || !k8s_pod_ready(pod))
		return false;
	json_decref(w->found);
	w->found = json_incref((json_t *)pod);
	return true;
}

static int on_replace_event(const char *type, const json_t *obj, void *arg,
			    char *err)
{
	(void)err;
	if (strcmp(type, "ADDED") != 0 && strcmp(type, "MODIFIED") != 0)
		return 0;
	return replacement(arg, obj) ? 1 : 0;
}

/* restart(): after a pod delete, wait for its replacement to be ready
 * (a pod of the same name preferred) and make the node that pod. */
int k8s_pods_restart(k8s_platform *p, dt_node *n, char *err)
{
	const char *old = json_string_value(json_object_get(n->info, "killed-uid"));
	replace_wait w = { .p = p, .node = n };
	dt_deadline deadline;
	char path[2048];
	json_t *resp = NULL;
	int rc = -1;

	if (old == NULL && json_object_get(n->info, "restarts-before") != NULL)
		return k8s_wait_container_restart(p, n, err);
	if (old == NULL)
		return 0; /* not killed by us: nothing to start */
	w.old_uid = old;
	dt_deadline_set(&deadline, p->ready_timeout);
	while (w.found == NULL) {
		double left = dt_deadline_left(&deadline);
		size_t i;
		json_t *e;

		if (left <= 0) {
			dt_fail(err, "no replacement of pod %s ready after %g s",
				n->name, p->ready_timeout);
			goto out;
		}
		k8s_pods_path(p, path, sizeof(path), NULL);
		if (k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err) != 200)
			goto out;
		if (p->dry_run) {
			rc = 0;
			goto out;
		}
		json_array_foreach(json_object_get(resp, "items"), i, e)
			if (replacement(&w, e) &&
			    strcmp(k8s_pod_str(e, "metadata", "name"), n->name) == 0)
				break;
		if (w.found != NULL)
			break;
		if (pods_watch(p, &resp, left, on_replace_event, &w, err) < 0)
			goto out;
	}
	{
		size_t idx = (size_t)(n - p->nodes);

		k8s_forward_stop(p, idx);
		k8s_node_from_pod(p, n, w.found);
		dt_log(DT_LOG_INFO, "k8s: %s replaced (uid %s), ready at %s",
		       n->name, k8s_pod_str(w.found, "metadata", "uid"), n->address);
		if (p->forward && k8s_forward_start(p, idx, err) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(resp);
	json_decref(w.found);
	return rc;
}
