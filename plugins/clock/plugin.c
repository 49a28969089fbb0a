/*
 * plugin.c: the clock nemeses, each on the nodes its target chooses:
 *
 *   clock-bump    the wall clock jumps by delta (forward, back, or
 *                 either at random), and back to true time at heal
 *   clock-strobe  the wall clock flips between +delta and true time every
 *                 period until heal (strobe.c)
 *   clock-rate    both clocks run at rate (2: twice as fast, 0.5: half
 *                 as fast) until heal, when the wall clock steps back to
 *                 true time and the monotonic one goes on at 1
 *
 * They need the local platform's `clock: fake` (each node's processes
 * under DT's clock shim), which validation asks for.  start's record
 * names every node with its clock after the change ("offset_ms",
 * "rate"); heal's names each with its clock just before the reset and
 * the offset undone: the history says exactly which node's clock was
 * where, and when.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static const char *const directions[] = { "random", "forward", "back", NULL };

static const dt_option bump_options[] = {
	{ .name = "delta", .type = DT_OPT_DURATION, .def = "10s", .min = 0.001,
	  .max = 315360000, .doc = "how far the wall clock jumps" },
	{ .name = "direction", .type = DT_OPT_ENUM, .def = "random",
	  .values = directions, .doc = "forward, back, or random (each start)" },
	{ .name = NULL }
};

static const dt_option strobe_options[] = {
	{ .name = "delta", .type = DT_OPT_DURATION, .def = "10s", .min = 0.001,
	  .max = 315360000, .doc = "how far the wall clock jumps each flip" },
	{ .name = "direction", .type = DT_OPT_ENUM, .def = "random",
	  .values = directions, .doc = "forward, back, or random (each start)" },
	{ .name = "period", .type = DT_OPT_DURATION, .def = "100ms", .min = 0.001,
	  .max = 3600, .doc = "time between flips" },
	{ .name = NULL }
};

static const dt_option rate_options[] = {
	{ .name = "rate", .type = DT_OPT_NUMBER, .def = "2", .min = 0.001,
	  .max = 1000, .doc = "fake seconds per real second (2: fast, 0.5: slow)" },
	{ .name = NULL }
};

/* The nodes must run under the shim: the suite's platform.clock or the
 * chart's local.clock says fake. */
static int clock_validate(const dt_validate_env *env, char *err)
{
	const json_t *plat = json_object_get(env->suite, "platform");
	const json_t *local = json_object_get(env->chart, "local");
	const char *v = NULL;

	if (dt_validate_nodes(env, err) != 0)
		return -1;
	if (env->platform != NULL && strcmp(env->platform, "local") != 0)
		return dt_conf_fail(env->config, "name", err, "%s needs the local "
				    "platform's fake clock (clock: fake); the %s "
				    "platform has none", env->name, env->platform);
	if (json_is_object(plat) && json_is_string(json_object_get(plat, "clock")))
		v = json_string_value(json_object_get(plat, "clock"));
	else if (json_is_object(local) && json_is_string(json_object_get(local, "clock")))
		v = json_string_value(json_object_get(local, "clock"));
	if (v == NULL || strcmp(v, "fake") != 0)
		return dt_conf_fail(env->config, "name", err, "%s changes the "
				    "nodes' clocks through DT's clock shim: set "
				    "platform: {clock: fake} (or the chart's "
				    "local.clock: fake)", env->name);
	return 0;
}

static clk_nemesis *create_kind(const dt_nemesis_env *env, clk_kind kind, char *err)
{
	clk_nemesis *n = clk_create(env, kind, err);
	int d;

	if (n == NULL)
		return NULL;
	n->delta = dt_opt_number(env->config, "delta");
	n->period = dt_opt_number(env->config, "period");
	n->rate = dt_opt_number(env->config, "rate");
	d = dt_opt_enum(env->config, "direction", directions);
	n->direction = d == 1 ? 1 : d == 2 ? -1 : 0;
	return n;
}

static void *bump_create(const dt_nemesis_env *env, char *err)
{
	return create_kind(env, CLK_BUMP, err);
}

static void *strobe_create(const dt_nemesis_env *env, char *err)
{
	return create_kind(env, CLK_STROBE, err);
}

