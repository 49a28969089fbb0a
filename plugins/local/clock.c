/*
 * clock.c: `clock: fake`: each node's processes under DT's clock shim
 * (libdtclock.so, clock/shim.c), so that the clock nemeses can bump,
 * strobe and skew that node's clock while it runs.
 *
 *   local:
 *     clock: fake                   # real (default) or fake
 *
 * Per node: its clock page STORE/nI.clock (clock/page.h), made at true
 * time before any of the node's processes starts and kept with the run
 * (it holds the node's last clock state); every process of the node gets
 * LD_PRELOAD=libdtclock.so and DT_CLOCK_FILE=the page.  The node info
 * gets "clock": {"page": PATH}, which the nemeses map.
 *
 * Reach, checked before anything starts: the shim changes the time of a
 * program that asks libc for it.  A statically linked program (no
 * dynamic loader, no LD_PRELOAD) and a Go program (its runtime reads the
 * vDSO itself: etcd) are out of reach; the chart is refused, naming the
 * program and why, rather than run with clock faults that do nothing.
 * Once a node process is ready, its /proc/PID/maps must show the shim,
 * or the node fails to start (a program that clears LD_PRELOAD).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reach.h"
#include "local.h"
#include "page.h"

#define SHIM_NAME "libdtclock.so"


/* Where the shim is: $DT_CLOCK_SHIM; the build tree's when this plugin
 * runs from it; the plugin folder. */
static int shim_path(char *buf, size_t size, char *err)
{
	const char *env = getenv("DT_CLOCK_SHIM");
	Dl_info info;

	if (env != NULL && env[0] != '\0')
		snprintf(buf, size, "%s", env);
	else if (dladdr((void *)shim_path, &info) != 0 && info.dli_fname != NULL &&
		 strncmp(info.dli_fname, DT_BUILD_DIR "/", sizeof(DT_BUILD_DIR)) == 0)
		snprintf(buf, size, "%s/clock/.libs/" SHIM_NAME, DT_BUILD_DIR);
	else
		snprintf(buf, size, "%s/" SHIM_NAME, DT_PLUGIN_DIR);
	if (access(buf, R_OK) != 0)
		return dt_fail(err, "DT's clock shim %s: %s (set DT_CLOCK_SHIM)",
			       buf, strerror(errno));
	return 0;
}

/* argv0 as exec would find it: with a '/' as it is, else along PATH and
 * the sbin folders (dt_command's search). */
static int resolve(const char *argv0, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[8192];

	if (strchr(argv0, '/') != NULL) {
		snprintf(buf, size, "%s", argv0);
		return access(buf, X_OK);
	}
	snprintf(dirs, sizeof(dirs), "%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin",
		 path != NULL ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(buf, size, "%s/%s", d[0] ? d : ".", argv0) >= size)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* Why the shim cannot reach the program at path (reach.c), or NULL. */
const char *lc_clock_unreachable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *why;
	struct stat st;
	void *m;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	why = lc_elf_unreachable(m, (size_t)st.st_size);
	munmap(m, (size_t)st.st_size);
	return why;
}

/* The section that says: the suite's `platform:` over the chart's
 * `local:`; *from (borrowed) the one, NULL when neither. */
static bool fake_wanted(const json_t *chart, const json_t *config,
			const json_t **from)
{
	const json_t *local = json_object_get(chart, "local");

	*from = NULL;
	if (json_is_object(config) && dt_opt(config, "clock") != NULL)
		*from = config;
	else if (json_is_object(local) && dt_opt(local, "clock") != NULL)
		*from = local;
	return *from != NULL && dt_opt_enum(*from, "clock", lc_clock_types) == 1;
}

/* The environment of a node's processes: ours, LD_PRELOAD with the shim
 * first (an LD_PRELOAD we have follows it), DT_CLOCK_FILE. */
static char **make_env(const char *shim, const char *page)
{
	extern char **environ;
	const char *pre = getenv("LD_PRELOAD");
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0 ||
		    strncmp(environ[i], "DT_CLOCK_FILE=", 14) == 0)
			continue;
		if ((env[k++] = strdup(environ[i])) == NULL)
			goto fail;
	}
	env[k] = pre != NULL && pre[0] ? dt_strdupf("LD_PRELOAD=%s:%s", shim, pre) :
		 dt_strdupf("LD_PRELOAD=%s", shim);
	if (env[k++] == NULL)
		goto fail;
	if ((env[k++] = dt_strdupf("DT_CLOCK_FILE=%s", page)) == NULL)
		goto fail;
	return env;
