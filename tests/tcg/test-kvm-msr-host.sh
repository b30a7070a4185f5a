#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Refused MSRs on this machine's own /dev/kvm: the fork's
#   qemu-system-x86_64 -accel kvm -M q35 -cpu host -S -display none -nodefaults
# with "quit" on an HMP monitor (kvm-msr-host.cases, run by lab/case.sh
# here).  Passes when it reaches the monitor and exits 0, or when it is
# refused: exit 1 with exactly one line naming the MSR this host's KVM
# refused and nothing else (tests/lib/cases.sh's rule); never a signal, an
# assertion or a core file.  Skipped (exit 77) when /dev/kvm is absent or
# cannot be opened.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
skip() { echo "SKIP: $*"; exit 77; }
[ -c /dev/kvm ] || skip "no usable /dev/kvm on this machine (absent)"
if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
    skip "no usable /dev/kvm on this machine (cannot open it)"
fi
exec 3>&-
QEMU=$(qemu_bin x86_64) || exit 1
export QEMU QL_LAB_BACKEND=host QL_CASES=kvm-msr-host.cases QL_CASE_SECS=60
lab_run x86 120 "$top/tests/lib/table.lab.sh" "$here/kvm-msr-host.cases"
runs=$(case_problems host-cpu "exit 0" '~out: \(qemu\)')
refused=$(case_problems host-cpu refused '1~err: KVM refused to set MSR .* \(0x[0-9a-f]+\)')
if [ -z "$runs" ]; then
    ok "-cpu host runs on this host's KVM (reached the monitor, exit 0)"
elif [ -z "$refused" ]; then
    ok "this host's KVM refuses an MSR; named, exit 1: $(case_msg host-cpu | head -1)"
else
    fail "neither runs ($runs) nor one clear refusal ($refused)"
fi
