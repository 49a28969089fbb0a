#!/bin/sh
# campaign-cli.sh: dt-run campaign FILE (issue 21): the cells of a
# two-suite campaign of mem suites run, the summary table gives each
# cell's verdict and each run's folder, the exit status is the worst
# verdict; stop-at-first-invalid skips the cells after the first invalid
# run (no folder made for them); a misspelt key is refused with its line
# before anything runs.
set -u

src=${DT_SRCDIR:?}
run=${DT_BUILDDIR:?}/core/dt-run
tmp=$(mktemp -d /tmp/dt-campaign.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
rc=0
fail() { echo "FAIL: $*"; rc=1; }

cat >"$tmp/grid.yaml" <<'YAML'
name: grid
suites: [dtd-bank, dtd-register-stale]
parameter: {name: concurrency, values: [1, 2]}
seeds: [4]
time-limit: 300ms
YAML
"$run" campaign "$tmp/grid.yaml" --suite-path "$src/tests/dtd/suites" \
	--store "$tmp/store" >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/out"
[ $st -eq 1 ] || fail "exit status $st, want 1 (a run is invalid)"
grep -Eq '^dtd-bank +valid +valid *$' "$tmp/out" || fail "no row 'dtd-bank valid valid'"
grep -Eq '^dtd-register-stale +INVALID +INVALID *$' "$tmp/out" ||
	fail "no row 'dtd-register-stale INVALID INVALID'"
grep -q 'concurrency=1 seed=4 *concurrency=2 seed=4' "$tmp/out" || fail "no column names"
n=$(grep -Ec "^ +[0-9]+  (valid|INVALID) .* $tmp/store/" "$tmp/out")
[ "$n" -eq 4 ] || fail "$n run folders listed, want 4"
for d in $(sed -n "s|.* \($tmp/store/[^ ]*\)$|\1|p" "$tmp/out"); do
	[ -f "$d/results.json" ] || fail "$d has no results.json"
done
# concurrency 2 ran with 2 workers: its suite.json says so
grep -l '"concurrency": 2' "$tmp"/store/dtd-bank/*/suite.json >/dev/null || fail "no run with concurrency 2"

cat >"$tmp/stop.yaml" <<'YAML'
suites: [dtd-register-stale, dtd-bank]
seeds: [1, 2]
time-limit: 300ms
stop-at-first-invalid: true
YAML
"$run" campaign "$tmp/stop.yaml" --suite-path "$src/tests/dtd/suites" \
	--store "$tmp/store2" >"$tmp/out2" 2>&1
st=$?
cat "$tmp/out2"
[ $st -eq 1 ] || fail "stop: exit status $st, want 1"
grep -Eq '^dtd-register-stale +INVALID +skipped *$' "$tmp/out2" || fail "stop: no 'INVALID skipped'"
grep -Eq '^dtd-bank +skipped +skipped *$' "$tmp/out2" || fail "stop: dtd-bank not skipped"
[ ! -d "$tmp/store2/dtd-bank" ] || fail "stop: a dtd-bank run was made"

printf 'suites: [dtd-bank]\nsedes: [1]\n' >"$tmp/bad.yaml"
"$run" campaign "$tmp/bad.yaml" --suite-path "$src/tests/dtd/suites" \
	--store "$tmp/store3" >"$tmp/out3" 2>&1
st=$?
cat "$tmp/out3"
[ $st -eq 4 ] || fail "misspelt key: exit status $st, want 4"
grep -q "bad.yaml:2:1: sedes" "$tmp/out3" || fail "misspelt key: no file:line: key"
grep -q "seeds" "$tmp/out3" || fail "misspelt key: no 'did you mean seeds'"
[ ! -d "$tmp/store3" ] || fail "misspelt key: something ran"
[ $rc -eq 0 ] && echo "ok: dt-run campaign"
exit $rc
