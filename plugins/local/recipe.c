/* SPDX-License-Identifier: MIT */
/*
 * recipe.c: the chart's `local:` recipe, read and expanded per node.
 *
 *   local:
 *     nodes: 3
 *     port: 6379                         node->info {"port": 6379}
 *     peer: "{name}=http://{address}:2380"
 *     options: {sentinel: false}         the suite's platform.options win
 *     processes:
 *       - name: redis
 *         command: [redis-server, --bind, "{address}"]
 *         first: [...]                   appended on node index 0 only
 *         rest: [...]                    appended on every other node
 *         when: sentinel                 only when that option is true
 *         ready: {tcp: 6379, timeout: 20}   or {command: [...]}
 *         first-start:                   before its first start in the run
 *           - wait: {command: [...], output: "TEXT", timeout: 20}
 *           - file: {path: NAME, content: "TEMPLATE"}   in the data dir
 *
 * Placeholders: {name} {index} {address} {data_dir} {primary} {peers}
 * {nodes} {replicas} {option:NAME}.  Anything else between braces is a
 * config error naming the file, line and key.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"

/* disk: faulty and its dt-faultfs settings (disk.c mounts it). */
const char *const lc_disk_types[] = { "plain", "faulty", NULL };
const char *const lc_clock_types[] = { "real", "fake", NULL };
static const char *const dirs_models[] = { "ext4", "strict", NULL };

const dt_option lc_faultfs_options[] = {
	{ .name = "dirs", .type = DT_OPT_ENUM, .def = "ext4", .values = dirs_models,
	  .doc = "directory entries: ext4 (any fsync commits them) or strict "
		 "(only a directory's fsync)" },
	{ .name = "commit", .type = DT_OPT_DURATION, .def = "0s", .min = 0,
	  .max = 3600, .doc = "periodic commit of directory changes (ext4's "
	  "commit=5); 0: only fsync commits" },
	{ .name = "writeback", .type = DT_OPT_DURATION, .def = "0s", .min = 0,
	  .max = 3600, .doc = "data this old is made durable (the kernel's "
	  "dirty_expire); 0: only fsync does" },
	{ .name = "max-dirty", .type = DT_OPT_SIZE, .def = "256M",
	  .doc = "memory for unsynced data per node, then writers' files are "
		 "written back (0: no bound)" },
	{ .name = NULL }
};

#define READY_CHECKS \
	{ .name = "tcp", .type = DT_OPT_INT, .min = 1, .max = 65535, \
	  .doc = "ready once this port of the node accepts a connection" }, \
	{ .name = "command", .type = DT_OPT_LIST, .min = 1, .max = 1000, \
	  .doc = "ready once this command (run in the node's network, no shell) " \
		 "exits 0 (and prints expect)" }, \
	{ .name = "expect", .type = DT_OPT_ANY, \
	  .doc = "with command: a text (or a list of texts) its output must hold" }

static const dt_option ready_node_options[] = {
	READY_CHECKS,
	{ .name = NULL }
};

static const dt_option ready_options[] = {
	READY_CHECKS,
	{ .name = "first", .type = DT_OPT_OBJECT, .fields = ready_node_options,
	  .doc = "the first node's check instead (tcp, command, expect)" },
	{ .name = "rest", .type = DT_OPT_OBJECT, .fields = ready_node_options,
	  .doc = "every other node's check instead (a replica whose link is up)" },
	{ .name = "timeout", .type = DT_OPT_DURATION, .def = "20s", .min = 0.001,
	  .max = 86400, .doc = "how long to wait before the node counts as failed" },
	{ .name = NULL }
};

static const dt_option file_step_options[] = {
	{ .name = "path", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "a file name in the node's data directory, with placeholders" },
	{ .name = "content", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "what the file holds, with placeholders" },
	{ .name = NULL }
};

