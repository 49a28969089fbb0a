#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-http.sh: the http client (suites declared in YAML only) side by
# side with the C etcd client on the same chart, workload, nemeses and
# checker: the verdicts of RUNS runs of each suite (default 5) of
# SECONDS (default 15), then ops/s unthrottled (-r 0) with the suites'
# nemeses, once each.  Root (the local platform).
# Usage: bench-http.sh [RUNS] [SECONDS]
set -eu
: "${DT_BUILDDIR:?}" "${DT_SRCDIR:?}"
runs=${1:-5}
secs=${2:-15}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-bench-http-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# one run: "VERDICT OPS/S" (ops invoked a second of the running phase)
run() { # SUITE [OPTION...]
	s=$1
	shift
	rc=0
	"$DT_BUILDDIR/core/dt-run" --suite "$s" --store "$tmp/store" -t "$secs" -q "$@" \
		> "$tmp/out" 2>&1 || rc=$?
	case $rc in 0) v=valid ;; 1) v=invalid ;; *) v="error($rc)" ;; esac
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("%s %.0f" % (sys.argv[2], r["counts"]["invoke"] / r["phases"]["running"]))
' "$tmp/store/$s/latest/results.json" "$v" 2>/dev/null || echo "$v -"
	rm -rf "$tmp/store"
}

printf '%-24s %s\n' suite "verdicts (ops/s) of $runs runs of $secs s"
for s in etcd etcd-http etcd-serializable etcd-http-serializable; do
	line=""
	for i in $(seq "$runs"); do
		line="$line $(run "$s" | awk '{printf "%s(%s)", $1, $2}')"
	done
	printf '%-24s%s\n' "$s" "$line"
done
printf '\n%-24s %s\n' suite "unthrottled (-r 0): verdict ops/s"
for s in etcd etcd-http; do
	printf '%-24s %s\n' "$s" "$(run "$s" -r 0)"
done
