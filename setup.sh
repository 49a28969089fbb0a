#!/usr/bin/env bash
# setup.sh: set up DT on a bare Debian machine and build it.
#
#   ./setup.sh          install packages, build
#   ./setup.sh run      ... then run the default suite with dt-run
#   ./setup.sh test     ... then run every test (make check, make
#                       installcheck, the Debian packages' check)
#
# Needs root for apt-get (and, for the local platform, network namespaces).
set -euo pipefail
cd "$(dirname "$0")"

DEFAULT_SUITE=${DT_SUITE:-redis}

packages=(
	build-essential autoconf automake libtool libltdl-dev pkg-config
	libyaml-dev libjansson-dev libcurl4-openssl-dev libcriterion-dev
	libhiredis-dev libmicrohttpd-dev libsqlite3-dev libfuse3-dev fuse3
	iproute2 iptables procps psmisc socat curl openssl groff-base man-db
	redis-server redis-tools etcd-server etcd-client
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
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
	# Debian starts these services on install; DT starts its own copies.
	for svc in redis-server etcd; do
		if command -v systemctl >/dev/null && systemctl is-active -q "$svc" 2>/dev/null; then
			systemctl stop "$svc" || true
			systemctl disable "$svc" 2>/dev/null || true
		fi
	done
	pkill -x redis-server 2>/dev/null || true
	pkill -x etcd 2>/dev/null || true
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
	echo "usage: $0 [run|test]" >&2
	exit 3
	;;
esac
