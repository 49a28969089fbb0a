/*
 * units.c: durations and sizes in text (see units.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

static int number_unit(const char *s, double *v, const char **unit)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '+' || *s == '-')
		return -1;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v) || *v < 0)
		return -1;
	*unit = end;
	return 0;
}

int ff_parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 },
		{ "ns", 1 }, { "m", 60e9 },
	};
	const char *unit;
	double v;

	if (number_unit(s, &v, &unit) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			double t = v * units[i].scale;

			if (t > 86400e9)
				return -1;
			*ns = (int64_t)llround(t);
			return 0;
		}
	}
	return -1;
}

int ff_parse_size(const char *s, int64_t *bytes)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "", 1 }, { "b", 1 }, { "B", 1 },
		{ "k", 1024.0 }, { "K", 1024.0 }, { "kB", 1024.0 }, { "KiB", 1024.0 },
		{ "M", 1048576.0 }, { "MB", 1048576.0 }, { "MiB", 1048576.0 },
		{ "G", 1073741824.0 }, { "GB", 1073741824.0 }, { "GiB", 1073741824.0 },
	};
	const char *unit;
	double v;

	if (number_unit(s, &v, &unit) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			double b = v * units[i].scale;

			/* 2^62: beyond any file, and far from overflow */
			if (b > 4611686018427387904.0)
				return -1;
			*bytes = (int64_t)llround(b);
			return 0;
		}
	}
	return -1;
}
