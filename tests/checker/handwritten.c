/* handwritten.c: hand-written histories for the checker tests (see
 * handwritten.h). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "handwritten.h"
#include "history.h"

dt_history *hw_history(const char *const *events, size_t n)
{
	dt_history *h = calloc(1, sizeof(*h));
	char err[DT_ERRBUF_SIZE];

	cr_assert_not_null(h);
	h->ops = calloc(n, sizeof(dt_op));
	cr_assert_not_null(h->ops);
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		json_t *o = json_loads(events[i], 0, &je);
		char *line;

		cr_assert_not_null(o, "event %zu: %s: %s", i, je.text, events[i]);
		json_object_set_new(o, "index", json_integer((json_int_t)i));
		json_object_set_new(o, "time", json_integer((json_int_t)i * 1000));
		line = json_dumps(o, JSON_COMPACT);
		cr_assert_eq(dt_op_from_json(line, strlen(line), &h->ops[i], err), 0,
			     "event %zu: %s", i, err);
		free(line);
		json_decref(o);
		h->count++;
	}
	return h;
}

static int run(dt_registry *reg, const char *checker, const char *conf,
	       const dt_history *h, json_t **result, char *err)
{
	const dt_component *c = dt_registry_get(reg, DT_KIND_CHECKER, checker, err);
	json_t *cf = conf ? json_loads(conf, 0, NULL) : NULL;
	dt_checker_env env = { .config = cf, .registry = reg, .timeout = 30 };
	int rc;

	cr_assert_not_null(c, "%s", err);
	cr_assert(conf == NULL || cf != NULL, "bad JSON: %s", conf);
	err[0] = '\0';
	*result = NULL;
	rc = ((const dt_checker_type *)c->type)->check(&env, h, result, err);
	json_decref(cf);
	return rc;
}

json_t *hw_check(dt_registry *reg, const char *checker, const char *conf,
		 const dt_history *h)
{
	char err[DT_ERRBUF_SIZE];
	json_t *r;

	cr_assert_eq(run(reg, checker, conf, h, &r, err), 0, "%s: %s", checker, err);
	cr_assert_not_null(r);
	return r;
}

char *hw_check_error(dt_registry *reg, const char *checker, const char *conf,
		     const dt_history *h)
{
	char err[DT_ERRBUF_SIZE];
	json_t *r;

	cr_assert_eq(run(reg, checker, conf, h, &r, err), -1, "%s accepted it",
		     checker);
	cr_assert_null(r);
	return strdup(err);
}
