/* SPDX-License-Identifier: MIT */
/*
 * registry.c: components by kind and name, and the plugin loader.
 *
 * Naming: a component called NAME is looked for first in dt_NAME.so; a
 * file may register more components (dt_models.so registers every
 * model), so when dt_NAME does not hold it, every dt_*.so on the path is
 * loaded and the table searched again.  The first file to register a
 * name wins; a second registration is refused and that file with it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options_doc.h"
#include "registry.h"
#include "paths.h"

typedef struct dt_module {
	char *path;
	lt_dlhandle handle; /* NULL when it failed to load */
} dt_module;

struct dt_registry {
	dt_component **items; /* each its own allocation: pointers stay valid */
	size_t count, cap;
	dt_module *modules;
	size_t nmodules, capmodules;
	char **path;          /* NULL-terminated */
	const char *loading;  /* the file being registered, for messages */
	char reg_error[DT_ERRBUF_SIZE];
	bool scanned;
	bool sealed;          /* look up only, from any thread */
};

/* libltdl keeps global state: one lock around its init and exit, and
 * a count of registries alive (tests and dt-run check make several). */
static pthread_mutex_t ltdl_lock = PTHREAD_MUTEX_INITIALIZER;
static int ltdl_users;

static void path_add_build_tree(char ***list, size_t *n)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	char **found = NULL;
	size_t nfound = 0;

	snprintf(dir, sizeof(dir), "%s/plugins", DT_BUILD_DIR);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[PATH_MAX + 300];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/.libs", dir, e->d_name);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			dt_path_add(&found, &nfound, sub);
	}
	closedir(d);
	/* readdir order is arbitrary: sort for a stable search order. */
	for (size_t i = 1; i < nfound; i++)
		for (size_t j = i; j > 0 && strcmp(found[j - 1], found[j]) > 0; j--) {
			char *t = found[j];
			found[j] = found[j - 1];
			found[j - 1] = t;
		}
	for (size_t i = 0; i < nfound; i++) {
		dt_path_add(list, n, found[i]);
		free(found[i]);
	}
	free(found);
}

dt_registry *dt_registry_new(const char *extra)
{
	dt_registry *reg = calloc(1, sizeof(*reg));
	size_t n = 0;
	char user[PATH_MAX];

	if (reg == NULL)
		return NULL;
	pthread_mutex_lock(&ltdl_lock);
	if (ltdl_users++ == 0)
		lt_dlinit();
	pthread_mutex_unlock(&ltdl_lock);
	dt_path_add_colon(&reg->path, &n, extra);
	dt_path_add_colon(&reg->path, &n, getenv("DT_PLUGIN_PATH"));
	if (dt_user_dir("lib/dt/plugins", user, sizeof(user)) == 0)
		dt_path_add(&reg->path, &n, user);
	if (dt_running_uninstalled())
		path_add_build_tree(&reg->path, &n);
	dt_path_add(&reg->path, &n, DT_PLUGIN_DIR);
	if (reg->path == NULL) {
		free(reg);
		return NULL;
	}
	return reg;
}

void dt_registry_free(dt_registry *reg)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->count; i++) {
		free(reg->items[i]->file);
		free((void *)reg->items[i]->type);
		free(reg->items[i]);
	}
	free(reg->items);
	for (size_t i = 0; i < reg->nmodules; i++) {
		if (reg->modules[i].handle != NULL)
			lt_dlclose(reg->modules[i].handle);
		free(reg->modules[i].path);
	}
	free(reg->modules);
	for (size_t i = 0; reg->path[i] != NULL; i++)
		free(reg->path[i]);
	free(reg->path);
	free(reg);
	pthread_mutex_lock(&ltdl_lock);
	if (--ltdl_users == 0)
		lt_dlexit();
	pthread_mutex_unlock(&ltdl_lock);
}

void dt_registry_seal(dt_registry *reg)
{
	reg->sealed = true;
}

const char *const *dt_registry_path(const dt_registry *reg)
{
	return (const char *const *)reg->path;
}

size_t dt_registry_count(const dt_registry *reg)
{
	return reg->count;
}

