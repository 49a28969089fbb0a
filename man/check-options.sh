#!/bin/sh
# SPDX-License-Identifier: MIT
# check-options.sh: the manual pages and --help agree.
#
# For dt-run, dt-check, dtd and dt-faultfs: the options of `PROG --help` (short and
# long) must be exactly those of the OPTIONS section of the page, and the
# exit codes and DT_* variables --help names must be in the page.  A
# program not built yet is skipped with a message; dt-run never is.
# dt-agent's --help is a usage line ("[--listen ADDR:PORT] ..."): the
# options it names, plus the -h, --help and --version the page lists
# (each must then exit 0), must be those of dt-agent(8).
# Also: every suite and chart key (dt-run describe suite|chart) is
# documented in dt-suite(5) and dt-chart(5).
#
# Run by `make check` (DT_BUILDDIR, DT_SRCDIR set), or by hand:
#   DT_BUILDDIR=/tmp/build DT_SRCDIR=/work/main sh man/check-options.sh
set -u

: "${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}"
: "${DT_SRCDIR:?set DT_SRCDIR to the source tree}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-man-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
failed=0
checked=0

# Options of --help: the leading "-x, --long ARG" part of each indented
# line that starts with a dash, one option per line, sorted.
help_options() {
	sed -n 's/^ \{1,\}\(-[^ ].*\)$/\1/p' "$1" |
	sed 's/  .*//' |
	grep -o -E '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' |
	sed 's/^[ ,]*//' | sort -u
}

# Options of the page: the tag line after each .TP of the OPTIONS section.
man_options() {
	awk '
		/^\.SH / { in_opts = ($0 ~ /^\.SH "?OPTIONS"?$/); next }
		in_opts && tag { print; tag = 0; next }
		in_opts && /^\.TP/ { tag = 1 }
	' "$1" |
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/"//g' \
	    -e 's/^\.[A-Z]* //' |
	grep -o -E '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' |
	sed 's/^[ ,]*//' | sort -u
}

# Options of a usage-style --help: every -x or --long word in it.
usage_options() {
	grep -o -E '(^|[][ ,|])--?[A-Za-z][A-Za-z0-9-]*' "$1" |
	sed 's/^[][ ,|]*//' | sort -u
}

# check PROG BIN PAGE [usage]
check() {
	prog=$1 bin=$2 page=$3 style=${4:-list}
	before=$failed

	if [ ! -x "$bin" ]; then
		echo "SKIP: $prog is not built yet ($bin): its page is not checked"
		return
	fi
	if [ ! -f "$page" ]; then
		echo "FAIL: $prog: no manual page $page"
		failed=1
		return
	fi
	if ! "$bin" --help > "$tmp/$prog.help" 2>&1; then
		echo "FAIL: $prog --help exited non-zero"
		failed=1
		return
	fi
	man_options "$page" > "$tmp/$prog.m"
	if [ "$style" = usage ]; then
		# The usage line leaves out -h, --help and --version: those
		# the page lists must work.
		for opt in -h --help --version; do
			grep -qx -- "$opt" "$tmp/$prog.m" || continue
			if "$bin" "$opt" > /dev/null 2>&1; then
				echo "$opt"
			else
				echo "FAIL: $prog $opt (in the page) exits non-zero" >&2
				failed=1
			fi
		done > "$tmp/$prog.std"
		usage_options "$tmp/$prog.help" | cat - "$tmp/$prog.std" | sort -u > "$tmp/$prog.h"
	else
		help_options "$tmp/$prog.help" > "$tmp/$prog.h"
	fi
	if [ ! -s "$tmp/$prog.h" ]; then
		echo "FAIL: $prog --help lists no option (format changed?)"
		failed=1
		return
	fi
	if ! cmp -s "$tmp/$prog.h" "$tmp/$prog.m"; then
		echo "FAIL: $prog: --help and $(basename "$page") list different options"
		comm -23 "$tmp/$prog.h" "$tmp/$prog.m" | sed 's/^/  only in --help: /'
		comm -13 "$tmp/$prog.h" "$tmp/$prog.m" | sed 's/^/  only in the page: /'
		failed=1
	fi
	# Environment variables named by --help are documented.
	for var in $(grep -o -E 'DT_[A-Z_]+' "$tmp/$prog.help" | sort -u); do
		grep -q "$var" "$page" ||
			{ echo "FAIL: $prog: --help names $var, the page does not"; failed=1; }
	done
	# Exit codes listed by --help ("  N  meaning") are in EXIT STATUS.
	for code in $(sed -n 's/^ \{1,\}\([0-9]\)  .*/\1/p' "$tmp/$prog.help"); do
		awk '/^\.SH /{s=($0 ~ /EXIT STATUS/)} s' "$page" | grep -q "^\.B $code\$" ||
			{ echo "FAIL: $prog: exit status $code of --help is not in the page"; failed=1; }
	done
	# Commands of the usage lines ("dt-run list ...") are in the page.
	for cmd in $(sed -n "s/^ *\(Usage: \)\{0,1\}$prog \([a-z][a-z]*\) .*/\2/p" "$tmp/$prog.help" | sort -u); do
		grep -q "^\.B $cmd\( \|\$\)" "$page" ||
			{ echo "FAIL: $prog: command '$cmd' of --help is not in the page"; failed=1; }
	done
	[ "$failed" = "$before" ] &&
		echo "ok: $prog: $(wc -l < "$tmp/$prog.h") options agree with $(basename "$page")"
	checked=$((checked + 1))
}

check dt-run "$DT_BUILDDIR/core/dt-run" "$DT_SRCDIR/man/dt-run.1.in"
check dt-check "$DT_BUILDDIR/core/dt-check" "$DT_SRCDIR/man/dt-check.1.in"
check dtd "$DT_BUILDDIR/core/dtd/dtd" "$DT_SRCDIR/man/dtd.8.in"
check dt-agent "$DT_BUILDDIR/plugins/k8s/agent/dt-agent" "$DT_SRCDIR/man/dt-agent.8.in" usage
check dt-faultfs "$DT_BUILDDIR/faultfs/dt-faultfs" "$DT_SRCDIR/man/dt-faultfs.8.in"

# The keys a suite and a chart may have, as dt-run describes them from
# the core's tables, are the keys the file-format pages document (each
# as a .TP tag: ".B key" or ".BR key ...").
keys() { # suite or chart
	"$DT_BUILDDIR/core/dt-run" describe "$1" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'
}
for spec in suite:dt-suite.5.in chart:dt-chart.5.in; do
	what=${spec%%:*} page=$DT_SRCDIR/man/${spec#*:}
	n=0
	for k in $(keys "$what"); do
		n=$((n + 1))
		grep -q "^\.BR\{0,1\} $(echo "$k" | sed 's/-/\\\\-/g')\( \|\$\)" "$page" ||
			{ echo "FAIL: key '$k' of a $what (dt-run describe $what) is not in ${spec#*:}"; failed=1; }
	done
	[ "$n" -gt 0 ] || { echo "FAIL: dt-run describe $what lists no key"; failed=1; }
	echo "ok: $n keys of a $what are in ${spec#*:}"
done

[ "$failed" = 0 ] || exit 1
[ "$checked" -gt 0 ] || { echo "no program was built"; exit 99; }
exit 0
