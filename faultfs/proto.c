/* SPDX-License-Identifier: MIT */
/*
 * proto.c: parsing and checking one control request (see proto.h).
 * Every key of every command is listed here; an unknown key, a value of
 * the wrong type or out of range is an error that names it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <dt/options.h>

#include "proto.h"

static const char *const op_names[] = {
	"read", "write", "fsync", "open", "create", "remove", "rename",
	"stat", "readdir", "setattr",
};

const char *ff_op_name(unsigned op)
{
	for (unsigned i = 0; i < sizeof(op_names) / sizeof(*op_names); i++)
		if (op == 1u << i)
			return op_names[i];
	return NULL;
}

const char *ff_rule_kind_name(ff_rule_kind k)
{
	static const char *const names[] = { "error", "delay", "full" };

	return (unsigned)k < 3 ? names[k] : "?";
}

const char *ff_corrupt_mode_name(ff_corrupt_mode m)
{
	static const char *const names[] = { "bitflip", "zero", "truncate" };

	return (unsigned)m < 3 ? names[m] : "?";
}

static const struct { const char *name; int num; } errnos[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS }, { "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN },
	{ "EINTR", EINTR }, { "EACCES", EACCES }, { "EPERM", EPERM },
	{ "ENOENT", ENOENT }, { "EBUSY", EBUSY }, { "EFBIG", EFBIG },
};

const char *ff_errno_name(int errnum)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(*errnos); i++)
		if (errnos[i].num == errnum)
			return errnos[i].name;
	return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Every key of o must be in the NULL-terminated list. */
static int known_keys(const json_t *o, const char *cmd,
		      const char *const *keys, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		bool known = false;

		for (const char *const *p = keys; *p != NULL && !known; p++)
			known = strcmp(k, *p) == 0;
		if (!known) {
			char list[256] = "";
			size_t n = 0;

			for (const char *const *p = keys; *p != NULL; p++)
				n += (size_t)snprintf(list + n, n < sizeof(list) ?
						      sizeof(list) - n : 0, "%s%s",
						      p == keys ? "" : ", ", *p);
			return fail(err, errlen, "%s: unknown key '%.100s' (known: %s)",
				    cmd, k, list);
		}
	}
	return 0;
}

static int get_string(const json_t *o, const char *key, char *buf,
		      size_t size, bool *present, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, "%s: expected a string", key);
	if (json_string_length(v) >= size)
		return fail(err, errlen, "%s: longer than %zu bytes", key, size - 1);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(err, errlen, "%s: holds a NUL byte", key);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* A non-negative integer (JSON integer, or a real that is one). */
static int get_count(const json_t *o, const char *key, int64_t max,
		     int64_t *out, bool *present, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= max) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	return fail(err, errlen, "%s: expected an integer from 0 to %lld", key,
		    (long long)max);
}

/* A duration: seconds as a number, or text with units ("50ms"), as
 * DT reads every duration (libdt's units.c, compiled in). */
static int get_duration(const json_t *o, const char *key, int64_t *ns,
			char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	double s;

	if (v == NULL)
		return 0;
	if (dt_json_duration(v, &s) == 0 && isfinite(s) && s >= 0 && s <= 86400) {
		*ns = (int64_t)llround(s * 1e9);
		return 0;
	}
	return fail(err, errlen, "%s: expected a duration (0.05, \"50ms\", "
		    "\"2s\"; at most a day)", key);
}

/* A size: bytes as an integer, or text with a unit ("64k"). */
static int get_size(const json_t *o, const char *key, int64_t *bytes,
		    bool *present, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	uint64_t b;

	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (dt_json_size(v, &b) == 0 && b <= (uint64_t)1 << 62) {
		*bytes = (int64_t)b;
		return 0;
	}
	return fail(err, errlen, "%s: expected a size in bytes (4096, \"64k\", "
		    "\"1M\")", key);
}

