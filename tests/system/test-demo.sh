#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The interim main job: the aarch64 virt board with GICv3 under TCG boots the
# hello payload, which must count exactly the CPUs asked for (8, then 512).
. "$(dirname "$0")/lib.sh"
for n in 8 512; do
    SMP=$n "$top/scripts/demo.sh" >"$tmp/demo-$n.log" 2>&1 || { cat "$tmp/demo-$n.log"; fail "-smp $n"; }
    grep -q "the device tree lists $n CPUs" "$tmp/demo-$n.log" || { cat "$tmp/demo-$n.log"; fail "-smp $n count"; }
    ok "$(grep 'exited' "$tmp/demo-$n.log")"
done
