/*
 * platform.c: the `k8s` platform.  A run gets its own namespace; the
 * chart's crd and rbac manifests are created, its `sub` charts and then
 * the chart itself are installed with helm and waited for; the pods of
 * the release (found by its labels) are the nodes.  Clients reach them
 * by pod IP when DT runs in the cluster and through kubectl port-forwards
 * (one loopback address per pod, same ports) when it runs outside.
 *
 * Faults: SIGKILL deletes the pod with grace period 0 and restart waits
 * for its replacement to be ready; other signals and exec (iptables, tc)
 * are orders to the dt-agent DaemonSet pod on the pod's node, sent
 * through the API server's pod proxy.  Each order carries a lease that a
 * thread here renews; when the driver dies the lease runs out and the
 * agent undoes what it did.
 *
 * Suite options (`platform: {name: k8s, ...}`): kubeconfig, context,
 * namespace, helm, kubectl, ready-timeout, selector, container, replicas,
 * access (auto, pod-ip, port-forward), ports, agent-namespace,
 * agent-selector, agent-port, agent-token-file, lease, manifests (create
 * or apply).
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "k8s.h"
#include "paths.h"
#include "store.h"
#include "suite.h"
#include "yamldoc.h"

typedef struct k8s {
	dt_k8s_conn conn;
	dt_k8s_api api;
	FILE *api_log;           /* the API trace of a real run */
	char run_id[64];
	char ns[64];
	bool own_ns;             /* we made it: we delete it */
	char *store_dir;
	char *state_file;
	bool keep, dry_run;
	const char *helm, *kubectl;  /* borrowed from config */
	bool server_side_apply;  /* manifests: apply (else create) */
	const char *agent_ns, *agent_sel;
	long long agent_port;
	double ready_timeout, lease;
	char selector[512];
	const char *container;   /* borrowed, or NULL: the first */
	long long replicas;
	bool forward;            /* port-forwards rather than pod IPs */
	json_t *ports;           /* array of port numbers to forward */
	json_t *config;          /* a reference to the suite's options */
	json_t *releases;        /* [{"name","ns"}] installed, in order */
	dt_node *nodes;
	size_t nnodes;
	pid_t *forwards;         /* kubectl port-forward per node, or 0 */
	/* agents ordered so far (pod name -> true) and their lease */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t lease_thread;
	bool lease_running, stopping;
	json_t *agents;
	char *agent_header;      /* "X-DT-Agent-Token: ...", or NULL */
} k8s;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print to stdout in --dry-run, to the log otherwise. */
static void say_cmd(k8s *p, const dt_k8s_argv *a)
{
	char *s = dt_k8s_argv_string(a);

	if (p->dry_run) {
		printf("%s\n", s ? s : a->v[0]);
		fflush(stdout);
	} else {
		dt_log(DT_LOG_INFO, "k8s: %s", s ? s : a->v[0]);
	}
	free(s);
}

/* ---- state file, for `dt-run cleanup` ---------------------------------- */

/* Field 22 of /proc/PID/stat: when the process started (clock ticks
 * since boot), so that a recycled pid is not mistaken for the driver. */
static long long proc_start(pid_t pid)
{
	char path[64], buf[1024], *q;
	long long start = -1;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	q = strrchr(buf, ')');
	/* after ")": state is field 3, starttime field 22 */
	if (q != NULL && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				"%*u %*u %*u %*d %*d %*d %*d %*d %*d %lld", &start) != 1)
		start = -1;
	return start;
}

static void state_write(k8s *p)
{
	json_t *j;
	char tmp[4200];

	if (p->state_file == NULL || p->dry_run)
		return;
	j = json_pack("{s:s, s:s, s:b, s:O, s:s?, s:s?, s:s, s:i, s:I}",
		      "run", p->run_id, "namespace", p->ns, "own", p->own_ns,
		      "releases", p->releases, "kubeconfig", p->conn.kubeconfig,
		      "context", p->conn.context, "helm", p->helm,
		      "pid", (int)getpid(), "start", (json_int_t)proc_start(getpid()));
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->state_file);
	if (j == NULL || json_dump_file(j, tmp, JSON_INDENT(2)) != 0 ||
	    rename(tmp, p->state_file) != 0)
		dt_log(DT_LOG_WARN, "k8s: cannot write %s", p->state_file);
	json_decref(j);
}

/* ---- config ------------------------------------------------------------- */

