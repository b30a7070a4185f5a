#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The census payload (guest/census.c) under TCG on this host: proves the
# payload itself (every CPU online, its timer PPI and an SGI by affinity),
# the PSCI CPU_ON race fix (patches/arm-psci/0001-*):
# several CPUs racing CPU_ON for the same CPU, exactly one SUCCESS and
# ALREADY_ON for every other caller, as Linux KVM answers), and, as
# a negative control, that a missing SGI makes the census fail.
# Without the patch this race check fails: on unpatched 10.0.13 at -smp 64,
# 42 of the 60 targets got SUCCESS from more than one caller (measured once,
# 2026-11-24; at -smp 512, 291 of 508); on unpatched upstream 10.2.2
# (build/base-a64: QL_TREE=build/lab/base-src QL_BDIR=build/base-a64
# QL_TARGETS=aarch64-softmmu scripts/build.sh, absolute paths), 44 of 60,
# success=141 already_on=99 (2026-12-02); with the patch's first version,
# which answered ON_PENDING, most other callers got -5.
. "$(dirname "$0")/lib.sh"
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"

census() {  # census SMP LOG [APPEND]
    timeout 300 "$bin/qemu-system-aarch64" -M virt,gic-version=3 -accel tcg -cpu max \
        -smp "$1" -m 1G -display none -monitor none -nic none -no-reboot \
        -serial "file:$2" -kernel "$payload" ${3:+-append "$3"} 2>"$2.err"
}

census 8 "$tmp/c8.log" || fail "QEMU exited $? at -smp 8: $(cat "$tmp/c8.log.err")"
cat "$tmp/c8.log"
grep -qx 'census: cpus=8/8 ppi=8/8 sgi=8/8' "$tmp/c8.log" || fail "-smp 8 census line"
! grep -q FAILED "$tmp/c8.log" || fail "-smp 8 reported FAILED"
ok "-smp 8: every CPU, PPI and SGI"

census 64 "$tmp/race.log" race || fail "QEMU exited $? in race mode"
cat "$tmp/race.log"
line=$(grep -a '^census-race: targets=' "$tmp/race.log") || fail "no census-race line"
t=$(sed -n 's/.*targets=\([0-9]*\).*/\1/p' <<<"$line")
s=$(sed -n 's/.*success=\([0-9]*\).*/\1/p' <<<"$line")
[ "$t" = 60 ] && [ "$s" = 60 ] || fail "expected 60 targets with one SUCCESS each: $line"
# Every other caller gets ALREADY_ON, as under Linux KVM: 3 per target.
grep -q ' already_on=180 on_pending=0 bad=0$' <<<"$line" || fail "expected ALREADY_ON from every other caller: $line"
grep -qx 'census: cpus=64/64 ppi=64/64 sgi=64/64' "$tmp/race.log" || fail "race-mode census line"
! grep -q FAILED "$tmp/race.log" || fail "race mode reported FAILED"
ok "race: 4 callers x 60 targets, exactly one SUCCESS per target, ALREADY_ON for the rest"

census 8 "$tmp/neg.log" "skip-sgi=5 timeout=5" || true
cat "$tmp/neg.log"
grep -qx 'census: no sgi (1): 5' "$tmp/neg.log" || fail "the missing SGI was not reported"
grep -qx 'census: FAILED' "$tmp/neg.log" || fail "a missing SGI did not fail the census"
ok "negative control: a withheld SGI is reported and fails the census"
