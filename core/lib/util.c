/*
 * util.c: small shared pieces of the plugin API: error buffers, names of
 * kinds and op types, ops and histories, config accessors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dt/plugin.h>

int dt_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, DT_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return -1;
}

const char *dt_kind_name(dt_kind kind)
{
	static const char *const names[DT_KIND_COUNT] = {
		"platform", "client", "workload", "nemesis", "checker", "model"
	};

	if ((unsigned)kind >= DT_KIND_COUNT)
		return "?";
	return names[kind];
}

static const char *const op_type_names[] = { "invoke", "ok", "fail", "info" };

const char *dt_op_type_name(dt_op_type type)
{
	if ((unsigned)type > DT_OP_INFO)
		return "?";
	return op_type_names[type];
}

int dt_op_type_parse(const char *name, dt_op_type *type)
{
	for (unsigned i = 0; i <= DT_OP_INFO; i++) {
		if (strcmp(name, op_type_names[i]) == 0) {
			*type = (dt_op_type)i;
			return 0;
		}
	}
	return -1;
}

void dt_op_clear(dt_op *op)
{
	free(op->f);
	free(op->key);
	free(op->error);
	json_decref(op->value);
	memset(op, 0, sizeof(*op));
}

void dt_history_free(dt_history *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->count; i++)
		dt_op_clear(&h->ops[i]);
	free(h->ops);
	free(h);
}

/* ---- config accessors ---------------------------------------------------- */

static const json_t *conf_get(const json_t *conf, const char *key)
{
	if (conf == NULL || !json_is_object(conf))
		return NULL;
	return json_object_get(conf, key);
}

int dt_conf_int(const json_t *conf, const char *key, long long def,
		long long min, long long max, long long *out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return dt_conf_fail(conf, key, err,
				    "expected an integer between %lld and %lld",
				    min, max);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return dt_conf_fail(conf, key, err,
				    "expected an integer between %lld and %lld, not %lld",
				    min, max, *out);
	return 0;
}

int dt_conf_double(const json_t *conf, const char *key, double def,
		   double min, double max, double *out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return dt_conf_fail(conf, key, err,
				    "expected a number between %g and %g", min, max);
	*out = json_number_value(v);
	if (!(*out >= min && *out <= max))
		return dt_conf_fail(conf, key, err,
				    "expected a number between %g and %g, not %g",
				    min, max, *out);
	return 0;
}

int dt_conf_bool(const json_t *conf, const char *key, bool def, bool *out,
		 char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_boolean(v))
		return dt_conf_fail(conf, key, err, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int dt_conf_string(const json_t *conf, const char *key, const char *def,
		   const char **out, char *err)
{
	const json_t *v = conf_get(conf, key);

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return 0;
	}
	if (!json_is_string(v))
		return dt_conf_fail(conf, key, err, "expected a string");
	*out = json_string_value(v);
	return 0;
}