static const dt_option wait_step_options[] = {
	{ .name = "command", .type = DT_OPT_LIST, .min = 1, .max = 1000,
	  .flags = DT_OPT_REQUIRED,
	  .doc = "run in the node's network (no shell) until it exits 0 and "
		 "prints expect" },
	{ .name = "expect", .type = DT_OPT_STRING,
	  .doc = "a text its output must hold, with placeholders" },
	{ .name = "timeout", .type = DT_OPT_DURATION, .def = "20s", .min = 0.001,
	  .max = 86400, .doc = "how long to wait before the start fails" },
	{ .name = NULL }
};

static const dt_option step_options[] = {
	{ .name = "file", .type = DT_OPT_OBJECT, .fields = file_step_options,
	  .doc = "write a file in the node's data directory" },
	{ .name = "wait", .type = DT_OPT_OBJECT, .fields = wait_step_options,
	  .doc = "wait until a command prints what is expected" },
	{ .name = NULL }
};

static const dt_option process_options[] = {
	{ .name = "name", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "the process (its log lines, messages)" },
	{ .name = "command", .type = DT_OPT_LIST, .min = 1, .max = 10000,
	  .flags = DT_OPT_REQUIRED, .doc = "argv, with placeholders; no shell" },
	{ .name = "first", .type = DT_OPT_LIST,
	  .doc = "arguments appended on the first node only" },
	{ .name = "rest", .type = DT_OPT_LIST,
	  .doc = "arguments appended on every node but the first" },
	{ .name = "when", .type = DT_OPT_STRING,
	  .doc = "run it only when this option of local.options holds" },
	{ .name = "ready", .type = DT_OPT_OBJECT, .fields = ready_options,
	  .flags = DT_OPT_REQUIRED, .doc = "how to know it is ready: tcp or command" },
	{ .name = "stop-timeout", .type = DT_OPT_DURATION, .def = "5s", .min = 0,
	  .max = 600, .doc = "how long a SIGTERM is given before SIGKILL at teardown" },
	{ .name = "first-start", .type = DT_OPT_LIST, .item = DT_OPT_OBJECT,
	  .fields = step_options, .min = 1, .max = 100,
	  .doc = "steps before its first start in the run: file: or wait:" },
	{ .name = NULL }
};

/* The chart's `local:` section. */
const dt_option lc_chart_options[] = {
	{ .name = "nodes", .type = DT_OPT_INT, .def = "1", .min = 0, .max = 250,
	  .doc = "nodes, each in its own network namespace (0: none, as mem)" },
	{ .name = "port", .type = DT_OPT_INT, .def = "0", .min = 0, .max = 65535,
	  .doc = "the clients' port on each node (node info \"port\")" },
	{ .name = "peer", .type = DT_OPT_STRING,
	  .doc = "each node's peer string; {peers} joins them with commas" },
	{ .name = "options", .type = DT_OPT_MAP,
	  .doc = "the chart's options ({option:NAME}, when:), the suite may set them" },
	{ .name = "processes", .type = DT_OPT_LIST, .item = DT_OPT_OBJECT,
	  .fields = process_options, .min = 1, .max = LC_MAX_PROCS,
	  .doc = "what runs on each node, started in order" },
	{ .name = "disk", .type = DT_OPT_ENUM, .def = "plain", .values = lc_disk_types,
	  .doc = "faulty: each node's data folder on dt-faultfs (power loss, "
		 "disk faults)" },
	{ .name = "faultfs", .type = DT_OPT_OBJECT, .fields = lc_faultfs_options,
	  .doc = "dt-faultfs's settings with disk: faulty" },
	{ .name = "clock", .type = DT_OPT_ENUM, .def = "real", .values = lc_clock_types,
	  .doc = "fake: each node's processes under DT's clock shim "
		 "(libdtclock.so), whose clock the clock nemeses change" },
	{ .name = NULL }
};

/* Text into a dt_buf, kept NUL-terminated. */
static int sb_add(dt_buf *b, const char *s, size_t n)
{
	return dt_buf_printf(b, "%.*s", (int)n, s);
}

/* An option's value as text: strings as they are, numbers and booleans
 * printed. */
