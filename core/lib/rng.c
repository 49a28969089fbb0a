/* SPDX-License-Identifier: MIT */
/*
 * rng.c: xoshiro256** seeded through splitmix64 (Blackman and Vigna).
 * Small, fast and reproducible across machines, which rand() is not.
 */
#include "config.h"

#include <dt/plugin.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void dt_rng_seed(dt_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t dt_rng_next(dt_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t dt_rng_below(dt_rng *rng, uint64_t n)
{
	/* Lemire's nearly divisionless bounded integers. */
	unsigned __int128 m = (unsigned __int128)dt_rng_next(rng) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (unsigned __int128)dt_rng_next(rng) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double dt_rng_double(dt_rng *rng)
{
	return (double)(dt_rng_next(rng) >> 11) * 0x1.0p-53;
}
