#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Migration of a running guest under TCG on this host (migrate.cases): the
# census payload's run phase (guest/census.c: every vCPU ticks on its own
# timer and passes SGIs round a ring, the boot vCPU checks and names any
# stalled vCPU or lost or doubled SGI) at -smp 8, through the steps of
# tests/lab-arm64/migrate.lab.sh, which the KVM lab runs at 2, 64 and 512:
# live migration over a unix socket with system_reset and the census again
# on the destination; migration to a file and restore into a fresh
# process; savevm, loadvm and -loadvm on a qcow2 disk; a destination with
# fewer vCPUs (refused with both numbers), a truncated file and a
# cancelled migration: the destination exits 1 and the source's guest
# passes its checks afterwards.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
QEMU=$(qemu_bin aarch64) || exit 1
export QEMU QL_LAB_BACKEND=host QL_CASES=migrate.cases QL_CASE_SECS=300
# savevm's disk: an empty qcow2 made by the fork's qemu-img here (the lab
# has no qemu-img of its own)
img=$build/bin/qemu-img
[ -x "$img" ] || fail "no $img (make)"
"$img" create -q -f qcow2 "$tmp/snap.qcow2" 64M || fail "qemu-img create failed"
lab_half arm64 900 "$top/tests/lab-arm64/migrate.lab.sh" "$here/migrate.cases" "$payload" "$tmp/snap.qcow2"
cases_check "$here/migrate.cases"
exit $failed
