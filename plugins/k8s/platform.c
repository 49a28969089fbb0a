/* SPDX-License-Identifier: MIT */
/*
 * platform.c: the `k8s` platform.  A run gets its own namespace; the
 * chart's crd and rbac manifests are created, its `sub` charts and then
 * the chart itself are installed with helm and waited for; the pods of
 * the release (found by its labels) are the nodes.  Clients reach them
 * by pod IP when DT runs in the cluster and through kubectl port-forwards
 * (one loopback address per pod, same ports) when it runs outside.
 *
 * Faults: SIGKILL deletes the pod with grace period 0 and restart waits
 * for its replacement to be ready (pods.c); other signals and exec
 * (iptables, tc) are orders to the dt-agent DaemonSet pod on the pod's
 * node, sent through the API server's pod proxy (orders.c).  Each order
 * carries a lease that a thread renews; when the driver dies the lease
 * runs out and the agent undoes what it did.
 *
 * Suite options (`platform: {name: k8s, ...}`): kubeconfig, context,
 * namespace, helm, kubectl, ready-timeout, selector, container, replicas,
 * access (auto, pod-ip, port-forward), ports, agent-namespace,
 * agent-selector, agent-port, agent-token-file, lease, manifests (create
 * or apply).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "k8s.h"

/* Print to stdout in --dry-run, to the log otherwise. */
void k8s_say(k8s_platform *p, const k8s_argv *a)
{
	char *s = k8s_argv_string(a);

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

static void state_write(k8s_platform *p)
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

static int read_config(k8s_platform *p, const dt_platform_env *env, char *err)
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
	if (c != NULL && json_object_get(c, "ready-timeout") != NULL &&
	    (dt_json_duration(json_object_get(c, "ready-timeout"),
			      &p->ready_timeout) != 0 || p->ready_timeout <= 0))
		return dt_conf_fail(c, "ready-timeout", err, "expected a duration");
	if (c != NULL && json_object_get(c, "lease") != NULL &&
	    (dt_json_duration(json_object_get(c, "lease"), &p->lease) != 0 ||
	     p->lease < 1))
		return dt_conf_fail(c, "lease", err,
				    "expected a duration of at least 1s");
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
		p->agent_header = dt_strdupf("X-DT-Agent-Token: %s", tok);
		if (p->agent_header == NULL)
			return dt_fail(err, "out of memory");
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
	if (name == NULL || dt_chart_find(name, path, sizeof(path), e) != 0)
		return NULL;
found:
	slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	*slash = '\0';
	return strdup(path);
}

