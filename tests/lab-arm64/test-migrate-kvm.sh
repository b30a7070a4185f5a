#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Migration and restore of a running guest under KVM, for real: the cases
# of migrate.cases in one boot of the nested arm64 lab (or on this host:
# QL_LAB_BACKEND=host).  The guest is the census payload's run phase
# (guest/census.c): every vCPU ticks on its own timer and passes SGIs round
# a ring; the boot vCPU checks every few seconds and names any stalled vCPU
# or lost or doubled SGI by number.  At -smp 2, 64 and 512: live migration
# between two fork processes over a unix socket while the guest runs, and
# migration to a file restored into a fresh process; system_reset on the
# destination and the census again; query-migrate's total time and
# downtime in the output; savevm and loadvm on a qcow2 disk, in the same
# process and into a fresh one (-loadvm); live migration base to fork and
# fork to base at virt-10.2 (64).  Faults at 64: fewer vCPUs on the
# destination (refused with both numbers), a host limit below the source's
# (fault injection), a truncated file, a cancelled and a dropped (SIGKILL)
# migration; fewer vCPUs at 512: the destination fails and the source's
# guest passes its checks afterwards.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
# savevm's disk: an empty qcow2 made by the fork's qemu-img here (the lab
# has no qemu-img of its own)
img=$build/bin/qemu-img
[ -x "$img" ] || fail "no $img (make)"
"$img" create -q -f qcow2 "$tmp/snap.qcow2" 64M || fail "qemu-img create failed"
lab_cases arm64 5400 "$here/migrate.cases" 1800 "$payload" "$tmp/snap.qcow2"
exit $failed
