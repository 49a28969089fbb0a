/* SPDX-License-Identifier: MIT */
/*
 * exec.c: client-go credential plugins (`users[].user.exec` in a
 * kubeconfig), the way EKS (aws eks get-token), GKE
 * (gke-gcloud-auth-plugin) and AKS (kubelogin) clusters authenticate.
 *
 * The command runs without a shell (dt_command_run: command + args, the
 * command looked up on $PATH when it has no slash), with the
 * environment of dt-run plus the `env` entries and KUBERNETES_EXEC_INFO
 * (an ExecCredential whose spec says whether the plugin may be
 * interactive and, with provideClusterInfo, the cluster).  Its stdout
 * must be one ExecCredential of the same apiVersion whose status holds
 * a token or a client certificate and key; stderr goes to ours.  The
 * credential is cached until its expirationTimestamp (for ever without
 * one) and dropped when the API answers 401 to it, so the next call
 * runs the plugin again.  Calls come from several threads: the cache
 * is behind a mutex, and the plugin runs at most once at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "k8s.h"

#define EXEC_TIMEOUT_S 120   /* a non-interactive plugin that hangs */
#define MAX_OUTPUT (1u << 20)

extern char **environ;

static const char V1[] = "client.authentication.k8s.io/v1";
static const char V1BETA1[] = "client.authentication.k8s.io/v1beta1";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(MAX_OUTPUT + 1);
	if (buf != NULL) {
		n = fread(buf, 1, MAX_OUTPUT, f);
		buf[n] = '\0';
		*len = n;
	}
	fclose(f);
	return buf;
}