static int read_config(k8s *p, const dt_platform_env *env, char *err)
{
	const json_t *c = json_is_object(env->config) ? env->config : NULL;
	const char *s, *access, *sel;
	long long ll;

	if (dt_conf_string(c, "helm", "helm", &p->helm, err) ||
	    dt_conf_string(c, "kubectl", "kubectl", &p->kubectl, err) ||
	    dt_conf_string(c, "agent-namespace", "dt-system", &p->agent_ns, err) ||
	    dt_conf_string(c, "agent-selector", "app.kubernetes.io/name=dt-agent",
			   &p->agent_sel, err) ||
	    dt_conf_int(c, "agent-port", 7946, 1, 65535, &p->agent_port, err) ||
	    dt_conf_string(c, "container", NULL, &p->container, err) ||
	    dt_conf_int(c, "replicas", 0, 0, 1000, &p->replicas, err) ||
	    dt_conf_string(c, "access", "auto", &access, err) ||
	    dt_conf_string(c, "selector", NULL, &sel, err) ||
	    dt_conf_string(c, "namespace", NULL, &s, err))
		return -1;
	p->ready_timeout = 300;
	p->lease = 30;
	if (c != NULL && json_object_get(c, "ready-timeout") != NULL) {
		p->ready_timeout = dt_parse_duration(json_object_get(c, "ready-timeout"));
		if (p->ready_timeout <= 0)
			return dt_conf_fail(c, "ready-timeout", err, "expected a duration");
	}
	if (c != NULL && json_object_get(c, "lease") != NULL) {
		p->lease = dt_parse_duration(json_object_get(c, "lease"));
		if (p->lease < 1)
			return dt_conf_fail(c, "lease", err,
					    "expected a duration of at least 1s");
	}
	if (s != NULL) {
		if (strlen(s) >= sizeof(p->ns))
			return dt_conf_fail(c, "namespace", err, "too long");
		snprintf(p->ns, sizeof(p->ns), "%s", s);
	} else {
		/* A DNS label: lowercase letters, digits and dashes. */
		size_t o = 0;

		o = (size_t)snprintf(p->ns, sizeof(p->ns), "dt-");
		for (const char *r = env->run_id; *r && o + 1 < sizeof(p->ns); r++) {
			char ch = *r;

			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			p->ns[o++] = ((ch >= 'a' && ch <= 'z') ||
				      (ch >= '0' && ch <= '9')) ? ch : '-';
		}
		p->ns[o] = '\0';
	}
	if (strcmp(access, "auto") != 0 && strcmp(access, "pod-ip") != 0 &&
	    strcmp(access, "port-forward") != 0)
		return dt_conf_fail(c, "access", err,
				    "expected auto, pod-ip or port-forward");
	p->forward = strcmp(access, "port-forward") == 0 ||
		(strcmp(access, "auto") == 0 && !p->conn.in_cluster);
	p->ports = json_array();
	if (c != NULL && json_object_get(c, "ports") != NULL) {
		size_t i;
		json_t *e;

		if (!json_is_array(json_object_get(c, "ports")))
			return dt_conf_fail(c, "ports", err, "expected a list of ports");
		json_array_foreach(json_object_get(c, "ports"), i, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 1 ||
			    json_integer_value(e) > 65535)
				return dt_conf_fail(c, "ports", err,
						    "expected port numbers");
			json_array_append(p->ports, e);
		}
	}
	if (sel != NULL)
		snprintf(p->selector, sizeof(p->selector), "%s", sel);
	if (dt_conf_string(c, "manifests", "create", &s, err) != 0)
		return -1;
	if (strcmp(s, "create") != 0 && strcmp(s, "apply") != 0)
		return dt_conf_fail(c, "manifests", err, "expected create (keep what "
				    "exists) or apply (server-side apply)");
	p->server_side_apply = strcmp(s, "apply") == 0;
	if (dt_conf_string(c, "agent-token-file", NULL, &s, err) != 0)
		return -1;
	if (s != NULL) {
		char tok[256] = "";
		FILE *f = fopen(s, "r");

		if (f == NULL || fgets(tok, sizeof(tok), f) == NULL) {
			if (f != NULL)
				fclose(f);
			return dt_conf_fail(c, "agent-token-file", err,
					    "cannot read %s", s);
		}
		fclose(f);
		tok[strcspn(tok, "\r\n")] = '\0';
		p->agent_header = malloc(strlen(tok) + 32);
		if (p->agent_header == NULL)
			return dt_fail(err, "out of memory");
		sprintf(p->agent_header, "X-DT-Agent-Token: %s", tok);
	}
	(void)ll;
	return 0;
}

/* ---- manifests ---------------------------------------------------------- */

/*
 * The folder of the chart file, for relative manifest paths.  The env
 * does not carry the chart's file, but the core's YAML loader remembers
 * where every mapping came from: its message for the chart's root starts
 * with "FILE:LINE:COL: ".  Else the chart is looked up by name.
 */
static char *chart_dir(const json_t *chart)
{
	char path[4096], e[DT_ERRBUF_SIZE];
	const char *name = json_string_value(json_object_get(chart, "name"));
	char *slash, *p;

	dt_conf_fail(chart, NULL, e, "-");
	for (p = strchr(e, ':'); p != NULL; p = strchr(p + 1, ':')) {
		int line, col, used = 0;

		if (sscanf(p, ":%d:%d:%n", &line, &col, &used) == 2 && used > 0) {
			snprintf(path, sizeof(path), "%.*s", (int)(p - e), e);
			goto found;
		}
	}
	if (name == NULL || dt_find_yaml("charts", name, NULL, path,
					 sizeof(path), e) != 0)
		return NULL;
found:
	slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	*slash = '\0';
	return strdup(path);
}