const dt_component *dt_registry_at(const dt_registry *reg, size_t i)
{
	return i < reg->count ? reg->items[i] : NULL;
}

static const dt_component *find(const dt_registry *reg, dt_kind kind,
				 const char *name)
{
	for (size_t i = 0; i < reg->count; i++)
		if (reg->items[i]->kind == kind &&
		    strcmp(reg->items[i]->info->name, name) == 0)
			return reg->items[i];
	return NULL;
}


#define REG_FAIL(...) \
	(snprintf(reg->reg_error, sizeof(reg->reg_error), __VA_ARGS__), -1)

/* Whether an option table is one the core can use: every entry named
 * and typed, enums with values, defaults that pass their own check.  A
 * plugin with a broken table is refused at load, not in the middle of
 * a run. */
static int check_options(dt_registry *reg, dt_kind kind, const char *name,
			 const dt_option *table, const char *what)
{
	for (const dt_option *o = table; o != NULL && o->name != NULL; o++) {
		dt_option alone[2] = { *o, { 0 } };
		const dt_option *t = alone;
		char e[DT_ERRBUF_SIZE];
		json_t *probe;

		if (o->type <= DT_OPT_END || o->type > DT_OPT_ANY)
			return REG_FAIL("registers %s '%s' whose %soption '%s' has "
					"no type", dt_kind_name(kind), name, what, o->name);
		if (o->type == DT_OPT_ENUM && (o->values == NULL || o->values[0] == NULL))
			return REG_FAIL("registers %s '%s' whose %soption '%s' is an "
					"enum without values", dt_kind_name(kind), name,
					what, o->name);
		if ((o->type == DT_OPT_OBJECT || o->item == DT_OPT_OBJECT) &&
		    check_options(reg, kind, name, o->fields, what) != 0)
			return -1;
		if (o->def == NULL)
			continue;
		alone[0].flags &= ~DT_OPT_REQUIRED;
		probe = json_object();
		if (probe == NULL)
			return REG_FAIL("out of memory");
		if (dt_options_apply(&t, 1, probe, e) != 0) {
			json_decref(probe);
			return REG_FAIL("registers %s '%s' whose %soption '%s' has a "
					"bad default: %.300s", dt_kind_name(kind), name,
					what, o->name, e);
		}
		json_decref(probe);
	}
	return 0;
}

/*
 * Keep a copy of the descriptor, of the core's shape: the plugin's
 * `size` bytes (at least min: what ABI 2.0 required), the rest zero, so
 * that a plugin built against an older header reads the callbacks added
 * since as NULL.  The copy belongs to the registry.
 */
static int add(dt_registry *reg, dt_kind kind, const void *type, size_t ours,
	       size_t min)
{
	const dt_component_info *info;
	const dt_component *dup;
	size_t theirs;
	void *copy;

	if (type == NULL)
		return REG_FAIL("registers a %s descriptor that is NULL",
				dt_kind_name(kind));
	theirs = *(const size_t *)type;
	info = (const dt_component_info *)((const char *)type + sizeof(size_t));
	if (theirs < min)
		return REG_FAIL("registers a %s with a descriptor of %zu bytes, "
				"less than the %zu of plugin ABI %u: set `.size = "
				"sizeof(dt_%s_type)`", dt_kind_name(kind), theirs,
				min, DT_ABI_VERSION, dt_kind_name(kind));
	if (info->name == NULL || info->name[0] == '\0')
		return REG_FAIL("registers a %s without a name", dt_kind_name(kind));
	dup = find(reg, kind, info->name);
	if (dup != NULL)
		return REG_FAIL("registers %s '%s', which %s already registered",
				dt_kind_name(kind), info->name, dup->file);
	if (check_options(reg, kind, info->name, info->options, "") != 0)
		return -1;
	if (kind == DT_KIND_PLATFORM &&
	    check_options(reg, kind, info->name,
			  ((const dt_platform_type *)type)->chart_options,
			  "chart ") != 0)
		return -1;
	if (dt_grow(&reg->items, &reg->cap, reg->count + 1, sizeof(*reg->items)) != 0 ||
	    (reg->items[reg->count] = calloc(1, sizeof(dt_component))) == NULL)
		return REG_FAIL("out of memory");
	copy = calloc(1, ours);
	if (copy == NULL) {
		free(reg->items[reg->count]);
		return REG_FAIL("out of memory");
	}
	memcpy(copy, type, theirs < ours ? theirs : ours);
	*(size_t *)copy = ours;
	*reg->items[reg->count] = (dt_component){
		.kind = kind,
		.info = (const dt_component_info *)((char *)copy + sizeof(size_t)),
		.type = copy,
		.file = strdup(reg->loading ? reg->loading : "(built in)"),
	};
	reg->count++;
	return 0;
}