static int option_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	else
		return -1;
	return 0;
}

static void node_address(const lc_platform *p, size_t i, char *buf, size_t size)
{
	uint32_t a = p->net + 2 + (uint32_t)i;

	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
}

/*
 * Expand one template for node i.  peers is the joined peer list, or
 * NULL while the peer strings themselves are being expanded (where
 * {peers} would be circular).  conf and key name the value for errors.
 */
static char *expand(const lc_platform *p, size_t i, const char *tmpl,
		    const char *peers, const json_t *conf, const char *key,
		    char *err)
{
	dt_buf b = { 0 };
	const char *s = tmpl;

	dt_buf_puts(&b, "");
	while (*s != '\0') {
		const char *open = strchr(s, '{'), *close;
		char name[128], val[4200];

		if (open == NULL) {
			dt_buf_puts(&b, s);
			break;
		}
		sb_add(&b, s, (size_t)(open - s));
		close = strchr(open, '}');
		if (close == NULL || (size_t)(close - open - 1) >= sizeof(name)) {
			dt_conf_fail(conf, key, err, "unclosed placeholder in '%s'",
				     tmpl);
			goto fail;
		}
		memcpy(name, open + 1, (size_t)(close - open - 1));
		name[close - open - 1] = '\0';
		val[0] = '\0';
		if (strcmp(name, "name") == 0) {
			snprintf(val, sizeof(val), "%s", p->nodes[i].name);
		} else if (strcmp(name, "index") == 0) {
			snprintf(val, sizeof(val), "%zu", i);
		} else if (strcmp(name, "address") == 0) {
			node_address(p, i, val, sizeof(val));
		} else if (strcmp(name, "primary") == 0) {
			node_address(p, 0, val, sizeof(val));
		} else if (strcmp(name, "data_dir") == 0) {
			snprintf(val, sizeof(val), "%s", p->x[i].data_dir);
		} else if (strcmp(name, "nodes") == 0) {
			snprintf(val, sizeof(val), "%zu", p->n);
		} else if (strcmp(name, "replicas") == 0) {
			snprintf(val, sizeof(val), "%zu", p->n > 0 ? p->n - 1 : 0);
		} else if (strcmp(name, "peers") == 0 && peers != NULL) {
			/* any length: a large cluster's list outgrows val */
			dt_buf_puts(&b, peers);
			s = close + 1;
			continue;
		} else if (strncmp(name, "option:", 7) == 0) {
			const json_t *o = json_object_get(p->options, name + 7);

			if (o == NULL || option_text(o, val, sizeof(val)) != 0) {
				dt_conf_fail(conf, key, err, "'%s': no option '%s' "
					     "(add it to local.options)", tmpl,
					     name + 7);
				goto fail;
			}
		} else {
			dt_conf_fail(conf, key, err, "unknown placeholder {%s} in "
				     "'%s' (known: {name} {index} {address} "
				     "{data_dir} {primary} {peers} {nodes} "
				     "{replicas} {option:NAME})", name, tmpl);
			goto fail;
		}
		dt_buf_puts(&b, val);
		s = close + 1;
	}
	if (b.data == NULL)
		dt_fail(err, "out of memory");
	return (char *)b.data;
fail:
	dt_buf_free(&b);
	return NULL;
}

