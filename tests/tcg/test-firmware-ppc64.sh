#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-system-ppc64 finds its firmware from Debian's qemu-system-data without
# -L: SLOF for pseries, skiboot for powernv10; both print their banner.
. "$(dirname "$0")/../lib/test.sh"
start_bg "$bin/qemu-system-ppc64" -M pseries -accel tcg -m 512M -display none \
    -nic none -monitor none -no-reboot -serial "file:$tmp/slof.log"
wait_for "$tmp/slof.log" 'FW Version = ' 120
ok "pseries: SLOF $(grep -a -m1 -o 'FW Version = [^[:cntrl:]]*' "$tmp/slof.log")"
stop_bg

start_bg "$bin/qemu-system-ppc64" -M powernv10 -accel tcg -m 2G -display none \
    -nic none -monitor none -no-reboot -serial "file:$tmp/opal.log"
wait_for "$tmp/opal.log" 'OPAL v[0-9.]+ starting' 180
ok "powernv10: $(grep -a -m1 -o 'OPAL v[0-9.]* starting' "$tmp/opal.log")"
