#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Issue 7 on this machine's own /dev/kvm: the fork's
#   qemu-system-x86_64 -accel kvm -M q35 -cpu host -S -display none -nodefaults
# with "quit" on an HMP monitor on stdin.  Passes when it reaches the
# monitor and exits 0, or when it exits 1 with exactly one line matching
# RE_REFUSED (the host's KVM refused an MSR write, named) and no abort;
# fails on an abort (SIGABRT, status 134, "Assertion"), a time-out or any
# other outcome.  Skipped (exit 77) when /dev/kvm is absent or cannot be
# opened.
RE_REFUSED='KVM refused to set MSR .* \(0x[0-9a-f]+\)'
RE_ABORT='Assertion|Aborted|core dumped'
# shellcheck source=tests/lib/test.sh
. "$(dirname "$0")/../lib/test.sh"
qemu=$bin/qemu-system-x86_64
[ -x "$qemu" ] || fail "$qemu not found (make build)"

skip() { echo "SKIP: $*"; exit 77; }
[ -c /dev/kvm ] || skip "no usable /dev/kvm on this machine (absent)"
if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
    skip "no usable /dev/kvm on this machine (cannot open it)"
fi
exec 3>&-

rc=0
echo quit | timeout 60 "$qemu" -accel kvm -M q35 -cpu host -S -display none -nodefaults \
    -monitor stdio >"$tmp/out" 2>"$tmp/err" || rc=$?
echo "exit $rc; stderr:"
sed 's/^/  | /' "$tmp/err"
if [ $rc -ge 128 ] || grep -qaE "$RE_ABORT" "$tmp/err"; then
    fail "aborted or killed (exit $rc): $(head -1 "$tmp/err")"
fi
if [ $rc = 0 ]; then
    grep -q '(qemu)' "$tmp/out" || fail "exit 0 without reaching the monitor"
    ok "-cpu host runs on this host's KVM (reached the monitor, exit 0)"
    exit 0
fi
n=$(grep -caE "$RE_REFUSED" "$tmp/err" || true)
if [ $rc = 1 ] && [ "$n" = 1 ]; then
    ok "this host's KVM refuses an MSR; named, exit 1: $(grep -aE "$RE_REFUSED" "$tmp/err")"
    exit 0
fi
fail "exit $rc with $n line(s) matching /$RE_REFUSED/: $(head -1 "$tmp/err")"
