/* SPDX-License-Identifier: MIT */
/*
 * Plugin loading: good plugins by name, and every way a file can be
 * wrong, each refused with a message naming the file and the reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define BAD TEST_BUILDDIR "/tests/core/plugins/.libs/"

static dt_registry *reg;

static void setup(void)
{
	reg = dt_registry_new(NULL);
	cr_assert_not_null(reg);
}

static void teardown(void)
{
	dt_registry_free(reg);
}

TestSuite(plugins, .init = setup, .fini = teardown);

Test(plugins, finds_builtin_plugins_by_name)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_CLIENT, "mem", err);

	cr_assert_not_null(c, "%s", err);
	cr_assert_str_eq(c->info->name, "mem");
	cr_assert(strstr(c->file, "dt_mem.so") != NULL, "%s", c->file);
	/* a second lookup does not load again */
	cr_assert_eq(dt_registry_get(reg, DT_KIND_CLIENT, "mem", err), c);
}

Test(plugins, finds_a_component_in_a_file_of_another_name)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, "bank", err);

	cr_assert_not_null(c, "%s", err);
	cr_assert(strstr(c->file, "dt_bank.so") != NULL);
}

/* A model is looked up in dt_models.so, the models' collection, before
 * every plugin of the path is loaded (dt-check's start-up). */
Test(plugins, a_model_loads_the_models_plugin_only)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_component *c = dt_registry_get(reg, DT_KIND_MODEL, "cas-register", err);

	cr_assert_not_null(c, "%s", err);
	cr_assert(strstr(c->file, "dt_models.so") != NULL, "%s", c->file);
	for (size_t i = 0; i < dt_registry_count(reg); i++)
		cr_expect(strstr(dt_registry_at(reg, i)->file, "dt_models.so") != NULL,
			  "also loaded: %s", dt_registry_at(reg, i)->file);
}

Test(plugins, unknown_name_lists_what_exists)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_null(dt_registry_get(reg, DT_KIND_WORKLOAD, "nosuch", err));
	cr_assert(strncmp(err, "no workload named 'nosuch' (available: ", 39) == 0, "%s", err);
	cr_assert(strstr(err, "bank") != NULL && strstr(err, "register") != NULL, "%s", err);
}

Test(plugins, missing_entry_symbol)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_noentry.so", err), -1);
	cr_assert(strstr(err, "dt_noentry.so: not a DT plugin: it has no dt_plugin_abi "
			 "symbol (use DT_PLUGIN_DEFINE from dt/plugin.h)") != NULL, "%s", err);
}

Test(plugins, wrong_abi_names_both_versions)
{
	char err[DT_ERRBUF_SIZE] = "", want[200];

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_badabi.so", err), -1);
	snprintf(want, sizeof(want), "dt_badabi.so: built for plugin ABI version %u, "
		 "but this DT has ABI version %u", DT_ABI_VERSION + 41, DT_ABI_VERSION);
	cr_assert(strstr(err, want) != NULL, "%s", err);
}

Test(plugins, abi_1_is_refused_by_name)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_abi1.so", err), -1);
	cr_assert(strstr(err, "dt_abi1.so: built for plugin ABI version 1, but this "
			 "DT has ABI version 2: rebuild it against this DT's "
			 "dt/plugin.h") != NULL, "%s", err);
}

/* Built against an older header of the same ABI: loads, and the
 * callbacks its descriptor does not cover read as NULL. */
Test(plugins, an_older_descriptor_loads)
{
	char err[DT_ERRBUF_SIZE] = "";
	const dt_client_type *t;

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_older.so", err), 0, "%s", err);
	t = dt_registry_find(reg, DT_KIND_CLIENT, "older", err);
	cr_assert_not_null(t, "%s", err);
	cr_expect_eq(t->size, sizeof(dt_client_type), "the core's copy has its size");
	cr_expect_not_null(t->invoke);
	cr_expect_null(t->metrics, "metrics lies beyond the plugin's size");
}

Test(plugins, a_descriptor_without_size_is_refused)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_unsized.so", err), -1);
	cr_assert(strstr(err, "dt_unsized.so: registers a workload with a descriptor of "
			 "0 bytes, less than the ") != NULL, "%s", err);
	cr_assert(strstr(err, "set `.size = sizeof(dt_workload_type)`") != NULL, "%s", err);
}

Test(plugins, broken_option_tables_are_refused)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_badopts.so", err), -1);
	cr_assert(strstr(err, "dt_badopts.so: registers workload 'no-enum-values' "
			 "whose option 'mode' is an enum without values") != NULL,
		  "%s", err);
}