fail:
	for (size_t i = 0; i < k; i++)
		free(env[i]);
	free(env);
	return NULL;
}

int lc_clock_plan(lc_platform *p, const json_t *chart, const json_t *config,
		  char *err)
{
	const json_t *from;
	char prog[4096];

	if (!fake_wanted(chart, config, &from))
		return 0;
	/* Every process the chart runs, as its first node would. */
	for (size_t k = 0; p->n > 0 && k < p->x[0].nprocs; k++) {
		const char *argv0 = p->x[0].procs[k].argv[0];
		const char *why;

		if (resolve(argv0, prog, sizeof(prog)) != 0)
			continue; /* the start says it is missing */
		why = lc_clock_unreachable(prog);
		if (why != NULL)
			return dt_conf_fail(from, "clock", err, "fake: process "
					    "%s runs %s, which %s; clock faults "
					    "cannot reach it on this platform",
					    p->x[0].procs[k].spec->name, prog, why);
	}
	if (shim_path(p->clock_shim, sizeof(p->clock_shim), err) != 0)
		return -1;
	p->clock_fake = true;
	for (size_t i = 0; i < p->n; i++) {
		lc_node *x = &p->x[i];

		if ((size_t)snprintf(x->clock_page, sizeof(x->clock_page), "%s/%s.clock",
				     p->store_dir, p->nodes[i].name) >= sizeof(x->clock_page))
			return dt_fail(err, "node %s: path too long for its clock page",
				       p->nodes[i].name);
		x->envp = make_env(p->clock_shim, x->clock_page);
		if (x->envp == NULL)
			return dt_fail(err, "out of memory");
	}
	return 0;
}

void lc_clock_info(lc_platform *p, size_t i)
{
	if (!p->clock_fake || p->nodes[i].info == NULL)
		return;
	json_object_set_new(p->nodes[i].info, "clock",
			    json_pack("{s:s}", "page", p->x[i].clock_page));
}

void lc_clock_print(const lc_platform *p, size_t i)
{
	if (!p->clock_fake)
		return;
	printf("local: %s: clock page %s, processes under LD_PRELOAD=%s\n",
	       p->nodes[i].name, p->x[i].clock_page, p->clock_shim);
}

int lc_clock_make(lc_platform *p, char *err)
{
	for (size_t i = 0; p->clock_fake && i < p->n; i++) {
		const char *path = p->x[i].clock_page;
		char buf[DT_CLOCK_PAGE_SIZE] = { 0 };
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ssize_t w;

		if (fd < 0)
			return dt_fail(err, "node %s: clock page %s: %s",
				       p->nodes[i].name, path, strerror(errno));
		dt_clock_page_init((dt_clock_page *)(void *)buf);
		w = write(fd, buf, sizeof(buf));
		if (close(fd) != 0 || w != (ssize_t)sizeof(buf))
			return dt_fail(err, "node %s: clock page %s: %s",
				       p->nodes[i].name, path, strerror(errno));
	}
	return 0;
}

int lc_clock_check(lc_platform *p, size_t i, size_t k, char *err)
{
	const lc_proc *pr = &p->x[i].procs[k];
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	if (!p->clock_fake || pr->pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pr->pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0; /* gone: the caller's liveness check says so */
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "/" SHIM_NAME) != NULL;
	fclose(f);
	if (!found)
		return dt_fail(err, "node %s: %s (pid %d) runs without DT's clock "
			       "shim (its /proc/PID/maps has no %s: it clears "
			       "LD_PRELOAD?): clock faults cannot reach it",
			       p->nodes[i].name, pr->spec->name, (int)pr->pid,
			       SHIM_NAME);
	return 0;
}

void lc_clock_free(lc_platform *p)
{
	for (size_t i = 0; p->x != NULL && i < p->n; i++) {
		for (char **e = p->x[i].envp; e != NULL && *e != NULL; e++)
			free(*e);
		free(p->x[i].envp);
		p->x[i].envp = NULL;
	}
}
