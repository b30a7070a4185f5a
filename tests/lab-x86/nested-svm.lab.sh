# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh source=lab/case.sh
# The in-lab half of test-nested-svm.sh: this x86 KVM host's nested SVM
# facts (kvm_amd's parameters), then the L2 guest tiny.bin (lab/x86/tiny.S:
# CPUID x N, each one a nested exit that the L1 kernel handles) under
# $QEMU -accel kvm, its stdout time-stamped.
. "${QL_CASE_LIB:-/usr/share/qemu-large/case.sh}"
p() { cat "/sys/module/kvm_amd/parameters/$1" 2>/dev/null || echo -; }
if dmesg 2>/dev/null | grep -q 'kvm_amd: Nested Virtualization enabled'; then d=1; else d=0; fi
if [ -c /dev/kvm ]; then k=ok; else k=missing; fi
case_note host nested_dmesg=$d nested=$(p nested) nrips=$(p nrips) npt=$(p npt) kvm=$k \
    uptime=$(cut -d' ' -f1 /proc/uptime)
case_stamp=1
case_run l2 "${L2_TIMEOUT:-120}" -- $QEMU -accel kvm -M pc -cpu "${L2_CPU:-host}" -m 16 \
    -nodefaults -display none -vga none -no-reboot -global kvm-apic.vapic=off \
    -bios "$QL_FILES/tiny.bin" -serial stdio -device isa-debug-exit
case_stamp=
