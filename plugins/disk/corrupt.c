/* SPDX-License-Identifier: MIT */
/*
 * corrupt.c: the `corrupt` nemesis.  start kills the targets' processes,
 * optionally drops what is not durable (power-loss: true: the damage
 * comes with a power cut), then has each target's dt-faultfs damage
 * files at rest (bit flips, zeroed ranges, cuts; corruption's keys),
 * seeded from the run's stream; heal restarts the nodes on the damaged
 * files.  `what` records, per node, exactly what was changed: the file,
 * each bit's offset and number with the byte before and after, each
 * zeroed range, each cut.  A node where no file matches yet is recorded
 * with dt-faultfs's reason and restarted like the others.
 */
#include <string.h>

#include "disk.h"

json_t *dk_corrupt_request(const json_t *config)
{
	static const char *const keys[] = { "path", "mode", "files", "bits",
					    "offset", "length", "size", NULL };
	json_t *req = json_pack("{s:s}", "cmd", "corrupt");

	for (const char *const *key = keys; req != NULL && *key != NULL; key++) {
		const json_t *v = dt_opt(config, *key);

		/* bits only with bitflip: dt-faultfs refuses it otherwise */
		if (v != NULL && !(strcmp(*key, "bits") == 0 &&
				   strcmp(dt_opt_string(config, "mode"), "bitflip") != 0))
			json_object_set(req, *key, (json_t *)v);
	}
	return req;
}

int dk_corrupt_validate(const dt_validate_env *env, char *err)
{
	json_t *req;
	int rc;

	if (dk_validate_disk(env, err) != 0)
		return -1;
	req = dk_corrupt_request(env->config);
	if (req == NULL)
		return dt_fail(err, "out of memory");
	rc = dk_check_request(env->config, req, err);
	json_decref(req);
	return rc;
}

int dk_corrupt_start(void *n, const size_t *targets, size_t ntargets,
		     dt_rng *rng, json_t **what, char *err)
{
	dk_nemesis *k = n;
	json_t *killed = json_array(), *done = json_object(), *dropped = NULL;
	json_t *base = dk_corrupt_request(k->config);
	bool loss = dt_opt_bool(k->config, "power-loss");
	char e[DT_ERRBUF_SIZE];

	if (base == NULL || dk_kill(k, targets, ntargets, killed, err) != 0)
		goto fail;
	if (loss)
		dropped = json_object();
	for (size_t t = 0; t < ntargets; t++) {
		size_t i = targets[t];
		json_t *req, *reply = NULL;

		if (loss) {
			json_t *pl = json_pack("{s:s}", "cmd", "power-loss");
			int rc = dk_call(k, i, pl, &reply, err);

			json_decref(pl);
			if (rc != 0)
				goto restart;
			json_object_del(reply, "ok");
			json_object_set_new(dropped, k->nodes[i].name, reply);
			reply = NULL;
		}
		req = json_deep_copy(base);
		json_object_set_new(req, "seed", json_integer(dk_seed(rng)));
		if (dk_call(k, i, req, &reply, e) != 0) {
			/* Nothing to damage there (yet): said, not fatal. */
			json_object_set_new(done, k->nodes[i].name,
					    json_pack("{s:s}", "skipped", e));
		} else {
			json_object_del(reply, "ok");
			json_object_set_new(done, k->nodes[i].name, reply);
		}
		json_decref(req);
	}
	json_decref(base);
	*what = json_pack("{s:o, s:o}", "killed", killed, "corrupted", done);
	if (dropped != NULL)
		json_object_set_new(*what, "dropped", dropped);
	return 0;
restart:
	{
		json_t *r = json_array();

		dk_restart(k, r, e);
		json_decref(r);
	}
fail:
	json_decref(base);
	json_decref(killed);
	json_decref(done);
	json_decref(dropped);
	return -1;
}
