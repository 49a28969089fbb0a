/* SPDX-License-Identifier: MIT */
/*
 * plugin.c: dt_disk.so, the disk nemeses: power-loss, disk-error,
 * disk-slow, disk-full, corrupt (disk.h says what each does).  The glue:
 * each component's option table, its descriptor and the registration,
 * in one place.  The keys the core itself reads (name, probability,
 * interval, duration, target) are not here: what a rule calls its
 * probability of striking an operation is `fraction`.
 */
#include <string.h>

#include "disk.h"

static const char *const errnos[] = {
	"EIO", "ENOSPC", "EDQUOT", "EROFS", "ENOMEM", "EAGAIN", "EINTR",
	"EACCES", "EPERM", "ENOENT", "EBUSY", "EFBIG", NULL,
};
static const char *const modes[] = { "bitflip", "zero", "truncate", NULL };
static const char *const which[] = { "one", "all", NULL };

#define OPS(dflt) \
	{ .name = "ops", .type = DT_OPT_LIST, .item = DT_OPT_STRING, .def = dflt, \
	  .doc = "operations struck: read, write, fsync, open, create, remove, " \
		 "rename, stat, readdir, setattr, or all" }
#define PATH \
	{ .name = "path", .type = DT_OPT_STRING, .def = "\"*\"", \
	  .doc = "files struck: an fnmatch(3) pattern on the path in the data " \
		 "folder (* crosses /: \"*.aof\")" }
#define FRACTION \
	{ .name = "fraction", .type = DT_OPT_NUMBER, .def = "1", .min = 0, \
	  .max = 1, .doc = "the chance that each matching operation is struck" }

static const dt_option power_loss_options[] = {
	{ .name = NULL }
};

static const dt_option error_options[] = {
	OPS("[read, write, fsync]"), PATH, FRACTION,
	{ .name = "errno", .type = DT_OPT_ENUM, .def = "EIO", .values = errnos,
	  .doc = "the error the operations fail with" },
	{ .name = "lose", .type = DT_OPT_BOOL, .def = "true",
	  .doc = "a failed fsync loses the unsynced data, as Linux does (false: "
		 "a retry may succeed)" },
	{ .name = NULL }
};

static const dt_option slow_options[] = {
	OPS("[all]"), PATH, FRACTION,
	{ .name = "delay", .type = DT_OPT_DURATION, .def = "100ms", .min = 0,
	  .max = 60, .doc = "added to each matching operation" },
	{ .name = "jitter", .type = DT_OPT_DURATION, .def = "0s", .min = 0,
	  .max = 60, .doc = "the delay varies by up to this much either way" },
	{ .name = NULL }
};

static const dt_option full_options[] = {
	PATH,
	{ .name = "budget", .type = DT_OPT_SIZE, .def = "0",
	  .doc = "bytes past the ends of files still allowed before ENOSPC" },
	{ .name = NULL }
};

static const dt_option corrupt_options[] = {
	{ .name = "path", .type = DT_OPT_STRING, .flags = DT_OPT_REQUIRED,
	  .doc = "files to damage: an fnmatch(3) pattern on the path in the data "
		 "folder (\"*.wal\", \"member/snap/db\")" },
	{ .name = "mode", .type = DT_OPT_ENUM, .def = "bitflip", .values = modes,
	  .doc = "bitflip (single bits), zero (a range), truncate (a cut)" },
	{ .name = "files", .type = DT_OPT_ENUM, .def = "one", .values = which,
	  .doc = "damage one matching file (chosen at random) or all" },
	{ .name = "bits", .type = DT_OPT_INT, .def = "1", .min = 1, .max = 4096,
	  .doc = "bitflip: how many distinct bits" },
	{ .name = "offset", .type = DT_OPT_SIZE,
	  .doc = "where the damage starts (default: at random)" },
	{ .name = "length", .type = DT_OPT_SIZE,
	  .doc = "zero: how many bytes (4096); bitflip: the range to pick in; "
		 "truncate: how much to cut" },
	{ .name = "size", .type = DT_OPT_SIZE,
	  .doc = "truncate: the size to cut to (default: at random)" },
	{ .name = "power-loss", .type = DT_OPT_BOOL, .def = "false",
	  .doc = "drop what is not durable before the damage (a power cut)" },
	{ .name = NULL }
};

#define CREATE(fn, nm)                                                  \
	static void *fn(const dt_nemesis_env *env, char *err)           \
	{                                                               \
		return dk_create(nm, env, err);                         \
	}
CREATE(power_loss_create, "power-loss")
CREATE(error_create, "disk-error")
CREATE(slow_create, "disk-slow")
CREATE(full_create, "disk-full")
CREATE(corrupt_create, "corrupt")
#undef CREATE

static void destroy(void *n)
{
	dk_destroy(n);
}

static const dt_nemesis_type types[] = {
	{ .size = sizeof(dt_nemesis_type),
	  .info = { .name = "power-loss", .version = "1.0",
		    .description = "kill nodes, drop what their disks did not make "
				   "durable (dt-faultfs), restart on heal",
		    .options = power_loss_options, .validate = dk_validate_disk },
	  .create = power_loss_create, .start = dk_power_loss_start,
	  .heal = dk_heal_restart, .destroy = destroy },
	{ .size = sizeof(dt_nemesis_type),
	  .info = { .name = "disk-error", .version = "1.0",
		    .description = "I/O errors (EIO...) on the nodes' disks by "
				   "operation, path and fraction",
		    .options = error_options, .validate = dk_rules_validate },
	  .create = error_create, .start = dk_rules_start,
	  .heal = dk_rules_heal, .destroy = destroy },
	{ .size = sizeof(dt_nemesis_type),
	  .info = { .name = "disk-slow", .version = "1.0",
		    .description = "added latency on the nodes' disk operations",
		    .options = slow_options, .validate = dk_rules_validate },
	  .create = slow_create, .start = dk_rules_start,
	  .heal = dk_rules_heal, .destroy = destroy },
	{ .size = sizeof(dt_nemesis_type),
	  .info = { .name = "disk-full", .version = "1.0",
		    .description = "a full disk: ENOSPC past a budget of bytes",
		    .options = full_options, .validate = dk_rules_validate },
	  .create = full_create, .start = dk_rules_start,
	  .heal = dk_rules_heal, .destroy = destroy },
	{ .size = sizeof(dt_nemesis_type),
	  .info = { .name = "corrupt", .version = "1.0",
		    .description = "kill nodes, flip bits, zero or cut their files "
				   "at rest, restart on heal",
		    .options = corrupt_options, .validate = dk_corrupt_validate },
	  .create = corrupt_create, .start = dk_corrupt_start,
	  .heal = dk_heal_restart, .destroy = destroy },
};

static int disk_plugin(dt_registry *reg)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (dt_register_nemesis(reg, &types[i]) != 0)
			return -1;
	return 0;
}

DT_PLUGIN_DEFINE(disk_plugin)
