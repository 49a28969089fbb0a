/* SPDX-License-Identifier: MIT */
/*
 * history_import.h: histories written by other tools, as dt_history.
 *
 *   jsonl  DT's own history.jsonl (dt_history_read_jsonl)
 *   etcd   porcupine's Jepsen etcd logs: "INFO  jepsen.util - P<TAB>:TYPE
 *          <TAB>:F<TAB>VALUE", any run of blanks between the fields
 *          (porcupine's \s+), CRLF or trailing blanks; lines of other
 *          loggers are skipped.  `:fail :cas` (the compare failed) becomes
 *          an ok cas whose value is false; `:fail :read :timed-out` a
 *          fail (dropped); `:info` an op of unknown outcome.
 *   kv     porcupine's kv logs: one EDN map a line (as edn below)
 *   edn    Jepsen's history.edn: a vector or list of op maps, or maps
 *          one after the other, with :process (integer or :nemesis),
 *          :type, :f, :value, optional :key, :time, :error (:index is
 *          replaced by the position in the file)
 *          An `:ok :read` of nil is a read whose value nobody knows, as
 *          in Knossos's register models: it constrains nothing and
 *          becomes an op of unknown outcome (DT_HIMPORT_READ_NIL_IS_NIL:
 *          it read nil, the register's initial value).
 *   auto   guessed from the first characters of the file; a file with
 *          jepsen.util lines in its first 64 KiB is an etcd log
 *
 * Ops keep the file's order; index is the position, time the file's
 * :time or the position when there is none.
 */
#ifndef DT_CORE_HISTORY_IMPORT_H
#define DT_CORE_HISTORY_IMPORT_H

#include <dt/plugin.h>

typedef enum dt_history_format {
	DT_HFMT_AUTO = 0,
	DT_HFMT_JSONL,
	DT_HFMT_ETCD,
	DT_HFMT_KV,
	DT_HFMT_EDN
} dt_history_format;

/* 0, or -1 for a name that is none of auto, jsonl, etcd, kv, edn. */
int dt_history_format_parse(const char *name, dt_history_format *fmt);
const char *dt_history_format_name(dt_history_format fmt);

/* The format of text, guessed from its first characters. */
dt_history_format dt_history_format_guess(const char *text, size_t len);

/* Parse text (name is used in messages).  NULL with err naming
 * name:line and what is wrong. */
dt_history *dt_history_parse(const char *text, size_t len,
			     dt_history_format fmt, const char *name, char *err);

/* Read a file in the given format (DT_HFMT_AUTO guesses). */
dt_history *dt_history_import(const char *path, dt_history_format fmt,
			      char *err);

/* The same with flags: */
#define DT_HIMPORT_READ_NIL_IS_NIL 1u  /* edn: an ok read of nil read nil */
dt_history *dt_history_parse_flags(const char *text, size_t len,
				   dt_history_format fmt, unsigned flags,
				   const char *name, char *err);
dt_history *dt_history_import_flags(const char *path, dt_history_format fmt,
				    unsigned flags, char *err);

#endif
