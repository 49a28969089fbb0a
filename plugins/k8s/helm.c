/* SPDX-License-Identifier: MIT */
/*
 * helm.c: running the helm CLI (and kubectl port-forward): argv vectors,
 * printing them for --dry-run and the log, running them (dt/command.h)
 * with their output kept in a log file, and merging chart values.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s.h"

void k8s_argv_add(k8s_argv *a, const char *s)
{
	if (dt_grow(&a->v, &a->cap, a->n + 2, sizeof(*a->v)) != 0)
		abort();
	a->v[a->n] = strdup(s);
	if (a->v[a->n] == NULL)
		abort();
	a->n++;
	a->v[a->n] = NULL;
}

void k8s_argv_addf(k8s_argv *a, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	k8s_argv_add(a, buf);
}

void k8s_argv_free(k8s_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->env);
	memset(a, 0, sizeof(*a));
}

void k8s_argv_kubeconfig(k8s_argv *a, const char *kubeconfig)
{
	if (kubeconfig == NULL)
		return;
	if (strchr(kubeconfig, ':') == NULL) {
		k8s_argv_addf(a, "--kubeconfig=%s", kubeconfig);
		return;
	}
	free(a->env);
	a->env = dt_strdupf("KUBECONFIG=%s", kubeconfig);
}

char **k8s_argv_envp(const k8s_argv *a)
{
	extern char **environ;
	size_t n = 0, o = 0;
	char **envp;

	if (a->env == NULL)
		return NULL;
	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 2, sizeof(char *));
	if (envp == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "KUBECONFIG=", 11) != 0)
			envp[o++] = environ[i];
	envp[o] = a->env;
	return envp;
}

char *k8s_argv_string(const k8s_argv *a)
{
	size_t len = 1;
	char *s, *o;

	for (size_t i = 0; i < a->n; i++)
		len += strlen(a->v[i]) * 4 + 3;
	if (a->env != NULL)
		len += strlen(a->env) + 1;
	s = o = malloc(len);
	if (s == NULL)
		return NULL;
	if (a->env != NULL) {
		o = stpcpy(o, a->env);
		*o++ = ' ';
	}
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->v[i];
		bool quote = p[0] == '\0' || strpbrk(p, " \t\n'\"$\\;&|<>()*?[]{}!#`~") != NULL;

		if (i > 0)
			*o++ = ' ';
		if (!quote) {
			o = stpcpy(o, p);
			continue;
		}
		*o++ = '\'';
		for (; *p != '\0'; p++) {
			if (*p == '\'')
				o = stpcpy(o, "'\\''");
			else
				*o++ = *p;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return s;
}

int k8s_run(const k8s_argv *a, const char *log_path, double timeout_s,
	    char *out, size_t outlen, char *err)
{
	char **envp = k8s_argv_envp(a);
	dt_command c = {
		.argv = (const char *const *)a->v, .envp = envp,
		.timeout = timeout_s, .out = out, .outlen = outlen,
		.keep_tail = true, /* the reason helm failed is at the end */
		.log_path = log_path,
	};
	int st;

	/* The log starts with the command; one that can not be opened is
	 * a warning, not a reason to leave helm unrun. */
	if (log_path != NULL) {
		FILE *f = fopen(log_path, "ae");
		char *s = k8s_argv_string(a);
		bool ok = f != NULL;

		if (f != NULL && s != NULL && fprintf(f, "$ %s\n", s) < 0)
			ok = false;
		if (f != NULL && fclose(f) != 0)
			ok = false;
		if (!ok) {
			dt_log(DT_LOG_WARN, "k8s: cannot write %s", log_path);
			c.log_path = NULL;
		}
		free(s);
	}
	st = dt_command_run(&c, err);
	free(envp);
	if (c.signal != 0 && st > 0)
		return dt_fail(err, "%s: killed by signal %d", a->v[0], c.signal);
	return st;
}

void k8s_merge(json_t *dst, const json_t *src)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)src, key, v) {
		json_t *d = json_object_get(dst, key);

		if (json_is_object(d) && json_is_object(v))
			k8s_merge(d, v);
		else
			json_object_set_new(dst, key, json_deep_copy(v));
	}
}