/* Register a descriptor of kind T (at least min bytes of it) whose
 * required callbacks, checked on the core's copy c_, are there. */
#define REGISTER(kind, T, t, min, cond, what)                                \
	do {                                                                 \
		const T *c_;                                                 \
		if (add(reg, kind, t, sizeof(T), min) != 0)                  \
			return -1;                                           \
		c_ = reg->items[reg->count - 1]->type;                        \
		if (!(cond)) {                                               \
			snprintf(reg->reg_error, sizeof(reg->reg_error),     \
				 "registers %s '%s' without %s",             \
				 dt_kind_name(kind), c_->info.name, what);   \
			reg->count--;                                        \
			free(reg->items[reg->count]->file);                  \
			free(reg->items[reg->count]);                        \
			free((void *)c_);                                    \
			return -1;                                           \
		}                                                            \
		return 0;                                                    \
	} while (0)

/* What ABI 2.0 required of a descriptor: everything before its trailing
 * optional callbacks, which a shorter descriptor may lack. */
#define SIZE_UPTO(T, member) offsetof(T, member)

int dt_register_platform(dt_registry *reg, const dt_platform_type *t)
{
	REGISTER(DT_KIND_PLATFORM, dt_platform_type, t,
		 SIZE_UPTO(dt_platform_type, cleanup),
		 c_->create && c_->nodes && c_->destroy, "create, nodes and destroy");
}

int dt_register_client(dt_registry *reg, const dt_client_type *t)
{
	REGISTER(DT_KIND_CLIENT, dt_client_type, t,
		 SIZE_UPTO(dt_client_type, metrics),
		 c_->create && c_->connect && c_->invoke && c_->disconnect &&
		 c_->destroy, "create, connect, invoke, disconnect and destroy");
}

int dt_register_workload(dt_registry *reg, const dt_workload_type *t)
{
	REGISTER(DT_KIND_WORKLOAD, dt_workload_type, t,
		 SIZE_UPTO(dt_workload_type, completed),
		 c_->ops && c_->ops[0].f && c_->generate, "operations and generate");
}

int dt_register_nemesis(dt_registry *reg, const dt_nemesis_type *t)
{
	REGISTER(DT_KIND_NEMESIS, dt_nemesis_type, t, sizeof(dt_nemesis_type),
		 c_->create && c_->start && c_->heal && c_->destroy,
		 "create, start, heal and destroy");
}

int dt_register_checker(dt_registry *reg, const dt_checker_type *t)
{
	REGISTER(DT_KIND_CHECKER, dt_checker_type, t, sizeof(dt_checker_type),
		 c_->check, "check");
}

int dt_register_model(dt_registry *reg, const dt_model_type *t)
{
	REGISTER(DT_KIND_MODEL, dt_model_type, t, SIZE_UPTO(dt_model_type, equal),
		 c_->init && c_->step && c_->prepare, "init, step and prepare");
}

static dt_module *module_slot(dt_registry *reg, const char *path)
{
	for (size_t i = 0; i < reg->nmodules; i++)
		if (strcmp(reg->modules[i].path, path) == 0)
			return &reg->modules[i];
	if (dt_grow(&reg->modules, &reg->capmodules, reg->nmodules + 1,
		    sizeof(*reg->modules)) != 0)
		return NULL;
	reg->modules[reg->nmodules] = (dt_module){ .path = strdup(path) };
	return &reg->modules[reg->nmodules++];
}

