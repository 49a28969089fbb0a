/*
 * strobe.c: clock-strobe's thread.  From start to heal it flips the wall
 * clocks of the nodes start chose between real + offset and real time,
 * every period: the first flip (to the offset) is start's own, then one
 * each period, so flip k happens at start + k * period and the history's
 * start and heal events with the period say when each node's clock was
 * where.  The count of flips is in heal's record.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static void *strobe_main(void *arg)
{
	clk_nemesis *n = arg;
	struct timespec at;
	bool on = true;

	clock_gettime(CLOCK_MONOTONIC, &at);
	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		double whole = floor(n->period);

		at.tv_sec += (time_t)whole;
		at.tv_nsec += (long)((n->period - whole) * 1e9);
		while (at.tv_nsec >= 1000000000L) {
			at.tv_nsec -= 1000000000L;
			at.tv_sec++;
		}
		while (!n->stop && pthread_cond_timedwait(&n->wake, &n->lock,
							  &at) != ETIMEDOUT)
			;
		if (n->stop)
			break;
		on = !on;
		for (size_t j = 0; j < n->nchanged; j++)
			clk_set(n, n->changed[j], on ? n->strobe_offset : 0, 1.0);
		n->flips++;
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int clk_strobe_start(clk_nemesis *n, char *err)
{
	pthread_condattr_t ca;
	int rc;

	/* the waits are on the monotonic clock */
	pthread_cond_destroy(&n->wake);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->wake, &ca);
	pthread_condattr_destroy(&ca);
	n->stop = false;
	n->flips = 1;
	rc = pthread_create(&n->thread, NULL, strobe_main, n);
	if (rc != 0)
		return dt_fail(err, "cannot start the strobe's thread: %s", strerror(rc));
	n->running = true;
	return 0;
}

void clk_strobe_stop(clk_nemesis *n)
{
	if (!n->running)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	n->running = false;
}
