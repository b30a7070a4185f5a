#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vCPU limits under KVM, for real: one boot of the nested arm64 lab, where
# the fork's qemu-system-aarch64 runs -accel kvm -M virt -cpu host.
#
#  - -smp 512 starts (-S); QMP query-kvm reports vcpu-limit 512 set by the
#    host (KVM_CAP_MAX_VCPUS) and HMP "info kvm" says the same in one line.
#  - Host limits a modern kernel does not have are made with FAULT INJECTION
#    at the ioctl boundary: lab/kvmfault.c (LD_PRELOAD) makes
#    CHECK_EXTENSION(LAYOUT_2) return 0, REDIST_REGION unknown (ENXIO),
#    the SET_DEVICE_ATTR of redistributor region 1 (or 0) fail with ENOSPC,
#    KVM_CAP_MAX_VCPUS small, and KVM_IRQ_LINE fail with EINVAL.  Every
#    injected fault must be reported by the shim (so it was really hit), and
#    QEMU must print the exact message, exit with status 1, and leave no core
#    file (ulimit -c unlimited).  The -smp each message names must then start
#    with the same fault in place and run the census guest to completion.
#  - QMP query-machines with -machine none, as libvirt probes it: the virt
#    board's cpu-max under KVM is capped by the host's limits (512; 256
#    without LAYOUT_2; 100 when KVM_CAP_MAX_VCPUS says 100); "none" stays
#    1.  The unpatched base (qemu-base) says 512 with LAYOUT_2 missing,
#    which is what made libvirt accept a domain QEMU refuses.  With a
#    virt board built (-S), the board's own limits (123 without
#    REDIST_REGION) do not leak into cpu-max.  (The lab's
#    QEMU has no TCG; TCG's 512 is checked by test-libvirt-tcg.sh.)
#  - Bad command lines under KVM: -smp 513, -smp 0, maxcpus < cpus,
#    gic-version=2 (the lab host has no GICv2 emulation), highmem-redists=off
#    at -smp 124, highmem=off at -smp 512.
#
# Writes one result line per case to $QL_SUBRESULTS when set (make check).
. "$(dirname "$0")/lib.sh"
payload=$build/guest/census.bin
[ -f "$payload" ] || fail "no $payload (make guest)"

