#!/bin/sh
# SPDX-License-Identifier: MIT
# timeline.sh [N]: the timeline page of an N-operation history (default
# 1,000,000: bench/timeline/genhistory.py): its size against the
# history's, the time dt-run takes to write it, and the time headless
# Chromium takes to open and draw it (bench/timeline/open.mjs).
set -u
n=${1:-1000000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/dt-timeline-XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT
src=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$src/bench/timeline/genhistory.py" "$dir" "$n"
echo '{"name": "generated", "concurrency": 8}' > "$dir/suite.json"
start=$(date +%s.%N)
"${DT_RUN:-$src/core/dt-run}" timeline "$dir" > /dev/null || exit 1
end=$(date +%s.%N)
hs=$(stat -c %s "$dir/history.jsonl"); ps=$(stat -c %s "$dir/timeline.html")
echo "$n operations: history.jsonl $hs bytes, timeline.html $ps bytes" \
	"($(echo "$ps $n" | awk '{ printf "%.1f", $1 / $2 }') bytes an operation)," \
	"written in $(echo "$end $start" | awk '{ printf "%.1f", $1 - $2 }') s"
if [ -d "$src/tests/dtd/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ]; then
	node "$src/bench/timeline/open.mjs" "$dir/timeline.html"
else
	echo "SKIP: no headless Chromium (tests/dtd's npm packages, /usr/bin/chromium)"
fi
