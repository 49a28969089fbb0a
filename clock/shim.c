/*
 * shim.c: libdtclock.so, DT's clock shim.  Preloaded (LD_PRELOAD) into a
 * node's processes by the local platform when the chart says
 * `local: {clock: fake}`, it answers clock_gettime, gettimeofday and time
 * from the real clock as the node's clock page (page.h, DT_CLOCK_FILE)
 * says: a wall clock bumped by an offset, both clocks run at a rate.
 * The clock nemeses change the page while the node runs.
 *
 * Why not libfaketime: libfaketime 0.9.10 (Debian 12) cannot start
 * Debian's redis-server, which links libjemalloc: jemalloc calls
 * clock_gettime while libfaketime initialises (dlsym allocates), and
 * libfaketime gives up ("Unexpected recursive calls to clock_gettime()
 * without proper initialization", upstream issue #130, open).  This shim
 * has nothing to initialise on the clock path: until the real
 * clock_gettime is found it makes the system call itself, so a malloc
 * that reads the clock while dlsym runs finds a clock, not a recursion.
 *
 * Reach: programs that call libc for the time.  Not Go programs (etcd):
 * Go's runtime reads the vDSO itself, never libc's clock_gettime; nor
 * statically linked ones, which LD_PRELOAD does not reach.  The local
 * platform refuses those at validation (plugins/local/clock.c).
 *
 * Not translated: waits to an absolute time the kernel times
 * (pthread_cond_timedwait, clock_nanosleep TIMER_ABSTIME, timerfd); a
 * deadline computed from a skewed clock waits as the skew says.
 *
 * Without DT_CLOCK_FILE the shim changes nothing; with one it cannot
 * map, the process exits at once (127) saying why on stderr: a node
 * silently on true time would make a clock fault a lie.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "page.h"

#define EXPORT __attribute__((visibility("default")))

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime; /* NULL until resolved */
static const dt_clock_page *page;           /* NULL: true time */

static int raw_clock_gettime(clockid_t id, struct timespec *ts)
{
	clock_gettime_fn fn = __atomic_load_n(&real_clock_gettime, __ATOMIC_ACQUIRE);

	if (fn != NULL)
		return fn(id, ts);
	return (int)syscall(SYS_clock_gettime, id, ts);
}

static void die(const char *path, const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "dt-clock: DT_CLOCK_FILE=%s: %s\n",
			 path, what);

	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(127);
}

__attribute__((constructor))
static void shim_init(void)
{
	const char *path = getenv("DT_CLOCK_FILE");
	clock_gettime_fn fn;
	void *m;
	int fd;

	fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	if (fn != NULL)
		__atomic_store_n(&real_clock_gettime, fn, __ATOMIC_RELEASE);
	if (path == NULL || path[0] == '\0')
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path, strerror(errno));
	m = mmap(NULL, DT_CLOCK_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		die(path, strerror(errno));
	if (memcmp(((const dt_clock_page *)m)->magic, DT_CLOCK_MAGIC,
		   sizeof(DT_CLOCK_MAGIC) - 1) != 0)
		die(path, "not a clock page (no DTCLOCK1 magic)");
	__atomic_store_n(&page, (const dt_clock_page *)m, __ATOMIC_RELEASE);
}

/* Which of the page's clocks id is: 1 wall, 2 mono, 0 neither. */
static int clock_class(clockid_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		return 1;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return 2;
	default:
		return 0;
	}
}

static void adjust(int cls, struct timespec *ts)
{
	const dt_clock_page *p = __atomic_load_n(&page, __ATOMIC_ACQUIRE);
	dt_clock_state s;
	int64_t real, fake;

	if (p == NULL || cls == 0)
		return;
	dt_clock_page_read(p, &s);
	real = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
	if (cls == 1)
		fake = dt_clock_fake(real, s.wall_off, s.wall_ref, s.rate_ppb);
	else
		fake = dt_clock_fake(real, s.mono_off, s.mono_ref, s.rate_ppb);
	if (fake < 0)
		fake = 0;
	ts->tv_sec = (time_t)(fake / 1000000000LL);
	ts->tv_nsec = (long)(fake % 1000000000LL);
}

EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc = raw_clock_gettime(id, ts);

	if (rc == 0)
		adjust(clock_class(id), ts);
	return rc;
}

#pragma GCC diagnostic ignored "-Wnonnull-compare"
EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	if (tz != NULL)
		memset(tz, 0, sizeof(struct timezone));
	if (tv == NULL) /* glibc declares it nonnull; POSIX allows NULL */
		return 0;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

EXPORT time_t time(time_t *out)
{
	struct timespec ts;
	time_t t;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (time_t)-1;
	t = ts.tv_sec;
	if (out != NULL)
		*out = t;
	return t;
}
