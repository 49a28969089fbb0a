/* SPDX-License-Identifier: MIT */
/*
 * timeline.h: timeline.html in a run folder: the run's operations on a
 * time axis, one lane per worker, nemesis bands, node marks, and the
 * operations each anomaly names highlighted with lines to the writes
 * whose values they read.  Self-contained (the page and its data in one
 * file); the dashboard shows the same page.
 */
#ifndef DT_CORE_TIMELINE_H
#define DT_CORE_TIMELINE_H

#include <dt/plugin.h>

/* The page's data (new reference), or NULL when out of memory.  results
 * and suite (the run's results.json and suite.json) may be NULL. */
json_t *dt_timeline_data(const dt_history *h, const json_t *results,
			 const json_t *suite);

/* Write DIR/timeline.html (atomically); 0, or -1 with err. */
int dt_timeline_write(const char *dir, const dt_history *h,
		      const json_t *results, const json_t *suite, char *err);

#endif