static void free_argv(char **argv)
{
	if (argv == NULL)
		return;
	for (char **a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

/* Expand the string arrays conf[keys...] into one argv. */
static char **expand_argv(const lc_platform *p, size_t i, const json_t *conf,
			  const char *const *keys, const char *peers, char *err)
{
	size_t total = 0, n = 0;
	char **argv;

	for (const char *const *k = keys; *k != NULL; k++)
		total += json_array_size(json_object_get(conf, *k));
	argv = calloc(total + 1, sizeof(*argv));
	if (argv == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	for (const char *const *k = keys; *k != NULL; k++) {
		const json_t *arr = json_object_get(conf, *k);
		const json_t *v;
		size_t j;

		json_array_foreach(arr, j, v) {
			char *s;

			if (!json_is_string(v) && !json_is_number(v)) {
				dt_conf_fail(conf, *k, err, "argument %zu: expected "
					     "a string", j);
				goto fail;
			}
			if (json_is_string(v)) {
				s = expand(p, i, json_string_value(v), peers, conf,
					   *k, err);
			} else {
				char num[64];

				option_text(v, num, sizeof(num));
				s = strdup(num);
			}
			if (s == NULL)
				goto fail;
			argv[n++] = s;
		}
	}
	return argv;
fail:
	free_argv(argv);
	return NULL;
}

/* A wait's seconds (the one duration parser; 20 s when absent), or -1. */
static double parse_seconds(const json_t *v)
{
	double d;

	if (v == NULL)
		return 20;
	return dt_json_duration(v, &d) == 0 && d > 0 && d <= 86400 ? d : -1;
}

/* ready.expect: a text or a list of texts; NULL when absent. */
static int check_expect(const json_t *ready, char *err)
{
	const json_t *e = json_object_get(ready, "expect");
	size_t i;
	json_t *v;

	if (e == NULL || json_is_string(e))
		return 0;
	if (!json_is_array(e))
		return dt_conf_fail(ready, "expect", err, "expected a text or a "
				    "list of texts");
	json_array_foreach(e, i, v)
		if (!json_is_string(v))
			return dt_conf_fail(ready, "expect", err, "item %zu: "
					    "expected a text", i);
	return 0;
}

static int check_array(const json_t *conf, const char *key, bool required,
		       char *err)
{
	const json_t *v = json_object_get(conf, key);

	if (v == NULL && !required)
		return 0;
	if (!json_is_array(v) || (required && json_array_size(v) == 0))
		return dt_conf_fail(conf, key, err, "expected a list of arguments");
	return 0;
}

/* Every key of obj is one of `known` (NULL-terminated). */
static int only_keys(const json_t *obj, const char *const *known, const char *list,
		     char *err)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		const char *const *n = known;

		while (*n != NULL && strcmp(*n, k) != 0)
			n++;
		if (*n == NULL)
			return dt_conf_fail(obj, k, err, "unknown key (expected %s)",
					    list);
	}
	return 0;
}

static int check_string(const json_t *conf, const char *key, bool required,
			char *err)
{
	const json_t *v = json_object_get(conf, key);

	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v))
		return dt_conf_fail(conf, key, err, "expected a string");
	return 0;
}

/*
 * first-start: a list of steps, each a mapping with one key:
 *   file: {path, content}           path: a file name in the data directory
 *   wait: {command, expect, timeout}
 */
static int check_first_start(const json_t *proc, char *err)
{
	static const char *const step_keys[] = { "file", "wait", NULL };
	static const char *const file_keys[] = { "path", "content", NULL };
	static const char *const wait_keys[] = { "command", "expect", "timeout", NULL };
	const json_t *steps = json_object_get(proc, "first-start"), *step;
	size_t i;

	if (steps == NULL)
		return 0;
	if (!json_is_array(steps) || json_array_size(steps) == 0)
		return dt_conf_fail(proc, "first-start", err, "expected a list of "
				    "steps (file: {...} or wait: {...})");
	json_array_foreach(steps, i, step) {
		const json_t *file = json_object_get(step, "file");
		const json_t *wait = json_object_get(step, "wait");

		if (!json_is_object(step))
			return dt_conf_fail(steps, NULL, err, "step %zu: expected "
					    "a mapping (file: {...} or wait: {...})", i);
		if (only_keys(step, step_keys, "file or wait", err) != 0)
			return -1;
		if (json_object_size(step) != 1)
			return dt_conf_fail(steps, NULL, err, "step %zu: expected "
					    "exactly one of file: {...} and wait: {...}", i);
		if (file != NULL) {
			if (!json_is_object(file))
				return dt_conf_fail(step, "file", err, "expected a "
						    "mapping: {path: NAME, content: TEXT}");
			if (only_keys(file, file_keys, "path and content", err) != 0 ||
			    check_string(file, "path", true, err) != 0 ||
			    check_string(file, "content", true, err) != 0)
				return -1;
			continue;
		}
		if (!json_is_object(wait))
			return dt_conf_fail(step, "wait", err, "expected a mapping: "
					    "{command: [...], expect: TEXT, timeout: SECONDS}");
		if (only_keys(wait, wait_keys, "command, expect and timeout", err) != 0 ||
		    check_array(wait, "command", true, err) != 0 ||
		    check_string(wait, "expect", false, err) != 0)
			return -1;
		if (parse_seconds(json_object_get(wait, "timeout")) <= 0)
			return dt_conf_fail(wait, "timeout", err, "expected seconds "
					    "(20, \"20s\", \"500ms\")");
	}
	return 0;
}

