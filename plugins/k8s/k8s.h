/* SPDX-License-Identifier: MIT */
/*
 * k8s.h: the parts of the `k8s` platform plugin, shared between its files.
 *
 *   kubeconfig.c  cluster access: kubeconfig (server, CA, client cert and
 *                 key, token, context, namespace) or in-cluster account
 *   api.c         the Kubernetes REST API through libcurl and jansson,
 *                 watch streams, and the --dry-run trace of every call
 *   helm.c        the helm CLI (argv built here, run with fork/exec)
 *   manifest.c    crd/rbac manifests: YAML (multi-document) to JSON,
 *                 resource paths, create-or-keep
 *   platform.c    the platform callbacks: config, namespace, manifests,
 *                 charts, teardown and cleanup
 *   pods.c        pods as nodes: readiness, replacement, port-forwards
 *   orders.c      exec and signal orders to the dt-agent, the lease
 *
 * Ownership: every struct owns the strings it points to unless a
 * comment says "borrowed".
 */
#ifndef DT_K8S_H
#define DT_K8S_H

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <dt/plugin.h>

/* ---- cluster access (kubeconfig.c, exec.c) ------------------------------ */

/* A credential from an exec plugin (every string malloc'd). */
typedef struct k8s_cred {
	char *token;             /* or NULL */
	char *cert, *key;        /* PEM text, or NULL */
	size_t cert_len, key_len;
	time_t expiry;           /* 0: none */
	unsigned generation;     /* 0: none yet */
} k8s_cred;

enum { K8S_EXEC_NEVER, K8S_EXEC_IF_AVAILABLE, K8S_EXEC_ALWAYS };

/* A kubeconfig user's exec credential plugin and its cached credential. */
typedef struct k8s_exec_plugin {
	pthread_mutex_t lock;    /* over cred and the plugin's runs */
	char *api_version;       /* client.authentication.k8s.io/v1(beta1) */
	char *command;           /* as configured (made absolute if it has a /) */
	char **argv;             /* command + args, NULL-terminated */
	char **env;              /* "NAME=value" from `env` */
	size_t nenv;
	char *install_hint;
	char *info, *info_tty;   /* "KUBERNETES_EXEC_INFO=..." (interactive
				    false, true) */
	char *where;             /* "FILE: user 'NAME'" for messages */
	int mode;                /* K8S_EXEC_* (interactiveMode) */
	bool cluster;            /* provideClusterInfo */
	k8s_cred cred;           /* the cached one */
	unsigned generation;     /* of the last credential */
	unsigned runs;           /* times the plugin ran and succeeded */
} k8s_exec_plugin;

/*
 * From a kubeconfig user's `exec` mapping; command is its command made
 * absolute against the kubeconfig when it has a slash; cluster (the
 * kubeconfig cluster, borrowed) and ca_file feed KUBERNETES_EXEC_INFO
 * with provideClusterInfo.  NULL with err on a bad mapping.  The plugin
 * runs on the first k8s_exec_get.
 */
k8s_exec_plugin *k8s_exec_new(const json_t *exec, const char *command,
			      const json_t *cluster, const char *ca_file,
			      const char *where, char *err);
void k8s_exec_free(k8s_exec_plugin *x);
/* A copy of the cached credential, running the plugin first when there
 * is none or it expired.  0, or -1 with err (which names the plugin). */
int k8s_exec_get(k8s_exec_plugin *x, k8s_cred *cred, char *err);
/* The API answered 401 to credential `generation`: forget it (unless
 * another thread already got a newer one). */
void k8s_exec_expire(k8s_exec_plugin *x, unsigned generation);
void k8s_cred_clear(k8s_cred *c);

typedef struct k8s_conn {
	char *server;       /* "https://host:port", no trailing slash */
	char *ca_file;      /* PEM file, or NULL */
	char *ca_data;      /* PEM text, or NULL */
	size_t ca_len;
	char *cert_file, *key_file;
	char *cert_data, *key_data;
	size_t cert_len, key_len;
	char *token;        /* bearer token, or NULL */
	char *namespace;    /* the context's namespace, or "default" */
	char *context;      /* the context used, or NULL (in-cluster) */
	char *kubeconfig;   /* the file read, or NULL (in-cluster) */
	bool insecure;      /* insecure-skip-tls-verify */
	bool in_cluster;    /* a service account of the pod we run in */
	k8s_exec_plugin *exec;  /* the user's credential plugin, or NULL */
} k8s_conn;

/*
 * Fill conn from a kubeconfig: `path` when not NULL, else the first
 * file of $KUBECONFIG, else ~/.kube/config; `context` overrides the
 * current-context.  When no kubeconfig exists and
 * $KUBERNETES_SERVICE_HOST is set, use the service account
 * ($DT_K8S_SA_DIR or /var/run/secrets/kubernetes.io/serviceaccount).
 * 0, or -1 with err (which says which file, context or key).
 */
int k8s_conn_load(k8s_conn *conn, const char *path, const char *context,
		  char *err);
int k8s_conn_in_cluster(k8s_conn *conn, char *err);
void k8s_conn_clear(k8s_conn *conn);


/* ---- REST API (api.c) --------------------------------------------------- */

typedef struct k8s_api {
	const k8s_conn *conn;    /* borrowed */
	bool dry_run;            /* print calls, make none */
	FILE *trace;             /* every call is printed here when not NULL */
	long timeout_ms;         /* per request (not for watches) */
	const char *proxy_header; /* "Name: value" sent on .../proxy/... calls
				     (the dt-agent's token), or NULL */
} k8s_api;