# Runs inside the lab (bash).  Each case prints CASE-START/CASE-END markers,
# QEMU's stderr as "ERR: " lines and stdout as "OUT: " lines.
cmd='
ulimit -c unlimited
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
q="qemu-system-aarch64 -accel kvm -cpu host -m 1G -display none -nic none -no-reboot"
census="-monitor none -serial stdio -kernel /lab/files/census.bin"
qmp_cmds="{\"execute\":\"qmp_capabilities\"}
{\"execute\":\"query-kvm\"}
{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"info kvm\"}}
{\"execute\":\"quit\"}"
run() {  # NAME ENV ARGS...
    local name=$1 env=$2 rc core
    shift 2
    mkdir -p /tmp/c-$name && cd /tmp/c-$name || exit 1
    echo "CASE-START $name"
    env $env timeout 900 $q "$@" </dev/null >out 2>err; rc=$?
    core=no; ls core* >/dev/null 2>&1 && core=yes
    sed "s/^/OUT: /" out | grep -v "^OUT: *$" | head -20
    sed "s/^/ERR: /" err | head -20
    echo "CASE-END $name rc=$rc core=$core"
    cd /lab/files
}
runqmp() {  # NAME ENV ARGS...: -S, QMP on stdio, query-kvm, info kvm, quit
    local name=$1 env=$2 rc core
    shift 2
    mkdir -p /tmp/c-$name && cd /tmp/c-$name || exit 1
    echo "CASE-START $name"
    env $env timeout 900 $q -S -monitor none -serial none -qmp stdio "$@" \
        < <(printf "%s\n" "$qmp_cmds"; sleep 900) >out 2>err; rc=$?
    core=no; ls core* >/dev/null 2>&1 && core=yes
    sed "s/^/OUT: /" out | head -20
    sed "s/^/ERR: /" err | head -20
    echo "CASE-END $name rc=$rc core=$core"
    cd /lab/files
}
qm() {  # NAME ENV BINARY [MACHINE ARGS]: cpu-max of virt and none in
        # query-machines under KVM (machine none unless given, as libvirt)
    local name=$1 env=$2 bin=$3 rc
    shift 3
    [ $# -gt 0 ] || set -- -machine none,accel=kvm
    echo "CASE-START $name"
    printf "%s\n" "{\"execute\":\"qmp_capabilities\"}" \
        "{\"execute\":\"query-machines\"}" "{\"execute\":\"quit\"}" |
        env $env timeout 120 $bin "$@" -nodefaults -S \
            -display none -qmp stdio >/tmp/qm.out 2>/tmp/qm.err; rc=$?
    for m in "\"alias\": \"virt\"" "\"name\": \"none\""; do
        echo "OUT: $m cpu-max $(grep -o "{[^{}]*$m[^{}]*}" /tmp/qm.out |
            grep -o "\"cpu-max\": [0-9]*" | grep -o "[0-9]*$")"
    done
    sed "s/^/ERR: /" /tmp/qm.err | head -5
    echo "CASE-END $name rc=$rc core=no"
}
KF="LD_PRELOAD=/usr/lib/kvmfault.so"
qm qm-kvm "" qemu-system-aarch64
qm qm-kvm-layout2 "KVMFAULT_NO_LAYOUT2=1 $KF" qemu-system-aarch64
qm qm-kvm-maxvcpus "KVMFAULT_MAX_VCPUS=100 $KF" qemu-system-aarch64
qm qm-base-layout2 "KVMFAULT_NO_LAYOUT2=1 $KF" qemu-base
qm qm-virt-redist "KVMFAULT_NO_REDIST_REGION=1 $KF" qemu-system-aarch64 \
    -accel kvm -cpu host -M virt,gic-version=3 -smp 8 -m 256M
G3="-M virt,gic-version=3"
runqmp ok-512 "" $G3 -smp 512
run layout2 "KVMFAULT_NO_LAYOUT2=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 512 $census
run layout2-256 "KVMFAULT_NO_LAYOUT2=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 256 $census
run redist "KVMFAULT_NO_REDIST_REGION=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 124 $census
run redist-123 "KVMFAULT_NO_REDIST_REGION=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 123 $census
run enospc "KVMFAULT_REDIST_ENOSPC=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 512 $census
run enospc-123 "KVMFAULT_REDIST_ENOSPC=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 123 $census
run enospc0 "KVMFAULT_REDIST_ENOSPC=0 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 8 $census
run maxvcpus "KVMFAULT_MAX_VCPUS=100 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 128 $census
run maxvcpus-100 "KVMFAULT_MAX_VCPUS=100 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 100 $census
run maxcpus "KVMFAULT_MAX_VCPUS=100 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 64,maxcpus=128 $census
run irqline "KVMFAULT_IRQ_LINE_EINVAL=1 LD_PRELOAD=/usr/lib/kvmfault.so" $G3 -smp 2 $census
run smp513 "" $G3 -smp 513 $census
run smp0 "" $G3 -smp 0 $census
run maxlt "" $G3 -smp 8,maxcpus=4 $census
run gicv2 "" -M virt,gic-version=2 -smp 9 $census
run hmredists "" -M virt,gic-version=3,highmem-redists=off -smp 124 $census
run hmredists-123 "" -M virt,gic-version=3,highmem-redists=off -smp 123 $census
run highmem "" -M virt,gic-version=3,highmem=off -smp 512 $census
'
lab_run "$payload" "$cmd"

# The console lines of case NAME, without the host timestamps
case_out() {
    sed -n "/\] CASE-START $1\$/,/\] CASE-END $1 rc=/p" "$tmp/lab.log" | sed 's/^\[[^]]*\] //'
}
bad=0
Q=qemu-system-aarch64
INJ='kvmfault: injected'
# expect NAME RC LINE...: exit status RC, no core file, every LINE (a fixed
# string; "~" prefix: a grep -E regex) present among the case's lines
expect() {
    local name=$1 want=$2 out line missing=""
    shift 2
    out=$(case_out "$name")
    if [ -z "$out" ]; then
        missing="the case did not run"
    elif ! grep -q "^CASE-END $name rc=$want core=no\$" <<<"$out"; then
        missing="$(grep -o 'rc=[0-9]* core=[a-z]*' <<<"$out"), want rc=$want core=no"
    fi
    for line in "$@"; do
        if [ "${line#\~}" != "$line" ]; then
            grep -Eq -- "${line#\~}" <<<"$out" || missing="${missing:+$missing; }no /${line#\~}/"
        else
            grep -Fxq -- "$line" <<<"$out" || missing="${missing:+$missing; }no '$line'"
        fi
    done
    if [ -z "$missing" ]; then
        ok "$name"
        sub "$name" PASS ""
    else
        echo "FAIL: $name: $missing" >&2
        sub "$name" FAIL "$missing"
        bad=1
    fi
}
census() { echo "OUT: census: cpus=$1/$1 ppi=$1/$1 sgi=$1/$1"; }

R='^OUT: \{"return": \{.*'
expect ok-512 0 "~$R\"enabled\": true" "~$R\"vcpu-limit\": \{.*\"max-vcpus\": 512" \
    "~$R\"vcpu-limit\": \{.*\"source\": \"host\"" \
    "~$R\"vcpu-limit\": \{.*\"reason\": \"KVM_CAP_MAX_VCPUS is 512\"" \
    '~^OUT: \{"return": "kvm support: enabled(\\r)?\\nvCPU limit: 512 \(host: KVM_CAP_MAX_VCPUS is 512\)(\\r)?\\n"\}'
V='OUT: "alias": "virt" cpu-max' N='OUT: "name": "none" cpu-max'
expect qm-kvm 0 "$V 512" "$N 1"
expect qm-kvm-layout2 0 "ERR: $INJ 0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2" "$V 256" "$N 1"
expect qm-kvm-maxvcpus 0 "~^ERR: $INJ 100 for KVM_CAP_MAX_VCPUS" "$V 100" "$N 1"
# The base does not even ask for LAYOUT_2 before a machine with 257+ vCPUs:
# it says 512 whatever the host (the fault changes nothing for it)
expect qm-base-layout2 0 "$V 512" "$N 1"
# Once a virt board is built, its own limits (here 123 redistributors
# without REDIST_REGION) stay out of every machine type's cpu-max
expect qm-virt-redist 0 "ERR: $INJ ENXIO on HAS_DEVICE_ATTR REDIST_REGION" "$V 512" "$N 1"
expect layout2 1 "ERR: $INJ 0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2" \
    "ERR: $Q: -smp 512: at most 256 vCPUs on this host: KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 missing (host kernel older than 5.4)" \
    "ERR: Use -smp 256 or fewer, or a host kernel with KVM_CAP_ARM_IRQ_LINE_LAYOUT_2."
expect layout2-256 0 "ERR: $INJ 0 for KVM_CAP_ARM_IRQ_LINE_LAYOUT_2" "$(census 256)"
expect redist 1 "ERR: $INJ ENXIO on HAS_DEVICE_ATTR REDIST_REGION" \
    "ERR: $Q: -smp 124: at most 123 vCPUs on this host: KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION missing (host kernel older than 4.18), so only the first redistributor region (123 redistributors) can be used" \
    "ERR: Use -smp 123 or fewer, or a host kernel with multiple redistributor regions."
expect redist-123 0 "$(census 123)"
expect enospc 1 "ERR: $INJ ENOSPC on REDIST_REGION index 1 count 389" \
    "ERR: $Q: -smp 512: registering GICv3 redistributor region 1 (389 redistributors) failed after 123 redistributors: No space left on device (the host kernel ran out of MMIO-bus devices)" \
    "ERR: Use a smaller -smp (123 surely fit; kernels that use two MMIO-bus devices per redistributor fit a little under 500), or a host kernel with one (Linux 5.4 or later)."
expect enospc-123 0 "$(census 123)"
expect enospc0 1 "ERR: $INJ ENOSPC on REDIST_REGION index 0 count 8" \
    "ERR: $Q: -smp 8: registering GICv3 redistributor region 0 (8 redistributors) failed: No space left on device (the host kernel ran out of MMIO-bus devices)" \
    "ERR: Use a smaller -smp, or a host kernel with one MMIO-bus device per redistributor (Linux 5.4 or later)."
expect maxvcpus 1 "~^ERR: $INJ 100 for KVM_CAP_MAX_VCPUS \(kernel: [0-9]+\)\$" \
    "ERR: $Q: -smp 128: at most 100 vCPUs on this host: KVM_CAP_MAX_VCPUS is 100" \
    "ERR: Use -smp 100 or fewer."
expect maxvcpus-100 0 "$(census 100)"
expect maxcpus 1 "ERR: $Q: -smp maxcpus=128: at most 100 vCPUs on this host: KVM_CAP_MAX_VCPUS is 100" \
    "ERR: Use -smp maxcpus=100 or fewer."
expect irqline 1 "~^ERR: $INJ EINVAL on KVM_IRQ_LINE(_STATUS)? call 1 and later\$" \
    "~^ERR: $Q: SPI 33: KVM_IRQ_LINE(_STATUS)? \(irq field 0x01000021, level [01]\) failed: Invalid argument\$"
expect smp513 1 "~^ERR: $Q: Invalid SMP CPUs 513\. The max CPUs supported by machine 'virt-[0-9.]+' is 512\$"
expect smp0 1 "ERR: $Q: Invalid CPU topology: CPU topology parameters must be greater than zero"
expect maxlt 1 "~^ERR: $Q: Invalid CPU topology: maxcpus must be equal to or greater than smp: .* == maxcpus \(4\) < smp_cpus \(8\)\$"
expect gicv2 1 "ERR: $Q: KVM does not support GICv2 emulation"
expect hmredists 1 \
    "ERR: $Q: -smp 124: at most 123 vCPUs for this machine: highmem-redists=off leaves room for 123 GICv3 redistributors" \
    "ERR: Use -smp 123 or fewer, or highmem-redists=on."
expect hmredists-123 0 "$(census 123)"
expect highmem 1 \
    "ERR: $Q: -smp 512: at most 123 vCPUs for this machine: highmem=off leaves room for 123 GICv3 redistributors" \
    "ERR: Use -smp 123 or fewer, or highmem=on."
# No QEMU may die by a signal (abort, assertion, segfault) anywhere above
if grep -Eq '^\[[^]]*\] CASE-END [a-z0-9-]+ rc=(1[3-9][0-9]|2[0-9][0-9]) ' "$tmp/lab.log" ||
   grep -Eq '^\[[^]]*\] ERR: .*(Assertion|Aborted|core dumped)' "$tmp/lab.log"; then
    echo "FAIL: a QEMU run died by a signal or an assertion" >&2
    sub "no-signal" FAIL "see the log"
    bad=1
else
    ok "no run died by a signal or an assertion"
    sub "no-signal" PASS ""
fi
exit $bad
