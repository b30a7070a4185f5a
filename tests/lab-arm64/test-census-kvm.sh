#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The census payload under KVM, for real: the cases of census.cases in one
# boot of the nested arm64 lab (or on this host, QL_LAB_BACKEND=host): the
# fork's qemu-system-aarch64 -accel kvm -M virt,gic-version=3 -cpu host at
# -smp 1, 2, 255, 256, 257 and 512, each a complete census; the PSCI CPU_ON
# race at -smp 512 with 4 and 16 callers; a withheld SGI failing the census
# (the negative control).
#
# irq-line-512: the 512 run is observed with lab/irqlog.c (LD_PRELOAD, it
# only logs): every KVM_IRQ_LINE the fork issues must return 0; the PPIs
# among them are counted.  With the in-kernel GICv3, timer and PMU PPIs
# never pass through QEMU, so a census makes only SPI injections (the
# UART): this shows the observer works and the calls succeed, it does not
# exercise the wide vCPU-index encoding.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
lab_cases arm64 2400 "$here/census.cases" 900 "$payload"

if case_ran smp-512; then
    log=$(case_out irq-line-512 | grep 'type=' || true)
    total=$(awk '{ s += $1 } END { print s + 0 }' <<<"$log")
    bad=$({ grep -v 'ret=0 ' <<<"$log" || true; } | awk '{ s += $1 } END { print s + 0 }')
    ppis=$({ grep ' type=2 ' <<<"$log" || true; } | awk '{ s += $1 } END { print s + 0 }')
    check irq-line-512 "KVM_IRQ_LINE at -smp 512: $total calls, $bad failed, $ppis of them PPIs" \
        test "$total" -gt 0 -a "$bad" = 0
fi
exit $failed
