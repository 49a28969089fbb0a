/* SPDX-License-Identifier: MIT */
/*
 * power_loss.c: the `power-loss` nemesis.  start kills every process of
 * the targets (SIGKILL: nothing a process did not write is kept), then,
 * once all of them are down, has each target's dt-faultfs drop what is
 * not durable (unsynced data, directory changes not committed), as a
 * power cut of several machines at once would.  heal restarts them on
 * what is left.  `what` records the pids killed and, per node, exactly
 * what dt-faultfs dropped: files with their unsynced bytes and durable
 * size, name changes undone.
 */
#include "disk.h"

int dk_power_loss_start(void *n, const size_t *targets, size_t ntargets,
			dt_rng *rng, json_t **what, char *err)
{
	dk_nemesis *k = n;
	json_t *killed = json_array(), *dropped = json_object();
	json_t *req = json_pack("{s:s}", "cmd", "power-loss");
	char e[DT_ERRBUF_SIZE];
	int rc = -1;

	(void)rng;
	if (dk_kill(k, targets, ntargets, killed, err) != 0)
		goto out;
	for (size_t t = 0; t < ntargets; t++) {
		json_t *reply = NULL;

		if (dk_call(k, targets[t], req, &reply, err) != 0) {
			/* The nodes dropped so far stay dropped (a power
			 * loss can not be undone); all come back up. */
			json_t *r = json_array();

			dk_restart(k, r, e);
			json_decref(r);
			goto out;
		}
		json_object_del(reply, "ok");
		json_object_set_new(dropped, k->nodes[targets[t]].name, reply);
	}
	*what = json_pack("{s:o, s:o}", "killed", killed, "dropped", dropped);
	killed = dropped = NULL;
	rc = 0;
out:
	json_decref(req);
	json_decref(killed);
	json_decref(dropped);
	return rc;
}

int dk_heal_restart(void *n, json_t **what, char *err)
{
	dk_nemesis *k = n;
	json_t *restarted = json_array();
	int rc = dk_restart(k, restarted, err);

	*what = json_pack("{s:o}", "restarted", restarted);
	return rc;
}
