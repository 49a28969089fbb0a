/*
 * common.c: what the clock nemeses share: each node's clock page mapped
 * writable, and setting, reading and describing a node's clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static dt_clock_page *map_page(const dt_node *nd, char *err)
{
	const json_t *c = json_object_get(nd->info, "clock");
	const char *path = json_string_value(json_object_get(c, "page"));
	void *m;
	int fd;

	if (path == NULL) {
		dt_fail(err, "node %s has no fake clock: run the chart with "
			"platform: {clock: fake} (or its local.clock: fake)",
			nd->name);
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		dt_fail(err, "node %s: clock page %s: %s", nd->name, path,
			strerror(errno));
		return NULL;
	}
	m = mmap(NULL, DT_CLOCK_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		dt_fail(err, "node %s: clock page %s: %s", nd->name, path,
			strerror(errno));
		return NULL;
	}
	if (memcmp(((dt_clock_page *)m)->magic, DT_CLOCK_MAGIC,
		   sizeof(DT_CLOCK_MAGIC) - 1) != 0) {
		munmap(m, DT_CLOCK_PAGE_SIZE);
		dt_fail(err, "node %s: %s is not a clock page", nd->name, path);
		return NULL;
	}
	return m;
}

clk_nemesis *clk_create(const dt_nemesis_env *env, clk_kind kind, char *err)
{
	clk_nemesis *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		dt_fail(err, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->nodes = env->nodes;
	n->nnodes = env->nnodes;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	n->pages = calloc(env->nnodes + 1, sizeof(*n->pages));
	n->changed = calloc(env->nnodes + 1, sizeof(*n->changed));
	if (n->pages == NULL || n->changed == NULL) {
		dt_fail(err, "out of memory");
		goto fail;
	}
	if (env->nnodes == 0) {
		dt_fail(err, "the run has no nodes whose clock could change");
		goto fail;
	}
	for (size_t i = 0; i < env->nnodes; i++)
		if ((n->pages[i] = map_page(&env->nodes[i], err)) == NULL)
			goto fail;
	return n;
fail:
	clk_destroy(n);
	return NULL;
}

void clk_destroy(clk_nemesis *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; n->pages != NULL && i < n->nnodes; i++)
		if (n->pages[i] != NULL)
			munmap(n->pages[i], DT_CLOCK_PAGE_SIZE);
	free(n->pages);
	free(n->changed);
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

void clk_set(clk_nemesis *n, size_t i, int64_t offset_ns, double rate)
{
	dt_clock_page *p = n->pages[i];
	dt_clock_state s, t;
	int64_t wall = now_ns(CLOCK_REALTIME), mono = now_ns(CLOCK_MONOTONIC);

	dt_clock_page_read(p, &s);
	/* At a reference point fake = real + off: the wall clock where it
	 * is asked to be, the monotonic one where it is now. */
	t.wall_off = offset_ns;
	t.wall_ref = wall;
	t.mono_off = dt_clock_fake(mono, s.mono_off, s.mono_ref, s.rate_ppb) - mono;
	t.mono_ref = mono;
	t.rate_ppb = (int64_t)llround(rate * 1e9);
	dt_clock_page_write(p, &t);
}

int64_t clk_offset(const clk_nemesis *n, size_t i, double *rate)
{
	dt_clock_state s;
	int64_t wall = now_ns(CLOCK_REALTIME);

	dt_clock_page_read(n->pages[i], &s);
	if (rate != NULL)
		*rate = (double)s.rate_ppb / 1e9;
	return dt_clock_fake(wall, s.wall_off, s.wall_ref, s.rate_ppb) - wall;
}

json_t *clk_describe(const clk_nemesis *n, size_t i)
{
	double rate;
	int64_t off = clk_offset(n, i, &rate);

	return json_pack("{s:s, s:f, s:f}", "node", n->nodes[i].name,
			 "offset_ms", (double)off / 1e6, "rate", rate);
}
