/*
 * page.h: the clock page, one small file per node that says how that
 * node's clocks differ from the machine's.  The local platform makes it
 * (STORE/nI.clock, true time) before the node's processes start, under
 * DT's clock shim (libdtclock.so, LD_PRELOAD, clock/shim.c), which maps
 * it read-only and reads it on every clock call; the clock nemeses
 * (plugins/clock) map it writable and change it while the node runs.
 * A change takes effect at the next clock call of every process of the
 * node: no restart, no cache, no file read per call.
 *
 * The two clocks of a process, each with an offset at a reference point
 * and a rate shared by both:
 *
 *   fake = real + off + (rate - 1) * (real - ref)
 *
 *   wall  CLOCK_REALTIME (and _COARSE, _ALARM, TAI), gettimeofday, time
 *   mono  CLOCK_MONOTONIC (and _COARSE, _RAW), CLOCK_BOOTTIME (_ALARM)
 *
 * A bump moves the wall clock only (as a clock step does: NTP, a
 * sysadmin's date -s); a rate moves both (as a fast or slow oscillator
 * does).  The process CPU clocks are never changed.
 *
 * One writer at a time (the nemesis thread), any number of readers in
 * other processes: a sequence lock, odd while the writer is at it.
 * Header-only: the shim must not depend on libdt.
 */
#ifndef DT_CLOCK_PAGE_H
#define DT_CLOCK_PAGE_H

#include <stdint.h>
#include <string.h>

#define DT_CLOCK_MAGIC "DTCLOCK1"
#define DT_CLOCK_PAGE_SIZE 4096

typedef struct dt_clock_page {
	char magic[8];
	uint32_t seq;      /* odd while being written */
	uint32_t pad;
	int64_t wall_off;  /* ns */
	int64_t wall_ref;  /* real CLOCK_REALTIME, ns */
	int64_t mono_off;
	int64_t mono_ref;  /* real CLOCK_MONOTONIC, ns */
	int64_t rate_ppb;  /* rate in parts per billion: 1e9 is true */
} dt_clock_page;

typedef struct dt_clock_state {
	int64_t wall_off, wall_ref, mono_off, mono_ref, rate_ppb;
} dt_clock_state;

#define DT_CLOCK_RATE_ONE 1000000000LL

static inline void dt_clock_page_read(const dt_clock_page *p, dt_clock_state *s)
{
	uint32_t a, b;

	do {
		a = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		s->wall_off = __atomic_load_n(&p->wall_off, __ATOMIC_RELAXED);
		s->wall_ref = __atomic_load_n(&p->wall_ref, __ATOMIC_RELAXED);
		s->mono_off = __atomic_load_n(&p->mono_off, __ATOMIC_RELAXED);
		s->mono_ref = __atomic_load_n(&p->mono_ref, __ATOMIC_RELAXED);
		s->rate_ppb = __atomic_load_n(&p->rate_ppb, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
	} while ((a & 1u) != 0 || a != b);
}

static inline void dt_clock_page_write(dt_clock_page *p, const dt_clock_state *s)
{
	uint32_t q = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&p->seq, q + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&p->wall_off, s->wall_off, __ATOMIC_RELAXED);
	__atomic_store_n(&p->wall_ref, s->wall_ref, __ATOMIC_RELAXED);
	__atomic_store_n(&p->mono_off, s->mono_off, __ATOMIC_RELAXED);
	__atomic_store_n(&p->mono_ref, s->mono_ref, __ATOMIC_RELAXED);
	__atomic_store_n(&p->rate_ppb, s->rate_ppb, __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq, q + 2, __ATOMIC_RELEASE);
}

/* A fake reading from a real one, with off and ref of its clock. */
static inline int64_t dt_clock_fake(int64_t real, int64_t off, int64_t ref,
				    int64_t rate_ppb)
{
	int64_t d = real - ref;

	if (rate_ppb == DT_CLOCK_RATE_ONE)
		return real + off;
	/* (rate - 1) * d in long double: d is up to days in ns. */
	return real + off + (int64_t)((long double)(rate_ppb - DT_CLOCK_RATE_ONE) *
				      (long double)d / 1e9L);
}

/* A page at true time. */
static inline void dt_clock_page_init(dt_clock_page *p)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->magic, DT_CLOCK_MAGIC, sizeof(p->magic));
	p->rate_ppb = DT_CLOCK_RATE_ONE;
}

#endif /* DT_CLOCK_PAGE_H */
