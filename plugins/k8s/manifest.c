/* SPDX-License-Identifier: MIT */
/*
 * manifest.c: the chart's extra `crd` and `rbac` manifests.  A manifest
 * is a file or an http(s) URL of YAML documents separated by `---`; each
 * goes through the core's YAML loader (one document at a time, so that
 * errors keep their line numbers) into JSON, ready to POST.  A `List`
 * is flattened into its items.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "k8s.h"

/* Kinds whose plural is not kind + "s", and kinds that live outside any
 * namespace.  Anything else is namespaced, lowercase kind + "s". */
static const struct {
	const char *kind, *plural;
	bool cluster;
} kinds[] = {
	{ "CustomResourceDefinition", "customresourcedefinitions", true },
	{ "ClusterRole", "clusterroles", true },
	{ "ClusterRoleBinding", "clusterrolebindings", true },
	{ "Namespace", "namespaces", true },
	{ "PersistentVolume", "persistentvolumes", true },
	{ "StorageClass", "storageclasses", true },
	{ "PriorityClass", "priorityclasses", true },
	{ "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", true },
	{ "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", true },
	{ "NetworkPolicy", "networkpolicies", false },
	{ "Ingress", "ingresses", false },
	{ "IngressClass", "ingressclasses", true },
	{ "PodSecurityPolicy", "podsecuritypolicies", true },
	{ "Endpoints", "endpoints", false },
};

int k8s_manifest_path(const json_t *obj, const char *ns, char *out,
		      size_t size, char *err)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *ons = json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "namespace"));
	char plural[128], prefix[256];
	bool cluster = false;
	size_t i, n;

	if (api == NULL || kind == NULL)
		return dt_fail(err, "a manifest without apiVersion or kind");
	n = strlen(kind);
	if (n + 3 > sizeof(plural))
		return dt_fail(err, "kind '%s' is too long", kind);
	for (i = 0; i < n; i++)
		plural[i] = (char)tolower((unsigned char)kind[i]);
	if (n > 0 && plural[n - 1] == 's')
		strcpy(plural + n, "es");
	else if (n > 1 && plural[n - 1] == 'y' && !strchr("aeiou", plural[n - 2]))
		strcpy(plural + n - 1, "ies");
	else
		strcpy(plural + n, "s");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].kind, kind) == 0) {
			snprintf(plural, sizeof(plural), "%s", kinds[i].plural);
			cluster = kinds[i].cluster;
			break;
		}
	}
	if (strchr(api, '/') == NULL)
		snprintf(prefix, sizeof(prefix), "/api/%s", api);
	else
		snprintf(prefix, sizeof(prefix), "/apis/%s", api);
	if (cluster)
		snprintf(out, size, "%s/%s", prefix, plural);
	else
		snprintf(out, size, "%s/namespaces/%s/%s", prefix,
			 ons ? ons : ns, plural);
	return 0;
}

typedef struct fetched {
	char *data;
	size_t len;
} fetched;

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	fetched *f = arg;
	char *d;

	if (f->len + size * n > DT_YAML_MAX_BYTES)
		return 0;
	d = realloc(f->data, f->len + size * n + 1);
	if (d == NULL)
		return 0;
	memcpy(d + f->len, p, size * n);
	f->data = d;
	f->len += size * n;
	d[f->len] = '\0';
	return size * n;
}

static char *fetch(const char *url, size_t *len, char *err)
{
	fetched f = { 0 };
	CURL *h = curl_easy_init();
	CURLcode cc;
	long code = 0;

	if (h == NULL) {
		dt_fail(err, "curl_easy_init failed");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK || code >= 400) {
		dt_fail(err, "%s: %s", url, cc != CURLE_OK ?
			curl_easy_strerror(cc) : "HTTP error");
		free(f.data);
		return NULL;
	}
	*len = f.len;
	if (f.data == NULL)
		f.data = strdup("");
	return f.data;
}

static char *slurp(const char *path, size_t *len, char *err)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL) {
		dt_fail(err, "%s: cannot open", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || (unsigned long)n > DT_YAML_MAX_BYTES) {
		fclose(f);
		dt_fail(err, "%s: too large", path);
		return NULL;
	}
	data = malloc((size_t)n + 1);
	if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		fclose(f);
		dt_fail(err, "%s: cannot read", path);
		return NULL;
	}
	data[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return data;
}

/* Add one parsed document (or a List's items) to docs. */
static void add_doc(json_t *docs, json_t *root)
{
	const char *kind = json_string_value(json_object_get(root, "kind"));

	if (kind != NULL && strcmp(kind, "List") == 0 &&
	    json_is_array(json_object_get(root, "items"))) {
		size_t i;
		json_t *e;

		json_array_foreach(json_object_get(root, "items"), i, e)
			json_array_append(docs, e);
		return;
	}
	json_array_append(docs, root);
}

static bool separator(const char *line, size_t n)
{
	size_t i = 3;

	if (n < 3 || strncmp(line, "---", 3) != 0)
		return false;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	return i == n || line[i] == '#';
}

int k8s_manifest_load(const char *location, const char *base_dir,
		      json_t *docs, char *err)
{
	char path[4096], e[DT_ERRBUF_SIZE];
	char *text;
	size_t len, start = 0, pos = 0, first_line = 1, line = 1;
	int rc = -1;

	if (strncmp(location, "http://", 7) == 0 ||
	    strncmp(location, "https://", 8) == 0) {
		snprintf(path, sizeof(path), "%s", location);
		text = fetch(location, &len, err);
	} else {
		if (location[0] == '/' || base_dir == NULL)
			snprintf(path, sizeof(path), "%s", location);
		else
			snprintf(path, sizeof(path), "%s/%s", base_dir, location);
		text = slurp(path, &len, err);
	}
	if (text == NULL)
		return -1;
	/* Split on `---` lines; pad each piece with the newlines before it
	 * so that the loader's line numbers are those of the file. */
	while (pos <= len) {
		size_t eol = pos;

		while (eol < len && text[eol] != '\n')
			eol++;
		if (eol >= len || separator(text + pos, eol - pos)) {
			size_t end = separator(text + pos, eol - pos) ? pos : len;
			size_t pad = first_line - 1;
			char *piece = malloc(pad + (end - start) + 1);
			dt_doc *doc;

			if (piece == NULL) {
				dt_fail(err, "out of memory");
				goto out;
			}
			memset(piece, '\n', pad);
			memcpy(piece + pad, text + start, end - start);
			piece[pad + end - start] = '\0';
			doc = dt_doc_parse(path, piece, pad + end - start, e);
			free(piece);
			if (doc == NULL) {
				dt_fail(err, "%s", e);
				goto out;
			}
			if (json_is_object(doc->root))
				add_doc(docs, doc->root);
			else if (doc->root != NULL && !json_is_null(doc->root)) {
				dt_fail(err, "%s:%zu: expected a Kubernetes object "
					"(a mapping)", path, first_line);
				dt_doc_free(doc);
				goto out;
			}
			dt_doc_free(doc);
			start = eol + 1;
			first_line = line + 1;
		}
		if (eol >= len)
			break;
		pos = eol + 1;
		line++;
	}
	rc = 0;
out:
	free(text);
	return rc;
}
