/* SPDX-License-Identifier: MIT */
/*
 * kubeconfig.c: how the k8s platform reaches the cluster.  Reads the
 * standard kubeconfig ($KUBECONFIG, ~/.kube/config) through the core's
 * YAML loader, follows the current (or the given) context to its cluster
 * and user, and keeps server, CA, client certificate and key (files or
 * inline data), bearer token, exec credential plugin (exec.c) and
 * namespace.  $KUBECONFIG may list several files, merged as kubectl
 * merges them.  Without a kubeconfig, inside a pod, it uses the pod's
 * service account instead.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "k8s.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void k8s_conn_clear(k8s_conn *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_data);
	free(c->key_data);
	free(c->token);
	free(c->namespace);
	free(c->context);
	free(c->kubeconfig);
	k8s_exec_free(c->exec);
	memset(c, 0, sizeof(*c));
}

static char *read_small_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(65537);
	if (buf != NULL) {
		n = fread(buf, 1, 65536, f);
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (len != NULL)
			*len = n;
	}
	fclose(f);
	return buf;
}

/* A path of the kubeconfig, made absolute against its folder. */
static char *resolve(const char *kubeconfig, const char *p)
{
	const char *slash;

	if (p[0] == '/' || (slash = strrchr(kubeconfig, '/')) == NULL)
		return strdup(p);
	return dt_strdupf("%.*s/%s", (int)(slash - kubeconfig), kubeconfig, p);
}

/* The kubeconfig files in use, merged as kubectl does: the first file
 * that names a cluster, user or context wins, and the current-context
 * is the first file's that sets one. */
#define MAX_FILES 16

typedef struct kfiles {
	dt_doc *doc[MAX_FILES];
	size_t n;
} kfiles;

/* The entry `name` of a kubeconfig list (clusters, users, contexts),
 * *from set to the document it came from (for relative paths). */
