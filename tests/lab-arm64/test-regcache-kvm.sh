#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The vCPU register cache (target/arm/kvm.c) under KVM, for real: the cases
# of regcache.cases in one boot of the nested arm64 lab with the fork and
# the unpatched base (qemu-base), or on this host (QL_LAB_BACKEND=host).
# 1. Same state as the base: at -smp 2, 64 and 512 base and fork save a
#    migration stream at prelaunch and after QMP system_reset, and
#    lab/vmstate-cmp.c finds them equal but for the generic-timer values.
# 2. Negative control: the fork's prelaunch stream against one saved after
#    the census ran must differ in registers.
# 3. Reset after running: census, system_reset, cont, census again; both
#    complete.
# 4. Fewer ioctls: at 512 the fork's KVM_GET_ONE_REG plus KVM_SET_ONE_REG
#    calls to QMP ready (lab/ioctlcount.c) under a third of the base's, and
#    its KVM_GET/SET_DEVICE_ATTR calls (vGIC and vCPU attributes) too.
# 5. The vGIC (hw/intc/arm_gicv3_kvm.c): at -smp 2, 64 and 512 the state
#    QEMU reads back from KVM (the streams' arm_gicv3 section) is the same
#    byte for byte after the fork's cold boot, which skips the writes that
#    KVM's creation state makes no-ops, as after the base's full write-back,
#    and after system_reset.  Negative control: with the vGIC made to differ
#    from its creation state (kvmfault KVMFAULT_VGIC_DIRTY) the fork's
#    cold-boot state differs and the base's does not.
# 6. virt-11.0 (kvm-creation-reset): the cold boot's vGIC state equals the
#    one system_reset's full write-back leaves, at -smp 2, 64 and 512, and
#    differs from virt-10.2's; negative control: with vCPU 1's
#    redistributor made unlike vCPU 0's (KVMFAULT_VGIC_DIRTY=2) it differs;
#    a 512-vCPU stream restores into a fresh virt-11.0 QEMU and the census
#    runs there twice.
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"
if [ "${QL_LAB_BACKEND:-lab}" = lab ]; then
    base=$build/lab/cross-base/qemu-system-aarch64
    [ -x "$base" ] || fail "no base build $base (lab/cross-build.sh build/lab/base-src build/lab/cross-base)"
    "$top/lab/initramfs.sh" --base "$base" >/dev/null || fail "lab/initramfs.sh --base failed"
fi
lab_cases arm64 3600 "$here/regcache.cases" 2400 "$payload"
calls() { case_out "$1" | sed -n "s/^$2=\\([0-9]*\\)\$/\\1/p" | tail -1; }
# (judged when the ioctls rows were chosen: QL_CASE_GROUPS may leave them out)
if [ -n "${QL_CASE_GROUPS:-}${QL_CASE_ONLY:-}" ] && ! case_ran ioctls-base-512; then
    exit $failed
fi
b=$(calls ioctls-base-512 one-reg) f=$(calls ioctls-fork-512 one-reg)
check regcache-ioctls-512 "ONE_REG calls to ready: base ${b:-?}, fork ${f:-?}" \
    eval '[ -n "$b" ] && [ -n "$f" ] && [ "$b" -gt 0 ] && [ $((f * 3)) -lt "$b" ]'
b=$(calls ioctls-base-512 device-attr) f=$(calls ioctls-fork-512 device-attr)
check vgic-ioctls-512 "device attribute calls to ready: base ${b:-?}, fork ${f:-?}" \
    eval '[ -n "$b" ] && [ -n "$f" ] && [ "$b" -gt 0 ] && [ $((f * 3)) -lt "$b" ]'
# three of each vCPU's device attributes are its own (PMU interrupt, PMU
# init, steal time) and lock only it, a fourth is the vGIC's
# GICR_ICENABLER0, which KVM creates with the SGIs enabled; more than that
# and 128 for the distributor would mean other per-vCPU vGIC writes at
# cold boot
check vgic-ioctls-per-vcpu-512 "device attribute calls to ready: fork ${f:-?}, under 4 x 512 + 128" \
    eval '[ -n "$f" ] && [ "$f" -gt 0 ] && [ "$f" -lt $((4 * 512 + 128)) ]'
exit $failed
