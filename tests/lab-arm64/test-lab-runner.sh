#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab/run.sh's own contract: the inner exit status comes back, a kernel
# without KVM is refused with one clear line and exit 1, and the hard
# time-out kills the lab with exit 124.
. "$(dirname "$0")/../lib/test.sh"
run="$top/lab/run.sh"

rc=0
"$run" --timeout 300 -- 'test -c /dev/kvm && exit 7' >"$tmp/a.log" 2>&1 || rc=$?
[ $rc = 7 ] || { cat "$tmp/a.log"; fail "inner 'exit 7' came back as $rc"; }
ok "the command list's exit status (7) is returned"

rc=0
QL_LAB_APPEND=kvm-arm.mode=none "$run" --timeout 300 -- 'echo should-not-run' >"$tmp/b.log" 2>&1 || rc=$?
cat "$tmp/b.log"
[ $rc = 1 ] || fail "no-KVM lab exited $rc, expected 1"
grep -q 'lab: error: no /dev/kvm in the lab kernel' "$tmp/b.log" || fail "no clear no-KVM message"
! grep -q 'should-not-run' "$tmp/b.log" || fail "commands ran without /dev/kvm"
ok "a lab kernel without KVM is refused with one line and exit 1"

rc=0
"$run" --timeout 60 -- 'echo SLEEPING; sleep 600' >"$tmp/c.log" 2>&1 || rc=$?
cat "$tmp/c.log"
[ $rc = 124 ] || fail "time-out exited $rc, expected 124"
grep -q '\] SLEEPING$' "$tmp/c.log" || fail "the command list never started: the time-out hit the boot"
grep -q 'lab: error: time-out' "$tmp/c.log" || fail "no time-out message"
ok "the hard time-out kills the lab and exits 124"
