#!/bin/bash
# SPDX-License-Identifier: MIT
# check-completion.sh: the bash completions of dt-run, dt-check and dtd
# offer every long option of their --help (and no other).  For dt-run
# also the suites `dt-run list suites` prints, the list subcommands and
# the platforms; for dt-check the models `dt-run list plugins` lists and
# the formats of --help; for dtd, YAML files after --config.
set -u

: "${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}"
: "${DT_SRCDIR:?set DT_SRCDIR to the source tree}"
dt_run=$DT_BUILDDIR/core/dt-run
dt_check=$DT_BUILDDIR/core/dt-check
dtd=$DT_BUILDDIR/core/dtd/dtd
failed=0

for f in dt-run dt-check dtd; do
	source "$DT_SRCDIR/core/cli/$f.bash" || exit 99
done

comp() { # function, words...
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn"
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

expect() { # what, got, want
	if [[ $2 != "$3" ]]; then
		echo "FAIL: $1"
		diff <(echo "$3") <(echo "$2") | sed 's/^/  /'
		failed=1
	else
		echo "ok: $1"
	fi
}

help_long() { # program
	"$1" --help | grep -o -E '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' |
		grep -o -E -- '--[a-z][a-z-]*' | sort -u
}

options() { # name, program, function
	local want
	want=$(help_long "$2")
	if [[ -z $want ]]; then
		echo "FAIL: $1: no option found in --help"
		failed=1
		return
	fi
	expect "$1: options offered are those of --help" "$(comp "$3" "$2" --)" "$want"
}

options dt-run "$dt_run" _dt_run
expect "dt-run: suites offered" "$(comp _dt_run "$dt_run" --suite mem- | grep -v /)" \
	"$("$dt_run" list suites | awk '$1 ~ /^mem-/ { print $1 }' | sort -u)"
expect "dt-run: list subcommands" "$(comp _dt_run "$dt_run" list "")" "$(printf '%s\n' charts plugins suites)"
expect "dt-run: commands" "$(comp _dt_run "$dt_run" "")" "$(printf '%s\n' check cleanup list)"
expect "dt-run: platforms" "$(comp _dt_run "$dt_run" -p "")" "$(printf '%s\n' k8s local)"

if [[ -x $dt_check ]]; then
	options dt-check "$dt_check" _dt_check
	models=$({ "$dt_run" list plugins | awk '$1 == "model" { print $2 }'
		printf '%s\n' list-append rw-register; } | sort -u)
	[[ -n $models ]] || { echo "FAIL: dt-run list plugins lists no model"; failed=1; }
	expect "dt-check: models offered" "$(comp _dt_check "$dt_check" --model "")" "$models"
	expect "dt-check: models after -m c" "$(comp _dt_check "$dt_check" -m c)" \
		"$(grep '^c' <<< "$models")"
	# The formats: those --help names on its --format line.
	formats=$("$dt_check" --help | sed -n 's/^ *-f, --format F *//p' | tr -d , |
		tr ' ' '\n' | grep -v -E '^$|^\(' | sort -u)
	expect "dt-check: formats offered" "$(comp _dt_check "$dt_check" --format "")" "$formats"
else
	echo "FAIL: dt-check is not built ($dt_check)"
	failed=1
fi

if [[ -x $dtd ]]; then
	options dtd "$dtd" _dtd
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-comp-XXXXXX") || exit 99
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' HUP INT PIPE TERM
	touch "$tmp/a.yaml" "$tmp/b.txt"
	mkdir "$tmp/d"
	expect "dtd: --config offers YAML files and folders" \
		"$(comp _dtd "$dtd" --config "$tmp/")" "$(printf '%s\n' "$tmp/a.yaml" "$tmp/d")"
	expect "dtd: --state-dir offers folders" \
		"$(comp _dtd "$dtd" --state-dir "$tmp/")" "$tmp/d"
elif [[ " ${DT_DISABLED:-} " == *" dtd "* ]]; then
	echo "dtd: skipped (left out by configure)"
else
	echo "FAIL: dtd is not built ($dtd)"
	failed=1
fi
exit $failed
