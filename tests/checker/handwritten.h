/*
 * handwritten.h: histories written by hand for the checker tests, as
 * JSON events without index and time, e.g.
 * {"process":0,"type":"ok","f":"put","value":{...}}: event i gets index
 * i and time i microseconds, in the order given.
 */
#ifndef DT_TEST_HANDWRITTEN_H
#define DT_TEST_HANDWRITTEN_H

#include <dt/plugin.h>

#include "registry.h"

/* The history of n events (aborts the test on a bad one); the caller
 * frees it with dt_history_free. */
dt_history *hw_history(const char *const *events, size_t n);

#define HW_HISTORY(...) hw_history((const char *const[]){ __VA_ARGS__ }, \
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Run checker (its entry: conf, JSON text or NULL) on h, from reg; the
 * result (never NULL: a failed check fails the test). */
json_t *hw_check(dt_registry *reg, const char *checker, const char *conf,
		 const dt_history *h);

/* The check's error text when it must fail (the test fails when the
 * check succeeds); malloc'd. */
char *hw_check_error(dt_registry *reg, const char *checker, const char *conf,
		     const dt_history *h);

#endif
