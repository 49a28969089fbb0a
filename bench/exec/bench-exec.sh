#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-exec.sh: what the exec client's protocol costs an operation.
# The register workload on no system at all, unthrottled, for SECONDS
# (default 5) with 2, 8 and 32 workers, through:
#   mem       DT's in-process client (no protocol)
#   exec-c    the exec client on bench/exec/dt-bench-exec-echo (C: answers
#             ok at once; what DT's side of the protocol costs)
#   exec-py   the exec client on examples/exec-client/memory.py (Python)
# Prints ops/s and the mean latency per op in the steady state (once
# every worker has issued its first op: the time that took is the last
# column); the protocol's cost per op is exec's mean latency less mem's.  Usage: bench-exec.sh [SECONDS]
set -eu
: "${DT_BUILDDIR:?}" "${DT_SRCDIR:?}"
secs=${1:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-bench-exec-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

suite() { # NAME CLIENT-YAML
	cat > "$tmp/$1.yaml" <<EOS
name: $1
chart: mem
client: $2
workload: {name: register, keys: 3, values: 5}
concurrency: 2
rate: 0
time-limit: $secs
timeout: 5s
checkers: [stats]
EOS
}
suite mem '{name: mem}'
suite exec-c "{name: exec, command: [$DT_BUILDDIR/bench/exec/dt-bench-exec-echo]}"
suite exec-py "{name: exec, command: [python3, $DT_SRCDIR/examples/exec-client/memory.py]}"

printf '%-8s %8s %12s %14s %11s\n' client workers ops/s mean-latency started-in
for c in 2 8 32; do
	for s in mem exec-c exec-py; do
		"$DT_BUILDDIR/core/dt-run" --suite "$tmp/$s.yaml" --store "$tmp/store" \
			-c "$c" -q > "$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
		python3 - "$tmp/store/$s/latest/history.jsonl" "$s" "$c" <<'EOP'
import json, sys
# steady state: from the moment every worker has issued its first op
# (starting 32 Python processes takes seconds) to the last completion
first, began, lat, ends = {}, {}, [], []
for line in open(sys.argv[1]):
    o = json.loads(line)
    p = o["process"]
    if not isinstance(p, int):
        continue
    if o["type"] == "invoke":
        first.setdefault(p % int(sys.argv[3]), o["time"])
        began[p] = o["time"]
    elif p in began:
        lat.append((o["time"], o["time"] - began.pop(p)))
start = max(first.values())
end = max(t for t, _ in lat)
steady = [l for t, l in lat if t > start]
print("%-8s %8s %12.0f %11.1f us %9.1f s" % (sys.argv[2], sys.argv[3],
      len(steady) / ((end - start) / 1e9), sum(steady) / len(steady) / 1e3,
      start / 1e9))
EOP
		rm -rf "$tmp/store"
	done
done