static int apply_manifests(k8s *p, const json_t *chart, const char *key,
			   char *err)
{
	const json_t *list = json_object_get(chart, key);
	char *dir = chart_dir(chart);
	json_t *docs = json_array();
	size_t i;
	json_t *e;
	int rc = -1;

	json_array_foreach(list, i, e) {
		if (!json_is_string(e)) {
			dt_conf_fail(list, NULL, err, "%s[%zu]: expected a file or URL",
				     key, i);
			goto out;
		}
		if (dt_k8s_manifest_load(json_string_value(e), dir, docs, err) != 0)
			goto out;
	}
	json_array_foreach(docs, i, e) {
		char path[1024], ee[DT_ERRBUF_SIZE];
		json_t *resp;
		int st;

		if (dt_k8s_manifest_path(e, p->ns, path, sizeof(path), err) != 0)
			goto out;
		if (p->server_side_apply) {
			/* PATCH .../NAME with the object itself: JSON is YAML */
			const char *name = json_string_value(json_object_get(
				json_object_get(e, "metadata"), "name"));
			char esc[512];

			if (name == NULL) {
				dt_fail(err, "%s manifest: an object without "
					"metadata.name", key);
				goto out;
			}
			snprintf(path + strlen(path), sizeof(path) - strlen(path),
				 "/%s?fieldManager=dt&force=true",
				 dt_k8s_escape(name, esc, sizeof(esc)));
			st = dt_k8s_request(&p->api, "PATCH", path, e,
					    "application/apply-patch+yaml", &resp, ee);
		} else {
			st = dt_k8s_request(&p->api, "POST", path, e, NULL, &resp, ee);
		}
		json_decref(resp);
		if (st == 409) {
			dt_log(DT_LOG_INFO, "k8s: %s: already exists, kept", ee);
			continue;
		}
		if (st < 200 || st >= 300) {
			dt_fail(err, "%s manifest: %s", key, ee);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(docs);
	free(dir);
	return rc;
}

/* ---- helm --------------------------------------------------------------- */

static void helm_common(k8s *p, dt_k8s_argv *a, const char *ns)
{
	dt_k8s_argv_addf(a, "--namespace=%s", ns);
	if (p->conn.kubeconfig != NULL)
		dt_k8s_argv_addf(a, "--kubeconfig=%s", p->conn.kubeconfig);
	if (p->conn.context != NULL)
		dt_k8s_argv_addf(a, "--kube-context=%s", p->conn.context);
}

static int helm_install(k8s *p, const json_t *chart, const json_t *extra,
			char *err)
{
	const json_t *src = json_object_get(chart, "source");
	const char *name = json_string_value(json_object_get(chart, "name"));
	const char *type = json_string_value(json_object_get(src, "type"));
	const char *loc = json_string_value(json_object_get(src, "location"));
	const char *cname = json_string_value(json_object_get(src, "chart"));
	const json_t *ver = json_object_get(src, "version");
	char vfile[4096], out[2048], e[DT_ERRBUF_SIZE];
	dt_k8s_argv a = { 0 };
	json_t *values;
	int st, rc = -1;

	if (name == NULL || loc == NULL || cname == NULL)
		return dt_fail(err, "chart %s: needs source.location and "
			       "source.chart to be installed by helm",
			       name ? name : "(no name)");
	values = json_is_object(json_object_get(chart, "values")) ?
		json_deep_copy(json_object_get(chart, "values")) : json_object();
	if (json_is_object(extra))
		dt_k8s_merge(values, extra);
	snprintf(vfile, sizeof(vfile), "%s/values-%s.json", p->store_dir, name);
	if (!p->dry_run && json_dump_file(values, vfile, JSON_INDENT(2)) != 0) {
		dt_fail(err, "cannot write %s", vfile);
		goto out;
	}
	dt_k8s_argv_add(&a, p->helm);
	dt_k8s_argv_add(&a, "install");
	dt_k8s_argv_add(&a, name);
	if (strncmp(loc, "oci://", 6) == 0) {
		dt_k8s_argv_addf(&a, "%s/%s", loc, cname);
	} else if (type != NULL && (strcmp(type, "local") == 0 ||
				    strcmp(type, "path") == 0)) {
		dt_k8s_argv_addf(&a, "%s/%s", loc, cname);
	} else {
		dt_k8s_argv_add(&a, cname);
		dt_k8s_argv_addf(&a, "--repo=%s", loc);
	}
	if (json_is_string(ver))
		dt_k8s_argv_addf(&a, "--version=%s", json_string_value(ver));
	else if (json_is_number(ver))
		dt_k8s_argv_addf(&a, "--version=%g", json_number_value(ver));
	helm_common(p, &a, p->ns);
	dt_k8s_argv_addf(&a, "--values=%s", vfile);
	if (!json_is_false(json_object_get(src, "wait"))) {
		dt_k8s_argv_add(&a, "--wait");
		dt_k8s_argv_addf(&a, "--timeout=%.0fs", p->ready_timeout);
	}
	say_cmd(p, &a);
	if (p->dry_run) {
		char *v = json_dumps(values, JSON_COMPACT | JSON_SORT_KEYS);

		printf("# %s: %s\n", vfile, v ? v : "{}");
		free(v);
		json_array_append_new(p->releases, json_pack("{s:s, s:s}", "name",
							     name, "ns", p->ns));
		rc = 0;
		goto out;
	}
	{
		char log[4096];

		snprintf(log, sizeof(log), "%s/helm.log", p->store_dir);
		st = dt_k8s_run(&a, log, p->ready_timeout + 60, out, sizeof(out), e);
	}
	if (st != 0) {
		if (st < 0)
			dt_fail(err, "helm install %s: %s", name, e);
		else
			dt_fail(err, "helm install %s: exit %d: %s", name, st, out);
		goto out;
	}
	json_array_append_new(p->releases, json_pack("{s:s, s:s}", "name", name,
						     "ns", p->ns));
	state_write(p);
	rc = 0;
out:
	dt_k8s_argv_free(&a);
	json_decref(values);
	return rc;
}

static void helm_uninstall(k8s *p, const char *helm, const char *name,
			   const char *ns)
{
	char e[DT_ERRBUF_SIZE], out[1024], log[4096];
	dt_k8s_argv a = { 0 };
	int st;

	dt_k8s_argv_add(&a, helm);
	dt_k8s_argv_add(&a, "uninstall");
	dt_k8s_argv_add(&a, name);
	helm_common(p, &a, ns);
	dt_k8s_argv_add(&a, "--wait");
	say_cmd(p, &a);
	if (!p->dry_run) {
		snprintf(log, sizeof(log), "%s/helm.log",
			 p->store_dir ? p->store_dir : "/tmp");
		st = dt_k8s_run(&a, p->store_dir ? log : NULL, 300, out,
				sizeof(out), e);
		if (st != 0)
			dt_log(DT_LOG_WARN, "k8s: helm uninstall %s: %s", name,
			       st < 0 ? e : out);
	}
	dt_k8s_argv_free(&a);
}

/* A `sub` entry: an inline chart, or the name of charts/NAME.yaml. */
static json_t *sub_chart(const json_t *chart, const json_t *e, char *err)
{
	char path[4096], ee[DT_ERRBUF_SIZE];
	char *dir = chart_dir(chart);
	dt_doc *doc;
	json_t *root;
	bool beside;

	if (json_is_object(e)) {
		free(dir);
		return json_incref((json_t *)e);
	}
	if (!json_is_string(e)) {
		free(dir);
		dt_fail(err, "sub: expected a chart name or a chart mapping");
		return NULL;
	}
	/* beside the chart first (it may come from --chart-path), then
	 * along the chart path */
	snprintf(path, sizeof(path), "%s/%s.yaml", dir ? dir : ".",
		 json_string_value(e));
	beside = dir != NULL && access(path, R_OK) == 0;
	free(dir);
	if (!beside && dt_find_yaml("charts", json_string_value(e), NULL, path,
				    sizeof(path), ee) != 0) {
		dt_fail(err, "sub chart %s: %s", json_string_value(e), ee);
		return NULL;
	}
	doc = dt_doc_load(path, ee);
	if (doc == NULL) {
		dt_fail(err, "sub chart: %s", ee);
		return NULL;
	}
	root = json_incref(doc->root);
	dt_doc_free(doc);
	return root;
}

/* ---- pods as nodes ------------------------------------------------------ */

static const char *pod_str(const json_t *pod, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(pod, a), b));
}