long long lc_recipe_nodes(const json_t *chart, char *err)
{
	const json_t *local = json_object_get(chart, "local");
	long long n;

	if (!json_is_object(local))
		return dt_fail(err, "the chart has no `local:` recipe");
	if (dt_conf_int(local, "nodes", 1, 0, 250, &n, err) != 0)
		return -1;
	return n;
}

/* One node's check: base's keys, with over's (ready.first or
 * ready.rest, NULL when absent) in their place when it has any. */
static int read_ready(const json_t *base, const json_t *over, lc_ready *r,
		      char *err)
{
	const json_t *from = base;
	long long tcp;

	if (over != NULL && !json_is_object(over))
		return dt_conf_fail(base, "first", err, "expected a mapping");
	if (over != NULL && (json_object_get(over, "tcp") != NULL ||
			     json_object_get(over, "command") != NULL))
		from = over;
	if (dt_conf_int(from, "tcp", 0, 0, 65535, &tcp, err) != 0)
		return -1;
	r->port = (int)tcp;
	r->conf = from;
	r->cmd = json_object_get(from, "command");
	if (r->cmd != NULL && check_array(from, "command", true, err))
		return -1;
	r->expect = json_object_get(over != NULL && json_object_get(over, "expect") ?
				    over : from, "expect");
	if (r->expect != NULL && check_expect(json_object_get(over, "expect") ?
					      over : from, err) != 0)
		return -1;
	if (r->expect != NULL && r->cmd == NULL)
		return dt_conf_fail(from, "expect", err, "expect goes with command: "
				    "[...] (the output it checks)");
	if ((r->port != 0) == (r->cmd != NULL))
		return dt_conf_fail(from, NULL, err, "expected exactly one of tcp: "
				    "PORT and command: [...]");
	return 0;
}