static const json_t *named(const kfiles *k, const char *list,
			   const char *name, const char *member,
			   const dt_doc **from)
{
	size_t i, f;
	json_t *e;

	for (f = 0; f < k->n; f++) {
		json_array_foreach(json_object_get(k->doc[f]->root, list), i, e) {
			const char *n = json_string_value(json_object_get(e, "name"));

			if (n != NULL && strcmp(n, name) == 0) {
				*from = k->doc[f];
				return json_object_get(e, member);
			}
		}
	}
	return NULL;
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* certificate-authority / client-certificate / client-key: the file
 * form or the -data form (base64). */
static int take_pem(const dt_doc *doc, const json_t *obj, const char *key,
		    const char *path, char **file, char **data, size_t *len,
		    char *err)
{
	char dkey[64];
	const char *f = str(obj, key), *d;

	snprintf(dkey, sizeof(dkey), "%s-data", key);
	d = str(obj, dkey);
	if (d != NULL) {
		*data = (char *)dt_base64_decode(d, strlen(d), len);
		if (*data == NULL)
			return dt_fail(err, "%s: %s of %s: not valid base64",
				       doc->file, dkey, path);
	} else if (f != NULL) {
		*file = resolve(doc->file, f);
	}
	return 0;
}

static int load_files(k8s_conn *c, const kfiles *k, const char *context,
		      char *err)
{
	const json_t *ctx, *cluster, *user = NULL;
	const dt_doc *cdoc = NULL, *cldoc = NULL, *udoc = NULL;
	const char *cname = context, *clname, *uname, *s, *file;
	size_t f, len = 0;

	for (f = 0; f < k->n && (cname == NULL || cname[0] == '\0'); f++)
		cname = str(k->doc[f]->root, "current-context");
	/* the file named in messages: the first (usually the only) one */
	file = k->doc[0]->file;
	if (cname == NULL || cname[0] == '\0')
		return dt_fail(err, "%s%s: no current-context (set one, or give "
			       "platform.context)", file, k->n > 1 ? " (merged)" : "");
	ctx = named(k, "contexts", cname, "context", &cdoc);
	if (!json_is_object(ctx))
		return dt_fail(err, "%s%s: no context named '%s'", file,
			       k->n > 1 ? " (merged)" : "", cname);
	file = cdoc->file;
	clname = str(ctx, "cluster");
	uname = str(ctx, "user");
	cluster = clname ? named(k, "clusters", clname, "cluster", &cldoc) : NULL;
	if (!json_is_object(cluster) || str(cluster, "server") == NULL)
		return dt_fail(err, "%s: context '%s': no cluster '%s' with a server",
			       file, cname, clname ? clname : "");
	if (uname != NULL) {
		user = named(k, "users", uname, "user", &udoc);
		if (!json_is_object(user))
			return dt_fail(err, "%s: context '%s': no user named '%s'",
				       file, cname, uname);
	}
	c->server = strdup(str(cluster, "server"));
	{
		size_t n = strlen(c->server);

		while (n > 0 && c->server[n - 1] == '/')
			c->server[--n] = '\0';
	}
	c->insecure = json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
	if (take_pem(cldoc, cluster, "certificate-authority", clname,
		     &c->ca_file, &c->ca_data, &c->ca_len, err) != 0)
		return -1;
	if (user != NULL) {
		const json_t *exec = json_object_get(user, "exec");

		file = udoc->file;
		if (take_pem(udoc, user, "client-certificate", uname,
			     &c->cert_file, &c->cert_data, &c->cert_len, err) != 0 ||
		    take_pem(udoc, user, "client-key", uname,
			     &c->key_file, &c->key_data, &c->key_len, err) != 0)
			return -1;
		if ((s = str(user, "token")) != NULL) {
			c->token = strdup(s);
		} else if ((s = str(user, "tokenFile")) != NULL) {
			char *p = resolve(file, s);

			c->token = p ? read_small_file(p, NULL) : NULL;
			if (c->token == NULL) {
				dt_fail(err, "%s: user '%s': cannot read tokenFile %s",
					file, uname, p ? p : s);
				free(p);
				return -1;
			}
			free(p);
		}
		if (json_is_object(exec)) {
			/* as kubectl: a command with a slash is relative to
			 * the kubeconfig that names it, else found on $PATH */
			const char *cmd = str(exec, "command");
			char where[4200];
			char *abs = cmd && strchr(cmd, '/') ? resolve(file, cmd) :
				(cmd ? strdup(cmd) : NULL);

			snprintf(where, sizeof(where), "%s: user '%s'", file, uname);
			c->exec = k8s_exec_new(exec, abs, cluster, c->ca_file,
					       where, err);
			free(abs);
			if (c->exec == NULL)
				return -1;
		} else if (json_object_get(user, "auth-provider") != NULL &&
			   c->token == NULL) {
			dt_log(DT_LOG_WARN, "k8s: %s: user '%s' uses an "
			       "auth-provider, which DT does not run (use its exec "
			       "plugin instead); API calls go unauthenticated",
			       file, uname);
		}
	}
	s = str(ctx, "namespace");
	c->namespace = strdup(s != NULL && s[0] != '\0' ? s : "default");
	c->context = strdup(cname);
	for (f = 0; f < k->n; f++)
		len += strlen(k->doc[f]->file) + 1;
	c->kubeconfig = calloc(1, len + 1);
	for (f = 0; f < k->n && c->kubeconfig != NULL; f++) {
		if (f > 0)
			strcat(c->kubeconfig, ":");
		strcat(c->kubeconfig, k->doc[f]->file);
	}
	return 0;
}

/*
 * Load a colon list of kubeconfig files and merge them.  Files of the
 * list that do not exist are skipped (as kubectl does) unless must is
 * set; a file that exists but does not parse is an error.
 */
static int load_list(k8s_conn *c, const char *list, bool must,
		     const char *context, char *err)
{
	char e[DT_ERRBUF_SIZE], buf[4096];
	kfiles k = { .n = 0 };
	const char *p = list;
	struct stat st;
	size_t f;
	int rc = -1;

	while (*p != '\0') {
		size_t n = strcspn(p, ":");

		if (n > 0 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (must || stat(buf, &st) == 0) {
				if (k.n == MAX_FILES) {
					dt_fail(err, "kubeconfig: more than %d files "
						"in %s", MAX_FILES, list);
					goto out;
				}
				k.doc[k.n] = dt_doc_load(buf, e);
				if (k.doc[k.n] == NULL) {
					dt_fail(err, "kubeconfig: %s", e);
					goto out;
				}
				k.n++;
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
	if (k.n == 0) {
		rc = 1;	/* none there */
		goto out;
	}
	rc = load_files(c, &k, context, err);
out:
	for (f = 0; f < k.n; f++)
		dt_doc_free(k.doc[f]);
	if (rc < 0)
		k8s_conn_clear(c);
	return rc;
}

int k8s_conn_in_cluster(k8s_conn *c, char *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("DT_K8S_SA_DIR");
	char path[4096];

	if (dir == NULL)
		dir = SA_DIR;
	if (host == NULL)
		return dt_fail(err, "not in a cluster ($KUBERNETES_SERVICE_HOST "
			       "is not set) and no kubeconfig found");
	memset(c, 0, sizeof(*c));
	/* An IPv6 service address needs brackets. */
	c->server = dt_strdupf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
			       host, port ? port : "443");
	if (c->server == NULL)
		return dt_fail(err, "out of memory");
	snprintf(path, sizeof(path), "%s/token", dir);
	c->token = read_small_file(path, NULL);
	if (c->token == NULL) {
		dt_fail(err, "in-cluster: cannot read %s: %s", path, strerror(errno));
		k8s_conn_clear(c);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	c->ca_file = strdup(path);
	snprintf(path, sizeof(path), "%s/namespace", dir);
	c->namespace = read_small_file(path, NULL);
	if (c->namespace == NULL)
		c->namespace = strdup("default");
	c->in_cluster = true;
	return 0;
}

int k8s_conn_load(k8s_conn *c, const char *path, const char *context,
		  char *err)
{
	const char *env = getenv("KUBECONFIG");
	char buf[4096];
	struct stat st;
	int rc;

	memset(c, 0, sizeof(*c));
	if (path != NULL) {
		/* one file must exist; a list (from a state file) merges */
		rc = load_list(c, path, strchr(path, ':') == NULL, context, err);
		if (rc > 0)
			return dt_fail(err, "kubeconfig: none of %s exists", path);
		return rc;
	}
	if (env != NULL && env[0] != '\0') {
		/* a colon list, merged as kubectl merges it */
		rc = load_list(c, env, false, context, err);
		if (rc <= 0)
			return rc;
	}
	if (getenv("KUBERNETES_SERVICE_HOST") != NULL &&
	    (env == NULL || env[0] == '\0'))
		return k8s_conn_in_cluster(c, err);
	if (getenv("HOME") != NULL) {
		snprintf(buf, sizeof(buf), "%s/.kube/config", getenv("HOME"));
		if (stat(buf, &st) == 0)
			return load_list(c, buf, true, context, err);
	}
	return dt_fail(err, "no kubeconfig ($KUBECONFIG, ~/.kube/config) and "
		       "not inside a cluster");
}
