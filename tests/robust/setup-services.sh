#!/bin/sh
# SPDX-License-Identifier: MIT
# setup-services.sh: `./setup.sh packages` installs packages and touches
# nothing else (issue 16, item 1).  It once stopped and disabled the
# machine's redis-server and etcd services and ran `pkill -x
# redis-server` and `pkill -x etcd`, killing every redis and etcd of the
# machine, DT's own runs' included.
#
# The attack, made harmless: decoy processes named redis-server and etcd
# (copies of sleep) run while setup.sh runs with stubs first on PATH for
# every tool that stops, disables or kills by name (systemctl, service,
# update-rc.d, pkill, killall, pgrep, pidof), which record their calls
# and do nothing; dpkg-query says every package is missing, so the
# install path runs, with an apt-get stub that records whether a
# policy-rc.d answering 101 was in place (DT_POLICY_RC_D: a file of this
# test, never the machine's /usr/sbin/policy-rc.d).  Passes when no stub
# was called, both decoys live, the install ran under the policy and the
# policy is gone after it; and a policy that was already there stays.
# Also: debian/check-packages.sh names no fixed path in /tmp.
set -u

src=${DT_SRCDIR:?set DT_SRCDIR to the source tree}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-setup-test.XXXXXX") || exit 99
decoys=
cleanup() {
	# Only the decoys this test started, by their pids.
	for p in $decoys; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
failed=0
fail() { echo "FAIL: $*"; failed=1; }

for name in redis-server etcd; do
	cp "$(command -v sleep)" "$tmp/$name"
	"$tmp/$name" 600 &
	decoys="$decoys $!"
done

mkdir "$tmp/bin"
for tool in systemctl service update-rc.d pkill killall pgrep pidof; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 0\n' "$tool" "$tmp" >"$tmp/bin/$tool"
done
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/dpkg-query"
cat >"$tmp/bin/apt-get" <<STUB
#!/bin/sh
echo "apt-get \$*" >>"$tmp/calls"
if [ "\$1" = install ] || [ "\$2" = install ] || [ "\$4" = install ]; then
	if [ -x "$tmp/policy-rc.d" ]; then
		"$tmp/policy-rc.d" redis-server start
		echo "policy answered \$?" >>"$tmp/calls"
	else
		echo "no policy" >>"$tmp/calls"
	fi
fi
exit 0
STUB
for tool in node npm; do
	printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/$tool"
done
chmod 755 "$tmp"/bin/*

run_setup() {
	: >"$tmp/calls"
	DT_POLICY_RC_D="$tmp/policy-rc.d" PATH="$tmp/bin:$PATH" \
		bash "$src/setup.sh" packages >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || { fail "setup.sh packages exited $rc"; cat "$tmp/out"; }
	if grep -E '^(systemctl|service|update-rc.d|pkill|killall|pgrep|pidof) ' "$tmp/calls"; then
		fail "setup.sh stopped, disabled or killed something by name (above)"
	fi
	for p in $decoys; do
		kill -0 "$p" 2>/dev/null || fail "the decoy $(cat /proc/$p/comm 2>/dev/null || echo "pid $p") was killed"
	done
	grep -q '^apt-get .*install' "$tmp/calls" || fail "no apt-get install was run"
}

# 1. No policy-rc.d before: one for the install only, answering 101.
run_setup
grep -qx 'policy answered 101' "$tmp/calls" ||
	fail "the install ran without a policy-rc.d answering 101: $(tail -n 1 "$tmp/calls")"
[ -e "$tmp/policy-rc.d" ] && fail "the policy-rc.d outlived the install"

# 2. A policy of the machine's own: used as it is, left as it was.
printf '#!/bin/sh\n# the machine owner\x27s\nexit 101\n' >"$tmp/policy-rc.d"
chmod 755 "$tmp/policy-rc.d"
cp "$tmp/policy-rc.d" "$tmp/policy.before"
run_setup
cmp -s "$tmp/policy-rc.d" "$tmp/policy.before" || fail "an existing policy-rc.d was changed or removed"

# 3. The package check (run as root by `./setup.sh test`) names no fixed
# path in a shared /tmp, which another user could make first (a link to
# what root would write into and remove); its own folder is mktemp's.
if grep -n '/tmp/' "$src/debian/check-packages.sh" | grep -v 'TMPDIR:-/tmp' |
	grep -v '^[0-9]*: *#' | grep -v '$root/tmp\|HOME=/tmp/home\| /tmp/debs'; then
	fail "debian/check-packages.sh uses a fixed /tmp path (above)"
fi

[ "$failed" = 0 ] && echo "ok: setup.sh packages stopped, disabled and killed nothing; the install ran under a policy-rc.d made for it"
exit "$failed"