/* The container of the pod the nodes stand for, and its status. */
static const json_t *pod_container(k8s *p, const json_t *pod,
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

static void node_from_pod(k8s *p, dt_node *n, const json_t *pod)
{
	const json_t *cstatus, *c = pod_container(p, pod, &cstatus);
	const char *name = pod_str(pod, "metadata", "name");
	const char *ip = pod_str(pod, "status", "podIP");
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
			    "uid", pod_str(pod, "metadata", "uid"),
			    "container", json_string_value(json_object_get(c, "name")),
			    "containerID", json_string_value(json_object_get(cstatus,
									     "containerID")),
			    "nodeName", pod_str(pod, "spec", "nodeName"),
			    "podIP", ip, "ports", ports, "forwarded", p->forward);
}

static void pods_path(k8s *p, char *buf, size_t size, const char *extra)
{
	char sel[1024];

	snprintf(buf, size, "/api/v1/namespaces/%s/pods?labelSelector=%s%s",
		 p->ns, dt_k8s_escape(p->selector, sel, sizeof(sel)),
		 extra ? extra : "");
}

static int cmp_pod(const void *a, const void *b)
{
	return strcmp(pod_str(*(json_t *const *)a, "metadata", "name"),
		      pod_str(*(json_t *const *)b, "metadata", "name"));
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
		n += dt_k8s_pod_ready(v);
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
	const char *name = pod_str(obj, "metadata", "name");

	(void)err;
	if (name == NULL)
		return 0;
	if (strcmp(type, "DELETED") == 0)
		json_object_del(w->pods, name);
	else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
		json_object_set(w->pods, name, (json_t *)obj);
	return all_ready(w) ? 1 : 0;
}

