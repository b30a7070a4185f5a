#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# query-machines' cpu-max under x86 KVM (fork-i386-kvm/1): the cases of
# query-machines.cases in one boot of the nested x86 lab (kvm_amd), or on
# this host (QL_LAB_BACKEND=host), then kvm-cpu-max: under KVM q35's
# cpu-max must be min(M, K), M its own maximum (the tcg case) and K the
# kernel's KVM_CAP_MAX_VCPUS (which the shim reports in kvm-100).  Without
# the patch the kvm cases say M and fail (unless K >= M, in which case only
# kvm-100 decides).
. "$(dirname "$0")/../lib/test.sh"
. "$top/tests/lib/lab.sh"
here=$(dirname "$0")
x86_lab_prepare
lab_cases x86 300 "$here/query-machines.cases" 60
cpumax() { case_out "$1" | grep -o '{[^{}]*"alias": "q35"[^{}]*}' | grep -o '"cpu-max": [0-9]*' | grep -o '[0-9]*$' || true; }
m=$(cpumax tcg) kv=$(cpumax kvm)
k=$(case_err kvm-100 | sed -n 's/^kvmfault: injected 100 for KVM_CAP_MAX_VCPUS (kernel: \([0-9]*\)).*/\1/p' | head -1)
want=
[[ $m =~ ^[0-9]+$ && $k =~ ^[0-9]+$ ]] && want=$((m < k ? m : k))
check kvm-cpu-max "q35 cpu-max under KVM ${kv:-none}, want min(TCG's ${m:-?}, kernel ${k:-?})" \
    test -n "$want" -a "$kv" = "$want"
exit $failed
