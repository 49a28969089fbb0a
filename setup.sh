#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: set up DT on a bare Debian machine and build it.
#
#   ./setup.sh          install packages, build
#   ./setup.sh packages install the packages only
#   ./setup.sh run      ... then run the default suite with dt-run
#   ./setup.sh test     ... then run every test (make check, make
#                       installcheck, the Debian packages' check)
#
# Needs root for apt-get (and, for the local platform, network namespaces).
# It installs packages and builds, nothing else: it never stops, disables
# or kills a service or a process (DT starts its own redis and etcd, in
# its own namespaces, and stops only what it started).  A package whose
# install would start its service (redis-server, etcd-server,
# postgresql, mariadb) is kept
# from doing so by a policy-rc.d that lives for the apt-get only.
set -euo pipefail
cd "$(dirname "$0")"

DEFAULT_SUITE=${DT_SUITE:-redis}

packages=(
	build-essential autoconf automake libtool libltdl-dev pkg-config
	libyaml-dev libjansson-dev libcurl4-openssl-dev libcriterion-dev
	libhiredis-dev libmicrohttpd-dev libsqlite3-dev libfuse3-dev fuse3
	iproute2 iptables procps psmisc socat curl openssl groff-base man-db
	redis-server redis-tools etcd-server etcd-client
	postgresql-15 libpq-dev mariadb-server mariadb-client galera-4 libmariadb-dev rsync
	valgrind clang chromium
	debhelper lintian
)

install_packages() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	# Node.js may come from elsewhere (NodeSource's nodejs carries npm,
	# and conflicts with Debian's npm): only what is missing is asked for.
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		without_service_starts apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

# Run "$@" (an apt-get install) with a policy-rc.d that answers 101
# ("action not allowed") to invoke-rc.d and deb-systemd-invoke: the
# Debian way to keep a package's post-install from starting its service.
# It exists for the install only and only if there was none (a policy of
# the machine's own is left as it is, and applies).  The packages still
# enable their units, so redis-server and etcd would start at the next
# boot: the README says how to turn them off, and that is the user's call.
without_service_starts() {
	local policy=${DT_POLICY_RC_D:-/usr/sbin/policy-rc.d} rc=0
	if [ -e "$policy" ] || [ -L "$policy" ]; then
		"$@" || rc=$?
		return $rc
	fi
	printf '#!/bin/sh\n# made by DT setup.sh for one apt-get install, removed after it\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap "rm -f '$policy'" EXIT
	"$@" || rc=$?
	rm -f "$policy"
	trap - EXIT
	return $rc
}

build() {
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure ${DT_CONFIGURE_FLAGS:-}
	make -j"$(nproc)"
}

# After a failed make check: the end of each failing test's log, last,
# so that a CI page showing only the tail of the output names the cause.
show_failures() {
	local trs
	grep -l '^:test-result: \(FAIL\|ERROR\)' $(find . -name '*.trs') 2>/dev/null |
		while read -r trs; do
			echo "======== ${trs%.trs}.log (its end)"
			grep -v '^\[----\] *$' "${trs%.trs}.log" | tail -n 40
		done
	echo "setup: make check failed; the failing tests' logs are above"
}

install_packages
[ "${1:-}" = packages ] && exit 0
build

case "${1:-}" in
run)
	shift
	exec ./core/dt-run --suite "$DEFAULT_SUITE" "$@"
	;;
test)
	shift
	make -j"$(nproc)" check "$@" || { show_failures; exit 1; }
	# installs into a temporary prefix, builds the example plugin
	# against the installed headers only, runs a suite with it
	make installcheck
	# builds the Debian packages from `git archive HEAD`, runs lintian,
	# installs them with dpkg -i, runs the installed dt-run, purges them
	if git rev-parse --git-dir >/dev/null 2>&1; then
		sh debian/check-packages.sh
	else
		echo "setup: not a git checkout: debian/check-packages.sh skipped"
	fi
	;;
"") ;;
*)
	echo "usage: $0 [packages|run|test]" >&2
	exit 3
	;;
esac
