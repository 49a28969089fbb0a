#!/bin/sh
# SPDX-License-Identifier: MIT
# check-roff.sh: every manual page renders without a warning, both with
# `groff -ww -z` and with man(1) as lintian runs it.
set -u

: "${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}"
: "${DT_SRCDIR:?set DT_SRCDIR to the source tree}"

command -v groff > /dev/null || { echo "SKIP: groff is not installed"; exit 77; }
failed=0
n=0
# dt-components.7 is made by the build (man/components.c), not from a .in
for in in "$DT_SRCDIR"/man/*.[1-8].in "$DT_BUILDDIR/man/dt-components.7.in"; do
	page=$DT_BUILDDIR/man/$(basename "$in" .in)
	# The page of a part configure left out (DT_DISABLED) is not built.
	case "$(basename "$page") ${DT_DISABLED:-}" in
	"dtd.8 "*dtd*|"dt-agent.8 "*k8s*|"dt-faultfs.8 "*faultfs*) echo "skipped: $page (not built)"; continue ;;
	esac
	[ -f "$page" ] || { echo "FAIL: $page was not built"; failed=1; continue; }
	out=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$out" ] || { echo "FAIL: groff -ww: $page:"; echo "$out"; failed=1; }
	if command -v man > /dev/null; then
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 > /dev/null)
		[ -z "$out" ] || { echo "FAIL: man --warnings: $page:"; echo "$out"; failed=1; }
	fi
	grep -n '@[a-zA-Z_]*@' "$page" && { echo "FAIL: $page: unreplaced @VAR@"; failed=1; }
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no page found"; exit 1; }
echo "$n pages checked"
exit "$failed"
