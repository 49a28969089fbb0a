/* SPDX-License-Identifier: MIT */
/*
 * common.c: what the disk nemeses share (see disk.h): the checks at
 * validate and create, one request to a node's dt-faultfs, killing and
 * restarting the targets.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "proto.h"

/* Whether a section says disk: faulty. */
static bool says_faulty(const json_t *section)
{
	const json_t *d = json_is_object(section) ? json_object_get(section, "disk") : NULL;

	return json_is_string(d) && strcmp(json_string_value(d), "faulty") == 0;
}

int dk_validate_disk(const dt_validate_env *env, char *err)
{
	const json_t *sp = json_object_get(env->suite, "platform");
	const json_t *cl = env->chart ? json_object_get(env->chart, "local") : NULL;

	if (dt_validate_nodes(env, err) != 0)
		return -1;
	/* The local platform says at validate whether its nodes get
	 * dt-faultfs; another platform answers at create (its disk
	 * callback, or none). */
	if (env->platform != NULL && strcmp(env->platform, "local") == 0 &&
	    !says_faulty(sp) && !(json_object_get(sp, "disk") == NULL &&
				  says_faulty(cl)))
		return dt_fail(err, "%s needs the nodes' data on dt-faultfs: add "
			       "`disk: faulty` to the chart's local: section or "
			       "to the suite's platform: section", env->name);
	return 0;
}

int dk_call(dk_nemesis *k, size_t i, json_t *request, json_t **reply, char *err)
{
	char e[DT_ERRBUF_SIZE];

	if (k->platform->disk(k->platform_data, &k->nodes[i], request, reply, e) != 0)
		return dt_fail(err, "node %s: %s", k->nodes[i].name, e);
	return 0;
}

dk_nemesis *dk_create(const char *name, const dt_nemesis_env *env, char *err)
{
	dk_nemesis *k;

	if (env->platform == NULL || env->platform->signal == NULL ||
	    env->platform->restart == NULL || env->platform->disk == NULL) {
		dt_fail(err, "%s needs a platform with a fault filesystem under "
			"each node (local with disk: faulty)", name);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->killed = calloc(env->nnodes + 1, sizeof(*k->killed))) == NULL ||
	    (k->rule_ids = calloc(env->nnodes + 1, sizeof(*k->rule_ids))) == NULL) {
		dk_destroy(k);
		dt_fail(err, "out of memory");
		return NULL;
	}
	k->name = name;
	k->platform = env->platform;
	k->platform_data = env->platform_data;
	k->nodes = env->nodes;
	k->n = env->nnodes;
	k->config = env->config;
	/* Every node answers now, or the run does not start. */
	for (size_t i = 0; i < k->n; i++) {
		json_t *ping = json_pack("{s:s}", "cmd", "ping");
		int rc = dk_call(k, i, ping, NULL, err);

		json_decref(ping);
		if (rc != 0) {
			dk_destroy(k);
			return NULL;
		}
	}
	return k;
}

void dk_destroy(dk_nemesis *k)
{
	if (k == NULL)
		return;
	free(k->killed);
	free(k->rule_ids);
	free(k);
}

static json_t *pids_json(const dt_node *nd)
{
	json_t *a = json_array();

	for (size_t j = 0; j < nd->npids; j++)
		json_array_append_new(a, json_integer(nd->pids[j]));
	return a;
}

int dk_kill(dk_nemesis *k, const size_t *targets, size_t ntargets,
	    json_t *killed, char *err)
{
	char e[DT_ERRBUF_SIZE];

	k->nkilled = 0;
	for (size_t t = 0; t < ntargets; t++) {
		dt_node *nd = &k->nodes[targets[t]];
		json_t *before = pids_json(nd);

		if (k->platform->signal(k->platform_data, nd, SIGKILL, e) != 0) {
			json_decref(before);
			dt_fail(err, "node %s: %s", nd->name, e);
			/* Undo: bring back the ones already killed. */
			for (size_t j = 0; j < k->nkilled; j++)
				k->platform->restart(k->platform_data,
						     &k->nodes[k->killed[j]], e);
			k->nkilled = 0;
			return -1;
		}
		k->killed[k->nkilled++] = targets[t];
		json_array_append_new(killed, json_pack("{s:s, s:o}", "node",
							nd->name, "pids", before));
	}
	return 0;
}

int dk_restart(dk_nemesis *k, json_t *restarted, char *err)
{
	char e[DT_ERRBUF_SIZE];
	int failed = 0;

	/* Together where the platform can: a cluster all of whose members
	 * were down needs a quorum of them back before any is ready. */
	if (k->platform->restart_nodes != NULL && k->nkilled > 1) {
		dt_node **nodes = calloc(k->nkilled, sizeof(*nodes));
		int rc;

		if (nodes == NULL)
			return dt_fail(err, "out of memory");
		for (size_t j = 0; j < k->nkilled; j++)
			nodes[j] = &k->nodes[k->killed[j]];
		rc = k->platform->restart_nodes(k->platform_data, nodes, k->nkilled, e);
		free(nodes);
		for (size_t j = 0; j < k->nkilled; j++) {
			dt_node *nd = &k->nodes[k->killed[j]];

			json_array_append_new(restarted, rc == 0 ?
				json_pack("{s:s, s:o}", "node", nd->name, "pids",
					  pids_json(nd)) :
				json_pack("{s:s, s:s}", "node", nd->name, "error", e));
		}
		k->nkilled = 0;
		return rc == 0 ? 0 : dt_fail(err, "restarting: %s", e);
	}
	for (size_t j = 0; j < k->nkilled; j++) {
		dt_node *nd = &k->nodes[k->killed[j]];

		if (k->platform->restart(k->platform_data, nd, e) != 0) {
			dt_fail(err, "restarting %s: %s", nd->name, e);
			json_array_append_new(restarted, json_pack("{s:s, s:s}",
				"node", nd->name, "error", e));
			failed++;
			continue;
		}
		json_array_append_new(restarted, json_pack("{s:s, s:o}", "node",
			nd->name, "pids", pids_json(nd)));
	}
	k->nkilled = 0;
	return failed ? -1 : 0;
}

json_int_t dk_seed(dt_rng *rng)
{
	/* 53 bits: exact as a JSON number in any reader. */
	return (json_int_t)(dt_rng_next(rng) >> 11);
}

int dk_check_request(const json_t *config, const json_t *request, char *err)
{
	char *text = json_dumps(request, JSON_COMPACT);
	char e[DT_ERRBUF_SIZE];
	ff_request req;
	int rc;

	if (text == NULL)
		return dt_fail(err, "out of memory");
	rc = ff_request_parse(text, strlen(text), &req, e, sizeof(e));
	free(text);
	if (rc != 0)
		return dt_conf_fail(config, NULL, err, "dt-faultfs would refuse "
				    "it: %s", e);
	return 0;
}
