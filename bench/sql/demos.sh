#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/sql/demos.sh: the SQL demonstrations of issue 19, RUNS runs each
# (seeds 1..RUNS), on the real servers in namespaces: each suite's
# verdicts, how many runs were invalid, and for each invalid run the
# checkers' words.  Needs root.  Usage:
#   demos.sh [RUNS [SUITE...]]
# Defaults: 10 runs of postgres-serializable postgres-replica-reads
# postgres-read-committed mariadb-rr mariadb-serializable galera.
# Output: one line a run (suite, seed, exit status, seconds, the
# verdict lines), then a summary a suite.  The store is a temporary
# folder (kept: its path is printed) the servers' users may reach.
set -u
b=${DT_BUILDDIR:-.}
runs=${1:-10}
[ $# -gt 0 ] && shift
suites=${*:-postgres-serializable postgres-replica-reads postgres-read-committed mariadb-rr mariadb-serializable galera}
store=$(mktemp -d "${TMPDIR:-/tmp}/dt-bench-sql-XXXXXX") || exit 2
chmod 755 "$store"
echo "store: $store"
for s in $suites; do
	invalid=0 valid=0 other=0
	for seed in $(seq 1 "$runs"); do
		t0=$(date +%s)
		"$b/core/dt-run" --suite "$s" --store "$store" --seed "$seed" -q \
			>"$store/$s-$seed.out" 2>&1
		rc=$?
		t1=$(date +%s)
		case $rc in
		0) valid=$((valid + 1)) ;;
		1) invalid=$((invalid + 1)) ;;
		*) other=$((other + 1)) ;;
		esac
		printf '%s seed %s: exit %s in %ss: %s\n' "$s" "$seed" "$rc" \
			$((t1 - t0)) "$(grep -E 'INVALID|valid|unknown|error' \
			"$store/$s-$seed.out" | grep -v '^  stats' | tr '\n' ' ' | cut -c1-400)"
	done
	printf 'SUMMARY %s: %s runs: %s valid, %s invalid, %s other\n' "$s" "$runs" \
		"$valid" "$invalid" "$other"
done
