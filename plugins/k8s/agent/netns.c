/* SPDX-License-Identifier: MIT */
/*
 * netns.c: dt-agent's access to other pods.  A container is found by its
 * id in /proc/PID/cgroup (the agent runs with hostPID, so /proc shows
 * every process of the node); an argv runs in a process's network
 * namespace by a child that setns()es into /proc/PID/ns/net and execs
 * (dt_command_run, core/lib/command.c, compiled into dt-agent), so the
 * agent itself never leaves its own namespace.
 */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/command.h>

#include "agent.h"

int agent_container_pids(const char *proc_root, const char *container_id,
			 pid_t *pids, size_t max, char *err)
{
	const char *id = strstr(container_id, "://");
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	id = id ? id + 3 : container_id;
	if (strlen(id) < 12) {
		snprintf(err, DT_ERRBUF_SIZE, "container id '%s' is too short",
			 container_id);
		return -1;
	}
	d = opendir(proc_root);
	if (d == NULL) {
		snprintf(err, DT_ERRBUF_SIZE, "%s: %s", proc_root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		char path[512], line[4096];
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cgroup", proc_root, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strstr(line, id) != NULL) {
				pids[n++] = (pid_t)atoi(de->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return (int)n;
}

int agent_run_in_netns(const char *proc_root, pid_t pid,
		       const char *const *argv, double timeout_s,
		       char *out, size_t outlen, char *err)
{
	char path[512];
	dt_command c = {
		.argv = argv, .timeout = timeout_s, .out = out, .outlen = outlen,
	};
	int st;

	if (pid > 0) {
		snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, (int)pid);
		c.netns = path;
	}
	st = dt_command_run(&c, err);
	if (c.signal != 0 && st > 0) {
		snprintf(err, DT_ERRBUF_SIZE, "%s: killed by signal %d", argv[0],
			 c.signal);
		return -1;
	}
	return st;
}