int dt_registry_load_file(dt_registry *reg, const char *path, char *err)
{
	char real[PATH_MAX];
	const unsigned *abi;
	int (*entry)(dt_registry *);
	lt_dlhandle h;
	dt_module *m;
	size_t before;

	if (realpath(path, real) == NULL)
		return dt_fail(err, "%s: %s", path, strerror(errno));
	for (size_t i = 0; i < reg->nmodules; i++)
		if (strcmp(reg->modules[i].path, real) == 0)
			return reg->modules[i].handle != NULL ? 0 :
			       dt_fail(err, "%s: failed to load before", real);
	m = module_slot(reg, real);
	if (m == NULL)
		return dt_fail(err, "%s: out of memory", real);

	h = lt_dlopen(real);
	if (h == NULL)
		return dt_fail(err, "%s: cannot load: %s", real, lt_dlerror());
	abi = lt_dlsym(h, "dt_plugin_abi");
	entry = (int (*)(dt_registry *))lt_dlsym(h, "dt_plugin_register");
	if (abi == NULL || entry == NULL) {
		lt_dlclose(h);
		return dt_fail(err, "%s: not a DT plugin: it has no %s symbol "
			       "(use DT_PLUGIN_DEFINE from dt/plugin.h)", real,
			       abi == NULL ? "dt_plugin_abi" : "dt_plugin_register");
	}
	if (*abi != DT_ABI_VERSION) {
		unsigned got = *abi;

		lt_dlclose(h);
		return dt_fail(err, "%s: built for plugin ABI version %u, but "
			       "this DT has ABI version %u: rebuild it against "
			       "this DT's dt/plugin.h", real, got, DT_ABI_VERSION);
	}

	before = reg->count;
	reg->loading = real;
	reg->reg_error[0] = '\0';
	if (entry(reg) != 0 || reg->reg_error[0] != '\0') {
		/* Take back whatever this file registered before failing. */
		for (size_t i = before; i < reg->count; i++) {
			free(reg->items[i]->file);
			free((void *)reg->items[i]->type);
			free(reg->items[i]);
		}
		reg->count = before;
		reg->loading = NULL;
		lt_dlclose(h);
		return dt_fail(err, "%s: %s", real, reg->reg_error[0] ?
			       reg->reg_error : "its dt_plugin_register failed");
	}
	reg->loading = NULL;
	m->handle = h;
	return 0;
}

static bool plugin_file_name(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, "dt_", 3) == 0 && n > 6 &&
	       strcmp(name + n - 3, ".so") == 0;
}

/* Call fn on each dt_*.so of the path, in path order. */
static int for_each_file(dt_registry *reg,
			 int (*fn)(dt_registry *, const char *, void *),
			 void *arg)
{
	int failed = 0;

	for (size_t i = 0; reg->path[i] != NULL; i++) {
		struct dirent **names;
		int n = scandir(reg->path[i], &names, NULL, alphasort);

		for (int j = 0; j < n; j++) {
			char file[PATH_MAX + 300];

			if (plugin_file_name(names[j]->d_name)) {
				snprintf(file, sizeof(file), "%s/%s",
					 reg->path[i], names[j]->d_name);
				failed += fn(reg, file, arg) != 0;
			}
			free(names[j]);
		}
		if (n >= 0)
			free(names);
	}
	return failed;
}

struct warn_ctx {
	void (*warn)(const char *msg, void *arg);
	void *arg;
};

static int load_one(dt_registry *reg, const char *file, void *arg)
{
	struct warn_ctx *w = arg;
	char err[DT_ERRBUF_SIZE];
	char real[PATH_MAX];

	/* A file already refused is reported once only. */
	if (realpath(file, real) != NULL)
		for (size_t i = 0; i < reg->nmodules; i++)
			if (strcmp(reg->modules[i].path, real) == 0)
				return 0;
	if (dt_registry_load_file(reg, file, err) != 0) {
		if (w != NULL && w->warn != NULL)
			w->warn(err, w->arg);
		return -1;
	}
	return 0;
}

