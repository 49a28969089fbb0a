/* SPDX-License-Identifier: MIT */
/*
 * echo.c: the fastest exec client there can be, for bench-exec: it
 * answers every request ok at once (reading only its id), so that its
 * figures are what DT's side of the protocol costs an operation (the
 * JSON, the pipes, the two context switches), with no client to speak
 * of.  Not a client to copy: it checks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) > 0) {
		char *id = NULL, *p = line;

		/* the id is the request's last member */
		while ((p = strstr(p, "\"id\":")) != NULL)
			id = p++;
		if (strstr(line, "\"type\":\"close\"") != NULL)
			break;
		printf("{\"id\":%lld,\"type\":\"ok\"}\n",
		       id != NULL ? strtoll(id + 5, NULL, 10) : 0LL);
		fflush(stdout);
	}
	free(line);
	return 0;
}
