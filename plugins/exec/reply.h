/* SPDX-License-Identifier: MIT */
/*
 * reply.h: the exec client's reply parser: one line a program wrote on
 * its stdout, checked against the request it answers.  Pure (no I/O, no
 * state), so that tests/fuzz/fuzz_exec_reply can feed it anything.
 */
#ifndef DT_EXEC_REPLY_H
#define DT_EXEC_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <dt/plugin.h>

/* A reply as parsed: value a new reference (or NULL), error malloc'd (or
 * NULL); both the caller's, freed by exec_reply_clear. */
typedef struct exec_reply {
	int64_t id;
	dt_op_type type;  /* DT_OP_OK, DT_OP_FAIL or DT_OP_INFO */
	json_t *value;
	char *error;
} exec_reply;

/*
 * Parse len bytes of line (one line without its newline; a trailing
 * '\r' is dropped) as the reply to request `expect`:
 *   {"id": ID, "type": "ok"|"fail"|"info", "value": ..., "error": "..."}
 * Returns 0 with *r filled, or -1 with why (DT_ERRBUF_SIZE bytes) saying
 * what was wrong and what was expected: not JSON, not an object, no id
 * or another one, no type or an unknown one, an error that is not a
 * string.  Members other than these are ignored (room to grow).
 */
int exec_reply_parse(const char *line, size_t len, int64_t expect,
		     exec_reply *r, char *why);
void exec_reply_clear(exec_reply *r);

/* Up to max bytes of line, quoted for a message ("..." cut at max, bytes
 * below 0x20 as \xHH), into out (size bytes). */
void exec_quote(const char *line, size_t len, size_t max, char *out,
		size_t size);

#endif /* DT_EXEC_REPLY_H */
