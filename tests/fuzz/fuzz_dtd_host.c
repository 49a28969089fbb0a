/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dtd_host.c: dtd's Host header check (core/dtd/host.c, compiled
 * in), the guard against DNS rebinding.  Input: the header's value.
 * Invariants: a value dtd answers holds only the characters of a host
 * name, an IP address and a port; the configured name passes in any
 * case, with a port, and not as a suffix of another name.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtd.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "dt.example.com", NULL };
	char *host = malloc(size + 1);

	if (host == NULL)
		return 0;
	memcpy(host, data, size);
	host[size] = '\0';
	if (dtd_host_allowed(host, allowed)) {
		for (const char *p = host; *p; p++)
			FUZZ_ASSERT(isalnum((unsigned char)*p) || strchr(".-:[]", *p) != NULL);
	}
	FUZZ_ASSERT(dtd_host_allowed("DT.example.COM:8080", allowed));
	FUZZ_ASSERT(!dtd_host_allowed("evil-dt.example.com", allowed));
	FUZZ_ASSERT(!dtd_host_allowed("attacker.example", allowed));
	free(host);
	return 0;
}
