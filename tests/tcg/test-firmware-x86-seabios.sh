#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-system-x86_64 -M pc finds SeaBIOS (Debian's seabios package) and the
# VGA ROM without -L, and the BIOS runs until it has no disk to boot.
. "$(dirname "$0")/../lib/test.sh"
start_bg "$bin/qemu-system-x86_64" -M pc -accel tcg -m 128M -display none \
    -nic none -monitor none -serial none -no-reboot \
    -chardev "file,id=dbg,path=$tmp/seabios.log" \
    -device isa-debugcon,iobase=0x402,chardev=dbg 2>"$tmp/stderr"
wait_for "$tmp/seabios.log" '^SeaBIOS \(version' 60
ok "$(grep -a -m1 '^SeaBIOS (version' "$tmp/seabios.log")"
wait_for "$tmp/seabios.log" 'No bootable device' 120
ok "the BIOS reached its boot menu and found no disk, as expected"
! grep -qiE 'romfile|could not|not found' "$tmp/stderr" || fail "QEMU: $(cat "$tmp/stderr")"
ok "no firmware or option ROM reported missing"
