/* SPDX-License-Identifier: MIT */
/*
 * dt-check: check recorded histories for linearizability without a run.
 * Reads DT's history.jsonl, porcupine's etcd and kv logs or Jepsen's
 * history.edn (core/lib/history_import.h) and hands each to the
 * `linearizable` checker plugin with the model asked for; transactional
 * histories (--model list-append or rw-register) go to the `isolation`
 * checker instead, with the consistency model asked for.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_import.h"
#include "log.h"
#include "registry.h"
#include "suite.h"

static const char usage[] =
"Usage: dt-check [--model NAME] [OPTION]... FILE...\n"
"\n"
"Check histories for linearizability against a model: register,\n"
"cas-register, kv, bank, set, queue, or one a plugin brings; or\n"
"transactional histories (list-append, rw-register) for isolation\n"
"anomalies against a consistency model.\n"
"\n"
"Options:\n"
"  -m, --model NAME        the model (default: cas-register for etcd logs,\n"
"                          kv for kv logs; required otherwise)\n"
"  -c, --consistency M     list-append, rw-register: the consistency model\n"
"                          that must hold (default: strict-serializable)\n"
"  -f, --format F          auto (default), jsonl, etcd, kv, edn\n"
"  -t, --timeout S         seconds per file; past them the verdict is unknown\n"
"      --memory-limit MB   memory bound of the search (default: half the\n"
"                          machine's memory)\n"
"      --threads N         partitions checked at once (default: one a core)\n"
"      --html FILE         write the visualization of a violation to FILE\n"
"                          (F-N.html for the Nth of several files)\n"
"      --edn-read-nil M    edn: an ok read of nil is `any` value (Knossos's\n"
"                          meaning, the default) or read `nil`\n"
"      --independent       values are Jepsen's [key value] tuples\n"
"                          (jepsen.independent): check each key apart\n"
"      --json              print the results as one JSON document\n"
"      --plugin-path DIRS  extra plugin directories (colon separated)\n"
"  -q, --quiet             print only the overall verdict\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Exit status: 0 linearizable (consistent), 1 not, 2 unknown, 3 bad\n"
"command line, 4 a history or model that cannot be used.\n";

static const struct option long_opts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "format", required_argument, NULL, 'f' },
	{ "consistency", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "memory-limit", required_argument, NULL, 'M' },
	{ "threads", required_argument, NULL, 'T' },
	{ "html", required_argument, NULL, 'H' },
	{ "json", no_argument, NULL, 'j' },
	{ "independent", no_argument, NULL, 'I' },
	{ "edn-read-nil", required_argument, NULL, 'N' },
	{ "plugin-path", required_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/*
 * jepsen.independent wraps every value as [key value]: lift the key into
 * op->key (which models partition by) and keep the inner value.
 */
