#!/bin/sh
# lostwrites.sh: how often a suite loses acknowledged writes, over runs.
#
#   bench/lostwrites/lostwrites.sh [DT-RUN] [SUITE] [RUNS]
#
# Runs SUITE (default redis-sentinel-partition) RUNS times (default 10),
# seeds 1..RUNS, and prints per run the verdict, the wall time, and the
# set-full checker's figures: acknowledged adds, how many were lost and
# when they were acknowledged (seconds from the run's start), the
# failover seen in the sentinels' logs, and the node the final read
# was served by (and the checker's summary); then "invalid in N of RUNS
# runs".  Needs root (local
# platform).  The store is a temporary folder, removed at the end
# (LOSTWRITES_KEEP=1 keeps it and prints where).
set -u
dtrun=${1:-./core/dt-run}
suite=${2:-redis-sentinel-partition}
runs=${3:-10}
store=$(mktemp -d "${TMPDIR:-/tmp}/dt-lostwrites-XXXXXX") || exit 2
if [ "${LOSTWRITES_KEEP:-0}" = 1 ]; then
	echo "store: $store"
else
	trap 'rm -rf "$store"' EXIT
fi
invalid=0
for i in $(seq 1 "$runs"); do
	t0=$(date +%s.%N)
	"$dtrun" --suite "$suite" --seed "$i" --store "$store" -q > /dev/null 2>&1
	rc=$?
	t1=$(date +%s.%N)
	[ "$rc" = 1 ] && invalid=$((invalid + 1))
	python3 - "$store/$suite/latest" "$i" "$rc" "$t0" "$t1" <<'PY'
import glob, json, sys
d, seed, rc, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
verdict = {0: "valid", 1: "INVALID", 2: "unknown"}.get(rc, "error %d" % rc)
try:
    res = json.load(open(d + "/results.json"))
except OSError:
    print("seed %s: %s (no results)" % (seed, verdict)); sys.exit(0)
c = res["checkers"].get("set-full", {})
between = c.get("lost-acknowledged-between")
failover = sum("+switch-master" in l for f in glob.glob(d + "/n*.log") for l in open(f, errors="replace"))
final = [json.loads(l) for l in open(d + "/history.jsonl") if '"final":true' in l and '"type":"ok"' in l]
print("seed %s: %-7s %5.1f s  acknowledged %5d  lost %5d%s%s  final read on %s"
      % (seed, verdict, t1 - t0, c.get("acknowledged-count", 0), c.get("lost-acknowledged-count", 0),
         "  (acknowledged %.1f-%.1f s)" % tuple(between) if between else "",
         "  sentinels that logged +switch-master %d" % failover if failover else "",
         final[-1].get("node") if final else "-"))
if c.get("summary"):
    print("    " + c["summary"])
PY
done
echo "$suite: invalid in $invalid of $runs runs"