/* List the release's pods, then watch until they are all ready. */
static int wait_pods(k8s *p, json_t **pods_out, char *err)
{
	ready_wait w = { .pods = json_object(), .want = p->replicas };
	double deadline = now_s() + p->ready_timeout;
	char path[2048], extra[128];
	json_t *resp = NULL;
	int st, rc = -1;

	*pods_out = NULL;
	for (;;) {
		const char *rv;
		size_t i;
		json_t *e;
		double left = deadline - now_s();

		pods_path(p, path, sizeof(path), NULL);
		st = dt_k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err);
		if (st != 200)
			goto out;
		if (p->dry_run) {
			snprintf(extra, sizeof(extra), "&watch=1&resourceVersion=RV"
				 "&timeoutSeconds=%.0f", p->ready_timeout);
			pods_path(p, path, sizeof(path), extra);
			dt_k8s_watch(&p->api, path, 0, on_ready_event, &w, err);
			rc = 0;
			goto out;
		}
		json_object_clear(w.pods);
		json_array_foreach(json_object_get(resp, "items"), i, e)
			json_object_set(w.pods, pod_str(e, "metadata", "name"), e);
		if (all_ready(&w))
			break;
		if (left <= 0) {
			dt_fail(err, "pods of %s in %s: %zu of %zu ready after %g s",
				p->selector, p->ns, count_ready(w.pods),
				json_object_size(w.pods), p->ready_timeout);
			goto out;
		}
		rv = pod_str(resp, "metadata", "resourceVersion");
		snprintf(extra, sizeof(extra), "&watch=1&resourceVersion=%s"
			 "&timeoutSeconds=%.0f", rv ? rv : "0", left + 1);
		pods_path(p, path, sizeof(path), extra);
		json_decref(resp);
		resp = NULL;
		st = dt_k8s_watch(&p->api, path, (long)(left * 1000) + 2000,
				  on_ready_event, &w, err);
		if (st < 0)
			goto out;
		if (st == 1)
			break;
		/* the stream ended: list again (resourceVersion may be gone) */
		if (deadline - now_s() > 0.5) {
			struct timespec nap = { 0, 200000000 };

			nanosleep(&nap, NULL);
		}
	}
	{
		json_t *arr = json_array();
		const char *k;
		json_t *v;

		json_object_foreach(w.pods, k, v)
			if (dt_k8s_pod_ready(v))
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

static void forward_stop(k8s *p, size_t i)
{
	if (p->forwards == NULL || p->forwards[i] <= 0)
		return;
	kill(p->forwards[i], SIGTERM);
	waitpid(p->forwards[i], NULL, 0);
	p->forwards[i] = 0;
}

static int forward_start(k8s *p, size_t i, char *err)
{
	dt_node *n = &p->nodes[i];
	const json_t *ports = json_array_size(p->ports) > 0 ? p->ports :
		json_object_get(n->info, "ports");
	dt_k8s_argv a = { 0 };
	char log[4096];
	size_t j;
	json_t *e;
	double deadline;
	pid_t pid;

	if (json_array_size(ports) == 0)
		return dt_fail(err, "pod %s: no ports to forward (set "
			       "platform.ports, or declare containerPort)", n->name);
	dt_k8s_argv_add(&a, p->kubectl);
	dt_k8s_argv_add(&a, "port-forward");
	dt_k8s_argv_addf(&a, "--address=%s", n->address);
	dt_k8s_argv_addf(&a, "--namespace=%s", p->ns);
	if (p->conn.kubeconfig != NULL)
		dt_k8s_argv_addf(&a, "--kubeconfig=%s", p->conn.kubeconfig);
	if (p->conn.context != NULL)
		dt_k8s_argv_addf(&a, "--context=%s", p->conn.context);
	dt_k8s_argv_addf(&a, "pod/%s", json_string_value(json_object_get(n->info, "pod")));
	json_array_foreach(ports, j, e)
		dt_k8s_argv_addf(&a, "%lld", (long long)json_integer_value(e));
	say_cmd(p, &a);
	if (p->dry_run) {
		dt_k8s_argv_free(&a);
		return 0;
	}
	snprintf(log, sizeof(log), "%s/port-forward-%s.log", p->store_dir, n->name);
	pid = fork();
	if (pid < 0) {
		dt_k8s_argv_free(&a);
		return dt_fail(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(a.v[0], a.v);
		_exit(127);
	}
	dt_k8s_argv_free(&a);
	p->forwards[i] = pid;
	deadline = now_s() + 30;
	while (!can_connect(n->address, (int)json_integer_value(json_array_get(ports, 0)))) {
		struct timespec nap = { 0, 100000000 };

		if (waitpid(pid, NULL, WNOHANG) == pid) {
			p->forwards[i] = 0;
			return dt_fail(err, "kubectl port-forward to %s ended (see %s)",
				       n->name, log);
		}
		if (now_s() > deadline) {
			forward_stop(p, i);
			return dt_fail(err, "kubectl port-forward to %s: nothing "
				       "listens on %s after 30 s (see %s)", n->name,
				       n->address, log);
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* ---- the dt-agent ------------------------------------------------------- */

static void *lease_main(void *arg);

/* POST an order to the agent on the node of `n`, through the API
 * server's pod proxy. */
static int agent_order_once(k8s *p, dt_node *n, const char *what,
			    json_t *body, json_t **resp, int *status,
			    char *err);

/* An order; when the agent pod we knew is gone (404, 503: restarted or
 * rescheduled), find the node's agent again and retry once. */
static int agent_order(k8s *p, dt_node *n, const char *what, json_t *body,
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

static int agent_order_once(k8s *p, dt_node *n, const char *what,
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
			 p->agent_ns, dt_k8s_escape(p->agent_sel, sel, sizeof(sel)));
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "&fieldSelector=%s", dt_k8s_escape(fs, sel, sizeof(sel)));
		st = dt_k8s_request(&p->api, "GET", path, NULL, NULL, &r, err);
		if (st != 200) {
			json_decref(r);
			return -1;
		}
		{
			size_t i;
			json_t *e;

			json_array_foreach(json_object_get(r, "items"), i, e)
				if (dt_k8s_pod_ready(e)) {
					json_object_set_new(n->info, "agent",
							    json_string(pod_str(e, "metadata", "name")));
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
	st = dt_k8s_request(&p->api, "POST", path, body, NULL, resp, err);
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

static void agent_all(k8s *p, const char *what)
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
		st = dt_k8s_request(&p->api, "POST", path, body, NULL, &resp, e);
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
	k8s *p = arg;

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
		agent_all(p, "renew");
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static json_t *agent_target(const dt_node *n)
{
	return json_pack("{s:O?, s:O?, s:O?}",
			 "container", json_object_get(n->info, "containerID"),
			 "pod", json_object_get(n->info, "pod"),
			 "pid", json_object_get(n->info, "pid"));
}

/* In --dry-run there are no pods, so no nemesis runs: say what each of
 * the suite's nemeses would call. */
static void dry_run_nemeses(k8s *p, const json_t *suite)
{
	char agent[512], pods[1024], sel[512];
	size_t i;
	json_t *n;

	snprintf(agent, sizeof(agent), "/api/v1/namespaces/%s/pods/AGENT:%lld/proxy/v1",
		 p->agent_ns, p->agent_port);
	pods_path(p, pods, sizeof(pods), "&watch=1");
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
			       dt_k8s_escape(p->agent_sel, sel, sizeof(sel)), agent,
			       strcmp(name, "pause") == 0 ? "signal" : "exec",
			       strcmp(name, "pause") == 0 ? "signal" : "argv", agent,
			       p->lease / 4, agent);
		}
	}
}

/* ---- callbacks ---------------------------------------------------------- */

static void k8s_teardown(void *data);

static void *k8s_setup(const dt_platform_env *env, char *err)
{
	const json_t *chart = env->chart;
	const json_t *c = json_is_object(env->config) ? env->config : NULL;
	const char *kc = NULL, *ctx = NULL;
	char e[DT_ERRBUF_SIZE], path[4200];
	json_t *pods = NULL, *resp = NULL;
	k8s *p = calloc(1, sizeof(*p));
	size_t i;
	json_t *sub;
	int st;

	if (p == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->agents = json_object();
	p->releases = json_array();
	p->keep = env->keep;
	p->dry_run = env->dry_run;
	p->store_dir = strdup(env->store_dir ? env->store_dir : "STORE");
	snprintf(p->run_id, sizeof(p->run_id), "%s", env->run_id);
	if (dt_conf_string(c, "kubeconfig", NULL, &kc, err) ||
	    dt_conf_string(c, "context", NULL, &ctx, err))
		goto fail;
	if (dt_k8s_conn_load(&p->conn, kc, ctx, e) != 0) {
		if (!p->dry_run) {
			dt_fail(err, "%s", e);
			goto fail;
		}
		printf("# no cluster access (%s): showing calls against "
		       "https://KUBERNETES-API\n", e);
		p->conn.server = strdup("https://KUBERNETES-API");
		p->conn.namespace = strdup("default");
	}
	if (read_config(p, env, err) != 0)
		goto fail;
	if (p->selector[0] == '\0')
		snprintf(p->selector, sizeof(p->selector),
			 "app.kubernetes.io/instance=%s",
			 json_string_value(json_object_get(chart, "name")) ?
			 json_string_value(json_object_get(chart, "name")) : "dt");
	p->api.conn = &p->conn;
	p->api.dry_run = p->dry_run;
	p->api.proxy_header = p->agent_header;
	if (p->dry_run) {
		p->api.trace = stdout;
		printf("# k8s platform, dry run: namespace %s on %s\n", p->ns,
		       p->conn.server);
	} else {
		snprintf(path, sizeof(path), "%s/k8s-api.log", p->store_dir);
		p->api_log = fopen(path, "a");
		p->api.trace = p->api_log;
	}
	p->config = c ? json_incref((json_t *)c) : NULL;
	if (!p->dry_run && env->state_dir != NULL) {
		dt_mkdirs(env->state_dir);
		snprintf(path, sizeof(path), "%s/k8s-%s.json", env->state_dir,
			 p->run_id);
		p->state_file = strdup(path);
	}
	dt_log(DT_LOG_INFO, "k8s: cluster %s%s%s, namespace %s", p->conn.server,
	       p->conn.context ? ", context " : " (in-cluster service account)",
	       p->conn.context ? p->conn.context : "", p->ns);

	/* 1. the namespace */
	{
		json_t *ns = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s}}}",
				       "apiVersion", "v1", "kind", "Namespace",
				       "metadata", "name", p->ns, "labels",
				       "app.kubernetes.io/managed-by", "dt",
				       "dt.run-id", p->run_id);

		st = dt_k8s_request(&p->api, "POST", "/api/v1/namespaces", ns, NULL,
				    &resp, e);
		json_decref(ns);
		json_decref(resp);
		resp = NULL;
		if (st == 409) {
			dt_log(DT_LOG_INFO, "k8s: namespace %s exists: using it, "
			       "and leaving it at the end", p->ns);
		} else if (st < 200 || st >= 300) {
			dt_fail(err, "namespace: %s", e);
			goto fail;
		} else {
			p->own_ns = true;
		}
		state_write(p);
	}
	/* 2. crd and rbac manifests, the sub charts', then the chart's */
	json_array_foreach(json_object_get(chart, "sub"), i, sub) {
		json_t *sc = sub_chart(chart, sub, err);

		if (sc == NULL)
			goto fail;
		if (apply_manifests(p, sc, "crd", err) != 0 ||
		    apply_manifests(p, sc, "rbac", err) != 0 ||
		    helm_install(p, sc, NULL, err) != 0) {
			json_decref(sc);
			goto fail;
		}
		json_decref(sc);
	}
	if (apply_manifests(p, chart, "crd", err) != 0 ||
	    apply_manifests(p, chart, "rbac", err) != 0)
		goto fail;
	/* 3. the chart, with the suite's values over the chart's */
	if (helm_install(p, chart, json_object_get(env->suite, "values"), err) != 0)
		goto fail;
	/* 4. its pods, ready */
	if (wait_pods(p, &pods, err) != 0)
		goto fail;
	if (pods != NULL && json_array_size(pods) > 0) {
		json_t **v = calloc(json_array_size(pods), sizeof(*v));
		json_t *e2;

		p->nnodes = json_array_size(pods);
		p->nodes = calloc(p->nnodes, sizeof(*p->nodes));
		p->forwards = calloc(p->nnodes, sizeof(*p->forwards));
		if (v == NULL || p->nodes == NULL || p->forwards == NULL) {
			free(v);
			dt_fail(err, "out of memory");
			goto fail;
		}
		json_array_foreach(pods, i, e2)
			v[i] = e2;
		qsort(v, p->nnodes, sizeof(*v), cmp_pod);
		for (i = 0; i < p->nnodes; i++) {
			p->nodes[i].index = (int)i;
			node_from_pod(p, &p->nodes[i], v[i]);
		}
		free(v);
	}
	json_decref(pods);
	pods = NULL;
	dt_log(DT_LOG_INFO, "k8s: %zu pods; clients reach them %s", p->nnodes,
	       p->forward ? "through kubectl port-forwards (DT runs outside "
	       "the cluster)" : "by pod IP (DT runs in the cluster)");
	if (p->dry_run) {
		printf("# clients would reach the pods %s\n", p->forward ?
		       "through kubectl port-forward (127.0.1.N, one per pod)" :
		       "by pod IP");
		dry_run_nemeses(p, env->suite);
	}
	for (i = 0; p->forward && i < p->nnodes; i++)
		if (forward_start(p, i, err) != 0)
			goto fail;
	return p;
fail:
	json_decref(pods);
	{
		char saved[DT_ERRBUF_SIZE];

		memcpy(saved, err, DT_ERRBUF_SIZE);
		p->keep = false; /* undo everything on failure */
		k8s_teardown(p);
		memcpy(err, saved, DT_ERRBUF_SIZE);
	}
	return NULL;
}

static size_t k8s_nodes(void *data, dt_node **nodes)
{
	k8s *p = data;

	*nodes = p->nodes;
	return p->nnodes;
}

/* The restart count of the node's container, from its pod now; *pod
 * gets the pod when not NULL.  In --dry-run: 0. */
static int pod_restarts(k8s *p, const dt_node *n, long long *count,
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
	st = dt_k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err);
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
static int wait_container_restart(k8s *p, dt_node *n, char *err)
{
	long long before = json_integer_value(json_object_get(n->info,
							      "restarts-before"));
	double deadline = now_s() + p->ready_timeout;

	for (;;) {
		long long count;
		json_t *pod;
		struct timespec nap = { 0, 250000000 };

		if (pod_restarts(p, n, &count, &pod, err) != 0)
			return -1;
		if (p->dry_run)
			return 0;
		if (count > before && dt_k8s_pod_ready(pod)) {
			size_t idx = (size_t)(n - p->nodes);

			forward_stop(p, idx);
			node_from_pod(p, n, pod);
			json_decref(pod);
			dt_log(DT_LOG_INFO, "k8s: %s: container restarted (%lld "
			       "restarts), ready", n->name, count);
			return p->forward ? forward_start(p, idx, err) : 0;
		}
		json_decref(pod);
		if (now_s() > deadline)
			return dt_fail(err, "%s: container not restarted and ready "
				       "after %g s (restarts %lld, was %lld)", n->name,
				       p->ready_timeout, count, before);
		nanosleep(&nap, NULL);
	}
}

static int k8s_signal(void *data, dt_node *n, int sig, char *err)
{
	k8s *p = data;
	json_t *resp = NULL;
	int st;

	if (sig == SIGKILL) {
		char path[1024];
		json_t *body = json_pack("{s:s, s:s, s:i}", "apiVersion", "v1",
					 "kind", "DeleteOptions",
					 "gracePeriodSeconds", 0);
		const char *pod = json_string_value(json_object_get(n->info, "pod"));

		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0",
			 p->ns, pod ? pod : n->name);
		st = dt_k8s_request(&p->api, "DELETE", path, body, NULL, &resp, err);
		json_decref(body);
		json_decref(resp);
		if (st == 404)
			dt_log(DT_LOG_INFO, "k8s: pod %s was already gone", n->name);
		else if (st < 200 || st >= 300)
			return -1;
		json_object_set(n->info, "killed-uid", json_object_get(n->info, "uid"));
		n->npids = 0;
		return 0;
	}
	if (sig != SIGSTOP && sig != SIGCONT && sig != SIGTSTP && sig != 0) {
		/* it may end the container: the kubelet restarts it in the
		 * same pod, and restart() waits for that */
		long long before;

		if (pod_restarts(p, n, &before, NULL, err) != 0)
			return -1;
		json_object_set_new(n->info, "restarts-before", json_integer(before));
	}
	{
		json_t *body = json_pack("{s:o, s:i}", "target", agent_target(n),
					 "signal", sig);

		st = agent_order(p, n, "signal", body, &resp, err);
		json_decref(body);
		json_decref(resp);
		return st;
	}
}

