#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-metrics.sh: dtd's memory under the metrics flood of issue 16
# (item 4): N requests at once (64) for GET /api/runs/ID/metrics, which
# needs no token, on a run whose history is SIZE_MB (50) of events and
# whose metrics.jsonl has no driver figures (so they are derived from the
# history).  Prints dtd's peak RSS (VmHWM) before and after, and the
# time; then the same once more after the history grew by a line (the
# cached series is stale: derived again), and once with driver figures
# in metrics.jsonl (the history is only scanned for nemesis events).
#
#   bench/dtd/bench-metrics.sh [N [SIZE_MB]]     (make bench-dtd)
#
# DTD=path measures another dtd binary (an older build, to compare).
set -u

n=${1:-64}
mb=${2:-50}
build=${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}
src=${DT_SRCDIR:?set DT_SRCDIR to the source tree}
dtd=${DTD:-$build/core/dtd/dtd}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dtd-bench.XXXXXX") || exit 2
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$dtd" --listen 127.0.0.1:0 --state-dir "$tmp/state" \
	--suite-path "$src/tests/dtd/suites" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for i in $(seq 1 100); do
	port=$(sed -n 's|^dtd: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "dtd did not start"; cat "$tmp/err"; exit 1; }
base=http://127.0.0.1:$port
tok=$(cat "$tmp/state/token")
id=$(curl -s -H "Authorization: Bearer $tok" -d '{"suite":"dtd-bank","time_limit":0.2}' \
	"$base/api/runs" | sed 's/.*"id":\([0-9]*\).*/\1/')
for i in $(seq 1 200); do
	curl -s "$base/api/runs/$id" | grep -q '"status":"done"' && break
	sleep 0.1
done
dir=$(curl -s "$base/api/runs/$id" | sed 's/.*"store":"\([^"]*\)".*/\1/')
[ -d "$dir" ] || { echo "no run folder"; exit 1; }

# SIZE_MB of transfers by 32 processes over 60 s, a kill from 10 s to 20 s.
awk -v mb="$mb" 'BEGIN {
	total = mb * 1048576; idx = 0; bytes = 0; n = total / 105
	for (i = 0; bytes < total; i++) {
		t = int(i * 60e9 / n); p = i % 32
		if (i == int(n / 6) || i == int(n / 3)) {
			l = sprintf("{\"index\":%d,\"time\":%d,\"process\":\"nemesis\",\"type\":\"invoke\",\"f\":\"%s\",\"value\":{\"nemesis\":\"kill\"}}", idx++, t, i == int(n / 6) ? "start" : "heal")
			print l; bytes += length(l) + 1
		}
		l = sprintf("{\"index\":%d,\"time\":%d,\"process\":%d,\"type\":\"invoke\",\"f\":\"transfer\",\"value\":{\"from\":1,\"to\":2,\"amount\":5}}", idx++, t, p)
		print l; bytes += length(l) + 1
		l = sprintf("{\"index\":%d,\"time\":%d,\"process\":%d,\"type\":\"ok\",\"f\":\"transfer\",\"value\":{\"from\":1,\"to\":2,\"amount\":5}}", idx++, t + 1500000, p)
		print l; bytes += length(l) + 1
	}
}' >"$dir/history.jsonl"
rm -f "$dir/metrics.jsonl"
echo "history: $(du -m "$dir/history.jsonl" | cut -f1) MB, $(wc -l <"$dir/history.jsonl") events"

hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status"; }
flood() { # label
	before=$(hwm)
	t0=$(date +%s.%N)
	curls=
	for i in $(seq 1 "$n"); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 600 \
			"$base/api/runs/$id/metrics" >>"$tmp/codes" &
		curls="$curls $!"
	done
	for c in $curls; do
		wait "$c"
	done
	t1=$(date +%s.%N)
	after=$(hwm)
	ok=$(grep -c '^200$' "$tmp/codes")
	: >"$tmp/codes"
	echo "$1: $n requests at once, $ok answered 200 in" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s;" \
		"dtd peak RSS $((before / 1024)) -> $((after / 1024)) MiB"
}
: >"$tmp/codes"
flood "cold (one derivation, then the cache)"
echo '{"index":999999999,"time":1,"process":"nemesis","type":"info","f":"heal","value":{"nemesis":"kill"}}' >>"$dir/history.jsonl"
flood "after the history grew (derived again)"
echo '{"time":1000000000,"source":"driver","values":{"transfer":{"ops":1}}}' >"$dir/metrics.jsonl"
flood "driver figures in metrics.jsonl (nemesis scan only)"
