#!/bin/sh
# SPDX-License-Identifier: MIT
# startup.sh: how soon a cluster serves and how fast it goes away.
#
#   bench/startup/startup.sh [DT-RUN] [SUITE] [RUNS]
#
# Runs SUITE (default etcd) RUNS times (default 10) for 3 s with no
# nemesis, and prints per run: setup (first log line to "node(s)
# ready"), the first operation answered ok after the workload starts,
# the outcomes of the first second, and teardown (the time limit's end to
# "torn down").  Read from dt.log and history.jsonl, which every DT
# version writes, so an older dt-run can be measured the same way (the
# figures of the issue 13 note).  Needs root (local platform).
set -u
dtrun=${1:-./core/dt-run}
suite=${2:-etcd}
runs=${3:-10}
store=$(mktemp -d "${TMPDIR:-/tmp}/dt-startup-XXXXXX") || exit 2
trap 'rm -rf "$store"' EXIT
for i in $(seq 1 "$runs"); do
	"$dtrun" --suite "$suite" -t 3 -n "" --store "$store" -q > /dev/null 2>&1
	python3 - "$store/$suite/latest" <<'PY'
import json, sys, datetime
d = sys.argv[1]
def ts(line):
    return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
t = {}
for l in open(d + "/dt.log"):
    if "start" not in t: t["start"] = ts(l)
    if "node(s) ready" in l: t["ready"] = ts(l)
    if "phase: running" in l: t["running"] = ts(l)
    if "torn down run" in l: t["down"] = ts(l)
ops = [json.loads(l) for l in open(d + "/history.jsonl") if l.strip() and l[0] != "\0"]
done = [o for o in ops if o["type"] != "invoke" and o["process"] != "nemesis"]
oks = [o["time"] for o in done if o["type"] == "ok"]
first = [o for o in done if o["time"] < 1e9]
count = lambda k: sum(o["type"] == k for o in first)
print("setup %.2f s  first ok %.3f s  first second: %d ok %d fail %d info  teardown %.2f s"
      % (t["ready"] - t["start"], min(oks) / 1e9 if oks else -1, count("ok"),
         count("fail"), count("info"), t["down"] - t["running"] - 3.0))
PY
done