typedef struct replace_wait {
	k8s *p;
	const dt_node *node;
	const char *old_uid;
	json_t *found;    /* the replacement pod */
} replace_wait;

static bool uid_taken(k8s *p, const dt_node *self, const char *uid)
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
	const char *uid = pod_str(pod, "metadata", "uid");

	if (uid == NULL || strcmp(uid, w->old_uid) == 0 ||
	    uid_taken(w->p, w->node, uid) || !dt_k8s_pod_ready(pod))
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

static int k8s_restart(void *data, dt_node *n, char *err)
{
	k8s *p = data;
	const char *old = json_string_value(json_object_get(n->info, "killed-uid"));
	replace_wait w = { .p = p, .node = n };
	double deadline = now_s() + p->ready_timeout;
	char path[2048], extra[160];
	json_t *resp = NULL;
	int rc = -1;

	if (old == NULL && json_object_get(n->info, "restarts-before") != NULL)
		return wait_container_restart(p, n, err);
	if (old == NULL)
		return 0; /* not killed by us: nothing to start */
	w.old_uid = old;
	while (w.found == NULL) {
		double left = deadline - now_s();
		const char *rv;
		size_t i;
		json_t *e;
		int st;

		if (left <= 0) {
			dt_fail(err, "no replacement of pod %s ready after %g s",
				n->name, p->ready_timeout);
			goto out;
		}
		pods_path(p, path, sizeof(path), NULL);
		if (dt_k8s_request(&p->api, "GET", path, NULL, NULL, &resp, err) != 200)
			goto out;
		if (p->dry_run) {
			rc = 0;
			goto out;
		}
		json_array_foreach(json_object_get(resp, "items"), i, e)
			if (replacement(&w, e) &&
			    strcmp(pod_str(e, "metadata", "name"), n->name) == 0)
				break;
		if (w.found != NULL)
			break;
		rv = pod_str(resp, "metadata", "resourceVersion");
		snprintf(extra, sizeof(extra), "&watch=1&resourceVersion=%s"
			 "&timeoutSeconds=%.0f", rv ? rv : "0", left + 1);
		pods_path(p, path, sizeof(path), extra);
		json_decref(resp);
		resp = NULL;
		st = dt_k8s_watch(&p->api, path, (long)(left * 1000) + 2000,
				  on_replace_event, &w, err);
		if (st < 0)
			goto out;
	}
	{
		size_t idx = (size_t)(n - p->nodes);

		forward_stop(p, idx);
		node_from_pod(p, n, w.found);
		dt_log(DT_LOG_INFO, "k8s: %s replaced (uid %s), ready at %s",
		       n->name, pod_str(w.found, "metadata", "uid"), n->address);
		if (p->forward && forward_start(p, idx, err) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(resp);
	json_decref(w.found);
	return rc;
}

/*
 * With port-forwards a node's address is a loopback one (127.0.1.N) that
 * means nothing inside the pods: an argument naming one ("127.0.1.2" or
 * "127.0.1.2/32", as partition's iptables rules do) is rewritten to the
 * pod IP it stands for.  Returns arg or a static buffer.
 */
static const char *forwarded_ip(k8s *p, const char *arg)
{
	static __thread char buf[96];

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
		snprintf(buf, sizeof(buf), "%s%s", ip, arg + n);
		return buf;
	}
	return arg;
}

static int k8s_exec(void *data, const dt_node *n, const char *const *argv,
		    char *out, size_t outlen, char *err)
{
	k8s *p = data;
	json_t *body, *args = json_array(), *resp;
	int st;

	for (size_t i = 0; argv[i] != NULL; i++)
		json_array_append_new(args, json_string(forwarded_ip(p, argv[i])));
	body = json_pack("{s:o, s:o}", "target", agent_target(n), "argv", args);
	/* agent_order caches the agent's name in info: the node is ours */
	st = agent_order(p, (dt_node *)n, "exec", body, &resp, err);
	json_decref(body);
	if (st != 0)
		return -1;
	if (out != NULL && outlen > 0)
		snprintf(out, outlen, "%s", json_string_value(json_object_get(resp, "output")) ?
			 json_string_value(json_object_get(resp, "output")) : "");
	st = p->dry_run ? 0 : (int)json_integer_value(json_object_get(resp, "status"));
	json_decref(resp);
	return st;
}

static void delete_everything(k8s *p, const char *helm, json_t *releases)
{
	char path[1024], e[DT_ERRBUF_SIZE];
	json_t *resp;
	int st;

	for (size_t i = json_array_size(releases); i-- > 0;) {
		const json_t *r = json_array_get(releases, i);

		helm_uninstall(p, helm, json_string_value(json_object_get(r, "name")),
			       json_string_value(json_object_get(r, "ns")));
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/persistentvolumeclaims",
		 p->ns);
	st = dt_k8s_request(&p->api, "DELETE", path, NULL, NULL, &resp, e);
	json_decref(resp);
	if (st > 0 && (st < 200 || st >= 300) && st != 404)
		dt_log(DT_LOG_WARN, "k8s: %s", e);
	if (!p->own_ns)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", p->ns);
	st = dt_k8s_request(&p->api, "DELETE", path, NULL, NULL, &resp, e);
	json_decref(resp);
	if (st > 0 && (st < 200 || st >= 300) && st != 404)
		dt_log(DT_LOG_WARN, "k8s: %s", e);
}

static void k8s_teardown(void *data)
{
	k8s *p = data;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->lease_running)
		pthread_join(p->lease_thread, NULL);
	if (json_object_size(p->agents) > 0)
		agent_all(p, "heal");
	for (size_t i = 0; i < p->nnodes; i++)
		forward_stop(p, i);
	if (p->keep) {
		dt_log(DT_LOG_WARN, "k8s: --keep: namespace %s is left as it is; "
		       "remove it with: helm uninstall -n %s ...; kubectl delete "
		       "namespace %s", p->ns, p->ns, p->ns);
	} else if (p->conn.server != NULL && (p->own_ns ||
					       json_array_size(p->releases) > 0 ||
					       p->dry_run)) {
		if (p->dry_run)
			p->own_ns = true;
		delete_everything(p, p->helm, p->releases);
	}
	if (p->state_file != NULL)
		unlink(p->state_file);
	for (size_t i = 0; i < p->nnodes; i++)
		json_decref(p->nodes[i].info);
	free(p->nodes);
	free(p->forwards);
	json_decref(p->agents);
	json_decref(p->releases);
	json_decref(p->ports);
	json_decref(p->config);
	if (p->api_log != NULL)
		fclose(p->api_log);
	dt_k8s_conn_clear(&p->conn);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p->agent_header);
	free(p->state_file);
	free(p->store_dir);
	free(p);
}

