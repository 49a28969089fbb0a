#!/bin/sh
# verdicts.sh DT_RUN SUITE RUNS [STORE]: run SUITE RUNS times (seeds 1 ..
# RUNS), each in its own folder, and print each run's verdict, its
# checkers' anomaly types and whether a member caught up by snapshot
# (etcd's log), then the count of each verdict.
set -u
dt_run=$1 suite=$2 runs=$3 store=${4:-store}
valid=0 invalid=0 other=0
i=1
while [ "$i" -le "$runs" ]; do
	"$dt_run" --suite "$suite" --seed "$i" --store "$store" >/dev/null 2>&1
	rc=$?
	name=$(basename "$suite" .yaml)
	dir=$(readlink -f "$store/$name/latest")
	case $rc in
	0) verdict=valid; valid=$((valid + 1)) ;;
	1) verdict=invalid; invalid=$((invalid + 1)) ;;
	*) verdict="exit $rc"; other=$((other + 1)) ;;
	esac
	snaps=$(grep -l "applied incoming snapshot" "$dir"/n*.log 2>/dev/null |
		xargs -r -n1 basename | sed 's/\.log$//' | tr '\n' ' ')
	types=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
out = []
for name, c in r.get("checkers", {}).items():
    t = c.get("anomaly-types") or []
    if t:
        out.append(name + ": " + ",".join(t))
print("; ".join(out))' "$dir/results.json" 2>/dev/null)
	echo "run $i (seed $i): $verdict  snapshot caught up: ${snaps:-none}  ${types}  $dir"
	i=$((i + 1))
done
echo "$suite: $valid valid, $invalid invalid, $other other, of $runs"