static int apply_manifests(k8s_platform *p, const json_t *chart,
			   const char *key, char *err)
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
		if (k8s_manifest_load(json_string_value(e), dir, docs, err) != 0)
			goto out;
	}
	json_array_foreach(docs, i, e) {
		char path[1024], ee[DT_ERRBUF_SIZE];
		json_t *resp;
		int st;

		if (k8s_manifest_path(e, p->ns, path, sizeof(path), err) != 0)
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
				 k8s_escape(name, esc, sizeof(esc)));
			st = k8s_request(&p->api, "PATCH", path, e,
					 "application/apply-patch+yaml", &resp, ee);
		} else {
			st = k8s_request(&p->api, "POST", path, e, NULL, &resp, ee);
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

static void helm_common(k8s_platform *p, k8s_argv *a, const char *ns)
{
	k8s_argv_addf(a, "--namespace=%s", ns);
	k8s_argv_kubeconfig(a, p->conn.kubeconfig);
	if (p->conn.context != NULL)
		k8s_argv_addf(a, "--kube-context=%s", p->conn.context);
}

static int helm_install(k8s_platform *p, const json_t *chart,
			const json_t *extra, char *err)
{
	const json_t *src = json_object_get(chart, "source");
	const char *name = json_string_value(json_object_get(chart, "name"));
	const char *type = json_string_value(json_object_get(src, "type"));
	const char *loc = json_string_value(json_object_get(src, "location"));
	const char *cname = json_string_value(json_object_get(src, "chart"));
	const json_t *ver = json_object_get(src, "version");
	char vfile[4096], out[2048], e[DT_ERRBUF_SIZE];
	k8s_argv a = { 0 };
	json_t *values;
	int st, rc = -1;

	if (name == NULL || loc == NULL || cname == NULL)
		return dt_fail(err, "chart %s: needs source.location and "
			       "source.chart to be installed by helm",
			       name ? name : "(no name)");
	values = json_is_object(json_object_get(chart, "values")) ?
		json_deep_copy(json_object_get(chart, "values")) : json_object();
	if (json_is_object(extra))
		k8s_merge(values, extra);
	snprintf(vfile, sizeof(vfile), "%s/values-%s.json", p->store_dir, name);
	if (!p->dry_run && json_dump_file(values, vfile, JSON_INDENT(2)) != 0) {
		dt_fail(err, "cannot write %s", vfile);
		goto out;
	}
	k8s_argv_add(&a, p->helm);
	k8s_argv_add(&a, "install");
	k8s_argv_add(&a, name);
	if (strncmp(loc, "oci://", 6) == 0) {
		k8s_argv_addf(&a, "%s/%s", loc, cname);
	} else if (type != NULL && (strcmp(type, "local") == 0 ||
				    strcmp(type, "path") == 0)) {
		k8s_argv_addf(&a, "%s/%s", loc, cname);
	} else {
		k8s_argv_add(&a, cname);
		k8s_argv_addf(&a, "--repo=%s", loc);
	}
	if (json_is_string(ver))
		k8s_argv_addf(&a, "--version=%s", json_string_value(ver));
	else if (json_is_number(ver))
		k8s_argv_addf(&a, "--version=%g", json_number_value(ver));
	helm_common(p, &a, p->ns);
	k8s_argv_addf(&a, "--values=%s", vfile);
	if (!json_is_false(json_object_get(src, "wait"))) {
		k8s_argv_add(&a, "--wait");
		k8s_argv_addf(&a, "--timeout=%.0fs", p->ready_timeout);
	}
	k8s_say(p, &a);
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
		st = k8s_run(&a, log, p->ready_timeout + 60, out, sizeof(out), e);
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
	k8s_argv_free(&a);
	json_decref(values);
	return rc;
}

static void helm_uninstall(k8s_platform *p, const char *helm, const char *name,
			   const char *ns)
{
	char e[DT_ERRBUF_SIZE], out[1024], log[4096];
	k8s_argv a = { 0 };
	int st;

	k8s_argv_add(&a, helm);
	k8s_argv_add(&a, "uninstall");
	k8s_argv_add(&a, name);
	helm_common(p, &a, ns);
	k8s_argv_add(&a, "--wait");
	k8s_say(p, &a);
	if (!p->dry_run) {
		snprintf(log, sizeof(log), "%s/helm.log",
			 p->store_dir ? p->store_dir : "/tmp");
		st = k8s_run(&a, p->store_dir ? log : NULL, 300, out,
			     sizeof(out), e);
		if (st != 0)
			dt_log(DT_LOG_WARN, "k8s: helm uninstall %s: %s", name,
			       st < 0 ? e : out);
	}
	k8s_argv_free(&a);
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
	if (!beside && dt_chart_find(json_string_value(e), path, sizeof(path),
				     ee) != 0) {
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

/*
 * The values over a sub chart's own: as Helm passes a parent's values to
 * its subcharts, the chart's `values.NAME` and then the suite's
 * `values.NAME` (NAME the sub chart's name), merged in that order.  The
 * main chart still gets its values whole (Helm's parent keeps them too).
 * A new reference, or NULL when neither sets any.
 */
static json_t *sub_values(const json_t *chart, const json_t *sc,
			  const json_t *suite)
{
	const char *name = json_string_value(json_object_get(sc, "name"));
	const json_t *cv, *svv;
	json_t *v;

	if (name == NULL)
		return NULL;
	cv = json_object_get(json_object_get(chart, "values"), name);
	svv = json_object_get(json_object_get(suite, "values"), name);
	if (!json_is_object(cv) && !json_is_object(svv))
		return NULL;
	v = json_object();
	if (json_is_object(cv))
		k8s_merge(v, cv);
	if (json_is_object(svv))
		k8s_merge(v, svv);
	return v;
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
	k8s_platform *p = calloc(1, sizeof(*p));
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
	if (k8s_conn_load(&p->conn, kc, ctx, e) != 0) {
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
	if (p->conn.exec != NULL) {
		dt_log(DT_LOG_INFO, "k8s: credentials from the exec plugin %s "
		       "(%s)%s", p->conn.exec->command, p->conn.exec->api_version,
		       p->dry_run ? ", not run in --dry-run" : "");
		if (p->dry_run)
			printf("# credentials: exec plugin %s (not run)\n",
			       p->conn.exec->command);
	}

	/* 1. the namespace */
	{
		json_t *ns = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s}}}",
				       "apiVersion", "v1", "kind", "Namespace",
				       "metadata", "name", p->ns, "labels",
				       "app.kubernetes.io/managed-by", "dt",
				       "dt.run-id", p->run_id);

		st = k8s_request(&p->api, "POST", "/api/v1/namespaces", ns, NULL,
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
		json_t *sc = sub_chart(chart, sub, err), *sv;

		if (sc == NULL)
			goto fail;
		sv = sub_values(chart, sc, env->suite);
		if (apply_manifests(p, sc, "crd", err) != 0 ||
		    apply_manifests(p, sc, "rbac", err) != 0 ||
		    helm_install(p, sc, sv, err) != 0) {
			json_decref(sv);
			json_decref(sc);
			goto fail;
		}
		json_decref(sv);
		json_decref(sc);
	}
	if (apply_manifests(p, chart, "crd", err) != 0 ||
	    apply_manifests(p, chart, "rbac", err) != 0)
		goto fail;
	/* 3. the chart, with the suite's values over the chart's */
	if (helm_install(p, chart, json_object_get(env->suite, "values"), err) != 0)
		goto fail;
	/* 4. its pods, ready */
	if (k8s_pods_wait(p, &pods, err) != 0)
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
		qsort(v, p->nnodes, sizeof(*v), k8s_pods_cmp);
		for (i = 0; i < p->nnodes; i++) {
			p->nodes[i].index = (int)i;
			k8s_node_from_pod(p, &p->nodes[i], v[i]);
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
		k8s_dry_run_nemeses(p, env->suite);
	}
	for (i = 0; p->forward && i < p->nnodes; i++)
		if (k8s_forward_start(p, i, err) != 0)
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
	k8s_platform *p = data;

	*nodes = p->nodes;
	return p->nnodes;
}

static int k8s_signal(void *data, dt_node *n, int sig, char *err)
{
	k8s_platform *p = data;
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
		st = k8s_request(&p->api, "DELETE", path, body, NULL, &resp, err);
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

		if (k8s_pod_restarts(p, n, &before, NULL, err) != 0)
			return -1;
		json_object_set_new(n->info, "restarts-before", json_integer(before));
	}
	{
		json_t *body = json_pack("{s:o, s:i}", "target", k8s_agent_target(n),
					 "signal", sig);

		st = k8s_agent_order(p, n, "signal", body, &resp, err);
		json_decref(body);
		json_decref(resp);
		return st;
	}
}

