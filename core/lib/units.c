/* SPDX-License-Identifier: MIT */
/*
 * units.c: the one parser of durations, sizes and rates (dt/options.h),
 * used by suites, charts and plugins alike.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dt/options.h>

/* A number at *s (digits, optional fraction; no sign, no exponent, so
 * that "1e3s" is not taken for a thousand seconds); advances *s. */
static int number(const char **s, double *out)
{
	const char *p = *s;
	char *end;

	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	*out = strtod(*s, &end);
	if (end != p || !isfinite(*out))
		return -1;
	*s = p;
	return 0;
}

int dt_parse_duration(const char *text, double *seconds)
{
	static const struct { const char *unit; double factor; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 },
		{ "m", 60 }, { "h", 3600 }, { "d", 86400 },
	};
	const char *s = text;
	double total = 0;
	bool any = false;

	while (*s == ' ')
		s++;
	while (*s != '\0' && *s != ' ') {
		double v;
		size_t best = 0, bestlen = 0;

		if (number(&s, &v) != 0)
			return -1;
		/* The longest unit that matches: "ms" before "m". */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, len) == 0 && len > bestlen) {
				best = i;
				bestlen = len;
			}
		}
		if (bestlen == 0) {
			/* A bare number is seconds, alone only. */
			if (any || (*s != '\0' && *s != ' '))
				return -1;
			total = v;
		} else {
			total += v * units[best].factor;
			s += bestlen;
		}
		any = true;
	}
	while (*s == ' ')
		s++;
	if (!any || *s != '\0' || !isfinite(total))
		return -1;
	*seconds = total;
	return 0;
}

int dt_parse_size(const char *text, uint64_t *bytes)
{
	static const struct { const char *unit; double factor; } units[] = {
		{ "", 1 }, { "b", 1 }, { "B", 1 },
		{ "k", 1024.0 }, { "K", 1024.0 }, { "KiB", 1024.0 }, { "kB", 1e3 },
		{ "M", 1048576.0 }, { "MiB", 1048576.0 }, { "MB", 1e6 },
		{ "G", 1073741824.0 }, { "GiB", 1073741824.0 }, { "GB", 1e9 },
		{ "T", 1099511627776.0 }, { "TiB", 1099511627776.0 }, { "TB", 1e12 },
	};
	const char *s = text;
	double v;

	while (*s == ' ')
		s++;
	if (number(&s, &v) != 0)
		return -1;
	while (*s == ' ')
		s++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t len = strlen(units[i].unit);
		const char *rest = s + len;

		if (strncmp(s, units[i].unit, len) != 0)
			continue;
		while (*rest == ' ')
			rest++;
		if (*rest != '\0')
			continue;
		v *= units[i].factor;
		if (v >= 18446744073709551615.0 || v != floor(v))
			return -1;
		*bytes = (uint64_t)v;
		return 0;
	}
	return -1;
}

int dt_parse_rate(const char *text, double *per_second)
{
	const char *s = text;
	double v, per = 1;

	while (*s == ' ')
		s++;
	if (number(&s, &v) != 0)
		return -1;
	while (*s == ' ')
		s++;
	if (*s == '/') {
		static const struct { const char *unit; double seconds; } per_unit[] = {
			{ "s", 1 }, { "sec", 1 }, { "second", 1 },
			{ "m", 60 }, { "min", 60 }, { "minute", 60 },
			{ "h", 3600 }, { "hour", 3600 },
		};
		char word[8];
		size_t n = 0;
		bool found = false;

		s++;
		while (*s == ' ')
			s++;
		while (isalpha((unsigned char)*s) && n + 1 < sizeof(word))
			word[n++] = *s++;
		word[n] = '\0';
		for (size_t i = 0; i < sizeof(per_unit) / sizeof(per_unit[0]); i++)
			if (strcmp(word, per_unit[i].unit) == 0) {
				per = per_unit[i].seconds;
				found = true;
			}
		if (!found)
			return -1;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return -1;
	*per_second = v / per;
	return 0;
}

/* A number, finite and >= 0, as it is: seconds, or per second. */
static int json_plain(const json_t *v, double *out)
{
	double d = json_number_value(v);

	if (!(d >= 0) || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int dt_json_duration(const json_t *v, double *seconds)
{
	if (json_is_number(v))
		return json_plain(v, seconds);
	return json_is_string(v) ? dt_parse_duration(json_string_value(v), seconds) : -1;
}

int dt_json_size(const json_t *v, uint64_t *bytes)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*bytes = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0) || d != floor(d) || d >= 18446744073709551615.0)
			return -1;
		*bytes = (uint64_t)d;
		return 0;
	}
	return json_is_string(v) ? dt_parse_size(json_string_value(v), bytes) : -1;
}

int dt_json_rate(const json_t *v, double *per_second)
{
	if (json_is_number(v))
		return json_plain(v, per_second);
	return json_is_string(v) ? dt_parse_rate(json_string_value(v), per_second) : -1;
}