static void *rate_create(const dt_nemesis_env *env, char *err)
{
	return create_kind(env, CLK_RATE, err);
}

static int clock_start(void *data, const size_t *targets, size_t ntargets,
		       dt_rng *rng, json_t **what, char *err)
{
	clk_nemesis *n = data;
	json_t *nodes = json_array();
	int sign = n->direction ? n->direction :
		   (dt_rng_below(rng, 2) ? 1 : -1);
	int64_t off = (int64_t)llround(n->delta * 1e9) * sign;

	n->nchanged = 0;
	for (size_t t = 0; t < ntargets; t++) {
		size_t i = targets[t];

		if (n->kind == CLK_RATE)
			clk_set(n, i, clk_offset(n, i, NULL), n->rate);
		else
			clk_set(n, i, off, 1.0);
		n->changed[n->nchanged++] = i;
		json_array_append_new(nodes, clk_describe(n, i));
	}
	if (n->kind == CLK_STROBE) {
		n->strobe_offset = off;
		if (clk_strobe_start(n, err) != 0) {
			for (size_t j = 0; j < n->nchanged; j++)
				clk_set(n, n->changed[j], 0, 1.0);
			n->nchanged = 0;
			json_decref(nodes);
			return -1;
		}
		*what = json_pack("{s:o, s:f, s:f}", "clocks", nodes,
				  "strobe_ms", (double)off / 1e6,
				  "period_ms", n->period * 1e3);
	} else if (n->kind == CLK_BUMP) {
		*what = json_pack("{s:o, s:f}", "clocks", nodes,
				  "bump_ms", (double)off / 1e6);
	} else {
		*what = json_pack("{s:o, s:f}", "clocks", nodes, "rate", n->rate);
	}
	return 0;
}

/* Every changed node back to true time: its record before the reset,
 * with the offset undone. */
static int clock_heal(void *data, json_t **what, char *err)
{
	clk_nemesis *n = data;
	json_t *nodes = json_array();

	(void)err;
	clk_strobe_stop(n);
	for (size_t j = 0; j < n->nchanged; j++) {
		size_t i = n->changed[j];
		json_t *d = clk_describe(n, i);

		clk_set(n, i, 0, 1.0);
		json_object_set_new(d, "reset_to_ms", json_real(
			(double)clk_offset(n, i, NULL) / 1e6));
		json_array_append_new(nodes, d);
	}
	*what = json_pack("{s:o}", "clocks", nodes);
	if (n->kind == CLK_STROBE)
		json_object_set_new(*what, "flips", json_integer((json_int_t)n->flips));
	n->nchanged = 0;
	return 0;
}

static void clock_destroy(void *data)
{
	clk_nemesis *n = data;

	if (n == NULL)
		return;
	clk_strobe_stop(n);
	clk_destroy(n);
}

static const dt_nemesis_type bump_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "clock-bump", .version = "1.0",
		  .description = "jump the nodes' wall clocks by delta; back to true time at heal",
		  .options = bump_options, .validate = clock_validate },
	.create = bump_create,
	.start = clock_start,
	.heal = clock_heal,
	.destroy = clock_destroy,
};

static const dt_nemesis_type strobe_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "clock-strobe", .version = "1.0",
		  .description = "flip the nodes' wall clocks between +delta and true time every period",
		  .options = strobe_options, .validate = clock_validate },
	.create = strobe_create,
	.start = clock_start,
	.heal = clock_heal,
	.destroy = clock_destroy,
};

static const dt_nemesis_type rate_type = {
	.size = sizeof(dt_nemesis_type),
	.info = { .name = "clock-rate", .version = "1.0",
		  .description = "run the nodes' clocks at a rate (fast or slow); true time at heal",
		  .options = rate_options, .validate = clock_validate },
	.create = rate_create,
	.start = clock_start,
	.heal = clock_heal,
	.destroy = clock_destroy,
};

static int clock_plugin(dt_registry *reg)
{
	return dt_register_nemesis(reg, &bump_type) ||
	       dt_register_nemesis(reg, &strobe_type) ||
	       dt_register_nemesis(reg, &rate_type) ? -1 : 0;
}

DT_PLUGIN_DEFINE(clock_plugin)
