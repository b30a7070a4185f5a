#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The aarch64 virt board with GICv3 under TCG on this host boots the hello
# payload (guest/hello.c), which must count exactly the CPUs asked for
# (8, then 512) in the device tree and power off (QEMU exits 0).
. "$(dirname "$0")/../lib/test.sh"
payload=$build/guest/hello.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
for n in 8 512; do
    timeout 300 "$bin/qemu-system-aarch64" -M virt,gic-version=3 -accel tcg -cpu max \
        -smp "$n" -m 1G -display none -monitor none -nic none -no-reboot \
        -serial "file:$tmp/hello-$n.log" -kernel "$payload" 2>"$tmp/err-$n" ||
        fail "QEMU exited $? at -smp $n: $(cat "$tmp/err-$n")"
    cat "$tmp/hello-$n.log"
    grep -q "the device tree lists $n CPUs\$" "$tmp/hello-$n.log" || fail "-smp $n: wrong or no count"
    ok "-smp $n: the guest counted $n CPUs and powered off"
done
