#!/bin/sh
# SPDX-License-Identifier: MIT
# installcheck.sh: DT as a plugin author meets it.  Installs DT into a
# temporary root (make install DESTDIR=...), builds examples/freeze
# against the installed headers and dt-plugin.pc only (two-line build,
# then the autotools variant), drops dt_freeze.so into the user's plugin
# directory and runs a suite that uses it with the installed dt-run.
# Also: a plugin built for another ABI is refused naming both versions.
#
# Called by `make installcheck` (examples/local.mk) with MAKE, CC,
# top_builddir, srcdir and the configured directories in the environment.
set -u

for v in MAKE CC top_builddir srcdir bindir libdir pkglibdir pkgdatadir; do
	eval "[ -n \"\${$v:-}\" ]" || { echo "installcheck.sh: $v is not set"; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-installcheck-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
dest=$tmp/root
failed=0
step() { echo "installcheck: $*"; }
fail() { echo "installcheck: FAIL: $*"; failed=1; }

step "make install DESTDIR=$dest"
if ! $MAKE -C "$top_builddir" install DESTDIR="$dest" > "$tmp/install.log" 2>&1; then
	tail -20 "$tmp/install.log"
	fail "make install"
	exit 1
fi

# Only the installed files from here on: the example is copied away from
# the source tree, pkg-config sees the installed dt-plugin.pc first and
# maps its paths into the temporary root.
mkdir -p "$tmp/src" "$tmp/home/.local/lib/dt/plugins" "$tmp/bad"
for f in freeze.c freeze-mem.yaml freeze-local.yaml ticker.yaml Makefile.plain \
	configure.ac Makefile.am README; do
	cp "$srcdir/examples/freeze/$f" "$tmp/src/" || exit 1
done
PKG_CONFIG_PATH=$dest$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
PKG_CONFIG_SYSROOT_DIR=$dest
HOME=$tmp/home
LD_LIBRARY_PATH=$dest$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
DT_PLUGIN_PATH=$dest$pkglibdir   # the core plugins: not at $pkglibdir yet
DT_CHART_PATH=$dest$pkgdatadir/charts
DT_SUITE_PATH=$dest$pkgdatadir/suites
DT_STATE_DIR=$tmp/state
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR HOME LD_LIBRARY_PATH \
	DT_PLUGIN_PATH DT_CHART_PATH DT_SUITE_PATH DT_STATE_DIR
unset XDG_DATA_HOME
dt_run=$dest$bindir/dt-run
cd "$tmp/src" || exit 1

flags=$(pkg-config --cflags --libs dt-plugin) || { fail "pkg-config dt-plugin"; exit 1; }
step "pkg-config --cflags --libs dt-plugin: $flags"
case $flags in *"$srcdir"*|*"$top_builddir"*) fail "pkg-config points into the source or build tree";; esac

step "two-line build"
# shellcheck disable=SC2086
$CC -shared -fPIC -Wall -Wextra -Werror -o dt_freeze.so freeze.c $flags ||
	{ fail "cc -shared -fPIC ... freeze.c"; exit 1; }
cp dt_freeze.so "$HOME/.local/lib/dt/plugins/"

"$dt_run" --version || fail "dt-run --version"
"$dt_run" list plugins > "$tmp/plugins.txt" 2> "$tmp/plugins.err" || fail "dt-run list plugins"
user_so=$HOME/.local/lib/dt/plugins/dt_freeze.so
if grep -q "^nemesis  *freeze  *1\.0 .* $user_so\$" "$tmp/plugins.txt"; then
	step "dt-run list plugins: freeze from $user_so"
else
	cat "$tmp/plugins.txt" "$tmp/plugins.err"
	fail "dt-run list plugins does not show freeze from the user directory"
fi

step "dt-run --suite freeze-mem.yaml"
"$dt_run" --suite ./freeze-mem.yaml --store "$tmp/store" -q > "$tmp/run.txt" 2>&1
rc=$?
cat "$tmp/run.txt"
[ "$rc" = 0 ] || fail "dt-run exited $rc, not 0 (valid)"
hist=$tmp/store/freeze-mem/latest/history.jsonl
heals=$(grep '"nemesis":"freeze"' "$hist" 2>/dev/null | grep '"type":"info"' | grep -c '"f":"heal"')
starts=$(grep '"nemesis":"freeze"' "$hist" 2>/dev/null | grep '"type":"info"' | grep -c '"f":"start"')
step "history: freeze started $starts times, healed $heals times"
[ "${starts:-0}" -ge 2 ] && [ "$starts" = "$heals" ] ||
	fail "expected freeze to start at least twice and heal as often"

