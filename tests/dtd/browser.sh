#!/bin/sh
# SPDX-License-Identifier: MIT
# browser.sh: the dashboard in headless chromium (see browser.mjs).
# Starts a dtd of the build on a free loopback port with a temporary
# state folder, installs playwright-core into tests/dtd/node_modules when
# it is missing (pinned by package-lock.json), runs the browser test and
# leaves screenshots in $DT_BUILDDIR/tests/out/.  Skips (77) without
# node, npm or chromium.  As root, with redis-server and the redis client,
# also runs tests/dtd/suites/dtd-redis-nodes.yaml (three local redis
# nodes, a pause nemesis) to see real per-node metrics and the nemesis
# shading, then checks that the run left no namespace, link, process or
# state file behind.
set -u

src=${DT_SRCDIR:?}/tests/dtd
out=${DT_BUILDDIR:?}/tests/out
dtd=$DT_BUILDDIR/core/dtd/dtd

for tool in node npm; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (apt-get install nodejs npm)"
		exit 77
	fi
done
if [ ! -x /usr/bin/chromium ]; then
	echo "SKIP: /usr/bin/chromium is not installed (apt-get install chromium)"
	exit 77
fi
if [ ! -d "$src/node_modules/playwright-core" ]; then
	echo "installing playwright-core into $src/node_modules"
	(cd "$src" && npm ci --no-audit --no-fund --ignore-scripts) || {
		echo "SKIP: npm ci failed (no access to the npm registry?)"
		exit 77
	}
fi

tmp=$(mktemp -d /tmp/dtd-browser.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$dtd" --listen 127.0.0.1:0 --state-dir "$tmp/state" \
	--suite-path "$src/suites" >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for i in $(seq 1 100); do
	port=$(sed -n 's|^dtd: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
	[ -n "$port" ] && break
	if ! kill -0 "$pid" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "FAIL: dtd did not start"
	cat "$tmp/out" "$tmp/err"
	exit 1
fi
token=$(cat "$tmp/state/token")

# The mem-register suite needs the linearizable checker; until it is
# built, run the suite of these tests (mem client, stats and bank).
# With it, also run a broken store and look at the anomaly.
suite=dtd-bank
bad=
if curl -s "http://127.0.0.1:$port/api/plugins" | grep -q '"kind":"checker","name":"linearizable"'; then
	suite=mem-register
	bad=dtd-register-stale
else
	echo "note: no linearizable checker yet: running dtd-bank, no invalid run"
fi

# A run with nodes: the local platform needs root for its namespaces.
nodes=
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP part: not root: no run with nodes (the per-node metrics and nemesis shading are not checked)"
elif ! command -v redis-server >/dev/null 2>&1; then
	echo "SKIP part: redis-server is not installed: no run with nodes (apt-get install redis-server)"
elif ! curl -s "http://127.0.0.1:$port/api/plugins" | grep -q '"kind":"client","name":"redis"'; then
	echo "SKIP part: the redis client is not built: no run with nodes"
else
	nodes=--nodes=dtd-redis-nodes
	DTD_REDIS_VERSION=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
	export DTD_REDIS_VERSION
fi

# chromium writes under $HOME (dconf, caches): give it the temporary one.
mkdir -p "$tmp/home"
HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home/.cache" XDG_CONFIG_HOME="$tmp/home/.config" \
	node "$src/browser.mjs" "http://127.0.0.1:$port" "$token" "$out" "$suite" $bad $nodes
rc=$?
# dtd stops cleanly on SIGTERM (under ASan: no leak either).
kill "$pid"
wait "$pid"
dtd_rc=$?
pid=
if [ $dtd_rc -ne 0 ]; then
	echo "FAIL: dtd exited with status $dtd_rc after SIGTERM"
	rc=1
fi
# The run with nodes left nothing: no namespace or link named by its
# run id, no process running in the state folder, no state file.
if [ -n "$nodes" ]; then
	left=0
	rid=$(sed -n '1s/.* run \([^ ]*\) of suite .*/\1/p' "$tmp"/state/store/dtd-redis-nodes/*/dt.log 2>/dev/null | head -n 1)
	if [ -z "$rid" ]; then
		echo "FAIL: no run id in the dt.log of dtd-redis-nodes"
		left=1
	else
		if ip netns list 2>/dev/null | grep "dt-$rid-"; then
			echo "FAIL: namespace left by run $rid"
			left=1
		fi
		if ip -o link show 2>/dev/null | grep -- "$rid"; then
			echo "FAIL: link left by run $rid"
			left=1
		fi
		# The local platform's state files: in $DT_STATE_DIR, else (root)
		# /run/dt (dt_state_dir in core/lib/run.c).
		if find "${DT_STATE_DIR:-/run/dt}" "$tmp" -name "local-$rid.state" 2>/dev/null | grep .; then
			echo "FAIL: state file left by run $rid"
			left=1
		fi
	fi
	for f in /proc/[0-9]*/cmdline; do
		args=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
		case $args in
		*"$tmp/"*)
			echo "FAIL: process left: $args"
			left=1
			;;
		esac
	done
	if [ $left -eq 0 ]; then
		echo "ok: run $rid left no namespace, link, process or state file"
	else
		rc=1
	fi
fi
if [ $rc -ne 0 ]; then
	echo "--- dtd's log"
	cat "$tmp/err"
fi
[ $rc -eq 0 ] && echo "screenshots: $out/dtd-run.png $out/dtd-runs.png $out/dtd-run-live.png $out/dtd-schedules.png $out/dtd-campaign.png $out/dtd-trend.png $out/dtd-compare.png${bad:+ $out/dtd-run-invalid.png}${nodes:+ $out/dtd-run-nodes.png}"
exit $rc