int lc_recipe_load(lc_platform *p, const json_t *chart, const json_t *config,
		   char *err)
{
	const json_t *local = json_object_get(chart, "local");
	const json_t *procs, *v, *sopts;
	const char *k;
	long long port;
	size_t i;

	p->recipe = local;
	if (dt_conf_int(local, "port", 0, 0, 65535, &port, err) != 0)
		return -1;
	p->port = (int)port;
	v = json_object_get(local, "peer");
	if (v != NULL && !json_is_string(v))
		return dt_conf_fail(local, "peer", err, "expected a string");
	v = json_object_get(local, "options");
	if (v != NULL && !json_is_object(v))
		return dt_conf_fail(local, "options", err, "expected a mapping");
	p->options = v != NULL ? json_deep_copy(v) : json_object();
	sopts = json_is_object(config) ? json_object_get(config, "options") : NULL;
	if (sopts != NULL && !json_is_object(sopts))
		return dt_conf_fail(config, "options", err, "expected a mapping");
	json_object_foreach((json_t *)sopts, k, v) {
		if (json_object_get(p->options, k) == NULL)
			return dt_conf_fail(sopts, k, err, "the chart has no "
					    "option '%s' (local.options)", k);
		json_object_set(p->options, k, (json_t *)v);
	}

	procs = json_object_get(local, "processes");
	if (!json_is_array(procs) || json_array_size(procs) == 0)
		return dt_conf_fail(local, "processes", err,
				    "expected a list of processes");
	if (json_array_size(procs) > LC_MAX_PROCS)
		return dt_conf_fail(local, "processes", err, "at most %d "
				    "processes a node", LC_MAX_PROCS);
	json_array_foreach(procs, i, v) {
		lc_spec *sp = &p->specs[p->nspecs++];
		const json_t *ready = json_object_get(v, "ready");
		const json_t *when = json_object_get(v, "when");

		if (!json_is_object(v))
			return dt_conf_fail(procs, NULL, err, "process %zu: "
					    "expected a mapping", i);
		sp->conf = v;
		if (dt_conf_string(v, "name", NULL, &sp->name, err) != 0)
			return -1;
		if (sp->name == NULL)
			return dt_conf_fail(v, NULL, err, "each process needs a name");
		if (check_array(v, "command", true, err) != 0 ||
		    check_array(v, "first", false, err) != 0 ||
		    check_array(v, "rest", false, err) != 0 ||
		    check_first_start(v, err) != 0)
			return -1;
		sp->first_start = json_object_get(v, "first-start");
		sp->enabled = true;
		if (when != NULL) {
			const json_t *o;

			if (!json_is_string(when))
				return dt_conf_fail(v, "when", err,
						    "expected an option name");
			o = json_object_get(p->options, json_string_value(when));
			if (o == NULL)
				return dt_conf_fail(v, "when", err, "no option '%s' "
						    "in local.options",
						    json_string_value(when));
			sp->enabled = json_is_true(o) ||
				      (json_is_integer(o) && json_integer_value(o)) ||
				      (json_is_string(o) &&
				       json_string_value(o)[0] != '\0' &&
				       strcmp(json_string_value(o), "false") != 0);
		}
		if (ready == NULL)
			return dt_conf_fail(v, "ready", err, "say how to know the "
					    "process is ready: ready: {tcp: PORT} "
					    "or ready: {command: [...]}");
		if (!json_is_object(ready))
			return dt_conf_fail(v, "ready", err, "expected a mapping");
		if (read_ready(ready, json_object_get(ready, "first"), &sp->ready_first,
			       err) != 0 ||
		    read_ready(ready, json_object_get(ready, "rest"), &sp->ready_rest,
			       err) != 0)
			return -1;
		{
			const json_t *st = json_object_get(v, "stop-timeout");

			sp->stop_timeout = 5;
			if (st != NULL && (dt_json_duration(st, &sp->stop_timeout) != 0 ||
					   sp->stop_timeout > 600))
				return dt_conf_fail(v, "stop-timeout", err, "expected a "
						    "duration up to 600s");
		}
		sp->timeout = parse_seconds(json_object_get(ready, "timeout"));
		if (sp->timeout <= 0)
			return dt_conf_fail(ready, "timeout", err, "expected "
					    "seconds (20, \"20s\", \"500ms\")");
	}
	return 0;
}

/* A file step's path, expanded: a file name (no '/', not . or ..) in
 * the node's data directory, joined to it.  NULL with err. */
static char *step_path(const lc_platform *p, size_t i, const json_t *file,
		       const char *peers, char *err)
{
	char *name = expand(p, i, json_string_value(json_object_get(file, "path")),
			    peers, file, "path", err);
	char *full = NULL;

	if (name == NULL)
		return NULL;
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		dt_conf_fail(file, "path", err, "'%s': expected a file name (the "
			     "file goes in the node's data directory)", name);
	else if ((full = dt_strdupf("%s/%s", p->x[i].data_dir, name)) == NULL)
		dt_fail(err, "out of memory");
	free(name);
	return full;
}

