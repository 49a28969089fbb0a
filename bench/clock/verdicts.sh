#!/bin/sh
# verdicts.sh DT_RUN SUITE RUNS STORE [DT-RUN ARGS...]: run a suite RUNS
# times (seeds 1..RUNS) and count its verdicts: one line a run (exit
# status, verdict, each invalid checker's summary), then the totals.
# A demonstration's figure ("invalid in 10 of 10 runs") is this last line.
set -u
dt_run=$1 suite=$2 runs=$3 store=$4
shift 4
valid=0 invalid=0 other=0
i=1
while [ "$i" -le "$runs" ]; do
	out=$("$dt_run" -s "$suite" --store "$store" --seed "$i" -q "$@" 2>&1)
	rc=$?
	case $rc in
	0) valid=$((valid + 1)); v=valid ;;
	1) invalid=$((invalid + 1)); v=INVALID ;;
	*) other=$((other + 1)); v="error($rc)" ;;
	esac
	printf 'run %d (seed %d): %s\n' "$i" "$i" "$v"
	printf '%s\n' "$out" | grep -E 'INVALID:|error|unknown' | head -3 | sed 's/^/    /'
	i=$((i + 1))
done
printf '%s %s: valid in %d, invalid in %d, other in %d of %d runs\n' \
	"$suite" "$*" "$valid" "$invalid" "$other" "$runs"
