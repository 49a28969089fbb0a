#!/bin/bash
# check-completion.sh: the bash completion of dt-run offers every long
# option of `dt-run --help` (and no other), the suites `dt-run list suites`
# prints, the list subcommands and the platforms.
set -u

: "${DT_BUILDDIR:?set DT_BUILDDIR to the build tree}"
: "${DT_SRCDIR:?set DT_SRCDIR to the source tree}"
dt_run=$DT_BUILDDIR/core/dt-run
failed=0

source "$DT_SRCDIR/core/cli/dt-run.bash" || exit 99

comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_dt_run
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

help_long=$("$dt_run" --help | grep -o -E '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' |
	grep -o -E -- '--[a-z][a-z-]*' | sort -u)
expect "options offered are those of --help" "$(comp "$dt_run" --)" "$help_long"
expect "suites offered" "$(comp "$dt_run" --suite mem- | grep -v /)" \
	"$("$dt_run" list suites | awk '$1 ~ /^mem-/ { print $1 }' | sort -u)"
expect "list subcommands" "$(comp "$dt_run" list "")" "$(printf '%s\n' charts plugins suites)"
expect "commands" "$(comp "$dt_run" "")" "$(printf '%s\n' cleanup list)"
expect "platforms" "$(comp "$dt_run" -p "")" "$(printf '%s\n' k8s local)"
[[ -n $help_long ]] || { echo "FAIL: no option found in --help"; failed=1; }
exit $failed