/* Remove what crashed runs left: their releases, PVCs and namespace. */
static int k8s_cleanup(const char *state_dir, char *err)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : dt_fail(err, "%s: %s", state_dir,
						     strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char path[4200], e[DT_ERRBUF_SIZE];
		const char *ns;
		json_t *st;
		k8s p = { 0 };

		if (strncmp(de->d_name, "k8s-", 4) != 0 ||
		    strstr(de->d_name, ".json") == NULL ||
		    strstr(de->d_name, ".tmp") != NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, de->d_name);
		st = json_load_file(path, 0, NULL);
		ns = json_string_value(json_object_get(st, "namespace"));
		if (json_is_integer(json_object_get(st, "pid")) &&
		    proc_start((pid_t)json_integer_value(json_object_get(st, "pid"))) ==
		    json_integer_value(json_object_get(st, "start"))) {
			dt_log(DT_LOG_INFO, "k8s: run %s (pid %lld) is still going: "
			       "left alone", json_string_value(json_object_get(st, "run")),
			       json_integer_value(json_object_get(st, "pid")));
			json_decref(st);
			continue;
		}
		if (ns == NULL ||
		    dt_k8s_conn_load(&p.conn, json_string_value(json_object_get(st, "kubeconfig")),
				     json_string_value(json_object_get(st, "context")), e) != 0) {
			dt_log(DT_LOG_WARN, "k8s: cleanup %s: %s", path,
			       ns ? e : "no namespace recorded");
			json_decref(st);
			continue;
		}
		snprintf(p.ns, sizeof(p.ns), "%s", ns);
		p.own_ns = json_is_true(json_object_get(st, "own"));
		p.api.conn = &p.conn;
		delete_everything(&p, json_string_value(json_object_get(st, "helm")) ?
				  json_string_value(json_object_get(st, "helm")) : "helm",
				  json_object_get(st, "releases"));
		dt_k8s_conn_clear(&p.conn);
		json_decref(st);
		unlink(path);
		n++;
	}
	closedir(d);
	return n;
}

static const dt_platform_type k8s_platform = {
	.info = { "k8s", PACKAGE_VERSION,
		  "Helm charts on Kubernetes: pods as nodes, faults via dt-agent" },
	.setup = k8s_setup,
	.nodes = k8s_nodes,
	.signal = k8s_signal,
	.restart = k8s_restart,
	.exec = k8s_exec,
	.teardown = k8s_teardown,
	.cleanup = k8s_cleanup,
};

static int k8s_plugin(dt_registry *reg)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return dt_register_platform(reg, &k8s_platform);
}

DT_PLUGIN_DEFINE(k8s_plugin)
