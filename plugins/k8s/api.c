/* SPDX-License-Identifier: MIT */
/*
 * api.c: the Kubernetes REST API, spoken with libcurl and jansson.  One
 * easy handle per call (calls come from the main thread, the nemesis
 * thread and the lease thread; a handle is cheap next to a round trip).
 * Errors carry the server's Status message, which says exactly what RBAC
 * refused or what already existed.  With dry_run every call is printed
 * and none is made.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "k8s.h"

#define MAX_BODY (64u << 20)

typedef struct buf {
	char *data;
	size_t len, cap;
} buf;

static int buf_add(buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > MAX_BODY)
			return -1;
		d = realloc(b->data, cap);
		if (d == NULL)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

char *k8s_escape(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in != '\0' && o + 4 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~/", ch) != NULL) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* A PEM certificate or key from memory: blob_opt gets the text (curl
 * copies it), type_opt "PEM". */
static void set_pem(CURL *h, CURLoption blob_opt, CURLoption type_opt,
		    char *pem, size_t len)
{
	struct curl_blob b = { pem, len, CURL_BLOB_COPY };

	curl_easy_setopt(h, blob_opt, &b);
	curl_easy_setopt(h, type_opt, "PEM");
}

static CURL *handle(k8s_api *api, const char *method, const char *path,
		    struct curl_slist **hdrs, const char *content_type,
		    const k8s_cred *cred, char *err)
{
	const k8s_conn *c = api->conn;
	CURL *h = curl_easy_init();
	char line[8192];
	char *url;

	if (h == NULL) {
		dt_fail(err, "curl_easy_init failed");
		return NULL;
	}
	url = dt_strdupf("%s%s", c->server, path);
	if (url == NULL) {
		curl_easy_cleanup(h);
		dt_fail(err, "out of memory");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	if (c->ca_data != NULL) {
		struct curl_blob b = { c->ca_data, c->ca_len, CURL_BLOB_COPY };

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	} else if (c->ca_file != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	}
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cred != NULL && cred->cert != NULL) {
		/* the exec plugin's certificate and key win over the
		 * kubeconfig's */
		set_pem(h, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLCERTTYPE, cred->cert,
			cred->cert_len);
		set_pem(h, CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEYTYPE, cred->key,
			cred->key_len);
	} else {
		if (c->cert_data != NULL)
			set_pem(h, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLCERTTYPE,
				c->cert_data, c->cert_len);
		else if (c->cert_file != NULL)
			curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
		if (c->key_data != NULL)
			set_pem(h, CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEYTYPE,
				c->key_data, c->key_len);
		else if (c->key_file != NULL)
			curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	*hdrs = curl_slist_append(NULL, "Accept: application/json");
	snprintf(line, sizeof(line), "Content-Type: %s",
		 content_type ? content_type : "application/json");
	*hdrs = curl_slist_append(*hdrs, line);
	if (cred != NULL && cred->token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", cred->token);
		*hdrs = curl_slist_append(*hdrs, line);
	} else if (c->token != NULL && (cred == NULL || cred->cert == NULL)) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", c->token);
		*hdrs = curl_slist_append(*hdrs, line);
	}
	if (api->proxy_header != NULL && strstr(path, "/proxy/") != NULL)
		*hdrs = curl_slist_append(*hdrs, api->proxy_header);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dt-k8s/" PACKAGE_VERSION);
	return h;
}

static void trace(k8s_api *api, const char *method, const char *path,
		  const json_t *body)
{
	char *s = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (api->trace != NULL) {
		fprintf(api->trace, "API %s %s%s%s\n", method, path,
			s ? " " : "", s ? s : "");
		fflush(api->trace);
	}
	dt_log(DT_LOG_DEBUG, "k8s: API %s %s", method, path);
	free(s);
}

