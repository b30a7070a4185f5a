#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nested SVM under TCG, for real: the nested x86 lab (lab/x86/) boots
# Debian's amd64 kernel under the outer qemu-system-x86_64 (-accel tcg
# -cpu max -smp 2 -m 2G), loads irqbypass, kvm, ccp and kvm-amd, and runs
# the fork's qemu-system-x86_64 -accel kvm inside with the L2 guest
# lab/x86/tiny.S (CPUID x N, each one a nested exit handled by the L1
# kernel).  Checks, one result line each:
#   boot      the lab reaches /init and reports LAB-EXIT
#   nested    dmesg: "kvm_amd: Nested Virtualization enabled"
#   nrips     /sys/module/kvm_amd/parameters/nrips is Y or 1: the outer
#             QEMU advertises NRIPSAVE (the unpatched base does not, so
#             this fails there: the A/B)
#   kvm       /dev/kvm opens
#   l2-hello  the L2 guest printed "tiny: hello from L2"
#   l2-done   it ran its N CPUIDs, printed "tiny: done" and exited through
#             isa-debug-exit (QEMU status 33)
# and prints the timings: boot to /init (host and guest clock), L2 start
# to done, microseconds per nested exit.
#
# OUTER_QEMU selects the outer emulator (default: the fork's
# build/bin/qemu-system-x86_64; the unpatched base: build/base-x86/
# qemu-system-x86_64).  The inner one is QL_LAB_X86_INNER (default the
# fork's).  QL_LAB_TIMEOUT bounds the lab run (default 300 s).
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/../system/lib.sh"
outer=${OUTER_QEMU:-$bin/qemu-system-x86_64}
[ -x "$outer" ] || fail "no outer emulator $outer (make build, or set OUTER_QEMU)"
export OUTER_QEMU=$outer


t0=${EPOCHREALTIME/./}
"$top/lab/x86/initramfs.sh" || fail "lab/x86/initramfs.sh failed"
rc=0
"$top/lab/x86/run.sh" --timeout "${QL_LAB_TIMEOUT:-300}" --log "$tmp/console.log" \
    >"$tmp/lab.log" 2>&1 || rc=$?
cat "$tmp/lab.log"
t1=${EPOCHREALTIME/./}

res=$(grep -a '^LAB-X86-RESULT ' "$tmp/console.log" | tail -1 || true)
val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${res#LAB-X86-RESULT}"; }
summary=$(grep -a '^lab-x86: boot-to-init=' "$tmp/lab.log" | tail -1 || true)
boot=$(sed -n 's/.*boot-to-init=\([^ ]*\).*/\1/p' <<<"$summary")
nrips=$(val nrips)

check boot "lab run exit $rc; /init after ${boot:-?} s host time (uptime $(val init_uptime) s)" \
    test -n "$res" -a "$rc" != 124 -a "$rc" != 125
check nested "kvm_amd: Nested Virtualization enabled (dmesg)" \
    grep -aq 'kvm_amd: Nested Virtualization enabled' "$tmp/console.log"
is_set() { [ "$1" = Y ] || [ "$1" = 1 ]; }
check nrips "kvm_amd nrips=${nrips:-?} (outer $outer)" is_set "$nrips"
check kvm "/dev/kvm: $(val kvm)" test "$(val kvm)" = ok
check l2-hello "tiny: hello from L2 after $(val l2_start_to_hello_ms) ms" test "$(val l2_hello)" = 1
check l2-done "tiny: done, exit $(val l2_exit); $(val n) CPUIDs in $(val l2_loop_ms) ms, $(val us_per_exit) us each" \
    test "$(val l2_done)" = 1 -a "$(val l2_exit)" = 33

total=$(( (t1 - t0) / 1000000 )).$(( (t1 - t0) % 1000000 / 100000 ))
echo "timings: boot-to-init=${boot:-?}s (guest uptime $(val init_uptime) s)" \
     "l2-start-to-hello=$(val l2_start_to_hello_ms)ms l2-start-to-done=$(val l2_start_to_done_ms)ms" \
     "us-per-exit=$(val us_per_exit) (n=$(val n)) nrips=$(val nrips) test-total=${total}s outer=$outer"
[ $failed = 0 ] || exit 1
