/*
 * roles.c: which member leads now, for faults aimed at a role
 * (dt_client_type.roles): each member's maintenance status (POST
 * /v3/maintenance/status) names the leader's member id, and a member
 * whose own id is that one is the leader.  Two can say so at once: a
 * leader cut off by a partition goes on calling itself leader, at its
 * old raft term, after the majority has elected another; the one of the
 * highest term leads, the others are "deposed" (a real etcd-set run
 * aimed a kill at both).  Runs on the nemesis thread
 * beside the workers and the metrics thread: each call makes its own
 * curl handles, and bounds each request to half a second.
 */
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

/* What member i says: 1 it leads, 2 it follows a leader, 0 unreachable
 * or without a leader; *term its raft term. */
static int member_role(etcd_client *c, size_t i, unsigned long long *term)
{
	etcd_conn k = { .c = c, .ep = i };
	json_t *r;
	char *error = NULL;
	dt_op_type t;
	const char *self, *leader;
	int kind = 0;

	k.headers = curl_slist_append(NULL, "Content-Type: application/json");
	k.h = etcd_handle_new(&k.body, k.errbuf, k.headers);
	if (k.h == NULL || k.headers == NULL)
		goto out;
	dt_deadline_set(&k.deadline, 0.5);
	r = etcd_post(&k, "/v3/maintenance/status", json_object(), &error, &t);
	self = json_string_value(json_object_get(json_object_get(r, "header"), "member_id"));
	leader = json_string_value(json_object_get(r, "leader"));
	*term = strtoull(json_string_value(json_object_get(r, "raftTerm")) ?
			 json_string_value(json_object_get(r, "raftTerm")) : "0", NULL, 10);
	if (self != NULL && leader != NULL && strcmp(leader, "0") != 0)
		kind = strcmp(self, leader) == 0 ? 1 : 2;
	json_decref(r);
out:
	free(error);
	if (k.h != NULL)
		curl_easy_cleanup(k.h);
	curl_slist_free_all(k.headers);
	free(k.body.data);
	return kind;
}

json_t *etcd_roles(void *data)
{
	etcd_client *c = data;
	json_t *out = json_object();
	int *kind = calloc(c->neps ? c->neps : 1, sizeof(*kind));
	unsigned long long *term = calloc(c->neps ? c->neps : 1, sizeof(*term));
	unsigned long long top = 0;

	if (out == NULL || kind == NULL || term == NULL) {
		json_decref(out);
		out = NULL;
		goto done;
	}
	for (size_t i = 0; i < c->neps; i++) {
		kind[i] = member_role(c, i, &term[i]);
		if (kind[i] == 1 && term[i] > top)
			top = term[i];
	}
	for (size_t i = 0; i < c->neps; i++)
		json_object_set_new(out, c->eps[i].name, json_string(
			kind[i] == 1 ? (term[i] == top ? "leader" : "deposed") :
			kind[i] == 2 ? "follower" : "down"));
done:
	free(kind);
	free(term);
	return out;
}