static int k8s_restart(void *data, dt_node *n, char *err)
{
	return k8s_pods_restart(data, n, err);
}

static int k8s_exec(void *data, const dt_node *n, const char *const *argv,
		    char *out, size_t outlen, char *err)
{
	k8s_platform *p = data;
	json_t *body, *args = json_array(), *resp;
	char ip[K8S_IP_ARG_SIZE];
	int st;

	for (size_t i = 0; argv[i] != NULL; i++)
		json_array_append_new(args, json_string(k8s_forwarded_ip(p, argv[i], ip)));
	body = json_pack("{s:o, s:o}", "target", k8s_agent_target(n), "argv", args);
	/* k8s_agent_order caches the agent's name in info: the node is ours */
	st = k8s_agent_order(p, (dt_node *)n, "exec", body, &resp, err);
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

static void delete_everything(k8s_platform *p, const char *helm,
			      json_t *releases)
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
	st = k8s_request(&p->api, "DELETE", path, NULL, NULL, &resp, e);
	json_decref(resp);
	if (st > 0 && (st < 200 || st >= 300) && st != 404)
		dt_log(DT_LOG_WARN, "k8s: %s", e);
	if (!p->own_ns)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", p->ns);
	st = k8s_request(&p->api, "DELETE", path, NULL, NULL, &resp, e);
	json_decref(resp);
	if (st > 0 && (st < 200 || st >= 300) && st != 404)
		dt_log(DT_LOG_WARN, "k8s: %s", e);
}