void k8s_cred_clear(k8s_cred *c)
{
	free(c->token);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

void k8s_exec_free(k8s_exec_plugin *x)
{
	size_t i;

	if (x == NULL)
		return;
	free(x->api_version);
	free(x->command);
	for (i = 0; x->argv != NULL && x->argv[i] != NULL; i++)
		free(x->argv[i]);
	free(x->argv);
	for (i = 0; i < x->nenv; i++)
		free(x->env[i]);
	free(x->env);
	free(x->install_hint);
	free(x->info);
	free(x->info_tty);
	free(x->where);
	k8s_cred_clear(&x->cred);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

/* KUBERNETES_EXEC_INFO: {apiVersion, kind, spec: {interactive,
 * cluster?}}.  The cluster's CA always goes as data (base64, as Go
 * marshals []byte), read from the file when the kubeconfig names one. */
static char *exec_info(const char *version, bool interactive,
		       const json_t *cluster, const char *ca_file, char *err)
{
	json_t *spec = json_pack("{s:b}", "interactive", interactive);
	json_t *root = json_pack("{s:s, s:s, s:o}", "apiVersion", version,
				 "kind", "ExecCredential", "spec", spec);
	char *s = NULL;

	if (cluster != NULL) {
		json_t *cl = json_object();
		const char *k;
		json_t *v;
		size_t i;

		json_object_set_new(spec, "cluster", cl);
		json_object_foreach((json_t *)cluster, k, v) {
			if (strcmp(k, "server") == 0 ||
			    strcmp(k, "tls-server-name") == 0 ||
			    strcmp(k, "insecure-skip-tls-verify") == 0 ||
			    strcmp(k, "certificate-authority-data") == 0 ||
			    strcmp(k, "proxy-url") == 0 ||
			    strcmp(k, "disable-compression") == 0)
				json_object_set(cl, k, v);
		}
		if (json_object_get(cl, "certificate-authority-data") == NULL &&
		    ca_file != NULL) {
			size_t n;
			char *pem = slurp(ca_file, &n), *b;

			if (pem == NULL) {
				dt_fail(err, "cannot read certificate-authority %s "
					"for the exec plugin: %s", ca_file,
					strerror(errno));
				goto out;
			}
			b = dt_base64_encode(pem, n);
			free(pem);
			json_object_set_new(cl, "certificate-authority-data",
					    json_string(b ? b : ""));
			free(b);
		}
		/* the cluster's extension named client.authentication.k8s.io/exec */
		json_array_foreach(json_object_get(cluster, "extensions"), i, v) {
			const char *n = json_string_value(json_object_get(v, "name"));

			if (n != NULL && strcmp(n, "client.authentication.k8s.io/exec") == 0)
				json_object_set(cl, "config",
						json_object_get(v, "extension"));
		}
	}
	{
		char *j = json_dumps(root, JSON_COMPACT);

		s = j != NULL ? dt_strdupf("KUBERNETES_EXEC_INFO=%s", j) : NULL;
		if (s == NULL)
			dt_fail(err, "out of memory");
		free(j);
	}
out:
	json_decref(root);
	return s;
}

k8s_exec_plugin *k8s_exec_new(const json_t *exec, const char *command,
			      const json_t *cluster, const char *ca_file,
			      const char *where, char *err)
{
	const char *version = json_string_value(json_object_get(exec, "apiVersion"));
	const char *mode = json_string_value(json_object_get(exec, "interactiveMode"));
	const json_t *args = json_object_get(exec, "args");
	const char *hint = json_string_value(json_object_get(exec, "installHint"));
	k8s_exec_plugin *x;
	size_t i, n = 0;
	json_t *e;

	if (version == NULL || (strcmp(version, V1) != 0 &&
				strcmp(version, V1BETA1) != 0)) {
		dt_fail(err, "%s: exec: apiVersion must be %s or %s, not '%s'",
			where, V1, V1BETA1, version ? version : "");
		return NULL;
	}
	if (command == NULL || command[0] == '\0') {
		dt_fail(err, "%s: exec: no command", where);
		return NULL;
	}
	if (mode == NULL && strcmp(version, V1) == 0) {
		dt_fail(err, "%s: exec: interactiveMode must be given for %s",
			where, V1);
		return NULL;
	}
	if (mode != NULL && strcmp(mode, "Never") != 0 &&
	    strcmp(mode, "IfAvailable") != 0 && strcmp(mode, "Always") != 0) {
		dt_fail(err, "%s: exec: interactiveMode '%s' (Never, IfAvailable "
			"or Always)", where, mode);
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&x->lock, NULL);
	x->api_version = strdup(version);
	x->command = strdup(command);
	x->where = strdup(where);
	x->install_hint = hint ? strdup(hint) : NULL;
	x->mode = mode == NULL || strcmp(mode, "IfAvailable") == 0 ?
		K8S_EXEC_IF_AVAILABLE : strcmp(mode, "Never") == 0 ?
		K8S_EXEC_NEVER : K8S_EXEC_ALWAYS;
	x->argv = calloc(json_array_size(args) + 2, sizeof(char *));
	if (x->argv == NULL)
		goto oom;
	x->argv[0] = strdup(command);
	json_array_foreach(args, i, e) {
		if (!json_is_string(e)) {
			dt_fail(err, "%s: exec: args[%zu] is not a string", where, i);
			goto fail;
		}
		x->argv[i + 1] = strdup(json_string_value(e));
	}
	x->env = calloc(json_array_size(json_object_get(exec, "env")) + 1,
			sizeof(char *));
	if (x->env == NULL)
		goto oom;
	json_array_foreach(json_object_get(exec, "env"), i, e) {
		const char *k = json_string_value(json_object_get(e, "name"));
		const char *v = json_string_value(json_object_get(e, "value"));

		if (k == NULL || k[0] == '\0' || strchr(k, '=') != NULL) {
			dt_fail(err, "%s: exec: env[%zu] needs a name", where, i);
			goto fail;
		}
		x->env[n] = dt_strdupf("%s=%s", k, v ? v : "");
		if (x->env[n] == NULL)
			goto oom;
		x->nenv = ++n;
	}
	/* the spec's cluster only with provideClusterInfo; interactive is
	 * filled in per run (it depends on stdin), so keep both forms */
	x->cluster = json_is_true(json_object_get(exec, "provideClusterInfo"));
	x->info = exec_info(version, false, x->cluster ? cluster : NULL,
			    ca_file, err);
	if (x->info == NULL)
		goto fail;
	x->info_tty = exec_info(version, true, x->cluster ? cluster : NULL,
				ca_file, err);
	if (x->info_tty == NULL)
		goto fail;
	return x;
oom:
	dt_fail(err, "out of memory");
fail:
	k8s_exec_free(x);
	return NULL;
}

/* envp for the plugin: ours, minus names `env` or the info set, then
 * those. */
static char **plugin_env(const k8s_exec_plugin *x, const char *info)
{
	size_t n = 0, o = 0, i, j;
	char **envp;

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + x->nenv + 2, sizeof(char *));
	if (envp == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t klen = strcspn(environ[i], "=");
		bool dup = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;

		for (j = 0; j < x->nenv && !dup; j++)
			dup = strncmp(environ[i], x->env[j], klen + 1) == 0;
		if (!dup)
			envp[o++] = environ[i];
	}
	for (j = 0; j < x->nenv; j++)
		envp[o++] = x->env[j];
	envp[o++] = (char *)info;
	return envp;
}

/* RFC 3339 ("2026-11-25T10:00:00Z", "...:00.123+01:00") to time_t. */
static int parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = 0;

	if (p == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = (strtol(p + 1, NULL, 10) * 60 + strtol(p + 4, NULL, 10)) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

/* Parse what the plugin printed into x->cred.  0, or -1 with err. */
static int take_output(k8s_exec_plugin *x, const char *out, size_t len,
		       char *err)
{
	json_error_t je;
	json_t *root = json_loadb(out, len, 0, &je);
	const json_t *st;
	const char *v, *kind, *tok, *cert, *key, *exp;
	int rc = -1;

	if (root == NULL)
		return dt_fail(err, "%s: exec plugin %s printed no ExecCredential "
			       "(not JSON: %s)", x->where, x->command, je.text);
	v = json_string_value(json_object_get(root, "apiVersion"));
	kind = json_string_value(json_object_get(root, "kind"));
	if (kind == NULL || strcmp(kind, "ExecCredential") != 0) {
		dt_fail(err, "%s: exec plugin %s printed a '%s', not an "
			"ExecCredential", x->where, x->command, kind ? kind : "");
		goto out;
	}
	if (v == NULL || strcmp(v, x->api_version) != 0) {
		dt_fail(err, "%s: exec plugin %s is configured to use API version "
			"%s, it returned version '%s'", x->where, x->command,
			x->api_version, v ? v : "");
		goto out;
	}
	st = json_object_get(root, "status");
	tok = json_string_value(json_object_get(st, "token"));
	cert = json_string_value(json_object_get(st, "clientCertificateData"));
	key = json_string_value(json_object_get(st, "clientKeyData"));
	exp = json_string_value(json_object_get(st, "expirationTimestamp"));
	if (!json_is_object(st)) {
		dt_fail(err, "%s: exec plugin %s: the ExecCredential has no status",
			x->where, x->command);
		goto out;
	}
	if ((cert == NULL) != (key == NULL)) {
		dt_fail(err, "%s: exec plugin %s: status.clientCertificateData and "
			"status.clientKeyData must come together", x->where,
			x->command);
		goto out;
	}
	if ((tok == NULL || tok[0] == '\0') && cert == NULL) {
		dt_fail(err, "%s: exec plugin %s: status has neither a token nor "
			"a client certificate", x->where, x->command);
		goto out;
	}
	k8s_cred_clear(&x->cred);
	if (exp != NULL && parse_time(exp, &x->cred.expiry) != 0) {
		dt_fail(err, "%s: exec plugin %s: expirationTimestamp '%s' is not "
			"RFC 3339", x->where, x->command, exp);
		goto out;
	}
	x->cred.token = tok && tok[0] ? strdup(tok) : NULL;
	if (cert != NULL) {
		x->cred.cert = strdup(cert);
		x->cred.cert_len = strlen(cert);
		x->cred.key = strdup(key);
		x->cred.key_len = strlen(key);
	}
	x->cred.generation = ++x->generation;
	x->runs++;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Run the plugin once; stdout into a buffer, stderr to ours.  An
 * interactive run keeps our terminal: stdin, process group, no deadline. */
static int run_plugin(k8s_exec_plugin *x, char *err)
{
	bool interactive = false;
	char **envp = NULL, *out = NULL;
	dt_command c = { .argv = (const char *const *)x->argv,
			 .keep_stderr = true };
	int st, rc = -1;

	if (x->mode != K8S_EXEC_NEVER)
		interactive = isatty(0);
	if (x->mode == K8S_EXEC_ALWAYS && !interactive)
		return dt_fail(err, "%s: exec plugin %s needs interactiveMode "
			       "Always, but standard input is not a terminal",
			       x->where, x->command);
	envp = plugin_env(x, interactive ? x->info_tty : x->info);
	out = malloc(MAX_OUTPUT + 1);
	if (envp == NULL || out == NULL) {
		dt_fail(err, "out of memory");
		goto out;
	}
	c.envp = envp;
	c.keep_stdin = c.same_group = interactive;
	c.timeout = interactive ? 0 : EXEC_TIMEOUT_S;
	c.out = out;
	c.outlen = MAX_OUTPUT + 1;
	dt_log(DT_LOG_DEBUG, "k8s: %s: running exec plugin %s", x->where,
	       x->command);
	st = dt_command_run(&c, err);
	if (st < 0 && c.errnum == ENOENT && c.pid == 0) {
		dt_fail(err, "%s: exec plugin '%s' not found (PATH=%s)%s%s",
			x->where, x->command, getenv("PATH") ?
			getenv("PATH") : "", x->install_hint ? ": " : "",
			x->install_hint ? x->install_hint : "");
		goto out;
	}
	if (st < 0) {
		char why[DT_ERRBUF_SIZE];

		snprintf(why, sizeof(why), "%s", err);
		dt_fail(err, "%s: exec plugin %s", x->where, why);
		goto out;
	}
	if (st != 0) {
		bool hint = x->install_hint != NULL && st == 127 && c.signal == 0;

		dt_fail(err, "%s: exec plugin %s failed with %s %d%s%s", x->where,
			x->command, c.signal ? "signal" : "exit code",
			c.signal ? c.signal : st, hint ? ": " : "",
			hint ? x->install_hint : "");
		goto out;
	}
	rc = take_output(x, out, c.outused, err);
out:
	free(envp);
	free(out);
	return rc;
}

int k8s_exec_get(k8s_exec_plugin *x, k8s_cred *cred, char *err)
{
	int rc = 0;

	memset(cred, 0, sizeof(*cred));
	pthread_mutex_lock(&x->lock);
	if (x->cred.generation == 0 ||
	    (x->cred.expiry != 0 && time(NULL) >= x->cred.expiry))
		rc = run_plugin(x, err);
	if (rc == 0) {
		cred->token = x->cred.token ? strdup(x->cred.token) : NULL;
		cred->cert = x->cred.cert ? strdup(x->cred.cert) : NULL;
		cred->key = x->cred.key ? strdup(x->cred.key) : NULL;
		cred->cert_len = x->cred.cert_len;
		cred->key_len = x->cred.key_len;
		cred->expiry = x->cred.expiry;
		cred->generation = x->cred.generation;
	}
	pthread_mutex_unlock(&x->lock);
	return rc;
}

void k8s_exec_expire(k8s_exec_plugin *x, unsigned generation)
{
	pthread_mutex_lock(&x->lock);
	/* another thread may have refreshed it already */
	if (x->cred.generation == generation) {
		dt_log(DT_LOG_INFO, "k8s: %s: the API refused the credential of "
		       "exec plugin %s (401): running it again", x->where,
		       x->command);
		k8s_cred_clear(&x->cred);
	}
	pthread_mutex_unlock(&x->lock);
}