static int split_independent(dt_history *h, char *err)
{
	for (size_t i = 0; i < h->count; i++) {
		dt_op *op = &h->ops[i];
		json_t *k, *v;

		if (op->process == DT_PROCESS_NEMESIS)
			continue;
		if (!json_is_array(op->value) || json_array_size(op->value) != 2)
			return dt_fail(err, "op %lld: --independent needs [key value] "
				       "tuples, and this value is not one",
				       (long long)op->index);
		k = json_array_get(op->value, 0);
		v = json_incref(json_array_get(op->value, 1));
		free(op->key);
		op->key = json_is_string(k) ? strdup(json_string_value(k)) :
			  json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(op->value);
		op->value = v;
		if (op->key == NULL)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *model = NULL, *html = NULL, *plugin_path = NULL;
	const char *consistency = NULL;
	const dt_component *iso = NULL;
	dt_history_format fmt = DT_HFMT_AUTO;
	double timeout = 0;
	long mem = 0, threads = 0;
	bool json = false, quiet = false, independent = false;
	unsigned import_flags = 0;
	dt_registry *reg = NULL;
	const dt_component *c;
	json_t *doc, *files;
	int status = DT_EXIT_VALID, opt;
	bool any_false = false, any_unknown = false, any_error = false;
	char err[DT_ERRBUF_SIZE];

	dt_log_set_level(DT_LOG_WARN);
	while ((opt = getopt_long(argc, argv, "m:c:f:t:qhV", long_opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'm': model = optarg; break;
		case 'c': consistency = optarg; break;
		case 'f':
			if (dt_history_format_parse(optarg, &fmt) != 0) {
				fprintf(stderr, "dt-check: --format: expected auto, "
					"jsonl, etcd, kv or edn, not '%s'\n", optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end != '\0' || timeout < 0) {
				fprintf(stderr, "dt-check: --timeout: not a number of "
					"seconds: '%s'\n", optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 'M':
			mem = strtol(optarg, &end, 10);
			if (*end != '\0' || mem < 1) {
				fprintf(stderr, "dt-check: --memory-limit: not a "
					"number of MiB: '%s'\n", optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 'T':
			threads = strtol(optarg, &end, 10);
			if (*end != '\0' || threads < 0 || threads > 64) {
				fprintf(stderr, "dt-check: --threads: 0..64, not '%s'\n",
					optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 'H': html = optarg; break;
		case 'j': json = true; break;
		case 'I': independent = true; break;
		case 'N':
			if (strcmp(optarg, "nil") == 0) {
				import_flags |= DT_HIMPORT_READ_NIL_IS_NIL;
			} else if (strcmp(optarg, "any") != 0) {
				fprintf(stderr, "dt-check: --edn-read-nil: expected any "
					"or nil, not '%s'\n", optarg);
				return DT_EXIT_USAGE;
			}
			break;
		case 'P': plugin_path = optarg; break;
		case 'q': quiet = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("dt-check %s\n", PACKAGE_VERSION); return 0;
		default:
			fputs(usage, stderr);
			return DT_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("dt-check: no history file given\n", stderr);
		fputs(usage, stderr);
		return DT_EXIT_USAGE;
	}
	doc = json_object();
	files = json_array();
	reg = dt_registry_new(plugin_path);
	c = reg ? dt_registry_get(reg, DT_KIND_CHECKER, "linearizable", err) : NULL;
	if (c == NULL) {
		fprintf(stderr, "dt-check: %s\n", reg ? err : "out of memory");
		dt_registry_free(reg);
		json_decref(doc);
		json_decref(files);
		return DT_EXIT_CONFIG;
	}

	if (model != NULL && (strcmp(model, "list-append") == 0 ||
			      strcmp(model, "rw-register") == 0)) {
		iso = dt_registry_get(reg, DT_KIND_CHECKER, "isolation", err);
		if (iso == NULL) {
			fprintf(stderr, "dt-check: %s\n", err);
			dt_registry_free(reg);
			json_decref(doc);
			json_decref(files);
			return DT_EXIT_CONFIG;
		}
	} else if (consistency != NULL) {
		fputs("dt-check: --consistency is for --model list-append or "
		      "rw-register\n", stderr);
		dt_registry_free(reg);
		json_decref(doc);
		json_decref(files);
		return DT_EXIT_USAGE;
	}

	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		const dt_checker_type *ct = iso ? iso->type : c->type;
		dt_history_format f = fmt;
		const char *m = model;
		json_t *conf, *res = NULL, *entry;
		dt_history *h;
		char hpath[4096];
		double t0, secs;

		if (f == DT_HFMT_AUTO) {
			FILE *fp = fopen(path, "re");
			char head[4096];
			size_t n = fp ? fread(head, 1, sizeof(head), fp) : 0;

			if (fp)
				fclose(fp);
			f = dt_history_format_guess(head, n);
		}
		if (m == NULL)
			m = f == DT_HFMT_ETCD ? "cas-register" : f == DT_HFMT_KV ? "kv" : NULL;
		entry = json_pack("{ss}", "file", path);
		json_array_append_new(files, entry);
		if (m == NULL) {
			snprintf(err, sizeof(err), "no model for a %s history: "
				 "give --model", dt_history_format_name(f));
			goto bad;
		}
		h = dt_history_import_flags(path, f, import_flags, err);
		if (h == NULL)
			goto bad;
		if (independent && split_independent(h, err) != 0) {
			dt_history_free(h);
			goto bad;
		}
		conf = json_pack("{ss}", "model", m);
		if (iso != NULL) {
			json_object_set_new(conf, "consistency", json_string(
				consistency ? consistency : "strict-serializable"));
		} else if (mem > 0)
			json_object_set_new(conf, "memory-limit", json_integer(mem));
		if (iso == NULL)
			json_object_set_new(conf, "threads", json_integer(threads));
		if (html != NULL && iso == NULL) {
			if (argc - optind == 1)
				snprintf(hpath, sizeof(hpath), "%s", html);
			else {
				/* v.html -> v-1.html, v-2.html... */
				size_t n = strlen(html);

				if (n > 5 && strcmp(html + n - 5, ".html") == 0)
					n -= 5;
				snprintf(hpath, sizeof(hpath), "%.*s-%d.html", (int)n,
					 html, i - optind + 1);
			}
			json_object_set_new(conf, "html", json_string(hpath));
		}
		{
			dt_checker_env env = {
				.config = conf, .registry = reg, .timeout = timeout,
			};

			t0 = dt_now();
			if (ct->check(&env, h, &res, err) != 0)
				res = NULL;
			secs = dt_now() - t0;
		}
		json_decref(conf);
		dt_history_free(h);
		if (res == NULL)
			goto bad;
		json_object_set_new(res, "seconds", json_real(secs));
		json_object_set_new(entry, "result", res);
		{
			json_t *v = json_object_get(res, "valid");
			const char *sum = json_string_value(json_object_get(res, "summary"));

			if (json_is_false(v))
				any_false = true;
			else if (!json_is_true(v))
				any_unknown = true;
			if (!json && !quiet)
				printf("%s: %s (%.6f s)\n", path, sum ? sum : "?", secs);
			if (!json && !quiet && json_is_string(json_object_get(res, "html")))
				printf("%s: visualization in %s\n", path,
				       json_string_value(json_object_get(res, "html")));
		}
		continue;
bad:
		any_error = true;
		json_object_set_new(entry, "error", json_string(err));
		fprintf(stderr, "dt-check: %s\n", err);
	}
	status = any_error ? DT_EXIT_CONFIG : any_false ? DT_EXIT_INVALID :
		 any_unknown ? DT_EXIT_UNKNOWN : DT_EXIT_VALID;
	json_object_set_new(doc, "valid", any_false ? json_false() :
			    any_unknown || any_error ? json_string("unknown") : json_true());
	json_object_set_new(doc, "files", files);
	if (json) {
		char *s = json_dumps(doc, JSON_INDENT(2));

		if (s != NULL)
			puts(s);
		free(s);
	} else {
		printf("%s: %d file%s\n", any_error ? "error" : any_false ?
		       (iso ? "not consistent" : "not linearizable") : any_unknown ?
		       "unknown" : iso ? "consistent" : "linearizable",
		       argc - optind, argc - optind == 1 ? "" : "s");
	}
	json_decref(doc);
	dt_registry_free(reg);
	return status;
}