Test(plugins, a_bad_default_is_refused)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_baddefault.so", err), -1);
	cr_assert(strstr(err, "dt_baddefault.so: registers workload 'bad-default' "
			 "whose option 'keys' has a bad default: keys: expected a "
			 "whole number between 1 and 10") != NULL, "%s", err);
}

Test(plugins, duplicate_name_is_refused_and_the_file_with_it)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_not_null(dt_registry_get(reg, DT_KIND_CHECKER, "stats", err), "%s", err);
	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_dup.so", err), -1);
	cr_assert(strstr(err, "dt_dup.so: registers checker 'stats', which ") != NULL, "%s", err);
	cr_assert(strstr(err, "dt_stats.so already registered") != NULL, "%s", err);
	/* what the refused file registered first is taken back */
	cr_assert_null(dt_registry_find(reg, DT_KIND_CHECKER, "dup-fine", NULL));
}

Test(plugins, failing_registration)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, BAD "dt_initfail.so", err), -1);
	cr_assert(strstr(err, "dt_initfail.so: registers client 'incomplete' without "
			 "create, connect, invoke, disconnect and destroy") != NULL, "%s", err);
}

Test(plugins, missing_file)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert_eq(dt_registry_load_file(reg, "/nonexistent/dt_x.so", err), -1);
	cr_assert_str_eq(err, "/nonexistent/dt_x.so: No such file or directory");
}

Test(plugins, plugin_path_comes_first)
{
	dt_registry *r = dt_registry_new("/opt/a:/opt/b");
	const char *const *p = dt_registry_path(r);

	cr_assert_str_eq(p[0], "/opt/a");
	cr_assert_str_eq(p[1], "/opt/b");
	dt_registry_free(r);
}

/* The warnings load_all gives, one line each. */
static void collect(const char *msg, void *arg)
{
	json_array_append_new(arg, json_string(msg));
}

/* The warning about `file` ("DIR/FILE: why") saying `reason`, or NULL. */
static const char *warning_for(const json_t *warnings, const char *file,
			       const char *reason)
{
	char about[128];
	size_t i;
	json_t *w;

	snprintf(about, sizeof(about), "/%s: ", file);
	json_array_foreach(warnings, i, w)
		if (strstr(json_string_value(w), about) != NULL &&
		    strstr(json_string_value(w), reason) != NULL)
			return json_string_value(w);
	return NULL;
}

/*
 * The bad files come first on the path and are scanned in name order:
 * badabi, crash (good), dup (good: stats is not loaded yet), initfail,
 * noentry; then the build tree, whose dt_stats.so now clashes with
 * dup's 'stats'.  Each failure is reported once, naming its file and
 * why, and the scan goes on past it.
 */
Test(plugins, load_all_reports_bad_files_and_keeps_going)
{
	dt_registry *r = dt_registry_new(BAD);
	json_t *warnings = json_array();
	int failed = dt_registry_load_all(r, collect, warnings);
	char *text = json_dumps(warnings, JSON_INDENT(1));

	cr_expect_eq((size_t)failed, json_array_size(warnings), "%s", text);
	cr_expect_not_null(warning_for(warnings, "dt_badabi.so", "plugin ABI version"), "%s", text);
	cr_expect_not_null(warning_for(warnings, "dt_initfail.so", "without create"), "%s", text);
	cr_expect_not_null(warning_for(warnings, "dt_noentry.so", "not a DT plugin"), "%s", text);
	cr_expect_not_null(warning_for(warnings, "dt_stats.so", "registers checker 'stats'"),
			   "%s", text);
	/* only those (another DT installed in $(pkglibdir) would add
	 * clashes of its own: a warning each, counted above) */
	cr_expect_null(warning_for(warnings, "dt_dup.so", ""), "%s", text);
	cr_expect_null(warning_for(warnings, "dt_crash.so", ""), "%s", text);
	/* past every bad file: what follows in the directory, and the
	 * shipped plugins after it */
	cr_expect_not_null(dt_registry_find(r, DT_KIND_CLIENT, "crasher", NULL));
	cr_expect_not_null(dt_registry_find(r, DT_KIND_CHECKER, "dup-fine", NULL));
	cr_expect_not_null(dt_registry_find(r, DT_KIND_CLIENT, "mem", NULL));
	cr_expect_not_null(dt_registry_find(r, DT_KIND_WORKLOAD, "bank", NULL));
	free(text);
	json_decref(warnings);
	dt_registry_free(r);
}
