#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-soak.sh: dtd's memory over a soak schedule (issue 21): a dtd with
# one "soak" schedule of a mem suite (runs again whenever the last one
# ends) for MINUTES (30), dtd's RSS (VmRSS) and the runs done printed
# every minute, then RSS at start and at the end.  The suite is
# SUITE (mem-bank, 2 s runs) from suites/.
#
#   bench/dtd/bench-soak.sh [MINUTES [SUITE [TIME_LIMIT]]]    (make bench-dtd-soak)
set -u

minutes=${1:-30}
suite=${2:-mem-bank}
limit=${3:-2}
build=${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}
src=${DT_SRCDIR:?set DT_SRCDIR to the source tree}
dtd=${DTD:-$build/core/dtd/dtd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dtd-soak.XXXXXX") || exit 2
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# keep-runs: the store stays small over thousands of runs (retention
# is part of what a soak exercises).
"$dtd" --listen 127.0.0.1:0 --state-dir "$tmp/state" --keep-runs 20 \
	--suite-path "$src/tests/dtd/suites" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for i in $(seq 1 100); do
	port=$(sed -n 's|^dtd: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "dtd did not start"; cat "$tmp/err"; exit 1; }
base=http://127.0.0.1:$port
token=$(cat "$tmp/state/token")
rss() { sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$pid/status"; }
done_runs() {
	curl -s "$base/api/runs?status=done&limit=1" | sed -n 's/.*"total":\([0-9]*\).*/\1/p'
}
curl -s -H "Authorization: Bearer $token" -d "{\"suite\":\"$suite\",\"time_limit\":$limit,\"soak\":true}" \
	"$base/api/schedules" >/dev/null || exit 1
sleep 10
start=$(rss)
echo "dtd $dtd: soak schedule of $suite ($limit s runs), $minutes min"
echo "minute 0: RSS $start, $(done_runs) runs done"
for m in $(seq 1 "$minutes"); do
	sleep 60
	echo "minute $m: RSS $(rss), $(done_runs) runs done"
done
echo "RSS at start (after 10 s): $start; at the end: $(rss); peak: $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$pid/status")"
echo "runs: $(done_runs) done; store: $(du -sh "$tmp/state/store" | cut -f1)"