static int get_seed(const json_t *o, bool *has, uint64_t *seed, char *err,
		    size_t errlen)
{
	const json_t *v = json_object_get(o, "seed");

	*has = v != NULL;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return fail(err, errlen, "seed: expected an integer");
	*seed = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_ops(const json_t *o, unsigned def, unsigned *ops, char *err,
		   size_t errlen)
{
	const json_t *v = json_object_get(o, "ops"), *e;
	size_t i;

	*ops = def;
	if (v == NULL)
		return 0;
	if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0) {
		*ops = FF_OP_ALL;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return fail(err, errlen, "ops: expected a list of operations "
			    "(read, write, fsync, open, create, remove, rename, "
			    "stat, readdir, setattr) or \"all\"");
	*ops = 0;
	json_array_foreach(v, i, e) {
		unsigned bit = 0;

		for (unsigned b = 0; b < sizeof(op_names) / sizeof(*op_names); b++)
			if (json_is_string(e) &&
			    strcmp(json_string_value(e), op_names[b]) == 0)
				bit = 1u << b;
		if (json_is_string(e) && strcmp(json_string_value(e), "all") == 0)
			bit = FF_OP_ALL;
		if (bit == 0)
			return fail(err, errlen, "ops[%zu]: not an operation (read, "
				    "write, fsync, open, create, remove, rename, "
				    "stat, readdir, setattr, all)", i);
		*ops |= bit;
	}
	return 0;
}

static int parse_fault(const json_t *o, ff_rule_spec *r, char *err,
		       size_t errlen)
{
	static const char *const keys[] = {
		"cmd", "kind", "ops", "path", "probability", "errno", "lose",
		"delay", "jitter", "budget", "seed", NULL,
	};
	char kind[16], en[16];
	bool has, has_en;
	const json_t *v;

	if (known_keys(o, "fault", keys, err, errlen) != 0 ||
	    get_string(o, "kind", kind, sizeof(kind), &has, err, errlen) != 0)
		return -1;
	if (!has)
		return fail(err, errlen, "kind: required (error, delay or full)");
	if (strcmp(kind, "error") == 0)
		r->kind = FF_RULE_ERROR;
	else if (strcmp(kind, "delay") == 0)
		r->kind = FF_RULE_DELAY;
	else if (strcmp(kind, "full") == 0)
		r->kind = FF_RULE_FULL;
	else
		return fail(err, errlen, "kind: expected error, delay or full, "
			    "not '%s'", kind);
	if (get_ops(o, r->kind == FF_RULE_ERROR ? FF_OP_READ | FF_OP_WRITE |
		    FF_OP_FSYNC : r->kind == FF_RULE_DELAY ? FF_OP_ALL :
		    FF_OP_WRITE | FF_OP_CREATE | FF_OP_SETATTR, &r->ops, err,
		    errlen) != 0 ||
	    get_string(o, "path", r->pattern, sizeof(r->pattern), &has, err,
		       errlen) != 0 ||
	    get_string(o, "errno", en, sizeof(en), &has_en, err, errlen) != 0 ||
	    get_duration(o, "delay", &r->delay_ns, err, errlen) != 0 ||
	    get_duration(o, "jitter", &r->jitter_ns, err, errlen) != 0 ||
	    get_size(o, "budget", &r->budget, &has, err, errlen) != 0 ||
	    get_seed(o, &r->has_seed, &r->seed, err, errlen) != 0)
		return -1;
	v = json_object_get(o, "probability");
	r->probability = 1;
	if (v != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0 &&
					    json_number_value(v) <= 1))
			return fail(err, errlen, "probability: expected a number "
				    "from 0 to 1");
		r->probability = json_number_value(v);
	}
	r->lose = true;
	v = json_object_get(o, "lose");
	if (v != NULL) {
		if (!json_is_boolean(v))
			return fail(err, errlen, "lose: expected true or false");
		r->lose = json_is_true(v);
	}
	r->errnum = r->kind == FF_RULE_FULL ? ENOSPC : EIO;
	if (has_en) {
		bool found = false;

		if (r->kind != FF_RULE_ERROR)
			return fail(err, errlen, "errno: only for kind error");
		for (size_t i = 0; i < sizeof(errnos) / sizeof(*errnos); i++) {
			if (strcmp(en, errnos[i].name) == 0) {
				r->errnum = errnos[i].num;
				found = true;
			}
		}
		if (!found)
			return fail(err, errlen, "errno: '%s' is not one of EIO, "
				    "ENOSPC, EDQUOT, EROFS, ENOMEM, EAGAIN, EINTR, "
				    "EACCES, EPERM, ENOENT, EBUSY, EFBIG", en);
	}
	if (r->kind == FF_RULE_DELAY && r->delay_ns == 0)
		return fail(err, errlen, "delay: required for kind delay");
	if (r->kind != FF_RULE_DELAY &&
	    (json_object_get(o, "delay") || json_object_get(o, "jitter")))
		return fail(err, errlen, "delay, jitter: only for kind delay");
	if (r->jitter_ns > r->delay_ns)
		return fail(err, errlen, "jitter: more than the delay");
	if (has && r->kind != FF_RULE_FULL)
		return fail(err, errlen, "budget: only for kind full");
	return 0;
}