static void k8s_teardown(void *data)
{
	k8s_platform *p = data;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->lease_running)
		pthread_join(p->lease_thread, NULL);
	if (json_object_size(p->agents) > 0)
		k8s_agent_all(p, "heal");
	for (size_t i = 0; i < p->nnodes; i++)
		k8s_forward_stop(p, i);
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
	k8s_conn_clear(&p->conn);
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
		k8s_platform p = { 0 };

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
		    k8s_conn_load(&p.conn, json_string_value(json_object_get(st, "kubeconfig")),
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
		k8s_conn_clear(&p.conn);
		json_decref(st);
		unlink(path);
		n++;
	}
	closedir(d);
	return n;
}

static const dt_option k8s_options[] = {
	{ .name = "kubeconfig", .type = DT_OPT_STRING,
	  .doc = "the kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)" },
	{ .name = "context", .type = DT_OPT_STRING, .doc = "its context (default: current)" },
	{ .name = "namespace", .type = DT_OPT_STRING,
	  .doc = "the run's namespace (default: dt-RUNID, made and deleted)" },
	{ .name = "helm", .type = DT_OPT_STRING, .def = "helm", .doc = "the helm program" },
	{ .name = "kubectl", .type = DT_OPT_STRING, .def = "kubectl",
	  .doc = "the kubectl program (port-forward)" },
	{ .name = "agent-namespace", .type = DT_OPT_STRING, .def = "dt-system",
	  .doc = "where dt-agent's DaemonSet runs" },
	{ .name = "agent-selector", .type = DT_OPT_STRING,
	  .def = "app.kubernetes.io/name=dt-agent", .doc = "dt-agent's pods' labels" },
	{ .name = "agent-port", .type = DT_OPT_INT, .def = "7946", .min = 1,
	  .max = 65535, .doc = "dt-agent's port" },
	{ .name = "agent-token-file", .type = DT_OPT_STRING,
	  .doc = "a file holding dt-agent's token" },
	{ .name = "container", .type = DT_OPT_STRING,
	  .doc = "the pods' container the nemeses act on (default: the first)" },
	{ .name = "replicas", .type = DT_OPT_INT, .def = "0", .min = 0, .max = 1000,
	  .doc = "pods to wait for (0: as the release makes)" },
	{ .name = "access", .type = DT_OPT_ENUM, .def = "auto",
	  .values = (const char *const[]){ "auto", "pod-ip", "port-forward", NULL },
	  .doc = "how the clients reach pods (auto: pod IPs in a cluster, else port-forward)" },
	{ .name = "selector", .type = DT_OPT_STRING,
	  .doc = "the nodes' pods' labels (default: the release's instance)" },
	{ .name = "ports", .type = DT_OPT_LIST, .item = DT_OPT_INT,
	  .doc = "the pods' ports the clients use" },
	{ .name = "ready-timeout", .type = DT_OPT_DURATION, .def = "300s",
	  .min = 0.001, .max = 86400, .doc = "helm --wait and pod readiness" },
	{ .name = "lease", .type = DT_OPT_DURATION, .def = "30s", .min = 1,
	  .max = 86400, .doc = "dt-agent heals a fault on its own past this" },
	{ .name = "manifests", .type = DT_OPT_ENUM, .def = "create",
	  .values = (const char *const[]){ "create", "apply", NULL },
	  .doc = "create (keep what exists) or apply (server-side) crd and rbac" },
	{ .name = NULL }
};

static const dt_platform_type k8s_platform_type = {
	.size = sizeof(dt_platform_type),
	.info = { .name = "k8s", .version = PACKAGE_VERSION,
		  .description = "Helm charts on Kubernetes: pods as nodes, "
				 "faults via dt-agent",
		  .options = k8s_options },
	.create = k8s_setup,
	.nodes = k8s_nodes,
	.signal = k8s_signal,
	.restart = k8s_restart,
	.exec = k8s_exec,
	.destroy = k8s_teardown,
	.cleanup = k8s_cleanup,
};

static int k8s_plugin(dt_registry *reg)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return dt_register_platform(reg, &k8s_platform_type);
}

DT_PLUGIN_DEFINE(k8s_plugin)