/* "CODE Reason: message" from a Status object, or the raw text. */
static void status_message(const char *method, const char *path, long code,
			   const json_t *resp, const char *raw, char *err)
{
	const char *msg = json_string_value(json_object_get(resp, "message"));
	const char *reason = json_string_value(json_object_get(resp, "reason"));

	if (msg != NULL)
		dt_fail(err, "%s %s: %ld %s: %s", method, path, code,
			reason ? reason : "", msg);
	else
		dt_fail(err, "%s %s: HTTP %ld: %.200s", method, path, code,
			raw ? raw : "");
}

/* The exec plugin's credential when the user has one (else *cred is
 * left empty and the kubeconfig's own credentials are used). */
static int get_cred(k8s_api *api, k8s_cred *cred, char *err)
{
	memset(cred, 0, sizeof(*cred));
	if (api->conn->exec == NULL)
		return 0;
	return k8s_exec_get(api->conn->exec, cred, err);
}

static int request_once(k8s_api *api, const char *method, const char *path,
			const json_t *body, const char *content_type,
			json_t **resp, const k8s_cred *cred, char *err)
{
	struct curl_slist *hdrs = NULL;
	char *text = NULL;
	buf b = { 0 };
	long code = 0;
	CURLcode cc;
	CURL *h;
	int rc = -1;

	*resp = NULL;
	h = handle(api, method, path, &hdrs, content_type, cred, err);
	if (h == NULL)
		return -1;
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 api->timeout_ms > 0 ? api->timeout_ms : 30000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		dt_fail(err, "%s %s%s: %s", method, api->conn->server, path,
			curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (b.len > 0) {
		json_error_t je;

		*resp = json_loadb(b.data, b.len, 0, &je);
		if (*resp == NULL && code < 400) {
			dt_fail(err, "%s %s: HTTP %ld with a body that is not "
				"JSON: %s", method, path, code, je.text);
			goto out;
		}
	}
	if (code >= 400)
		status_message(method, path, code, *resp, b.data, err);
	rc = (int)code;
out:
	free(text);
	free(b.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

/*
 * With an exec plugin a 401 means its credential was revoked or
 * expired early: forget it and try once more with a fresh one, as
 * client-go does.
 */
int k8s_request(k8s_api *api, const char *method, const char *path,
		const json_t *body, const char *content_type, json_t **resp,
		char *err)
{
	k8s_cred cred;
	int rc;

	*resp = NULL;
	trace(api, method, path, body);
	if (api->dry_run)
		return 200;
	if (get_cred(api, &cred, err) != 0)
		return -1;
	rc = request_once(api, method, path, body, content_type, resp, &cred, err);
	if (rc == 401 && api->conn->exec != NULL) {
		k8s_exec_expire(api->conn->exec, cred.generation);
		k8s_cred_clear(&cred);
		json_decref(*resp);
		*resp = NULL;
		if (get_cred(api, &cred, err) != 0)
			return -1;
		rc = request_once(api, method, path, body, content_type, resp,
				  &cred, err);
	}
	k8s_cred_clear(&cred);
	return rc;
}

/* ---- watches ------------------------------------------------------------ */

typedef struct watch {
	buf line;
	k8s_watch_fn fn;
	void *arg;
	int result;    /* 1 done, -1 failed, 0 going on */
	char *err;
	CURL *h;
	long code;     /* the HTTP status, once known */
} watch;

static int watch_line(watch *w, const char *s, size_t n)
{
	json_error_t je;
	json_t *ev;
	const char *type;
	int rc;

	if (n == 0)
		return 0;
	ev = json_loadb(s, n, 0, &je);
	if (ev == NULL) {
		dt_fail(w->err, "watch: an event that is not JSON: %s", je.text);
		return -1;
	}
	type = json_string_value(json_object_get(ev, "type"));
	if (type == NULL) {
		json_decref(ev);
		dt_fail(w->err, "watch: an event without a type");
		return -1;
	}
	if (strcmp(type, "ERROR") == 0) {
		const json_t *o = json_object_get(ev, "object");

		dt_fail(w->err, "watch: %s (code %lld)",
			json_string_value(json_object_get(o, "message")) ?
			json_string_value(json_object_get(o, "message")) : "error",
			json_integer_value(json_object_get(o, "code")));
		json_decref(ev);
		return -1;
	}
	rc = w->fn(type, json_object_get(ev, "object"), w->arg, w->err);
	json_decref(ev);
	return rc;
}

static size_t on_watch(char *p, size_t size, size_t n, void *arg)
{
	watch *w = arg;
	size_t total = size * n;
	char *nl;

	if (w->result != 0)
		return 0;
	if (w->code == 0)
		curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->code);
	if (buf_add(&w->line, p, total) != 0) {
		dt_fail(w->err, "watch: an event larger than %u bytes", MAX_BODY);
		w->result = -1;
		return 0;
	}
	/* an error answer is one Status object, not events: keep it whole */
	while (w->code < 400 &&
	       (nl = memchr(w->line.data, '\n', w->line.len)) != NULL) {
		size_t len = (size_t)(nl - w->line.data);
		int rc = watch_line(w, w->line.data, len);

		memmove(w->line.data, nl + 1, w->line.len - len - 1);
		w->line.len -= len + 1;
		w->line.data[w->line.len] = '\0';
		if (rc != 0) {
			w->result = rc;
			return 0; /* stops the transfer */
		}
	}
	return total;
}

static int watch_once(k8s_api *api, const char *path, long timeout_ms,
		      k8s_watch_fn fn, void *arg, const k8s_cred *cred,
		      long *status, char *err)
{
	struct curl_slist *hdrs = NULL;
	watch w = { .fn = fn, .arg = arg, .err = err };
	long code = 0;
	CURLcode cc;
	CURL *h;

	h = handle(api, "GET", path, &hdrs, NULL, cred, err);
	if (h == NULL)
		return -1;
	w.h = h;
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_watch);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	*status = code;
	if (w.result == 0 && code >= 400) {
		json_t *resp = json_loadb(w.line.data ? w.line.data : "", w.line.len,
					  0, NULL);

		status_message("GET", path, code, resp, w.line.data, err);
		json_decref(resp);
		w.result = -1;
	} else if (w.result == 0 && w.line.len > 0) {
		/* A last event without its newline. */
		w.result = watch_line(&w, w.line.data, w.line.len);
	} else if (w.result == 0 && cc != CURLE_OK &&
		   cc != CURLE_OPERATION_TIMEDOUT) {
		dt_fail(err, "GET %s%s: %s", api->conn->server, path,
			curl_easy_strerror(cc));
		w.result = -1;
	}
	free(w.line.data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return w.result;
}

int k8s_watch(k8s_api *api, const char *path, long timeout_ms,
	      k8s_watch_fn fn, void *arg, char *err)
{
	k8s_cred cred;
	long code = 0;
	int rc;

	trace(api, "GET", path, NULL);
	if (api->dry_run)
		return 1;
	if (get_cred(api, &cred, err) != 0)
		return -1;
	rc = watch_once(api, path, timeout_ms, fn, arg, &cred, &code, err);
	if (rc < 0 && code == 401 && api->conn->exec != NULL) {
		/* no event was seen: a 401 answers before the stream */
		k8s_exec_expire(api->conn->exec, cred.generation);
		k8s_cred_clear(&cred);
		if (get_cred(api, &cred, err) != 0)
			return -1;
		rc = watch_once(api, path, timeout_ms, fn, arg, &cred, &code, err);
	}
	k8s_cred_clear(&cred);
	return rc;
}

bool k8s_pod_ready(const json_t *pod)
{
	const json_t *status = json_object_get(pod, "status");
	const char *phase = json_string_value(json_object_get(status, "phase"));
	size_t i;
	json_t *c;

	if (json_object_get(json_object_get(pod, "metadata"),
			    "deletionTimestamp") != NULL)
		return false;
	if (phase == NULL || strcmp(phase, "Running") != 0)
		return false;
	json_array_foreach(json_object_get(status, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *s = json_string_value(json_object_get(c, "status"));

		if (t != NULL && strcmp(t, "Ready") == 0)
			return s != NULL && strcmp(s, "True") == 0;
	}
	return false;
}
