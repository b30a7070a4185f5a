#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The gdbstub's per-CPU register features on aarch64 (TCG, -cpu max, EL2, -S):
# the fork builds the system-register and SVE features once and gives them
# to every identical CPU.  Checked through the GDB remote protocol
# (tests/system/gdb-rsp.py), for every vCPU at -smp 4:
#  - system-registers.xml and sve-registers.xml are the same on every vCPU,
#    and the same as at -smp 1 (where nothing is shared);
#  - they list hundreds of registers;
#  - VPIDR_EL2 (MIDR) reads the same on every vCPU, and VMPIDR_EL2 (MPIDR)
#    reads each vCPU's own affinity (0, 1, 2, 3): the register numbers of
#    the shared feature still lead to each vCPU's own state.
. "$(dirname "$0")/lib.sh"
rsp() {  # N CPU-MODEL
    local n=$1 cpu=$2
    rm -f "$tmp/gdb.sock"
    start_bg "$bin/qemu-system-aarch64" -M virt,gic-version=3,virtualization=on -accel tcg -cpu "$cpu" \
        -smp "$n" -m 256M -display none -monitor none -nic none -serial none -S \
        -chardev "socket,id=g,path=$tmp/gdb.sock,server=on,wait=off" -gdb chardev:g
    for _ in $(seq 1 100); do [ -S "$tmp/gdb.sock" ] && break; sleep 0.1; done
    timeout 120 python3 "$top/tests/system/gdb-rsp.py" "$tmp/gdb.sock" >"$tmp/rsp-$n.out" 2>"$tmp/rsp-$n.err" ||
        { cat "$tmp/rsp-$n.err"; fail "gdb-rsp.py failed at -smp $n ($cpu)"; }
    stop_bg
    cat "$tmp/rsp-$n.out"
}
rsp 1 max
one=$(awk '{ print $3, $4, $5 }' "$tmp/rsp-1.out")
rsp 4 max
[ "$(wc -l <"$tmp/rsp-4.out")" = 4 ] || fail "expected 4 threads"
[ "$(awk '{ print $3, $4, $5 }' "$tmp/rsp-4.out" | sort -u)" = "$one" ] ||
    fail "the features differ between vCPUs, or from -smp 1"
nsys=$(awk '{ sub("nsys=", "", $4); print $4; exit }' "$tmp/rsp-4.out")
[ "$nsys" -gt 200 ] || fail "only $nsys system registers"
[ "$(awk '{ print $6 }' "$tmp/rsp-4.out" | sort -u | wc -l)" = 1 ] || fail "VPIDR_EL2 differs between vCPUs"
aff=
for m in $(awk '{ sub("mpidr=", "", $7); print $7 }' "$tmp/rsp-4.out"); do
    aff+="$((0x$m & 0xff)) "
done
[ "$aff" = "0 1 2 3 " ] || fail "VMPIDR_EL2 affinities are '$aff', want '0 1 2 3 '"
ok "-smp 4: one system-register feature ($nsys registers) and one SVE feature for all vCPUs, as at -smp 1; VMPIDR_EL2 affinity per vCPU: $aff"
