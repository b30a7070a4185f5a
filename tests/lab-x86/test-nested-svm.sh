#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested SVM under TCG, for real: the nested x86 lab boots Debian's amd64
# kernel under the outer qemu-system-x86_64 (-accel tcg -cpu max -smp 2
# -m 2G), loads irqbypass, kvm, ccp and kvm-amd, and runs nested-svm.lab.sh:
# the fork's qemu-system-x86_64 -accel kvm with the L2 guest lab/x86/tiny.S.
# Checks, one result line each:
#   nested    "kvm_amd: Nested Virtualization enabled", or nested=Y/1
#   nrips     kvm_amd's nrips is Y or 1: the outer QEMU advertises NRIPSAVE
#             (the unpatched base does not, so this fails there: the A/B,
#             with QL_LAB_QEMU=build/base-x86/qemu-system-x86_64)
#   kvm       /dev/kvm is there
#   l2        the L2 guest printed "tiny: hello from L2", ran its N CPUIDs,
#             printed "tiny: done" and exited through isa-debug-exit (33)
# and prints the timings: boot to /init, L2 start to hello and to done,
# microseconds per nested exit.  On a real AMD host (QL_LAB_BACKEND=host)
# the same half runs on the host's own kvm_amd.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
x86_lab_prepare
lab_half x86 300 "$here/nested-svm.lab.sh" "$build/lab-x86/tiny.bin"
is_set() { [ "$1" = Y ] || [ "$1" = 1 ]; }
check nested "dmesg line $(note_of host nested_dmesg), kvm_amd nested=$(note_of host nested)" \
    eval 'is_set "$(note_of host nested_dmesg)" || is_set "$(note_of host nested)"'
check nrips "kvm_amd nrips=$(note_of host nrips) (outer ${QL_LAB_QEMU:-$bin/qemu-system-x86_64})" \
    is_set "$(note_of host nrips)"
check kvm "/dev/kvm: $(note_of host kvm)" test "$(note_of host kvm)" = ok
case_expect l2 "exit 33" '~out: ^\+[0-9]+ tiny: hello from L2' '~out: ^\+[0-9]+ tiny: done$'
# +MS stamps: start -> hello is QEMU's start-up, n= -> done the N CPUIDs
at() { case_out l2 | sed -n "s/^+\([0-9]*\) tiny: $1.*/\1/p" | head -1; }
n=$(case_out l2 | sed -n 's/^+[0-9]* tiny: n=\([0-9]*\).*/\1/p' | head -1)
h=$(at hello) t_n=$(at n=) d=$(at done)
us=?
[ -z "$n" ] || [ -z "$d" ] || [ -z "$t_n" ] || [ "$n" = 0 ] || us=$(awk -v a="$t_n" -v b="$d" -v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
echo "timings: boot-to-init=$(lab_boot_summary boot-to-init)s l2-start-to-hello=${h:-?}ms" \
     "l2-start-to-done=${d:-?}ms us-per-exit=$us (n=${n:-?}) nrips=$(note_of host nrips)"
exit $failed