/*
 * One request.  body may be NULL; content_type NULL means JSON.
 * Returns the HTTP status, with *resp the decoded JSON body (or NULL);
 * for a status >= 400 err gets "METHOD PATH: CODE REASON: message" from
 * the Status object.  -1 with err when the server could not be reached
 * or answered something that is not JSON.  In dry-run: prints the call,
 * returns 200 with *resp NULL.
 */
int k8s_request(k8s_api *api, const char *method, const char *path,
		const json_t *body, const char *content_type, json_t **resp,
		char *err);

/*
 * Follow a watch (path must carry watch=1).  fn sees each event's type
 * ("ADDED", "MODIFIED", "DELETED", "ERROR", "BOOKMARK") and object; it
 * returns 1 when done, 0 to go on, -1 to fail (filling err).  Returns
 * 1 when fn said done, 0 when the stream ended first (the server's
 * timeoutSeconds, or timeout_ms), -1 on error.
 */
typedef int (*k8s_watch_fn)(const char *type, const json_t *object,
			    void *arg, char *err);
int k8s_watch(k8s_api *api, const char *path, long timeout_ms,
	      k8s_watch_fn fn, void *arg, char *err);

/* Percent-encode a query value into buf; returns buf. */
char *k8s_escape(const char *in, char *buf, size_t size);

/* True when a pod object is Running, Ready and not being deleted. */
bool k8s_pod_ready(const json_t *pod);

/* ---- manifests (manifest.c) --------------------------------------------- */

/*
 * Read a file (or fetch an http(s) URL) of one or more YAML documents
 * separated by `---` lines and append each non-empty one to docs (an
 * array).  0, or -1 with err naming the file and line.
 */
int k8s_manifest_load(const char *location, const char *base_dir,
		      json_t *docs, char *err);

/*
 * The collection path of an object ("/apis/rbac.authorization.k8s.io/v1/
 * namespaces/NS/roles"), from its apiVersion and kind; ns is used for
 * namespaced kinds that do not name one.  0, or -1 with err.
 */
int k8s_manifest_path(const json_t *obj, const char *ns, char *buf,
		      size_t size, char *err);

/* ---- helm (helm.c) ------------------------------------------------------- */

typedef struct k8s_argv {
	char **v;
	size_t n, cap;
	char *env;      /* "KUBECONFIG=a:b" for the child, or NULL */
} k8s_argv;

void k8s_argv_add(k8s_argv *a, const char *s);
void k8s_argv_addf(k8s_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void k8s_argv_free(k8s_argv *a);
/*
 * How helm and kubectl find the kubeconfig: --kubeconfig=FILE for one
 * file (flag is "--kubeconfig"), or for a merged list (which that flag
 * cannot take) KUBECONFIG=LIST in the child's environment.
 */
void k8s_argv_kubeconfig(k8s_argv *a, const char *kubeconfig);
/* The environment for execve: ours with a->env set (NULL when a->env
 * is; the array is malloc'd, its strings borrowed). */
char **k8s_argv_envp(const k8s_argv *a);
/* "helm install ..." with arguments quoted when they need it. */
char *k8s_argv_string(const k8s_argv *a);

/*
 * Run argv with dt_command_run (no shell), appending its output to
 * log_path (when not NULL, after a "$ argv" line) and keeping its last
 * outlen bytes in out.  Returns the exit status, or -1 with err when it
 * could not start, gave no answer in timeout_s seconds or was killed by
 * a signal.
 */
int k8s_run(const k8s_argv *a, const char *log_path, double timeout_s,
	    char *out, size_t outlen, char *err);

/* Deep-merge src into dst (objects merge, anything else replaces). */
void k8s_merge(json_t *dst, const json_t *src);

/* ---- the platform instance (platform.c, pods.c, orders.c) -------------- */

typedef struct k8s_platform {
	k8s_conn conn;
	k8s_api api;
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
} k8s_platform;


/* platform.c */
/* Print a command: on stdout in --dry-run, to the log otherwise. */
void k8s_say(k8s_platform *p, const k8s_argv *a);

/* pods.c */
const char *k8s_pod_str(const json_t *pod, const char *a, const char *b);
void k8s_pods_path(k8s_platform *p, char *buf, size_t size, const char *extra);
int k8s_pods_cmp(const void *a, const void *b);     /* json_t * by name */
/* List and watch the release's pods until ready; *pods gets the ready
 * ones (an array, NULL in --dry-run). */
int k8s_pods_wait(k8s_platform *p, json_t **pods, char *err);
void k8s_node_from_pod(k8s_platform *p, dt_node *n, const json_t *pod);
int k8s_pods_restart(k8s_platform *p, dt_node *n, char *err);
int k8s_pod_restarts(k8s_platform *p, const dt_node *n, long long *count,
		     json_t **pod, char *err);
int k8s_wait_container_restart(k8s_platform *p, dt_node *n, char *err);
int k8s_forward_start(k8s_platform *p, size_t i, char *err);
void k8s_forward_stop(k8s_platform *p, size_t i);

/* orders.c */
int k8s_agent_order(k8s_platform *p, dt_node *n, const char *what, json_t *body,
		    json_t **resp, char *err);
/* POST what ("renew", "heal") to every agent ordered so far. */
void k8s_agent_all(k8s_platform *p, const char *what);
json_t *k8s_agent_target(const dt_node *n);
/* arg, or the pod IP a forwarded loopback address in it stands for,
 * written to buf (see orders.c). */
#define K8S_IP_ARG_SIZE 96
const char *k8s_forwarded_ip(k8s_platform *p, const char *arg,
			     char buf[K8S_IP_ARG_SIZE]);
void k8s_dry_run_nemeses(k8s_platform *p, const json_t *suite);

#endif /* DT_K8S_H */
