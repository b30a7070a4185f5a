#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# query-machines' cpu-max under x86 KVM (patch 0029): one boot of the
# nested x86 lab (kvm_amd, Linux 6.12), where the packed inner
# qemu-system-x86_64 answers QMP query-machines with -machine none, as
# libvirt probes it:
#   tcg        under TCG: q35's own maximum (M, 4096 in QEMU 10.0)
#   kvm        under KVM: min(M, K), K the kernel's KVM_CAP_MAX_VCPUS
#   kvm-100    KVM_CAP_MAX_VCPUS made 100 by lab/kvmfault.c (LD_PRELOAD,
#              fault injection): 100; the shim's line also reports K
# Without the patch the kvm cases say M, and fail (unless K >= M, in which
# case "kvm" cannot tell them apart and only kvm-100 decides).
# QL_LAB_X86_INNER picks the inner binary (default the fork's).
# shellcheck source=tests/kvm-x86/lib.sh
. "$(dirname "$0")/lib.sh"

# Run by busybox ash inside the lab: one "QM NAME q35=N rc=R" line a case,
# stderr lines as "QM-ERR NAME: ...".
cat >"$tmp/cases.sh" <<'EOF'
cd /tmp || exit 1
qm() {  # NAME ACCEL [VAR=VALUE ...]
    name=$1 accel=$2
    shift 2
    if [ $# -gt 0 ]; then set -- env LD_PRELOAD=/usr/lib/kvmfault.so "$@"; fi
    printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-machines"}' \
        '{"execute":"quit"}' |
        "$@" timeout 60 qemu-system-x86_64 -machine "none,accel=$accel" -nodefaults \
            -display none -qmp stdio >"/tmp/$name.out" 2>"/tmp/$name.err"
    rc=$?
    n=$(grep -o '{[^{}]*"alias": "q35"[^{}]*}' "/tmp/$name.out" |
        grep -o '"cpu-max": [0-9]*' | grep -o '[0-9]*$')
    sed "s/^/QM-ERR $name: /" "/tmp/$name.err"
    echo "QM $name q35=${n:-none} rc=$rc"
}
qm tcg tcg
qm kvm kvm
qm kvm-100 kvm KVMFAULT_MAX_VCPUS=100
echo "QM-DONE"
EOF

x86_lab_run "$tmp/cases.sh" 300
grep -q '^QM-DONE' "$tmp/console.log" || fail "the lab did not run the cases (exit $rc)"

val() { sed -n "s/^QM $1 q35=\([0-9a-z]*\) rc=0\$/\1/p" "$tmp/console.log" | tr -d '\r'; }
m=$(val tcg) k_seen=$(val kvm) hundred=$(val kvm-100)
k=$(sed -n 's/^QM-ERR kvm-100: kvmfault: injected 100 for KVM_CAP_MAX_VCPUS (kernel: \([0-9]*\)).*/\1/p' \
    "$tmp/console.log" | head -1)
echo "q35 cpu-max: TCG ${m:-?}, KVM ${k_seen:-?} (kernel's KVM_CAP_MAX_VCPUS ${k:-?}), KVM at 100: ${hundred:-?}"
want=
[[ $m =~ ^[0-9]+$ && $k =~ ^[0-9]+$ ]] && want=$((m < k ? m : k))
check tcg "q35 cpu-max under TCG is the machine's own: ${m:-none}" eval '[[ $m =~ ^[0-9]+$ ]] && [ "$m" -gt 100 ]'
check kvm "q35 cpu-max under KVM ${k_seen:-none}, want min(${m:-?}, kernel ${k:-?})" \
    eval '[ -n "$want" ] && [ "$k_seen" = "$want" ]'
check kvm-100 "q35 cpu-max with KVM_CAP_MAX_VCPUS injected as 100: ${hundred:-none}" \
    eval '[ "$hundred" = 100 ] && [ -n "$k" ]'
exit $failed
