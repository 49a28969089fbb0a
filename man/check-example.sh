#!/bin/sh
# SPDX-License-Identifier: MIT
# check-example.sh: the EXAMPLE of dt-suite(5), as printed, is a suite
# `dt-run check-suite` accepts (every check a run makes before it
# starts), so a reader who copies it gets a suite that runs.
set -u
: "${DT_BUILDDIR:?}" "${DT_SRCDIR:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-example-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
sed -n '/^\.SH EXAMPLE/,/^\.SH/p' "$DT_SRCDIR/man/dt-suite.5.in" |
	sed -n '/^\.EX/,/^\.EE/p' | sed '1d;$d' |
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\\\\\\\/\\\\/g' > "$tmp/example.yaml"
[ -s "$tmp/example.yaml" ] || { echo "FAIL: no EXAMPLE in dt-suite.5.in"; exit 1; }
if "$DT_BUILDDIR/core/dt-run" check-suite "$tmp/example.yaml"; then
	echo "ok: the EXAMPLE of dt-suite(5) passes check-suite"
else
	echo "FAIL: the EXAMPLE of dt-suite(5) is refused:"
	cat "$tmp/example.yaml"
	exit 1
fi
