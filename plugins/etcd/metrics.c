/* SPDX-License-Identifier: MIT */
/*
 * metrics.c: the etcd client's metrics: GET /metrics on every node
 * (Prometheus text, parsed by prom.c) on handles of the metrics thread,
 * cut down to the leader, leader changes, proposals, and the fsync,
 * commit, peer round trip and request latency histograms as
 * count/sum/p50/p99.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "prom.h"

static const char *const SCALARS[] = {
	"etcd_server_has_leader", "etcd_server_is_leader",
	"etcd_server_leader_changes_seen_total",
	"etcd_server_proposals_committed_total",
	"etcd_server_proposals_applied_total",
	"etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
	"etcd_mvcc_db_total_size_in_bytes", "etcd_server_slow_apply_total",
	NULL
};

static const char *const HISTOGRAMS[] = {
	"grpc_server_handling_seconds",
	"etcd_disk_wal_fsync_duration_seconds",
	"etcd_disk_backend_commit_duration_seconds",
	"etcd_network_peer_round_trip_time_seconds",
	NULL
};

#define NSCALARS (sizeof(SCALARS) / sizeof(SCALARS[0]) - 1)
#define NHISTS (sizeof(HISTOGRAMS) / sizeof(HISTOGRAMS[0]) - 1)

typedef struct scrape {
	double scalar[NSCALARS];
	bool seen[NSCALARS];
	etcd_prom_hist hist[NHISTS];
} scrape;

static int on_sample(const etcd_prom_sample *s, void *arg)
{
	scrape *sc = arg;

	for (size_t i = 0; i < NSCALARS; i++)
		if (strcmp(s->name, SCALARS[i]) == 0) {
			/* Summed over labels (proposals by type, ...). */
			sc->scalar[i] += s->value;
			sc->seen[i] = true;
			return 0;
		}
	for (size_t i = 0; i < NHISTS; i++)
		if (etcd_prom_hist_add(&sc->hist[i], s))
			return 0;
	return 0;
}

/* The figures of a /metrics text, as a JSON object (new reference). */
static json_t *metrics_from_text(const char *text, size_t len)
{
	scrape *sc = calloc(1, sizeof(*sc));
	json_t *out = json_pack("{sb}", "up", 1);

	if (sc == NULL)
		return out;
	for (size_t i = 0; i < NHISTS; i++)
		sc->hist[i].name = HISTOGRAMS[i];
	etcd_prom_parse(text, len, on_sample, sc);
	for (size_t i = 0; i < NSCALARS; i++)
		if (sc->seen[i])
			json_object_set_new(out, SCALARS[i], json_real(sc->scalar[i]));
	for (size_t i = 0; i < NHISTS; i++) {
		const etcd_prom_hist *h = &sc->hist[i];
		double p50 = etcd_prom_hist_quantile(h, 0.5);
		double p99 = etcd_prom_hist_quantile(h, 0.99);
		json_t *o;

		if (!h->seen)
			continue;
		o = json_pack("{sfsf}", "count", h->total, "sum", h->sum);
		if (!isnan(p50))
			json_object_set_new(o, "p50", json_real(p50));
		if (!isnan(p99))
			json_object_set_new(o, "p99", json_real(p99));
		json_object_set_new(out, HISTOGRAMS[i], o);
	}
	free(sc);
	return out;
}

/* The figures of node i, or {"up": false, "error": why}. */
static json_t *node_metrics(void *data, size_t i)
{
	etcd_client *c = data;
	etcd_buf body = { 0 };
	char url[256], errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	json_t *out;

	if (c->metrics_h[i] == NULL)
		c->metrics_h[i] = etcd_handle_new(NULL, NULL, NULL);
	if (c->metrics_h[i] == NULL)
		return json_pack("{sbss}", "up", 0, "error", "no curl handle");
	etcd_url(&c->eps[i], "/metrics", url, sizeof(url));
	curl_easy_setopt(c->metrics_h[i], CURLOPT_URL, url);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_TIMEOUT_MS,
			 (long)(1000 * (c->timeout < 1 ? c->timeout : 1)));
	rc = curl_easy_perform(c->metrics_h[i]);
	curl_easy_getinfo(c->metrics_h[i], CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c->metrics_h[i], CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK || code != 200) {
		char msg[CURL_ERROR_SIZE + 64];

		snprintf(msg, sizeof(msg), "%s", rc != CURLE_OK ?
			 (errbuf[0] ? errbuf : curl_easy_strerror(rc)) : "HTTP error");
		free(body.data);
		return json_pack("{sbss}", "up", 0, "error", msg);
	}
	out = metrics_from_text(body.data ? body.data : "", body.len);
	free(body.data);
	return out;
}

json_t *etcd_metrics(void *data)
{
	etcd_client *c = data;

	return dt_endpoints_metrics(c->eps, c->neps, node_metrics, c);
}

/* dt_client_type.version: "etcdserver" of GET /version on every node
 * answering ("3.4.23", or "3.4.23,3.5.9" when they differ), or NULL.
 * Its own handles: it runs on the main thread, before the metrics. */
char *etcd_version(void *data)
{
	etcd_client *c = data;
	char *out = NULL;

	for (size_t i = 0; i < c->neps; i++) {
		etcd_buf body = { 0 };
		char url[256];
		long code = 0;
		CURL *h = etcd_handle_new(&body, NULL, NULL);
		json_t *j;
		const char *v;

		if (h == NULL)
			continue;
		etcd_url(&c->eps[i], "/version", url, sizeof(url));
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				 (long)(1000 * (c->timeout < 1 ? c->timeout : 1)));
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
		j = code == 200 && body.data ? json_loadb(body.data, body.len, 0, NULL) : NULL;
		v = json_string_value(json_object_get(j, "etcdserver"));
		if (v != NULL && (out == NULL || strstr(out, v) == NULL)) {
			char *n = out ? dt_strdupf("%s,%s", out, v) : dt_strdupf("%s", v);

			free(out);
			out = n;
		}
		json_decref(j);
		free(body.data);
	}
	return out;
}