static int parse_corrupt(const json_t *o, ff_corrupt_spec *c, char *err,
			 size_t errlen)
{
	static const char *const keys[] = {
		"cmd", "path", "mode", "files", "bits", "offset", "length",
		"size", "seed", NULL,
	};
	char mode[16], files[8];
	bool has, has_files;
	int64_t bits = 1;

	if (known_keys(o, "corrupt", keys, err, errlen) != 0 ||
	    get_string(o, "path", c->pattern, sizeof(c->pattern), &has, err,
		       errlen) != 0)
		return -1;
	if (!has || c->pattern[0] == '\0')
		return fail(err, errlen, "path: required (a pattern of the files "
			    "to corrupt, as fnmatch(3): \"*.aof\")");
	if (get_string(o, "mode", mode, sizeof(mode), &has, err, errlen) != 0)
		return -1;
	if (!has)
		return fail(err, errlen, "mode: required (bitflip, zero or "
			    "truncate)");
	if (strcmp(mode, "bitflip") == 0)
		c->mode = FF_CORRUPT_BITFLIP;
	else if (strcmp(mode, "zero") == 0)
		c->mode = FF_CORRUPT_ZERO;
	else if (strcmp(mode, "truncate") == 0)
		c->mode = FF_CORRUPT_TRUNCATE;
	else
		return fail(err, errlen, "mode: expected bitflip, zero or "
			    "truncate, not '%s'", mode);
	if (get_string(o, "files", files, sizeof(files), &has_files, err,
		       errlen) != 0)
		return -1;
	if (has_files && strcmp(files, "one") != 0 && strcmp(files, "all") != 0)
		return fail(err, errlen, "files: expected one or all");
	c->all = has_files && strcmp(files, "all") == 0;
	if (get_count(o, "bits", 4096, &bits, &has, err, errlen) != 0)
		return -1;
	if (has && c->mode != FF_CORRUPT_BITFLIP)
		return fail(err, errlen, "bits: only for mode bitflip");
	if (bits == 0)
		return fail(err, errlen, "bits: expected at least 1");
	c->bits = (uint64_t)bits;
	if (get_size(o, "offset", &c->offset, &c->has_offset, err, errlen) != 0 ||
	    get_size(o, "length", &c->length, &c->has_length, err, errlen) != 0 ||
	    get_size(o, "size", &c->size, &c->has_size, err, errlen) != 0 ||
	    get_seed(o, &c->has_seed, &c->seed, err, errlen) != 0)
		return -1;
	if (c->has_size && c->mode != FF_CORRUPT_TRUNCATE)
		return fail(err, errlen, "size: only for mode truncate");
	if (c->has_size && c->has_length)
		return fail(err, errlen, "size, length: give one (the size to "
			    "cut to, or how much to cut)");
	if (c->has_offset && c->mode == FF_CORRUPT_TRUNCATE)
		return fail(err, errlen, "offset: not for mode truncate (size: "
			    "where to cut)");
	if (c->has_length && c->length == 0)
		return fail(err, errlen, "length: expected at least 1");
	return 0;
}

int ff_request_parse(const char *text, size_t len, ff_request *req,
		     char *err, size_t errlen)
{
	static const char *const plain[] = { "cmd", NULL };
	static const char *const clear_keys[] = { "cmd", "id", NULL };
	static const char *const unmount_keys[] = { "cmd", "lazy", NULL };
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *cmd, *v;
	const char *c;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (o == NULL)
		return fail(err, errlen, "not JSON: %s (column %d)", je.text,
			    je.column);
	if (!json_is_object(o)) {
		fail(err, errlen, "expected an object {\"cmd\": ...}");
		goto out;
	}
	cmd = json_object_get(o, "cmd");
	if (!json_is_string(cmd)) {
		fail(err, errlen, "cmd: required, a string (ping, stats, "
		     "power-loss, sync, fault, clear, corrupt, unmount)");
		goto out;
	}
	c = json_string_value(cmd);
	if (strcmp(c, "ping") == 0 || strcmp(c, "stats") == 0 ||
	    strcmp(c, "power-loss") == 0 || strcmp(c, "sync") == 0) {
		req->cmd = c[0] == 'p' ? (c[1] == 'i' ? FF_CMD_PING :
					  FF_CMD_POWER_LOSS) :
			   c[1] == 't' ? FF_CMD_STATS : FF_CMD_SYNC;
		rc = known_keys(o, c, plain, err, errlen);
	} else if (strcmp(c, "fault") == 0) {
		req->cmd = FF_CMD_FAULT;
		rc = parse_fault(o, &req->rule, err, errlen);
	} else if (strcmp(c, "clear") == 0) {
		req->cmd = FF_CMD_CLEAR;
		rc = known_keys(o, c, clear_keys, err, errlen);
		v = json_object_get(o, "id");
		if (rc == 0 && v != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				rc = fail(err, errlen, "id: expected a rule id (an "
					  "integer from 1)");
			req->has_id = true;
			req->id = (uint64_t)json_integer_value(v);
		}
	} else if (strcmp(c, "corrupt") == 0) {
		req->cmd = FF_CMD_CORRUPT;
		rc = parse_corrupt(o, &req->corrupt, err, errlen);
	} else if (strcmp(c, "unmount") == 0) {
		req->cmd = FF_CMD_UNMOUNT;
		rc = known_keys(o, c, unmount_keys, err, errlen);
		v = json_object_get(o, "lazy");
		if (rc == 0 && v != NULL && !json_is_boolean(v))
			rc = fail(err, errlen, "lazy: expected true or false");
		req->lazy = json_is_true(v);
	} else {
		fail(err, errlen, "cmd: unknown command '%.64s' (ping, stats, "
		     "power-loss, sync, fault, clear, corrupt, unmount)", c);
	}
out:
	json_decref(o);
	return rc;
}
