#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Refused MSR writes under x86 KVM: never an assertion, one named message
# and exit 1 instead; nested VMX capability MSRs checked like Linux KVM
# before any vCPU.  The cases of kvm-msr.cases (one row each) in one boot
# of the nested x86 lab (kvm_amd on the outer QEMU's SVM), or on this host
# (QL_LAB_BACKEND=host).  The inner QEMU is the fork's, or the unpatched
# base's with QL_AB=base (most cases then fail, by assertion or without the
# message); QL_LAB_QEMU picks the outer emulator.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
x86_lab_prepare
lab_cases x86 400 "$here/kvm-msr.cases" 60 "$build/lab-x86/tiny.bin"
echo "timings: $(grep -a '^lab: boot-to-init=' "$tmp/lab.log" | tail -1 || true)"
exit $failed
