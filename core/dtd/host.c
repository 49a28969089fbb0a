/* SPDX-License-Identifier: MIT */
/*
 * host.c: which Host headers dtd answers.  A page of any site can make a
 * browser send requests to 127.0.0.1:8080; the same-origin policy keeps
 * it from reading the answers, unless the site's name resolves to
 * 127.0.0.1 (DNS rebinding): then the page is "same-origin" with dtd
 * and reads every run, history and log.  Its requests carry the site's
 * name in Host.  So dtd answers only Host names it knows: localhost
 * (and *.localhost, which browsers resolve to loopback themselves),
 * IP address literals (no name to rebind), and the names configured in
 * allowed-hosts; anything else gets 421.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dtd.h"

/* s[0..n) lower-cased equals name, or ends with "." name when suffix. */
static bool name_is(const char *s, size_t n, const char *name, bool suffix)
{
	size_t len = strlen(name);

	if (n == len && strncasecmp(s, name, n) == 0)
		return true;
	return suffix && n > len + 1 && s[n - len - 1] == '.' &&
	       strncasecmp(s + n - len, name, len) == 0;
}

bool dtd_host_allowed(const char *host, const char *const *allowed)
{
	char name[256];
	const char *end, *port;
	size_t n;
	unsigned char addr[16];

	if (host == NULL)
		return true; /* HTTP/1.0 clients send none; browsers always do */
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (end == NULL)
			return false;
		n = (size_t)(end - host - 1);
		port = end + 1;
		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, host + 1, n);
		name[n] = '\0';
		if (inet_pton(AF_INET6, name, addr) != 1)
			return false;
	} else {
		end = strchr(host, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			return false; /* an IPv6 address must be in brackets */
		n = end ? (size_t)(end - host) : strlen(host);
		port = host + n;
		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, host, n);
		name[n] = '\0';
		if (name[n - 1] == '.')
			name[--n] = '\0'; /* "localhost." is localhost */
	}
	if (*port != '\0') {
		if (*port != ':' || port[1] == '\0' || strlen(port) > 6)
			return false;
		for (const char *p = port + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	if (host[0] == '[')
		return true;
	if (inet_pton(AF_INET, name, addr) == 1 || name_is(name, n, "localhost", true))
		return true;
	for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++)
		if (name_is(name, n, allowed[i], false))
			return true;
	return false;
}
