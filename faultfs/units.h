/*
 * units.h: durations and sizes as dt-faultfs and the disk nemeses read
 * them ("50ms", "2s", "1.5", "64k", "256M").  One small file so that it
 * can be swapped for libdt's parser of durations and sizes once libdt
 * has one (the plugin ABI 2 work); dt-faultfs does not link libdt.
 */
#ifndef DT_FAULTFS_UNITS_H
#define DT_FAULTFS_UNITS_H

#include <stdint.h>

/* A duration: a number of seconds with an optional unit ns, us, ms, s,
 * m.  0 and *ns set, or -1 for text that is not one (or negative, or
 * more than a day). */
int ff_parse_duration(const char *s, int64_t *ns);

/* A size in bytes: a number with an optional unit k, M, G (powers of
 * 1024; kB, MB, GB and KiB, MiB, GiB too).  0, or -1. */
int ff_parse_size(const char *s, int64_t *bytes);

#endif