int dt_registry_load_all(dt_registry *reg,
			 void (*warn)(const char *msg, void *arg), void *arg)
{
	struct warn_ctx w = { warn, arg };

	reg->scanned = true;
	return for_each_file(reg, load_one, &w);
}

static void list_names(const dt_registry *reg, dt_kind kind, char *buf,
		       size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < reg->count && used + 1 < size; i++) {
		if (reg->items[i]->kind != kind)
			continue;
		used += snprintf(buf + used, size - used, "%s%s",
				 used ? ", " : "", reg->items[i]->info->name);
	}
	if (used == 0)
		snprintf(buf, size, "none");
}

/* The name of kind closest to name, for "did you mean". */
static const char *closest_name(const dt_registry *reg, dt_kind kind,
				const char *name)
{
	const char *names[256];
	size_t n = 0;

	for (size_t i = 0; i < reg->count && n < 256; i++)
		if (reg->items[i]->kind == kind)
			names[n++] = reg->items[i]->info->name;
	return options_closest(name, names, n);
}

/* The file at path is loaded already. */
static bool loaded(const dt_registry *reg, const char *path)
{
	char real[PATH_MAX];

	if (realpath(path, real) == NULL)
		return false;
	for (size_t i = 0; i < reg->nmodules; i++)
		if (strcmp(reg->modules[i].path, real) == 0)
			return true;
	return false;
}

static void warn_debug(const char *msg, void *arg)
{
	(void)arg;
	dt_log(DT_LOG_DEBUG, "skipping plugin: %s", msg);
}

const dt_component *dt_registry_get(dt_registry *reg, dt_kind kind,
				    const char *name, char *err)
{
	const dt_component *c = find(reg, kind, name);
	char file[64];
	char names[300];

	if (c != NULL)
		return c;
	if (reg->sealed)
		goto unknown;
	if (strchr(name, '/') != NULL || strlen(name) > 48) {
		dt_fail(err, "'%s' is not a valid %s name", name,
			dt_kind_name(kind));
		return NULL;
	}

	/* First dt_NAME.so: a file that exists but fails is an error. */
	snprintf(file, sizeof(file), "dt_%s.so", name);
	for (size_t i = 0; reg->path[i] != NULL; i++) {
		char full[PATH_MAX + 80];

		snprintf(full, sizeof(full), "%s/%s", reg->path[i], file);
		if (access(full, F_OK) != 0)
			continue;
		if (dt_registry_load_file(reg, full, err) != 0)
			return NULL;
		c = find(reg, kind, name);
		if (c != NULL)
			return c;
		break;
	}
	/* Then the kind's own collection, dt_KINDs.so (dt_models.so holds
	 * every model DT brings): a check loads the checker and the models,
	 * not every plugin of the path with the libraries behind them. */
	snprintf(file, sizeof(file), "dt_%ss.so", dt_kind_name(kind));
	for (size_t i = 0; !reg->scanned && reg->path[i] != NULL; i++) {
		char full[PATH_MAX + 80];

		snprintf(full, sizeof(full), "%s/%s", reg->path[i], file);
		if (access(full, F_OK) != 0 || loaded(reg, full))
			continue;
		if (dt_registry_load_file(reg, full, err) == 0 &&
		    (c = find(reg, kind, name)) != NULL)
			return c;
		break;
	}
	if (!reg->scanned)
		dt_registry_load_all(reg, warn_debug, NULL);
	c = find(reg, kind, name);
	if (c != NULL)
		return c;
unknown:
	list_names(reg, kind, names, sizeof(names));
	{
		const char *close = closest_name(reg, kind, name);

		if (close != NULL)
			dt_fail(err, "no %s named '%s' (did you mean `%s`?; "
				"available: %s)", dt_kind_name(kind), name, close,
				names);
		else
			dt_fail(err, "no %s named '%s' (available: %s)",
				dt_kind_name(kind), name, names);
	}
	return NULL;
}

const void *dt_registry_find(dt_registry *reg, dt_kind kind, const char *name,
			     char *err)
{
	char e[DT_ERRBUF_SIZE];
	const dt_component *c = dt_registry_get(reg, kind, name, err ? err : e);

	return c != NULL ? c->type : NULL;
}
