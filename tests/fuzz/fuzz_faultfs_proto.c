/* SPDX-License-Identifier: MIT */
/*
 * fuzz_faultfs_proto.c: the parser of dt-faultfs's control requests
 * (faultfs/proto.c, compiled in), what the daemon runs on every line its
 * socket receives and the disk nemeses run on their suite entries.  A
 * request is either refused with a message or comes out checked: a
 * known command, a rule within its bounds, a corruption with a pattern.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ff_request req, again;
	char err[512], err2[512];
	int rc;

	err[0] = '\0';
	rc = ff_request_parse((const char *)data, size, &req, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	/* The same answer twice: no state kept between requests. */
	FUZZ_ASSERT(ff_request_parse((const char *)data, size, &again, err2,
				     sizeof(err2)) == rc);
	if (rc != 0) {
		FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_ASSERT(strcmp(err, err2) == 0);
		return 0;
	}
	FUZZ_ASSERT(req.cmd >= FF_CMD_PING && req.cmd <= FF_CMD_UNMOUNT);
	if (req.cmd == FF_CMD_FAULT) {
		const ff_rule_spec *r = &req.rule;

		FUZZ_ASSERT(r->kind == FF_RULE_ERROR || r->kind == FF_RULE_DELAY ||
			    r->kind == FF_RULE_FULL);
		FUZZ_ASSERT(r->ops != 0 && (r->ops & ~(unsigned)FF_OP_ALL) == 0);
		FUZZ_ASSERT(r->probability >= 0 && r->probability <= 1);
		FUZZ_ASSERT(memchr(r->pattern, '\0', sizeof(r->pattern)) != NULL);
		FUZZ_ASSERT(ff_errno_name(r->errnum) != NULL);
		FUZZ_ASSERT(r->delay_ns >= 0 && r->jitter_ns >= 0 &&
			    r->jitter_ns <= r->delay_ns);
		FUZZ_ASSERT(r->kind != FF_RULE_DELAY || r->delay_ns > 0);
		FUZZ_ASSERT(r->budget >= 0);
		FUZZ_ASSERT(strcmp(ff_rule_kind_name(r->kind), "?") != 0);
	} else if (req.cmd == FF_CMD_CORRUPT) {
		const ff_corrupt_spec *c = &req.corrupt;

		FUZZ_ASSERT(c->pattern[0] != '\0' &&
			    memchr(c->pattern, '\0', sizeof(c->pattern)) != NULL);
		FUZZ_ASSERT(c->bits >= 1 && c->bits <= 4096);
		FUZZ_ASSERT(!c->has_length || c->length >= 1);
		FUZZ_ASSERT(!(c->has_size && c->has_length));
		FUZZ_ASSERT(c->offset >= 0 && c->size >= 0);
		FUZZ_ASSERT(strcmp(ff_corrupt_mode_name(c->mode), "?") != 0);
	} else if (req.cmd == FF_CMD_CLEAR) {
		FUZZ_ASSERT(!req.has_id || req.id >= 1);
	}
	return 0;
}