# On real nodes (root and network namespaces only): the ticker nodes must
# show a gap about as long as the freeze in their ticks.
if [ "$(id -u)" = 0 ] && ip netns list > /dev/null 2>&1; then
	step "dt-run --suite freeze-local.yaml (local platform, 2 nodes)"
	"$dt_run" --suite ./freeze-local.yaml --chart-path . --store "$tmp/store" \
		--keep -q > "$tmp/run-local.txt" 2>&1
	rc=$?
	cat "$tmp/run-local.txt"
	[ "$rc" = 0 ] || fail "dt-run freeze-local exited $rc, not 0 (valid)"
	run=$tmp/store/freeze-local/latest
	grep '"nemesis":"freeze"' "$run/history.jsonl" | grep '"type":"info"' |
		grep '"f":"start"' | grep -q '"frozen":\["n1","n2"\]' ||
		fail "the history has no freeze of n1 and n2"
	for n in n1 n2; do
		gap=$(awk 'NR > 1 { d = ($1 - p) / 1e6; if (d > m) m = d } { p = $1 }
			END { printf "%d", m }' "$run/data/$n/ticks" 2>/dev/null)
		step "$n: longest gap between ticks: ${gap:-?} ms (frozen for 400 ms)"
		[ "${gap:-0}" -ge 300 ] || fail "$n was not stopped: no gap of 300 ms or more"
	done
else
	step "SKIP freeze-local.yaml: needs root and network namespaces"
fi

step "in-tree plugins, built out of tree against the installed headers only"
mkdir -p "$tmp/intree"
for p in register partition; do
	# shellcheck disable=SC2086
	$CC -shared -fPIC -Wall -Wextra -Werror -o "$tmp/intree/dt_$p.so" \
		"$srcdir/plugins/$p/$p.c" $flags || fail "cc plugins/$p/$p.c"
done
# only those: the installed plugins are not on this path
if DT_PLUGIN_PATH=$tmp/intree "$dt_run" describe partition > "$tmp/intree.txt" 2>&1 &&
	grep -q "^nemesis partition (1.0, $tmp/intree/dt_partition.so)" "$tmp/intree.txt" &&
	grep -q "^  mode  *enum" "$tmp/intree.txt"; then
	step "dt-run describe partition: from $tmp/intree/dt_partition.so"
else
	cat "$tmp/intree.txt"
	fail "the out-of-tree build of plugins/partition does not load"
fi

step "a plugin built for another ABI is refused"
cat > bad.c <<'EOC'
#include <dt/plugin.h>
const unsigned dt_plugin_abi = DT_ABI_VERSION + 1;
int dt_plugin_register(dt_registry *reg) { (void)reg; return 0; }
EOC
# shellcheck disable=SC2086
$CC -shared -fPIC -o "$tmp/bad/dt_badabi.so" bad.c $flags || fail "cc bad.c"
abi=$("$dt_run" --version | sed -n 's/.*plugin ABI \([0-9]*\).*/\1/p')
"$dt_run" list plugins --plugin-path "$tmp/bad" > /dev/null 2> "$tmp/bad.err"
if grep -q "dt_badabi.so: built for plugin ABI version $((abi + 1)), but this DT has ABI version $abi" "$tmp/bad.err"; then
	step "refused: $(cat "$tmp/bad.err")"
else
	cat "$tmp/bad.err"
	fail "no refusal naming ABI $((abi + 1)) and $abi"
fi

if command -v autoreconf > /dev/null && command -v libtoolize > /dev/null; then
	step "autotools build"
	mkdir "$tmp/at-plugins"
	if (autoreconf -fi && ./configure -q --prefix="$tmp/at-prefix" &&
	    $MAKE && $MAKE install plugindir="$tmp/at-plugins") > "$tmp/at.log" 2>&1; then
		"$dt_run" list plugins --plugin-path "$tmp/at-plugins" 2> /dev/null |
			grep -q "^nemesis  *freeze .* $tmp/at-plugins/dt_freeze.so\$" ||
			fail "the autotools-built freeze is not listed from $tmp/at-plugins"
	else
		tail -30 "$tmp/at.log"
		fail "autotools build of the example"
	fi
else
	step "SKIP autotools build: autoreconf or libtoolize missing"
fi

[ "$failed" = 0 ] && step "all passed"
exit "$failed"
