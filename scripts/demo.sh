#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the interim main job.  Boots the fork's qemu-system-aarch64 as a
# 512-vCPU virt machine with GICv3 (TCG on this x86 host) into the bare-metal
# payload guest/hello.c, which prints one line and powers off.  The nested
# arm64 KVM lab (issue "nested arm64 KVM lab") replaces this with -accel kvm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${QL_BUILD:-$top/build}
smp=${SMP:-512}
qemu=$build/bin/qemu-system-aarch64
log=$build/demo-console.log
[ -x "$qemu" ] || { echo "demo: error: $qemu not built (make)" >&2; exit 1; }
t0=$(date +%s.%N)
set +e
timeout "${QL_DEMO_TIMEOUT:-300}" "$qemu" -M virt,gic-version=3 -accel tcg -cpu max \
    -smp "$smp" -m 1G -display none -monitor none -nic none -no-reboot \
    -serial "file:$log" -kernel "$build/guest/hello.bin"
rc=$?
set -e
t1=$(date +%s.%N)
cat "$log"
echo "demo: qemu-system-aarch64 -smp $smp exited $rc after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ $rc = 0 ] || { echo "demo: error: QEMU exited $rc (124: time-out)" >&2; exit 1; }
grep -q "lists $smp CPUs" "$log" || { echo "demo: error: the guest did not report $smp CPUs" >&2; exit 1; }