/* The first-start steps of spec sp for node i, into pr. */
static int expand_steps(const lc_platform *p, size_t i, const lc_spec *sp,
			lc_proc *pr, const char *peers, char *err)
{
	static const char *const wait_keys[] = { "command", NULL };
	const json_t *step;
	size_t j;

	if (sp->first_start == NULL)
		return 0;
	pr->steps = calloc(json_array_size(sp->first_start), sizeof(*pr->steps));
	if (pr->steps == NULL)
		return dt_fail(err, "out of memory");
	json_array_foreach(sp->first_start, j, step) {
		const json_t *file = json_object_get(step, "file");
		const json_t *wait = json_object_get(step, "wait");
		lc_step *st = &pr->steps[pr->nsteps++];

		if (file != NULL) {
			st->path = step_path(p, i, file, peers, err);
			st->content = st->path == NULL ? NULL :
				expand(p, i, json_string_value(json_object_get(file, "content")),
				       peers, file, "content", err);
			if (st->content == NULL)
				return -1;
			continue;
		}
		st->argv = expand_argv(p, i, wait, wait_keys, peers, err);
		if (st->argv == NULL)
			return -1;
		if (json_object_get(wait, "expect") != NULL) {
			st->output = expand(p, i, json_string_value(json_object_get(wait, "expect")),
					    peers, wait, "expect", err);
			if (st->output == NULL)
				return -1;
		}
		st->timeout = parse_seconds(json_object_get(wait, "timeout"));
	}
	return 0;
}

int lc_recipe_expand(lc_platform *p, char *err)
{
	const json_t *peer = json_object_get(p->recipe, "peer");
	static const char *const cmd_first[] = { "command", "first", NULL };
	static const char *const cmd_rest[] = { "command", "rest", NULL };
	static const char *const ready_keys[] = { "command", NULL };
	dt_buf peers = { 0 };
	int rc = -1;

	dt_buf_puts(&peers, "");
	for (size_t i = 0; peer != NULL && i < p->n; i++) {
		char *one = expand(p, i, json_string_value(peer), NULL, p->recipe,
				   "peer", err);

		if (one == NULL)
			goto out;
		if (i > 0)
			dt_buf_puts(&peers, ",");
		dt_buf_puts(&peers, one);
		free(one);
	}
	if (peers.data == NULL) {
		dt_fail(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		lc_node *x = &p->x[i];

		x->nprocs = 0;
		for (size_t k = 0; k < p->nspecs; k++) {
			const lc_spec *sp = &p->specs[k];
			lc_proc *pr;

			if (!sp->enabled)
				continue;
			pr = &x->procs[x->nprocs++];
			pr->spec = sp;
			pr->argv = expand_argv(p, i, sp->conf, i == 0 ? cmd_first :
					       cmd_rest, (char *)peers.data, err);
			if (pr->argv == NULL)
				goto out;
			pr->ready = i == 0 ? &sp->ready_first : &sp->ready_rest;
			if (pr->ready->cmd != NULL) {
				pr->ready_argv = expand_argv(p, i, pr->ready->conf,
					ready_keys, (char *)peers.data, err);
				if (pr->ready_argv == NULL)
					goto out;
			}
			if (expand_steps(p, i, sp, pr, (char *)peers.data, err) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	dt_buf_free(&peers);
	return rc;
}

void lc_recipe_free_argv(lc_platform *p)
{
	for (size_t i = 0; p->x != NULL && i < p->n; i++) {
		for (size_t k = 0; k < p->x[i].nprocs; k++) {
			lc_proc *pr = &p->x[i].procs[k];

			free_argv(pr->argv);
			free_argv(pr->ready_argv);
			pr->argv = NULL;
			pr->ready_argv = NULL;
			for (size_t j = 0; j < pr->nsteps; j++) {
				free(pr->steps[j].path);
				free(pr->steps[j].content);
				free_argv(pr->steps[j].argv);
				free(pr->steps[j].output);
			}
			free(pr->steps);
			pr->steps = NULL;
			pr->nsteps = 0;
		}
		p->x[i].nprocs = 0;
	}
}

void lc_recipe_free(lc_platform *p)
{
	lc_recipe_free_argv(p);
	json_decref(p->options);
	p->options = NULL;
}
