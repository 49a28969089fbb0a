#!/bin/sh
# SPDX-License-Identifier: MIT
# test_boundary.sh: the plugin boundary, as the tree has it.
#
# 1. libdt.so exports exactly the functions core/include/dt/ declares
#    (DT_EXTERN; everything else is built hidden): no engine function is
#    ABI by accident.
# 2. No file under plugins/ includes a header of core/lib/: an in-tree
#    plugin uses the public API only, as one built out of tree must.
#
# Run by `make check` (DT_BUILDDIR, DT_SRCDIR set).
set -u
: "${DT_BUILDDIR:?}" "${DT_SRCDIR:?}"
failed=0
lib="$DT_BUILDDIR/core/.libs/libdt.so"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-boundary-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

[ -f "$lib" ] || { echo "FAIL: $lib is not built"; exit 1; }
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u > "$tmp/exported"
# Every function name the public headers declare DT_EXTERN.
cat "$DT_SRCDIR"/core/include/dt/*.h | tr '\n' ' ' | sed 's/;/;\n/g' |
	grep 'DT_EXTERN' | grep -o '[a-z_][a-z0-9_]*[ ]*(' | sed 's/[ (]//g' |
	grep '^dt_' | sort -u > "$tmp/declared"
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
missing=$(comm -13 "$tmp/exported" "$tmp/declared")
if [ -n "$extra" ]; then
	echo "FAIL: libdt.so exports what core/include/dt/ does not declare:"
	echo "$extra" | sed 's/^/  /'
	failed=1
fi
if [ -n "$missing" ]; then
	echo "FAIL: core/include/dt/ declares what libdt.so does not export:"
	echo "$missing" | sed 's/^/  /'
	failed=1
fi
[ "$failed" = 0 ] && echo "ok: libdt.so exports the $(wc -l < "$tmp/exported") functions of core/include/dt/"

# Headers of core/lib/ by name.
ls "$DT_SRCDIR"/core/lib/*.h | xargs -n1 basename > "$tmp/private"
bad=0
for f in $(find "$DT_SRCDIR/plugins" -name '*.[ch]'); do
	dir=$(dirname "$f")
	for h in $(sed -n 's/^#[ ]*include[ ]*"\([^"]*\)".*/\1/p' "$f"); do
		[ "$h" = config.h ] && continue
		[ -f "$dir/$h" ] && continue
		# a header of its own folder, or of a library beside the core
		# (faultfs/'s client), but never one of the engine's
		grep -qx "$(basename "$h")" "$tmp/private" || continue
		echo "FAIL: ${f#$DT_SRCDIR/} includes \"$h\", a header of core/lib/"
		bad=1
	done
	if grep -q '^#[ ]*include[ ]*[<"]\(\.\./\)*core/lib/' "$f"; then
		echo "FAIL: ${f#$DT_SRCDIR/} includes a header of core/lib/"
		bad=1
	fi
done
[ "$bad" = 0 ] && echo "ok: no plugin includes a header of core/lib/"
[ "$failed" = 0 ] && [ "$bad" = 0 ]
